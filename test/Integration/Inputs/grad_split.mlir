// grad_check.py: gradient of tvq.split; the middle part is unused (its gradient is zero).
func.func @f(%x: tensor<?x?x10xf32> {tvq.name = "x"}, %ca: tensor<?x?x3xf32> {tvq.name = "ca"},
             %cc: tensor<?x?x4xf32> {tvq.name = "cc"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %a, %b, %c = tvq.split %x {sizes = array<i64: 3, 3, 4>} : (tensor<?x?x10xf32>) -> (tensor<?x?x3xf32>, tensor<?x?x3xf32>, tensor<?x?x4xf32>)
  %pa = arith.mulf %a, %ca : tensor<?x?x3xf32>
  %c2 = arith.mulf %c, %c : tensor<?x?x4xf32>
  %pc = arith.mulf %c2, %cc : tensor<?x?x4xf32>
  %ma = tvq.mean %pa : (tensor<?x?x3xf32>) -> tensor<f32>
  %mc = tvq.mean %pc : (tensor<?x?x4xf32>) -> tensor<f32>
  %m = arith.addf %ma, %mc : tensor<f32>
  return %m : tensor<f32>
}
