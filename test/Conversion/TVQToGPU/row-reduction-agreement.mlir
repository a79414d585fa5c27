// RUN: tvq-opt %s --pass-pipeline="builtin.module(func.func(tvq-split-reductions{allow-dynamic=true parallel-first=true row-reduction-depth=32}),one-shot-bufferize{bufferize-function-boundaries},func.func(convert-linalg-to-parallel-loops),canonicalize,cse,func.func(tvq-fuse-parallel-loops,tvq-row-kernels),canonicalize)" | FileCheck %s

// Two passes, one rule at two depths: tvq-split-reductions'
// row-reduction-depth keeps a row reduction whole (linalg, isRowReduction)
// because tvq-row-kernels turns its loops into a block per row. Each
// reduction kept whole here must come out as a row kernel (a launch with
// shuffles) and leave no one-thread-per-row loop behind; a change to either
// rule that breaks the agreement fails this test.

#rows2 = affine_map<(b, t, d) -> (b, t, d)>
#out2 = affine_map<(b, t, d) -> (b, t)>
#rows1 = affine_map<(r, d) -> (r, d)>
#out1 = affine_map<(r, d) -> (r)>

// CHECK-LABEL: func.func @sum_of_squares(
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{[^=]+}}= %c256,
// CHECK: gpu.shuffle xor
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @sum_of_squares(%x: tensor<?x?x768xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %x, %c0 : tensor<?x?x768xf32>
  %t = tensor.dim %x, %c1 : tensor<?x?x768xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty(%b, %t) : tensor<?x?xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %s = linalg.generic {indexing_maps = [#rows2, #out2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<?x?x768xf32>) outs(%init : tensor<?x?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %sq = arith.mulf %v, %v : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<?x?xf32>
  return %s : tensor<?x?xf32>
}

// CHECK-LABEL: func.func @max_and_sum(
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{[^=]+}}= %c256,
// CHECK: gpu.shuffle xor
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @max_and_sum(%x: tensor<?x512xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x512xf32>
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %r:2 = linalg.generic {indexing_maps = [#rows1, #out1, #out1], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x512xf32>) outs(%m0, %s0 : tensor<?xf32>, tensor<?xf32>) {
  ^bb0(%v: f32, %m: f32, %s: f32):
    %mx = arith.maximumf %m, %v : f32
    %sm = arith.addf %s, %v : f32
    linalg.yield %mx, %sm : f32, f32
  } -> (tensor<?xf32>, tensor<?xf32>)
  return %r#0, %r#1 : tensor<?xf32>, tensor<?xf32>
}

// CHECK-LABEL: func.func @rows_of_64(
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{[^=]+}}= %c64,
// CHECK: gpu.shuffle xor
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @rows_of_64(%x: tensor<?x64xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %x, %c0 : tensor<?x64xf32>
  %inf = arith.constant 0x7F800000 : f32
  %e = tensor.empty(%n) : tensor<?xf32>
  %init = linalg.fill ins(%inf : f32) outs(%e : tensor<?xf32>) -> tensor<?xf32>
  %m = linalg.generic {indexing_maps = [#rows1, #out1], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<?x64xf32>) outs(%init : tensor<?xf32>) {
  ^bb0(%v: f32, %acc: f32):
    %r = arith.minnumf %acc, %v : f32
    linalg.yield %r : f32
  } -> tensor<?xf32>
  return %m : tensor<?xf32>
}
