// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions{allow-dynamic=true}))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions))' | FileCheck %s --check-prefix=STATIC
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions{allow-dynamic=true parallel-first=true}),canonicalize,cse)' | FileCheck %s --check-prefix=PF
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions{allow-dynamic=true parallel-first=true row-reduction-depth=32}),canonicalize,cse)' | FileCheck %s --check-prefix=ROWK

// The row sums of an attention block (its batch is dynamic): 512 static rows
// of 1024, split by 32 with the CUDA pipeline's allow-dynamic. The partial
// sums keep the dynamic batch (tensor.dim of the output), start at the
// combiner's neutral element, and are added into the original output.
// Without allow-dynamic (the CPU pipeline) the op stays whole.
#in3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#out3 = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @row_sum
// CHECK-SAME: (%[[X:.*]]: tensor<?x512x1024xf32>, %[[INIT:.*]]: tensor<?x512xf32>)
// CHECK: %[[B:.*]] = tensor.dim %[[X]], %{{.*}} : tensor<?x512x1024xf32>
// CHECK: %[[X4:.*]] = tensor.expand_shape %[[X]] {{\[\[}}0], [1], [2, 3]] output_shape [%[[B]], 512, 32, 32] : tensor<?x512x1024xf32> into tensor<?x512x32x32xf32>
// CHECK: %[[OB:.*]] = tensor.dim %[[INIT]], %{{.*}} : tensor<?x512xf32>
// CHECK: %[[EMPTY:.*]] = tensor.empty(%[[OB]]) : tensor<?x512x32xf32>
// CHECK: %[[ZERO:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[FILLED:.*]] = linalg.fill ins(%[[ZERO]] : f32) outs(%[[EMPTY]] : tensor<?x512x32xf32>)
// CHECK: %[[PARTS:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%[[X4]] : tensor<?x512x32x32xf32>) outs(%[[FILLED]] : tensor<?x512x32xf32>)
// CHECK:   math.exp
// CHECK:   arith.addf
// CHECK: %[[SUM:.*]] = linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[PARTS]] : tensor<?x512x32xf32>) outs(%[[INIT]] : tensor<?x512xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: f32, %[[OUT:.*]]: f32):
// CHECK-NEXT:   %[[T:.*]] = arith.addf %[[OUT]], %[[IN]] : f32
// CHECK-NEXT:   linalg.yield %[[T]] : f32
// CHECK: return %[[SUM]]
// STATIC-LABEL: func.func @row_sum
// STATIC-NOT: tensor.expand_shape
// STATIC: linalg.generic
// STATIC-NOT: linalg.generic
// With row-reduction-depth (the CUDA pipeline) it stays whole too: rows of
// 1024 over a dynamic batch, each input reading every loop, an addf of the
// accumulator: tvq-row-kernels runs it as a thread block per row.
// ROWK-LABEL: func.func @row_sum
// ROWK-NOT: tensor.expand_shape
// ROWK: linalg.generic
// ROWK-NOT: linalg.generic
// ROWK-LABEL: func.func @not_a_plain_reduction
func.func @row_sum(%x: tensor<?x512x1024xf32>, %init: tensor<?x512xf32>) -> tensor<?x512xf32> {
  %r = linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<?x512x1024xf32>) outs(%init : tensor<?x512xf32>) {
  ^bb0(%a: f32, %s: f32):
    %e = math.exp %a : f32
    %t = arith.addf %s, %e : f32
    linalg.yield %t : f32
  } -> tensor<?x512xf32>
  return %r : tensor<?x512xf32>
}

