// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-tile-and-vectorize{register-rows=6}))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-cpu-tile-and-vectorize{vector-width=8 threads=false register-rows=6}))' | FileCheck %s --check-prefix=AVX2

// A contraction against a [N, K] operand (the codebook of the cache scores): the operand is
// transposed once (65536 elements: too little work for threads, an scf.for), the rows go to
// scf.forall tasks, and the kernel is 6 x 64 FMA accumulators carried through the k loop.
// CHECK-LABEL: func.func @scores
// CHECK: scf.for {{.*}} -> (tensor<128x512xf32>)
// CHECK: scf.forall
// CHECK: scf.for
// CHECK: scf.for {{.*}} step %c6
// CHECK: vector.transfer_read {{.*}} vector<6x64xf32>
// CHECK: scf.for {{.*}} iter_args(%{{.*}} = %{{.*}}) -> (vector<6x64xf32>)
// Per k, a's column is 6 scalar reads, each broadcast to its row (not a
// strided vector read, which would lower to a loop of inserts).
// CHECK-COUNT-6: tensor.extract %{{.*}} : tensor<6xf32>
// CHECK-NEXT: vector.from_elements {{.*}} : vector<6x64xf32>
// CHECK-NEXT: vector.transfer_read {{.*}} : tensor<64xf32>, vector<6x64xf32>
// CHECK-NEXT: math.fma {{.*}} : vector<6x64xf32>
// CHECK: vector.transfer_write {{.*}} vector<6x64xf32>
// The 4 rows left of 64 = 10 x 6 + 4: a peeled 4 x 64 tile.
// CHECK: scf.for {{.*}} -> (vector<4x64xf32>)
// AVX2-LABEL: func.func @scores
// AVX2-NOT: scf.forall
// AVX2: math.fma {{.*}} : vector<6x32xf32>
func.func @scores(%q: tensor<?x512x128xf32>, %c: tensor<512x128xf32>) -> tensor<?x512x512xf32> {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %b = tensor.dim %q, %c0 : tensor<?x512x128xf32>
  %e = tensor.empty(%b) : tensor<?x512x512xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<?x512x512xf32>) -> tensor<?x512x512xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(b, i, s, k) -> (b, i, k)>,
                                        affine_map<(b, i, s, k) -> (s, k)>,
                                        affine_map<(b, i, s, k) -> (b, i, s)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %c : tensor<?x512x128xf32>, tensor<512x128xf32>) outs(%f : tensor<?x512x512xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %m = arith.mulf %x, %y : f32
    %a = arith.addf %acc, %m : f32
    linalg.yield %a : f32
  } -> tensor<?x512x512xf32>
  return %r : tensor<?x512x512xf32>
}

// A row maximum along the innermost dimension: 64 partial lanes, then one horizontal
// reduction per row.
// CHECK-LABEL: func.func @row_max
// CHECK: scf.forall
// CHECK: arith.maximumf {{.*}} : vector<64xf32>
// CHECK: vector.multi_reduction <maximumf>, {{.*}} [2] : vector<1x1x64xf32> to vector<1x1xf32>
func.func @row_max(%s: tensor<?x512x1024xf32>, %init: tensor<?x512xf32>) -> tensor<?x512xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>,
                                        affine_map<(b, i, j) -> (b, i)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<?x512x1024xf32>) outs(%init : tensor<?x512xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %m = arith.maximumf %x, %acc : f32
    linalg.yield %m : f32
  } -> tensor<?x512xf32>
  return %r : tensor<?x512xf32>
}

// An elementwise exp: vectors of 64 lanes.
// CHECK-LABEL: func.func @exp
// CHECK: math.exp {{.*}} : vector<64xf32>
func.func @exp(%s: tensor<?x512x1024xf32>) -> tensor<?x512x1024xf32> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %s, %c0 : tensor<?x512x1024xf32>
  %e = tensor.empty(%b) : tensor<?x512x1024xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(b, i, j) -> (b, i, j)>,
                                        affine_map<(b, i, j) -> (b, i, j)>],
                       iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<?x512x1024xf32>) outs(%e : tensor<?x512x1024xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = math.exp %x : f32
    linalg.yield %y : f32
  } -> tensor<?x512x1024xf32>
  return %r : tensor<?x512x1024xf32>
}

// Too little work for threads (one decoding step: a row per sequence, 512 x
// 128 iterations): vectorized on the calling thread, no scf.forall.
// CHECK-LABEL: func.func @decode_scores
// CHECK-NOT: scf.forall
// CHECK: math.fma {{.*}} : vector<64xf32>
// CHECK-NOT: scf.forall
// CHECK: return
func.func @decode_scores(%q: tensor<?x1x128xf32>, %c: tensor<512x128xf32>) -> tensor<?x1x512xf32> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %q, %c0 : tensor<?x1x128xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%b) : tensor<?x1x512xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x1x512xf32>) -> tensor<?x1x512xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, i, j, k) -> (b, i, k)>,
                                        affine_map<(b, i, j, k) -> (j, k)>,
                                        affine_map<(b, i, j, k) -> (b, i, j)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %c : tensor<?x1x128xf32>, tensor<512x128xf32>) outs(%init : tensor<?x1x512xf32>) {
  ^bb0(%a: f32, %x: f32, %acc: f32):
    %m = arith.mulf %a, %x : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<?x1x512xf32>
  return %s : tensor<?x1x512xf32>
}
