// RUN: tvq-opt %s --pass-pipeline='builtin.module(tvq-async-launches,gpu-to-llvm)' | FileCheck %s

// After gpu-to-llvm, the token is the stream of one mgpuStreamCreate, which
// both launches name; nothing synchronizes or destroys it after a launch.
// CHECK-LABEL: llvm.func @f(
// CHECK:         %[[S:.*]] = llvm.call @mgpuStreamCreate()
// CHECK:         gpu.launch_func <%[[S]] : !llvm.ptr> @k::@first
// CHECK:         gpu.launch_func <%[[S]] : !llvm.ptr> @k::@second
// CHECK-NOT:     mgpuStreamSynchronize
// CHECK-NOT:     mgpuStreamDestroy
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

