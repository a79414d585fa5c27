// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tvq-split-reductions))' | FileCheck %s

// A whole-tensor sum of squares (the gradient norm), which would be a
// one-thread kernel: collapsed to 1-D, then split until a stage is short.
// Each stage's innermost part is parallel (neighbouring threads read
// neighbouring elements); the last one adds into the original accumulator.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#scalar2 = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func.func @squared_norm
// CHECK-SAME: (%[[G:.*]]: tensor<768x3200xf32>, %[[ACC:.*]]: tensor<f32>)
// CHECK: %[[FLAT:.*]] = tensor.collapse_shape %[[G]] {{\[\[}}0, 1]] : tensor<768x3200xf32> into tensor<2457600xf32>
// CHECK: %[[PARTS:.*]] = tensor.expand_shape %[[FLAT]] {{\[\[}}0, 1]] output_shape [150, 16384]
// CHECK: %[[S1:.*]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins(%[[PARTS]] : tensor<150x16384xf32>) outs(%{{.*}} : tensor<16384xf32>)
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: tensor.expand_shape %[[S1]] {{\[\[}}0, 1]] output_shape [8, 2048]
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]}{{.*}}outs(%{{.*}} : tensor<2048xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]}{{.*}}outs(%{{.*}} : tensor<256xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]}{{.*}}outs(%{{.*}} : tensor<32xf32>)
// CHECK: %[[R:.*]] = linalg.generic {{.*}}iterator_types = ["reduction"]} ins(%{{.*}} : tensor<32xf32>) outs(%[[ACC]] : tensor<f32>)
// CHECK: return %[[R]]
func.func @squared_norm(%g: tensor<768x3200xf32>, %acc: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [#id2, #scalar2], iterator_types = ["reduction", "reduction"]}
      ins(%g : tensor<768x3200xf32>) outs(%acc : tensor<f32>) {
  ^bb0(%x: f32, %s: f32):
    %sq = arith.mulf %x, %x : f32
    %t = arith.addf %s, %sq : f32
    linalg.yield %t : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}

// -----

// 64 rows of 1024: 64 threads. Split by 128 (each thread still reads 8
// elements) into 64 x 128 partial maxima (-inf filled), then a row max of
// those.
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @row_max
// CHECK: %[[X3:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2]] output_shape [64, 8, 128]
// CHECK: %[[NEG:.*]] = arith.constant 0xFF800000 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[NEG]] : f32) outs(%{{.*}} : tensor<64x128xf32>)
// CHECK: %[[P:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "parallel"]} ins(%[[X3]] : tensor<64x8x128xf32>) outs(%[[INIT]] : tensor<64x128xf32>)
// CHECK:   arith.maximumf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[P]] : tensor<64x128xf32>)
// CHECK:   arith.maximumf
func.func @row_max(%x: tensor<64x1024xf32>, %init: tensor<64xf32>) -> tensor<64xf32> {
  %r = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<64x1024xf32>) outs(%init : tensor<64xf32>) {
  ^bb0(%a: f32, %m: f32):
    %t = arith.maximumf %a, %m : f32
    linalg.yield %t : f32
  } -> tensor<64xf32>
  return %r : tensor<64xf32>
}

// -----

// Left alone: enough rows already, a dynamic shape, a short reduction, and a
// matrix product (its inputs each lack an output dimension).
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#c = affine_map<(m, n, k) -> (m, n)>
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: tensor.expand_shape
// CHECK-NOT: tensor.collapse_shape
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT: linalg.generic
func.func @left_alone(%many: tensor<32768x512xf32>, %many_init: tensor<32768xf32>,
                      %dyn: tensor<?x1024xf32>, %dyn_init: tensor<?xf32>,
                      %short: tensor<4x128xf32>, %short_init: tensor<4xf32>,
                      %x: tensor<8x4096xf32>, %w: tensor<4096x8xf32>, %y: tensor<8x8xf32>)
    -> (tensor<32768xf32>, tensor<?xf32>, tensor<4xf32>, tensor<8x8xf32>) {
  %0 = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%many : tensor<32768x512xf32>) outs(%many_init : tensor<32768xf32>) {
  ^bb0(%p: f32, %s: f32):
    %t = arith.addf %p, %s : f32
    linalg.yield %t : f32
  } -> tensor<32768xf32>
  %1 = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%dyn : tensor<?x1024xf32>) outs(%dyn_init : tensor<?xf32>) {
  ^bb0(%p: f32, %s: f32):
    %t = arith.addf %p, %s : f32
    linalg.yield %t : f32
  } -> tensor<?xf32>
  %2 = linalg.generic {indexing_maps = [#id2, #row], iterator_types = ["parallel", "reduction"]}
      ins(%short : tensor<4x128xf32>) outs(%short_init : tensor<4xf32>) {
  ^bb0(%p: f32, %s: f32):
    %t = arith.addf %p, %s : f32
    linalg.yield %t : f32
  } -> tensor<4xf32>
  %3 = linalg.generic {indexing_maps = [#a, #b, #c], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<8x4096xf32>, tensor<4096x8xf32>) outs(%y : tensor<8x8xf32>) {
  ^bb0(%p: f32, %q: f32, %s: f32):
    %m = arith.mulf %p, %q : f32
    %t = arith.addf %s, %m : f32
    linalg.yield %t : f32
  } -> tensor<8x8xf32>
  return %0, %1, %2, %3 : tensor<32768xf32>, tensor<?xf32>, tensor<4xf32>, tensor<8x8xf32>
}
