// RUN: tvq-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(tvq-async-launches))' | FileCheck %s
// RUN: tvq-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(tvq-async-launches),gpu-to-llvm)' | FileCheck %s --check-prefix=LLVM

// One stream token at the entry; every launch, also inside regions, queued
// on it in program order; no wait after any of them.
// CHECK-LABEL: func.func @f(
// CHECK-NEXT:    %[[S:.*]] = gpu.wait async
// CHECK:         gpu.launch_func async [%[[S]]] @k::@first blocks in (%{{.*}}) threads in (%{{.*}}) args(%{{.*}} : f32)
// CHECK:         scf.if
// CHECK-NEXT:      gpu.launch_func async [%[[S]]] @k::@second blocks in (%{{.*}}) threads in (%{{.*}}) args(%{{.*}} : i32)
// CHECK-NOT:     gpu.wait
// CHECK:         return
// A function without launches is left alone.
// CHECK-LABEL: func.func @host_only(
// CHECK-NOT:     gpu.wait
// gpu-to-llvm: the token is the stream of mgpuStreamCreate, which both
// launches name; nothing synchronizes or destroys it.
// LLVM-LABEL: llvm.func @f(
// LLVM:         %[[S:.*]] = llvm.call @mgpuStreamCreate()
// LLVM:         gpu.launch_func <%[[S]] : !llvm.ptr> @k::@first
// LLVM:         gpu.launch_func <%[[S]] : !llvm.ptr> @k::@second
// LLVM-NOT:     mgpuStreamSynchronize
// LLVM-NOT:     mgpuStreamDestroy
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @first(%a: f32) kernel {
      gpu.return
    }
    gpu.func @second(%a: i32) kernel {
      gpu.return
    }
  }
  func.func @f(%a: f32, %b: i32, %p: i1) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @k::@first blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : f32)
    scf.if %p {
      gpu.launch_func @k::@second blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : i32)
    }
    return
  }
  func.func @host_only(%a: f32) {
    return
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @first(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  func.func @already_async(%a: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %s = gpu.wait async
    // expected-error @+1 {{is already asynchronous; tvq-async-launches expects the synchronous launches of gpu-kernel-outlining}}
    %t = gpu.launch_func async [%s] @k::@first blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    return
  }
}
