// grad_check.py: gradients of tvq.dense with a bias and {transpose_weight}, rank-2 input.
func.func @f(%x: tensor<?x6xf32> {tvq.name = "x"}, %w: tensor<4x6xf32> {tvq.name = "w"},
             %b: tensor<4xf32> {tvq.name = "b"}, %c: tensor<?x4xf32> {tvq.name = "c"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = tvq.dense %x, %w bias %b {transpose_weight} : (tensor<?x6xf32>, tensor<4x6xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %p = arith.mulf %y, %c : tensor<?x4xf32>
  %m = tvq.mean %p : (tensor<?x4xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
