// RUN: tvq-opt %s --pass-pipeline='builtin.module(gpu.module(tvq-gpu-math-to-intrinsics))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(gpu.module(tvq-gpu-math-to-intrinsics,convert-gpu-to-nvvm))' | FileCheck %s --check-prefix=NVVM

// CHECK-LABEL: gpu.func @roots
// CHECK: llvm.call_intrinsic "llvm.sqrt.f32"(%{{.*}}) : (f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.sqrt.f64"(%{{.*}}) : (f64) -> f64
// CHECK: llvm.call_intrinsic "llvm.fma.f32"(%{{.*}}, %{{.*}}, %{{.*}}) : (f32, f32, f32) -> f32
// CHECK: llvm.call_intrinsic "llvm.floor.f32"(%{{.*}}) : (f32) -> f32
// CHECK-NOT: math.
// No libdevice call survives the NVVM conversion.
// NVVM-NOT: __nv_
// NVVM: llvm.call_intrinsic "llvm.sqrt.f32"
module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @roots(%a: memref<2xf32>, %b: memref<2xf64>) kernel {
      %c0 = arith.constant 0 : index
      %x = memref.load %a[%c0] : memref<2xf32>
      %y = math.sqrt %x : f32
      memref.store %y, %a[%c0] : memref<2xf32>
      %u = memref.load %b[%c0] : memref<2xf64>
      %v = math.sqrt %u : f64
      memref.store %v, %b[%c0] : memref<2xf64>
      %f = math.fma %x, %y, %x : f32
      %g = math.floor %f : f32
      memref.store %g, %a[%c0] : memref<2xf32>
      gpu.return
    }
  }
}
