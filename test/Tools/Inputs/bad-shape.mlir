func.func @f(%k: tensor<?x?x16xf32>, %c: tensor<64x32xf32>) -> tensor<?x?xi32> {
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x16xf32>, tensor<64x32xf32>) -> (tensor<?x?x16xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  return %z : tensor<?x?xi32>
}
