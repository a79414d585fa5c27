// grad_check.py: gradient of tvq.scale, on a tensor and on the rank-0 loss.
func.func @f(%x: tensor<?x5xf32> {tvq.name = "x"}, %c: tensor<?x5xf32> {tvq.name = "c"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = tvq.scale %x {factor = 3.700000e-01 : f64} : tensor<?x5xf32>
  %p = arith.mulf %y, %c : tensor<?x5xf32>
  %m = tvq.mean %p : (tensor<?x5xf32>) -> tensor<f32>
  %l = tvq.scale %m {factor = -2.500000e+00 : f64} : tensor<f32>
  return %l : tensor<f32>
}
