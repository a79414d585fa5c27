// RUN: tvq-opt %s -tvq-emit-entry-points -split-input-file -verify-diagnostics | FileCheck %s

// The packed entry loads the input pointers, then the result pointer (last
// in args), and passes the result first, as the C interface wants it.

// CHECK-LABEL: llvm.func @_tvq_packed_f(
// CHECK-SAME: %[[ARGS:.+]]: !llvm.ptr) {
// CHECK: %[[P0:.+]] = llvm.getelementptr %[[ARGS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[IN:.+]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK: %[[P1:.+]] = llvm.getelementptr %[[ARGS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[RES:.+]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @_mlir_ciface_f(%[[RES]], %[[IN]])
// CHECK: llvm.return

// CHECK-LABEL: llvm.func @_tvq_check_f(
// CHECK-SAME: %[[ARGS:.+]]: !llvm.ptr) -> i32 {
// CHECK: %[[IN:.+]] = llvm.load
// CHECK: %[[CODE:.+]] = llvm.call @_mlir_ciface_f__tvq_check(%[[IN]]) : (!llvm.ptr) -> i32
// CHECK: llvm.return %[[CODE]] : i32

// The manifest, NUL-terminated, with external linkage for dlsym.
// CHECK: llvm.mlir.global external constant @tvq_manifest("tvq-manifest 1\0Atarget cpu\0Aentry f 1 1\0Ainput 0 x f32 1 ?\0Aoutput 0 y f32 1 ?\0Aend\0A\00")
// CHECK-NOT: tvq.manifest
module attributes {tvq.manifest = "tvq-manifest 1\0Atarget cpu\0Aentry f 1 1\0Ainput 0 x f32 1 ?\0Aoutput 0 y f32 1 ?\0Aend\0A"} {
  llvm.func @_mlir_ciface_f(%res: !llvm.ptr, %x: !llvm.ptr) {
    llvm.return
  }
  llvm.func @_mlir_ciface_f__tvq_check(%x: !llvm.ptr) -> i32 {
    %0 = llvm.mlir.constant(0 : i32) : i32
    llvm.return %0 : i32
  }
}

// -----

// expected-error @+1 {{no tvq.manifest attribute; run tvq-build-manifest before lowering}}
module {
}

// -----

// expected-error @+1 {{missing C interface function '_mlir_ciface_g'}}
module attributes {tvq.manifest = "tvq-manifest 1\0Atarget cpu\0Aentry g 1 1\0Ainput 0 x f32 1 ?\0Aoutput 0 y f32 1 ?\0Aend\0A"} {
}

// -----

// A CUDA module's kernel sources (tvq-merge-gpu-modules) become the
// _tvq_kernel_sources global that the runtime's profile reads.
// CHECK-LABEL: llvm.func @_tvq_packed_k(
// CHECK: llvm.mlir.global external constant @_tvq_kernel_sources("k_kernel\09dense at m.mlir:3:5\0A\00")
// CHECK-NOT: tvq.kernel_sources
module attributes {tvq.manifest = "tvq-manifest 1\0Atarget cuda\0Aentry k 1 1\0Ainput 0 x f32 1 ?\0Aoutput 0 y f32 1 ?\0Aend\0A", tvq.kernel_sources = "k_kernel\09dense at m.mlir:3:5\0A"} {
  llvm.func @_mlir_ciface_k(%res: !llvm.ptr, %x: !llvm.ptr) {
    llvm.return
  }
  llvm.func @_mlir_ciface_k__tvq_check(%x: !llvm.ptr) -> i32 {
    %0 = llvm.mlir.constant(0 : i32) : i32
    llvm.return %0 : i32
  }
}
