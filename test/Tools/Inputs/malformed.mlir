func.func @f(%k: tensor<?x?x32xf32>) -> tensor<?x?x32xf32> {
  %0 = tvq.vq_quantize %k,
  return %0 : tensor<?x?x32xf32>
}
