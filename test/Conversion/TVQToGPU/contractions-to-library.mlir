// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(tvq-contractions-to-library{callee=_tvq_host_gemm_f32},canonicalize)' | FileCheck %s

// x (b, m, k) times a shared weight w (n, k): a batched product whose B lacks
// the batch dimension (stride 0). The call gets batch, m, n, k1 = 1, k2 = k,
// then A's pointer, offset and strides (batch, m, k1 = 0, k), B's (batch = 0,
// n, 0, k) and C's (batch, m, n); the op runs in the fallback when the call
// answers 0.
#x = affine_map<(b, m, n, k) -> (b, m, k)>
#w = affine_map<(b, m, n, k) -> (n, k)>
#y = affine_map<(b, m, n, k) -> (b, m, n)>
// CHECK-LABEL: func.func @project
// CHECK-SAME: (%[[X:.*]]: memref<?x?x64xf32>, %[[W:.*]]: memref<96x64xf32>, %[[Y:.*]]: memref<?x?x96xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.*]] = arith.constant 1 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C96:.*]] = arith.constant 96 : index
// CHECK-DAG: %[[ZERO:.*]] = arith.constant 0 : i32
// CHECK: %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}}:3, %[[XT:[a-z_0-9]+]]:3 = memref.extract_strided_metadata %[[X]]
// CHECK: %[[XP:[a-z_0-9]+]] = memref.extract_aligned_pointer_as_index %[[X]]
// CHECK: %[[WP:[a-z_0-9]+]] = memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}}, %[[YS:[a-z_0-9]+]]:3, %[[YT:[a-z_0-9]+]]:3 = memref.extract_strided_metadata %[[Y]]
// CHECK: %[[YP:[a-z_0-9]+]] = memref.extract_aligned_pointer_as_index %[[Y]]
// CHECK: %[[DONE:[a-z_0-9]+]] = call @_tvq_host_gemm_f32(%[[YS]]#0, %[[YS]]#1, %[[C96]], %[[C1]], %[[C64]], %[[XP]], %[[C0]], %[[XT]]#0, %[[C64]], %[[C0]], %[[C1]], %[[WP]], %[[C0]], %[[C0]], %[[C64]], %[[C0]], %[[C1]], %[[YP]], %[[C0]], %[[YT]]#0, %[[C96]], %[[C1]])
// CHECK: %[[FALLBACK:.*]] = arith.cmpi eq, %[[DONE]], %[[ZERO]] : i32
// CHECK: scf.if %[[FALLBACK]] {
// CHECK:   linalg.generic
// CHECK: } {tvq.library_fallback}
// CHECK: func.func private @_tvq_host_gemm_f32(index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index, index) -> i32
func.func @project(%x: memref<?x?x64xf32>, %w: memref<96x64xf32>, %y: memref<?x?x96xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y],
                  iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x?x64xf32>, memref<96x64xf32>) outs(%y : memref<?x?x96xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A weight gradient: two reductions (k1, k2) = (rows, tokens), the inputs in
// swapped order (the first holds n): A is the second input.
#g = affine_map<(m, n, k1, k2) -> (k1, k2, n)>
#h = affine_map<(m, n, k1, k2) -> (k1, k2, m)>
#dw = affine_map<(m, n, k1, k2) -> (m, n)>
// CHECK-LABEL: func.func @weight_gradient
// CHECK-SAME: (%[[G:.*]]: memref<2x8x5xf32>, %[[H:.*]]: memref<2x8x3xf32>, %[[DW:.*]]: memref<3x5xf32>)
// CHECK: %[[HP:[a-z_0-9]+]] = memref.extract_aligned_pointer_as_index %[[H]]
// CHECK: %[[GP:[a-z_0-9]+]] = memref.extract_aligned_pointer_as_index %[[G]]
// CHECK: %[[DWP:[a-z_0-9]+]] = memref.extract_aligned_pointer_as_index %[[DW]]
// CHECK: call @_tvq_host_gemm_f32(%c1, %c3, %c5, %c2, %c8, %[[HP]], %c0, %c0, %c1, %c24, %c3, %[[GP]], %c0, %c0, %c1, %c40, %c5, %[[DWP]], %c0, %c0, %c5, %c1)
func.func @weight_gradient(%g: memref<2x8x5xf32>, %h: memref<2x8x3xf32>, %dw: memref<3x5xf32>) {
  linalg.generic {indexing_maps = [#g, #h, #dw],
                  iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%g, %h : memref<2x8x5xf32>, memref<2x8x3xf32>) outs(%dw : memref<3x5xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %p, %c : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// A product of a bf16 activation (tvq-bf16-activations: widened in the body)
// is a matrix product, but not an f32 GEMM: left for the generated tiles.
// CHECK-LABEL: func.func @bf16_activation
// CHECK-NOT: call
// CHECK: linalg.generic
// CHECK: arith.extf
// CHECK-NOT: func.func private
func.func @bf16_activation(%x: memref<?x64xbf16>, %w: memref<64x96xf32>, %y: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>,
                                   affine_map<(m, n, k) -> (m, n)>],
                  iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xbf16>, memref<64x96xf32>) outs(%y : memref<?x96xf32>) {
  ^bb0(%a: bf16, %b: f32, %c: f32):
    %wide = arith.extf %a : bf16 to f32
    %p = arith.mulf %wide, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Not matrix products, left alone: a row-wise dot product (both inputs hold
// m), a product with a subtraction, and an f64 product.
#r = affine_map<(m, k) -> (m, k)>
#o = affine_map<(m, k) -> (m)>
#a2 = affine_map<(m, n, k) -> (m, k)>
#b2 = affine_map<(m, n, k) -> (k, n)>
#c2 = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @not_products
// CHECK-NOT: call
// CHECK-COUNT-3: linalg.generic
// CHECK-NOT: func.func private
func.func @not_products(%a: memref<4x8xf32>, %b: memref<4x8xf32>, %o: memref<4xf32>,
                        %d: memref<4x8xf64>, %e: memref<8x2xf64>, %f: memref<4x2xf64>,
                        %x: memref<4x8xf32>, %y: memref<8x2xf32>, %z: memref<4x2xf32>) {
  linalg.generic {indexing_maps = [#r, #r, #o], iterator_types = ["parallel", "reduction"]}
      ins(%a, %b : memref<4x8xf32>, memref<4x8xf32>) outs(%o : memref<4xf32>) {
  ^bb0(%p: f32, %q: f32, %s: f32):
    %m = arith.mulf %p, %q : f32
    %t = arith.addf %s, %m : f32
    linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#a2, #b2, #c2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %y : memref<4x8xf32>, memref<8x2xf32>) outs(%z : memref<4x2xf32>) {
  ^bb0(%p: f32, %q: f32, %s: f32):
    %m = arith.mulf %p, %q : f32
    %t = arith.subf %s, %m : f32
    linalg.yield %t : f32
  }
  linalg.generic {indexing_maps = [#a2, #b2, #c2], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%d, %e : memref<4x8xf64>, memref<8x2xf64>) outs(%f : memref<4x2xf64>) {
  ^bb0(%p: f64, %q: f64, %s: f64):
    %m = arith.mulf %p, %q : f64
    %t = arith.addf %s, %m : f64
    linalg.yield %t : f64
  }
  return
}

// -----

// Two batch loops (b1, b2), the blocks of the parallel attention form: one
// batch of b1 x b2 steps of b2's stride, called only when every operand's b1
// stride is b2's size times its b2 stride (the shared codebook: both 0);
// otherwise the op runs as kernels.
#q2 = affine_map<(b1, b2, m, n, k) -> (b1, b2, m, k)>
#c2 = affine_map<(b1, b2, m, n, k) -> (n, k)>
#s2 = affine_map<(b1, b2, m, n, k) -> (b1, b2, m, n)>
// CHECK-LABEL: func.func @two_batch_loops
// CHECK-SAME: (%[[Q:.*]]: memref<?x?x8x4xf32>, %[[CB:.*]]: memref<5x4xf32>, %[[S:.*]]: memref<?x?x8x5xf32>)
// CHECK: %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}}:4, %[[QT:[a-z_0-9]+]]:4 = memref.extract_strided_metadata %[[Q]]
// CHECK: %{{[a-z_0-9]+}}, %{{[a-z_0-9]+}}, %[[SS:[a-z_0-9]+]]:4, %[[ST:[a-z_0-9]+]]:4 = memref.extract_strided_metadata %[[S]]
// CHECK: %[[BATCH:.*]] = arith.muli %[[SS]]#0, %[[SS]]#1 : index
// CHECK: %[[QX:.*]] = arith.muli %[[SS]]#1, %c32 : index
// CHECK: %[[QOK:.*]] = arith.cmpi eq, %[[QT]]#0, %[[QX]] : index
// CHECK: %[[SX:.*]] = arith.muli %[[SS]]#1, %c40 : index
// CHECK: %[[SOK:.*]] = arith.cmpi eq, %[[ST]]#0, %[[SX]] : index
// CHECK: %[[OK:.*]] = arith.andi %[[QOK]], %[[SOK]] : i1
// CHECK: %[[DONE:.*]] = scf.if %[[OK]] -> (i32) {
// CHECK:   %[[R:.*]] = func.call @_tvq_host_gemm_f32(%[[BATCH]], %c8, %c5, %c1, %c4, %{{.*}}, %{{.*}}, %c32, %c4, %c0, %c1, %{{.*}}, %c0, %c0, %c4, %c0, %c1, %{{.*}}, %{{.*}}, %c40, %c5, %c1)
// CHECK:   scf.yield %[[R]] : i32
// CHECK: } else {
// CHECK:   scf.yield %c0_i32 : i32
// CHECK: }
// CHECK: %[[FALLBACK:.*]] = arith.cmpi eq, %[[DONE]], %c0_i32 : i32
// CHECK: scf.if %[[FALLBACK]] {
// CHECK:   linalg.generic
func.func @two_batch_loops(%q: memref<?x?x8x4xf32>, %c: memref<5x4xf32>, %s: memref<?x?x8x5xf32>) {
  linalg.generic {indexing_maps = [#q2, #c2, #s2],
                  iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %c : memref<?x?x8x4xf32>, memref<5x4xf32>) outs(%s : memref<?x?x8x5xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %p = arith.mulf %a, %b : f32
    %t = arith.addf %o, %p : f32
    linalg.yield %t : f32
  }
  return
}
