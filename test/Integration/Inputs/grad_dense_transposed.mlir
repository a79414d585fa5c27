// grad_check.py: gradients of tvq.dense {transpose_weight} (weight [O, I], as the tied head uses
// the embedding table), rank-3 input, no bias.
func.func @f(%x: tensor<?x?x6xf32> {tvq.name = "x"}, %w: tensor<4x6xf32> {tvq.name = "w"},
             %c: tensor<?x?x4xf32> {tvq.name = "c"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %y = tvq.dense %x, %w {transpose_weight} : (tensor<?x?x6xf32>, tensor<4x6xf32>) -> tensor<?x?x4xf32>
  %p = arith.mulf %y, %c : tensor<?x?x4xf32>
  %m = tvq.mean %p : (tensor<?x?x4xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
