// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions{allow-dynamic=true}))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions))' | FileCheck %s --check-prefix=STATIC

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
