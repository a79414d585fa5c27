// RUN: tvq-opt %s -tvq-insert-runtime-checks | FileCheck %s

// The check function compares every dynamic size with the one that defines
// its symbol and tests divisibility by block_len; sizes of tvq results
// resolve to argument sizes, so no tvq op remains in it.

// CHECK-LABEL: func.func @f(
// CHECK: tvq.vq_quantize
// CHECK: tvq.vq_attention

// CHECK-LABEL: func.func @f__tvq_check(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x?x4xf32>, %[[K:[^:]+]]: tensor<?x?x4xf32>, %[[V:[^:]+]]: tensor<?x?x6xf32>
// CHECK-SAME: -> i32
// CHECK-SAME: tvq.check_messages = [
// CHECK-SAME: "tvq.vq_attention at insert-runtime-checks.mlir:{{[0-9]+}}:{{[0-9]+}}: dimension 0 of operand 'k_hat' must equal B, dimension 0 of operand 'q'"
// CHECK-SAME: "tvq.vq_attention at insert-runtime-checks.mlir:{{[0-9]+}}:{{[0-9]+}}: T (dimension 1 of operand 'q') must be a multiple of block_len 8"
// CHECK-NOT: tvq.vq_
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// CHECK-DAG: %[[T:.+]] = tensor.dim %[[Q]], %[[C1]]
// CHECK-DAG: %[[TK:.+]] = tensor.dim %[[K]], %[[C1]]
// CHECK-DAG: arith.cmpi ne, %[[TK]], %[[T]] : index
// CHECK-DAG: arith.remui %{{.+}}, %[[C8]] : index
// CHECK: arith.select
// CHECK: return %{{.+}} : i32
func.func @f(%q: tensor<?x?x4xf32>, %k: tensor<?x?x4xf32>, %v: tensor<?x?x6xf32>,
             %c: tensor<5x4xf32>, %u: tensor<4xf32>, %w: tensor<4xf32>,
             %r: tensor<3x4xf32>) -> tensor<?x?x6xf32> {
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 8 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return %o : tensor<?x?x6xf32>
}

// Static shapes leave nothing to check at run time.
// CHECK-LABEL: func.func @static__tvq_check(
// CHECK-SAME: tvq.check_messages = []
// CHECK-NEXT: %[[ZERO:.+]] = arith.constant 0 : i32
// CHECK-NEXT: return %[[ZERO]] : i32
func.func @static(%k: tensor<2x8x4xf32>, %c: tensor<5x4xf32>) -> tensor<2x8xi32> {
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<2x8x4xf32>, tensor<5x4xf32>) -> (tensor<2x8x4xf32>, tensor<2x8xi32>, tensor<2x8xf32>)
  return %z : tensor<2x8xi32>
}

// Private functions are not entry points.
// CHECK-NOT: @helper__tvq_check
func.func private @helper(%k: tensor<?x?x4xf32>) -> tensor<?x?x4xf32> {
  return %k : tensor<?x?x4xf32>
}
