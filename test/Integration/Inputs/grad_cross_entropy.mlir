// grad_check.py: gradient of tvq.cross_entropy with respect to the logits; the loss is scaled so
// the incoming gradient is not 1.
func.func @f(%logits: tensor<?x?x7xf32> {tvq.name = "logits"}, %targets: tensor<?x?xi32> {tvq.name = "targets"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %ce = tvq.cross_entropy %logits, %targets : (tensor<?x?x7xf32>, tensor<?x?xi32>) -> tensor<f32>
  %l = tvq.scale %ce {factor = 1.700000e+00 : f64} : tensor<f32>
  return %l : tensor<f32>
}
