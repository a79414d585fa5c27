// grad_check.py: gradient of tvq.silu.
func.func @f(%x: tensor<?x?x5xf32> {tvq.name = "x"}, %c: tensor<?x?x5xf32> {tvq.name = "c"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = tvq.silu %x : tensor<?x?x5xf32>
  %p = arith.mulf %y, %c : tensor<?x?x5xf32>
  %m = tvq.mean %p : (tensor<?x?x5xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
