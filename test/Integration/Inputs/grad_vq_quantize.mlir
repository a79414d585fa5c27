// grad_check.py: straight-through gradient of tvq.vq_quantize: d keys = d quantized
// + 2 (keys - C[z]) d err2; the codebook (an argument here) gets no gradient and must not appear
// among the results.
func.func @f(%k: tensor<?x?x4xf32> {tvq.name = "k"}, %codebook: tensor<5x4xf32> {tvq.name = "codebook"},
             %c1: tensor<?x?x4xf32> {tvq.name = "c1"}, %c2: tensor<?x?xf32> {tvq.name = "c2"})
    -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %k_hat, %codes, %err2 = tvq.vq_quantize %k, %codebook : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %p1 = arith.mulf %k_hat, %c1 : tensor<?x?x4xf32>
  %p2 = arith.mulf %err2, %c2 : tensor<?x?xf32>
  %m1 = tvq.mean %p1 : (tensor<?x?x4xf32>) -> tensor<f32>
  %m2 = tvq.mean %p2 : (tensor<?x?xf32>) -> tensor<f32>
  %m = arith.addf %m1, %m2 : tensor<f32>
  return %m : tensor<f32>
}
