// grad_check.py: gradient of arith.subf on tensors.
func.func @f(%a: tensor<?x6xf32> {tvq.name = "a"}, %b: tensor<?x6xf32> {tvq.name = "b"},
             %c: tensor<?x6xf32> {tvq.name = "c"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %s = arith.subf %a, %b : tensor<?x6xf32>
  %p = arith.mulf %s, %c : tensor<?x6xf32>
  %m = tvq.mean %p : (tensor<?x6xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
