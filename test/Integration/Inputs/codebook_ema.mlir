// tvq.codebook_ema and tvq.vq_quantize on their own, for the numerics test codebook_ema.test.
func.func @ema(%sum: tensor<16x8xf32>, %count: tensor<16xf32>, %k: tensor<?x?x8xf32>)
    -> (tensor<16x8xf32>, tensor<16xf32>, tensor<?x?xi32>, tensor<?x?xf32>) {
  %zero = arith.constant 1.000000e-02 : f32
  %init = tensor.empty() : tensor<16x8xf32>
  %codebook = linalg.generic {
      indexing_maps = [affine_map<(s, k) -> (s, k)>, affine_map<(s, k) -> (s)>,
                       affine_map<(s, k) -> (s, k)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%sum, %count : tensor<16x8xf32>, tensor<16xf32>) outs(%init : tensor<16x8xf32>) {
  ^bb0(%s: f32, %n: f32, %out: f32):
    %clamped = arith.maximumf %n, %zero : f32
    %c = arith.divf %s, %clamped : f32
    linalg.yield %c : f32
  } -> tensor<16x8xf32>
  %k_hat, %codes, %err2 = tvq.vq_quantize %k, %codebook
      : (tensor<?x?x8xf32>, tensor<16x8xf32>) -> (tensor<?x?x8xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %sum2, %count2 = tvq.codebook_ema %sum, %count, %k, %codes {gamma = 0.9 : f64}
      : (tensor<16x8xf32>, tensor<16xf32>, tensor<?x?x8xf32>, tensor<?x?xi32>)
      -> (tensor<16x8xf32>, tensor<16xf32>)
  return %sum2, %count2, %codes, %err2 : tensor<16x8xf32>, tensor<16xf32>, tensor<?x?xi32>, tensor<?x?xf32>
}
