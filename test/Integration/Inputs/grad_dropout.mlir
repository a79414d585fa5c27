// grad_check.py: gradient of tvq.dropout (the same mask on the gradient), with
// an elementwise mask and a per-row (LayerDrop) mask.
func.func @f(%x: tensor<?x?x6xf32> {tvq.name = "x"}, %seed: tensor<i64> {tvq.name = "seed"},
             %c: tensor<?x?x6xf32> {tvq.name = "c"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = tvq.dropout %x, %seed {rate = 0.4 : f64, stream = 3 : i64, mask_rank = 3 : i64}
      : (tensor<?x?x6xf32>, tensor<i64>) -> tensor<?x?x6xf32>
  %z = tvq.dropout %y, %seed {rate = 0.5 : f64, stream = 4 : i64, mask_rank = 1 : i64}
      : (tensor<?x?x6xf32>, tensor<i64>) -> tensor<?x?x6xf32>
  %p = arith.mulf %z, %c : tensor<?x?x6xf32>
  %m = tvq.mean %p : (tensor<?x?x6xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
