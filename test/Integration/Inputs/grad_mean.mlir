// grad_check.py: gradient of tvq.mean (rank 3 and rank 1) with a non-unit incoming gradient: the
// loss is the product of two means.
func.func @f(%x: tensor<?x?x3xf32> {tvq.name = "x"}, %y: tensor<4xf32> {tvq.name = "y"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %mx = tvq.mean %x : (tensor<?x?x3xf32>) -> tensor<f32>
  %my = tvq.mean %y : (tensor<4xf32>) -> tensor<f32>
  %m = arith.mulf %mx, %my : tensor<f32>
  return %m : tensor<f32>
}