// A row maximum whose combiner is not the yielded op's only use of the
// output (it also feeds a select): not a plain reduction, left whole.
// CHECK-LABEL: func.func @not_a_plain_reduction
// STATIC-LABEL: func.func @not_a_plain_reduction
// CHECK-NOT: tensor.expand_shape
// CHECK: linalg.generic
// CHECK-NOT: linalg.generic
func.func @not_a_plain_reduction(%x: tensor<?x512x1024xf32>, %init: tensor<?x512xf32>) -> tensor<?x512xf32> {
  %r = linalg.generic {indexing_maps = [#in3, #out3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<?x512x1024xf32>) outs(%init : tensor<?x512xf32>) {
  ^bb0(%a: f32, %s: f32):
    %m = arith.maximumf %s, %a : f32
    %c = arith.cmpf ogt, %s, %a : f32
    %t = arith.select %c, %m, %s : f32
    linalg.yield %t : f32
  } -> tensor<?x512xf32>
  return %r : tensor<?x512xf32>
}

// A loss's sum over all (B, T) tokens, both dynamic: collapsed to one
// dimension, padded with zeros to a multiple of 16384, split into 16384
// parallel partial sums whose body keeps its accumulator past the length
// (the padding), then combined in static stages (the CUDA pipeline's options).
// CHECK-LABEL: func.func @dynamic_total
// PF-LABEL: func.func @dynamic_total
// PF-SAME: (%[[X:.*]]: tensor<?x?xf32>, %[[INIT:.*]]: tensor<f32>)
// PF: %[[FLAT:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1]] : tensor<?x?xf32> into tensor<?xf32>
// PF: %[[N:.*]] = tensor.dim %[[FLAT]]
// PF: %[[ROWS:.*]] = arith.ceildivui %[[N]], %[[C:.*]] : index
// PF: %[[PADDED_N:.*]] = arith.muli %[[ROWS]], %[[C]]
// PF: %[[HIGH:.*]] = arith.subi %[[PADDED_N]], %[[N]]
// PF: %[[PAD:.*]] = tensor.pad %[[FLAT]] low[0] high[%[[HIGH]]]
// PF:   tensor.yield %{{.*}} : f32
// PF: %[[X2:.*]] = tensor.expand_shape %[[PAD]] {{\[\[}}0, 1]] output_shape [%[[ROWS]], 16384] : tensor<?xf32> into tensor<?x16384xf32>
// PF: %[[PARTS:.*]] = linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[X2]] : tensor<?x16384xf32>) outs(%{{.*}} : tensor<16384xf32>)
// PF-NEXT: ^bb0(%[[IN:.*]]: f32, %[[ACC:.*]]: f32):
// PF-NEXT:   %[[SUM:.*]] = arith.addf %[[ACC]], %[[IN]]
// PF-NEXT:   %[[OUTER:.*]] = linalg.index 1
// PF-NEXT:   %[[INNER:.*]] = linalg.index 0
// PF-NEXT:   %[[BASE:.*]] = arith.muli %[[OUTER]], %{{.*}}
// PF-NEXT:   %[[POS:.*]] = arith.addi %[[BASE]], %[[INNER]]
// PF-NEXT:   %[[INSIDE:.*]] = arith.cmpi ult, %[[POS]], %[[N]]
// PF-NEXT:   %[[KEPT:.*]] = arith.select %[[INSIDE]], %[[SUM]], %[[ACC]]
// PF-NEXT:   linalg.yield %[[KEPT]]
// PF: tensor.expand_shape %[[PARTS]] {{\[\[}}0, 1]] output_shape [8, 2048]
// PF: outs(%[[INIT]] : tensor<f32>)
// STATIC-LABEL: func.func @dynamic_total
// STATIC-NOT: tensor.pad
// STATIC: linalg.generic
// STATIC-NOT: linalg.generic
func.func @dynamic_total(%x: tensor<?x?xf32>, %init: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> ()>], iterator_types = ["reduction", "reduction"]}
      ins(%x : tensor<?x?xf32>) outs(%init : tensor<f32>) {
  ^bb0(%a: f32, %s: f32):
    %t = arith.addf %s, %a : f32
    linalg.yield %t : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// A norm gain's gradient: 768 outputs, each a sum over the dynamic (B, T).
// The innermost dynamic reduction (T) is split by 16 (768 x 16 threads);
// the new parallel loop goes before both reductions (parallel-first), B and
// T's outer part stay reductions, and both inputs are padded alike.
// CHECK-LABEL: func.func @gain_gradient
// PF-LABEL: func.func @gain_gradient
// PF: %[[T:.*]] = tensor.dim %{{.*}}, %c1 : tensor<?x?x768xf32>
// PF: tensor.pad {{.*}} high[0, %[[HIGH:.*]], 0]
// PF: tensor.expand_shape {{.*}} {{\[\[}}0], [1, 2], [3]] {{.*}} into tensor<?x?x16x768xf32>
// PF: tensor.pad {{.*}} high[0, %[[HIGH]], 0]
// PF: tensor.expand_shape {{.*}} into tensor<?x?x16x768xf32>
// PF: linalg.generic {{{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// PF-SAME: outs(%{{.*}} : tensor<768x16xf32>)
// PF: arith.cmpi ult, %{{.*}}, %[[T]]
// PF: linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%{{.*}} : tensor<768x16xf32>)
// STATIC-LABEL: func.func @gain_gradient
// STATIC-NOT: tensor.pad
// Not a row reduction (the reduced loops are not innermost and the rows are
// static): split with row-reduction-depth too.
// ROWK-LABEL: func.func @gain_gradient
// ROWK: tensor.pad
// ROWK: tensor.expand_shape {{.*}} into tensor<?x?x16x768xf32>
func.func @gain_gradient(%x: tensor<?x?x768xf32>, %y: tensor<?x?x768xf32>, %init: tensor<768xf32>) -> tensor<768xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2, d0)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x, %y : tensor<?x?x768xf32>, tensor<?x?x768xf32>) outs(%init : tensor<768xf32>) {
  ^bb0(%a: f32, %b: f32, %s: f32):
    %p = arith.mulf %a, %b : f32
    %t = arith.addf %s, %p : f32
    linalg.yield %t : f32
  } -> tensor<768xf32>
  return %r : tensor<768xf32>
}

