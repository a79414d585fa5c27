// grad_check.py: gradient of arith.mulf on tensors, including a value multiplied by itself and
// a value used several times (its adjoints are summed).
func.func @f(%a: tensor<?x?x3xf32> {tvq.name = "a"}, %b: tensor<?x?x3xf32> {tvq.name = "b"},
             %c: tensor<?x?x3xf32> {tvq.name = "c"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %aa = arith.mulf %a, %a : tensor<?x?x3xf32>
  %ab = arith.mulf %aa, %b : tensor<?x?x3xf32>
  %t = arith.subf %ab, %a : tensor<?x?x3xf32>
  %p = arith.mulf %t, %c : tensor<?x?x3xf32>
  %m = tvq.mean %p : (tensor<?x?x3xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
