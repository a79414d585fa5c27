// RUN: tvq-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(tvq-async-launches)' | FileCheck %s

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

// Host code touching a buffer the device uses waits first (once until the
// next launch or call); host-only buffers, such as the ownership lists, and
// the function's own inputs need no wait.
// CHECK-LABEL: func.func @host_reads(
// CHECK:         gpu.launch_func async
// CHECK-NEXT:    memref.store %{{.*}}, %[[LIST:.*]][%{{.*}}] : memref<2xindex>
// CHECK-NEXT:    memref.load %arg1[] : memref<f32>
// CHECK-NEXT:    call @_tvq_cuda_wait() : () -> ()
// CHECK-NEXT:    memref.load %[[SUM:.*]][] : memref<f32>
// CHECK-NEXT:    arith.addf
// CHECK-NEXT:    memref.store %{{.*}}, %[[SUM]][] : memref<f32>
// CHECK-NEXT:    %{{.*}} = call @gemm(%{{.*}}) : (index) -> i32
// CHECK-NEXT:    call @_tvq_cuda_wait() : () -> ()
// CHECK-NEXT:    memref.load %[[B:.*]][%{{.*}}] : memref<4xf32>
// CHECK:       func.func private @_tvq_cuda_wait()
module attributes {gpu.container_module} {
  gpu.module @k {
    gpu.func @sum(%a: memref<f32>) kernel {
      gpu.return
    }
  }
  func.func private @gemm(index) -> i32
  func.func @host_reads(%n: index, %in: memref<f32>) -> f32 {
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %sum = memref.alloc() : memref<f32>
    %list = memref.alloc() : memref<2xindex>
    %b = memref.alloc() : memref<4xf32>
    %view = memref.subview %b[1] [2] [1] : memref<4xf32> to memref<2xf32, strided<[1], offset: 1>>
    %base, %offset, %size, %stride = memref.extract_strided_metadata %view : memref<2xf32, strided<[1], offset: 1>> -> memref<f32>, index, index, index
    %pointer = memref.extract_aligned_pointer_as_index %base : memref<f32> -> index
    gpu.launch_func @k::@sum blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%sum : memref<f32>)
    memref.store %n, %list[%c0] : memref<2xindex>
    %x = memref.load %in[] : memref<f32>
    %s = memref.load %sum[] : memref<f32>
    %t = arith.addf %s, %x : f32
    memref.store %t, %sum[] : memref<f32>
    %done = call @gemm(%pointer) : (index) -> i32
    %y = memref.load %b[%c1] : memref<4xf32>
    %r = arith.addf %t, %y : f32
    return %r : f32
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