// A gain's and a bias's gradients fused into one op with two results: both
// split alike, the padding masked for each, one combining op with both
// combiners (a sum and a maximum here, to tell them apart).
// CHECK-LABEL: func.func @two_results
// PF-LABEL: func.func @two_results
// PF: %[[PARTS:.*]]:2 = linalg.generic {{{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// PF-SAME: outs(%{{.*}}, %{{.*}} : tensor<768x16xf32>, tensor<768x16xf32>)
// PF: %[[S:.*]] = arith.addf
// PF: %[[M:.*]] = arith.maximumf
// PF: %[[IN:.*]] = arith.cmpi ult
// PF: %[[S2:.*]] = arith.select %[[IN]], %[[S]],
// PF: %[[M2:.*]] = arith.select %[[IN]], %[[M]],
// PF: linalg.yield %[[S2]], %[[M2]]
// PF: linalg.generic {{{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[PARTS]]#0, %[[PARTS]]#1 : tensor<768x16xf32>, tensor<768x16xf32>)
// PF: arith.addf
// PF: arith.maximumf
// STATIC-LABEL: func.func @two_results
// STATIC-NOT: tensor.pad
func.func @two_results(%x: tensor<?x?x768xf32>, %g: tensor<?x?x768xf32>, %i0: tensor<768xf32>, %i1: tensor<768xf32>) -> (tensor<768xf32>, tensor<768xf32>) {
  %r:2 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2, d0)>, affine_map<(d0, d1, d2) -> (d1, d2, d0)>, affine_map<(d0, d1, d2) -> (d0)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%x, %g : tensor<?x?x768xf32>, tensor<?x?x768xf32>) outs(%i0, %i1 : tensor<768xf32>, tensor<768xf32>) {
  ^bb0(%a: f32, %b: f32, %s: f32, %m: f32):
    %p = arith.mulf %a, %b : f32
    %t = arith.addf %s, %p : f32
    %u = arith.maximumf %m, %b : f32
    linalg.yield %t, %u : f32, f32
  } -> (tensor<768xf32>, tensor<768xf32>)
  return %r#0, %r#1 : tensor<768xf32>, tensor<768xf32>
}

// A body that reads its loop indices (the codebook counts' one-hot, a gather
// at the token's position) is split too, its indices renumbered: the code
// loop stays 0, the token loop becomes outer * ratio + inner, clamped to the
// last token so that the gather stays in bounds (the padding is masked).
// CHECK-LABEL: func.func @indexed
// PF-LABEL: func.func @indexed
// PF: %[[T:.*]] = tensor.dim %{{.*}}, %c1 : tensor<?x?xi32>
// PF: linalg.generic {{{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// PF-SAME: outs(%{{.*}} : tensor<64x256xf32>)
// PF: %[[CODE:.*]] = linalg.index 0
// PF: %[[OUTER:.*]] = linalg.index 3
// PF: %[[INNER:.*]] = linalg.index 1
// PF: %[[POS:.*]] = arith.addi %{{.*}}, %[[INNER]]
// PF: %[[LAST:.*]] = arith.subi %[[T]], %c1
// PF: %[[CLAMPED:.*]] = arith.minui %[[POS]], %[[LAST]]
// PF: tensor.extract %{{.*}}[%{{.*}}, %[[CLAMPED]]]
// PF: arith.cmpi ult, %{{.*}}, %[[T]]
// STATIC-LABEL: func.func @indexed
// STATIC-NOT: tensor.pad
func.func @indexed(%codes: tensor<?x?xi32>, %w: tensor<?x?xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0)>], iterator_types = ["parallel", "reduction", "reduction"]}
      ins(%codes : tensor<?x?xi32>) outs(%init : tensor<64xf32>) {
  ^bb0(%c: i32, %acc: f32):
    %s = linalg.index 0 : index
    %b = linalg.index 1 : index
    %t = linalg.index 2 : index
    %ci = arith.index_cast %c : i32 to index
    %eq = arith.cmpi eq, %ci, %s : index
    %wt = tensor.extract %w[%b, %t] : tensor<?x?xf32>
    %zero = arith.constant 0.0 : f32
    %v = arith.select %eq, %wt, %zero : f32
    %sum = arith.addf %acc, %v : f32
    linalg.yield %sum : f32
  } -> tensor<64xf32>
  return %r : tensor<64xf32>
}
