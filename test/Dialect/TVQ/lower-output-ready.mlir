// RUN: tvq-opt %s -split-input-file -verify-diagnostics -convert-elementwise-to-linalg -one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" -tvq-lower-output-ready | FileCheck %s

// A result announced with tvq.output_ready is handed to the runtime's hook,
// when one is set, as (context, result index, data, bytes), right where the
// op stood: between the op that computes it and the rest of the function.

// CHECK: llvm.mlir.global external @_tvq_output_hook_context() {{.*}} : !llvm.ptr {
// CHECK-NEXT: llvm.mlir.zero
// CHECK: llvm.mlir.global external @_tvq_output_hook() {{.*}} : !llvm.ptr {
// CHECK-NEXT: llvm.mlir.zero
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: %[[X:[^:]+]]: memref<?x4xf32>, %[[W:[^:]+]]: memref<4x4xf32>)
// CHECK: arith.mulf
// CHECK: %[[HOOK:.+]] = llvm.load %{{.+}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[SET:.+]] = llvm.icmp "ne" %[[HOOK]], %{{.+}} : !llvm.ptr
// CHECK: scf.if %[[SET]] {
// CHECK: %[[CTX:.+]] = llvm.load %{{.+}} : !llvm.ptr -> !llvm.ptr
// CHECK: %[[INDEX:.+]] = llvm.mlir.constant(0 : i64) : i64
// CHECK: memref.extract_aligned_pointer_as_index %[[W]]
// CHECK: %[[DATA:.+]] = llvm.inttoptr
// CHECK: %[[BYTES:.+]] = arith.index_cast %{{.+}} : index to i64
// CHECK: llvm.call %[[HOOK]](%[[CTX]], %[[INDEX]], %[[DATA]], %[[BYTES]]) : !llvm.ptr, (!llvm.ptr, i64, !llvm.ptr, i64) -> ()
// CHECK: }
// A dynamic size is read from the buffer: 4 bytes x rows x 4.
// CHECK: arith.addf
// CHECK: scf.if
// CHECK: llvm.mlir.constant(1 : i64) : i64
// CHECK: memref.dim %[[X]], %c0
// CHECK: llvm.call
// CHECK: return
func.func @grads(%x: tensor<?x4xf32>, %w: tensor<4x4xf32>) -> (tensor<4x4xf32>, tensor<?x4xf32>) {
  %0 = arith.mulf %w, %w : tensor<4x4xf32>
  tvq.output_ready %0 {index = 0 : i64} : tensor<4x4xf32>
  %1 = arith.addf %x, %x : tensor<?x4xf32>
  tvq.output_ready %1 {index = 1 : i64} : tensor<?x4xf32>
  return %0, %1 : tensor<4x4xf32>, tensor<?x4xf32>
}

// -----

// A strided view is not one contiguous block: its announcement is dropped
// (the runtime takes the result when the function returns). Without any
// announcement left, the module gets no hook globals either.

// CHECK-NOT: _tvq_output_hook
// CHECK-LABEL: func.func @view(
// CHECK-NOT: tvq.output_ready
// CHECK-NOT: llvm.call
// CHECK: return
func.func @view(%m: memref<4x8xf32>) -> memref<4x4xf32, strided<[8, 1]>> {
  %v = memref.subview %m[0, 0] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1]>>
  tvq.output_ready %v {index = 0 : i64} : memref<4x4xf32, strided<[8, 1]>>
  return %v : memref<4x4xf32, strided<[8, 1]>>
}
