// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tvq-fuse-elementwise-ops))' | FileCheck %s
// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(linalg-fuse-elementwise-ops))' | FileCheck %s --check-prefix=UPSTREAM

// q + w feeding a matrix product (q + w) r^T: upstream fuses the add into the
// product (three inputs: no longer a GEMM); this pass keeps the product.
#qk = affine_map<(i, d, k) -> (i, k)>
#rk = affine_map<(i, d, k) -> (d, k)>
#out = affine_map<(i, d, k) -> (i, d)>
#id = affine_map<(i, k) -> (i, k)>
#row = affine_map<(i, k) -> (k)>
// CHECK-LABEL: func.func @bias_then_product
// CHECK: %[[QW:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<8xf32>)
// CHECK:   arith.addf
// CHECK: linalg.generic {{.*}} ins(%[[QW]], %{{.*}} : tensor<16x8xf32>, tensor<9x8xf32>)
// CHECK:   arith.mulf
// CHECK:   arith.addf
// UPSTREAM-LABEL: func.func @bias_then_product
// UPSTREAM: linalg.generic {{.*}} ins(%{{.*}}, %{{.*}}, %{{.*}} : tensor<16x8xf32>, tensor<8xf32>, tensor<9x8xf32>)
func.func @bias_then_product(%q: tensor<16x8xf32>, %w: tensor<8xf32>, %r: tensor<9x8xf32>) -> tensor<16x9xf32> {
  %e = tensor.empty() : tensor<16x8xf32>
  %qw = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%q, %w : tensor<16x8xf32>, tensor<8xf32>) outs(%e : tensor<16x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  %zero = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<16x9xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e2 : tensor<16x9xf32>) -> tensor<16x9xf32>
  %s = linalg.generic {indexing_maps = [#qk, #rk, #out], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%qw, %r : tensor<16x8xf32>, tensor<9x8xf32>) outs(%init : tensor<16x9xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %t = arith.addf %o, %m : f32
    linalg.yield %t : f32
  } -> tensor<16x9xf32>
  return %s : tensor<16x9xf32>
}

// -----

// Elementwise chains still fuse: exp(x - m) then a scale become one op.
#id2 = affine_map<(i, k) -> (i, k)>
// CHECK-LABEL: func.func @elementwise_chain
// CHECK: linalg.generic
// CHECK:   arith.subf
// CHECK:   math.exp
// CHECK:   arith.mulf
// CHECK-NOT: linalg.generic
func.func @elementwise_chain(%x: tensor<4x4xf32>, %m: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %e = tensor.empty() : tensor<4x4xf32>
  %a = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x, %m : tensor<4x4xf32>, tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%p: f32, %q: f32, %o: f32):
    %d = arith.subf %p, %q : f32
    %ex = math.exp %d : f32
    linalg.yield %ex : f32
  } -> tensor<4x4xf32>
  %b = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
  ^bb0(%p: f32, %o: f32):
    %two = arith.constant 2.0 : f32
    %s = arith.mulf %p, %two : f32
    linalg.yield %s : f32
  } -> tensor<4x4xf32>
  return %b : tensor<4x4xf32>
}
