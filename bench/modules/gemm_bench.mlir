// The GEMM-heavy parts of one attention block at benchmark widths, alone, compiled by
// tvq-compile like any model (linalg on tensors through the CPU pipeline):
//   @scores: [512 x 128] . [128 x 1536]  (queries against codebook and window keys)
//   @values: [512 x 1536] . [1536 x 256] (weights times cache means and window values)
// Used by bench/run.py for GFLOP/s against the measured FMA peak. A call of @scores or @values
// also pays for its 3 MB / 0.5 MB output (allocated, zero-filled and copied out by the runtime);
// @scores_x16 and @values_x16 accumulate the same product 16 times into one output
// (c = 16 a.b), so that cost is paid once per 16 GEMMs and the kernel's own speed shows.
func.func @scores(%a: tensor<512x128xf32> {tvq.name = "a"}, %b: tensor<128x1536xf32> {tvq.name = "b"})
    -> (tensor<512x1536xf32> {tvq.name = "c"}) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x1536xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512x1536xf32>) -> tensor<512x1536xf32>
  %c = linalg.matmul ins(%a, %b : tensor<512x128xf32>, tensor<128x1536xf32>)
                     outs(%f : tensor<512x1536xf32>) -> tensor<512x1536xf32>
  return %c : tensor<512x1536xf32>
}

func.func @values(%a: tensor<512x1536xf32> {tvq.name = "a"}, %b: tensor<1536x256xf32> {tvq.name = "b"})
    -> (tensor<512x256xf32> {tvq.name = "c"}) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<512x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512x256xf32>) -> tensor<512x256xf32>
  %c = linalg.matmul ins(%a, %b : tensor<512x1536xf32>, tensor<1536x256xf32>)
                     outs(%f : tensor<512x256xf32>) -> tensor<512x256xf32>
  return %c : tensor<512x256xf32>
}

func.func @scores_x16(%a: tensor<512x128xf32> {tvq.name = "a"}, %b: tensor<128x1536xf32> {tvq.name = "b"})
    -> (tensor<512x1536xf32> {tvq.name = "c"}) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %e = tensor.empty() : tensor<512x1536xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512x1536xf32>) -> tensor<512x1536xf32>
  %r = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %f) -> (tensor<512x1536xf32>) {
    %c = linalg.matmul ins(%a, %b : tensor<512x128xf32>, tensor<128x1536xf32>)
                       outs(%acc : tensor<512x1536xf32>) -> tensor<512x1536xf32>
    scf.yield %c : tensor<512x1536xf32>
  }
  return %r : tensor<512x1536xf32>
}

func.func @values_x16(%a: tensor<512x1536xf32> {tvq.name = "a"}, %b: tensor<1536x256xf32> {tvq.name = "b"})
    -> (tensor<512x256xf32> {tvq.name = "c"}) {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %e = tensor.empty() : tensor<512x256xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<512x256xf32>) -> tensor<512x256xf32>
  %r = scf.for %i = %c0 to %c16 step %c1 iter_args(%acc = %f) -> (tensor<512x256xf32>) {
    %c = linalg.matmul ins(%a, %b : tensor<512x1536xf32>, tensor<1536x256xf32>)
                       outs(%acc : tensor<512x256xf32>) -> tensor<512x256xf32>
    scf.yield %c : tensor<512x256xf32>
  }
  return %r : tensor<512x256xf32>
}
