// grad_check.py: tvq.vq_quantize on a codebook made by tvq.codebook from its statistics, as in
// the model: straight-through to the (normalized) keys; c_sum and c_count get no gradient and
// must not appear among the results.
func.func @f(%x: tensor<?x?x4xf32> {tvq.name = "x"}, %c_sum: tensor<5x4xf32> {tvq.name = "c_sum"},
             %c_count: tensor<5xf32> {tvq.name = "c_count"}, %c1: tensor<?x?x4xf32> {tvq.name = "c1"},
             %c2: tensor<?x?xf32> {tvq.name = "c2"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %k0 = tvq.rms_norm %x : tensor<?x?x4xf32>
  %k = tvq.scale %k0 {factor = 7.071068e-01 : f64} : tensor<?x?x4xf32>
  %cb = tvq.codebook %c_sum, %c_count : (tensor<5x4xf32>, tensor<5xf32>) -> tensor<5x4xf32>
  %k_hat, %codes, %err2 = tvq.vq_quantize %k, %cb : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %p1 = arith.mulf %k_hat, %c1 : tensor<?x?x4xf32>
  %p2 = arith.mulf %err2, %c2 : tensor<?x?xf32>
  %m1 = tvq.mean %p1 : (tensor<?x?x4xf32>) -> tensor<f32>
  %m2 = tvq.mean %p2 : (tensor<?x?xf32>) -> tensor<f32>
  %m = arith.addf %m1, %m2 : tensor<f32>
  return %m : tensor<f32>
}
