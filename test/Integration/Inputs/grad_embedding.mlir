// grad_check.py: gradient of tvq.embedding (embedding_grad; repeated ids sum, unused rows get 0).
func.func @f(%ids: tensor<?x?xi32> {tvq.name = "ids"}, %table: tensor<7x4xf32> {tvq.name = "table"},
             %c: tensor<?x?x4xf32> {tvq.name = "c"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %x = tvq.embedding %ids, %table : (tensor<?x?xi32>, tensor<7x4xf32>) -> tensor<?x?x4xf32>
  %p = arith.mulf %x, %c : tensor<?x?x4xf32>
  %m = tvq.mean %p : (tensor<?x?x4xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
