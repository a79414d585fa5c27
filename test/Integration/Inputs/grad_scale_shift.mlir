// grad_check.py: gradients of tvq.scale_shift (input, gain, bias).
func.func @f(%x: tensor<?x?x6xf32> {tvq.name = "x"}, %gain: tensor<6xf32> {tvq.name = "gain"},
             %bias: tensor<6xf32> {tvq.name = "bias"}, %c: tensor<?x?x6xf32> {tvq.name = "c"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = tvq.scale_shift %x, %gain, %bias : (tensor<?x?x6xf32>, tensor<6xf32>, tensor<6xf32>) -> tensor<?x?x6xf32>
  %y2 = arith.mulf %y, %y : tensor<?x?x6xf32>
  %p = arith.mulf %y2, %c : tensor<?x?x6xf32>
  %m = tvq.mean %p : (tensor<?x?x6xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
