// RUN: tvq-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s

// tvq.block_scan bufferizes in destination style: init's buffer is read and
// the sums are added to it in place (here the buffer of a linalg.fill), and
// the result is that buffer.
// CHECK-LABEL: func.func @scan(
// CHECK-SAME: %[[T:[a-z0-9]+]]: memref<?x?x8xf32>
// CHECK: %[[BUF:.+]] = memref.alloc(%{{.+}}, %{{.+}}) {{.*}}: memref<?x?x8xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[BUF]] : memref<?x?x8xf32>)
// CHECK: tvq.block_scan {distance = 1 : i64} ins(%[[T]] : memref<?x?x8xf32>) outs(%[[BUF]] : memref<?x?x8xf32>)
// CHECK-NOT: memref.copy
// CHECK: return %[[BUF]] : memref<?x?x8xf32>
func.func @scan(%t: tensor<?x?x8xf32>) -> tensor<?x?x8xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %b = tensor.dim %t, %c0 : tensor<?x?x8xf32>
  %nb = tensor.dim %t, %c1 : tensor<?x?x8xf32>
  %one = arith.constant 1.0 : f32
  %e = tensor.empty(%b, %nb) : tensor<?x?x8xf32>
  %init = linalg.fill ins(%one : f32) outs(%e : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %o = tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?x?x8xf32>)
      outs(%init : tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  return %o : tensor<?x?x8xf32>
}
