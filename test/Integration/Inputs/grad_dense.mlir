// grad_check.py: gradients of a plain tvq.dense (input and weight), rank-3 input.
func.func @f(%x: tensor<?x?x6xf32> {tvq.name = "x"}, %w: tensor<6x4xf32> {tvq.name = "w"},
             %c: tensor<?x?x4xf32> {tvq.name = "c"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %y = tvq.dense %x, %w : (tensor<?x?x6xf32>, tensor<6x4xf32>) -> tensor<?x?x4xf32>
  %p = arith.mulf %y, %c : tensor<?x?x4xf32>
  %m = tvq.mean %p : (tensor<?x?x4xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
