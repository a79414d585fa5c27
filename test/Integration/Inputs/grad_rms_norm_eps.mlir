// grad_check.py: gradient of tvq.rms_norm with a large epsilon (0.25), so that a gradient which
// ignored epsilon would be visibly wrong on inputs of root-mean-square ~0.3.
func.func @f(%x: tensor<?x6xf32> {tvq.name = "x"}, %c: tensor<?x6xf32> {tvq.name = "c"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = tvq.rms_norm %x {epsilon = 2.5e-01 : f64} : tensor<?x6xf32>
  %p = arith.mulf %y, %c : tensor<?x6xf32>
  %m = tvq.mean %p : (tensor<?x6xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
