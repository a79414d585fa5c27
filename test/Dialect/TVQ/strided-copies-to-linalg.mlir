// RUN: tvq-opt %s -tvq-strided-copies-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @copies(
// CHECK-SAME: %[[A:[^:]+]]: memref<?x16xi32>, %[[B:[^:]+]]: memref<?x32xi32>, %[[C:[^:]+]]: memref<?x16xi32>
// CHECK: %[[VIEW:.+]] = memref.subview %[[B]]
// CHECK: linalg.copy ins(%[[A]] : memref<?x16xi32>) outs(%[[VIEW]] : memref<?x16xi32, strided<[32, 1]>>)
// Contiguous copies stay memcpy-able.
// CHECK: memref.copy %[[A]], %[[C]] : memref<?x16xi32> to memref<?x16xi32>
// CHECK-NOT: memref.copy
func.func @copies(%a: memref<?x16xi32>, %b: memref<?x32xi32>, %c: memref<?x16xi32>) {
  %c0 = arith.constant 0 : index
  %n = memref.dim %a, %c0 : memref<?x16xi32>
  %view = memref.subview %b[0, 0] [%n, 16] [1, 1] : memref<?x32xi32> to memref<?x16xi32, strided<[32, 1]>>
  memref.copy %a, %view : memref<?x16xi32> to memref<?x16xi32, strided<[32, 1]>>
  memref.copy %a, %c : memref<?x16xi32> to memref<?x16xi32>
  return
}
