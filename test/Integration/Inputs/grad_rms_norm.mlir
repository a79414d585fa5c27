// grad_check.py: gradient of tvq.rms_norm (default epsilon).
func.func @f(%x: tensor<?x?x8xf32> {tvq.name = "x"}, %c: tensor<?x?x8xf32> {tvq.name = "c"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = tvq.rms_norm %x : tensor<?x?x8xf32>
  %p = arith.mulf %y, %c : tensor<?x?x8xf32>
  %m = tvq.mean %p : (tensor<?x?x8xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
