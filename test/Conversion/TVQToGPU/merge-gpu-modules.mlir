// RUN: tvq-opt %s --split-input-file --tvq-merge-gpu-modules | FileCheck %s --check-prefixes=CHECK,DEDUP,SOURCES

// Two outlined kernels, each in its own module and both named @f_kernel,
// end in one module under their modules' names; the launches follow.
// CHECK: gpu.module @tvq_kernels {
// CHECK:   gpu.func @f_kernel(%{{.*}}: memref<4xf32>) kernel
// CHECK:   gpu.func @f_kernel_0(%{{.*}}: memref<8xf32>) kernel
// CHECK: }
// CHECK-NOT: gpu.module
// CHECK: func.func @f
// CHECK:   gpu.launch_func @tvq_kernels::@f_kernel blocks
// CHECK:   gpu.launch_func @tvq_kernels::@f_kernel_0 blocks
module attributes {gpu.container_module} {
  gpu.module @f_kernel {
    gpu.func @f_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @f_kernel_0 {
    gpu.func @f_kernel(%a: memref<8xf32>) kernel {
      gpu.return
    }
  }
  func.func @f(%a: memref<4xf32>, %b: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<8xf32>)
    return
  }
}

// -----

// Kernels with the same code, from different modules, are kept once.
// DEDUP: gpu.module @tvq_kernels {
// DEDUP:   gpu.func @g_kernel(
// DEDUP:     arith.addf
// DEDUP:   gpu.func @g_kernel_1(
// DEDUP:     arith.mulf
// DEDUP-NOT: gpu.func
// DEDUP: func.func @g
// DEDUP:   gpu.launch_func @tvq_kernels::@g_kernel blocks
// DEDUP:   gpu.launch_func @tvq_kernels::@g_kernel blocks
// DEDUP:   gpu.launch_func @tvq_kernels::@g_kernel_1 blocks
module attributes {gpu.container_module} {
  gpu.module @g_kernel {
    gpu.func @g_kernel(%a: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %a[%c0] : memref<4xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %a[%c0] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @g_kernel_0 {
    gpu.func @g_kernel(%b: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %b[%c0] : memref<4xf32>
      %w = arith.addf %v, %v : f32
      memref.store %w, %b[%c0] : memref<4xf32>
      gpu.return
    }
  }
  gpu.module @g_kernel_1 {
    gpu.func @g_kernel(%b: memref<4xf32>) kernel {
      %c0 = arith.constant 0 : index
      %v = memref.load %b[%c0] : memref<4xf32>
      %w = arith.mulf %v, %v : f32
      memref.store %w, %b[%c0] : memref<4xf32>
      gpu.return
    }
  }
  func.func @g(%a: memref<4xf32>, %b: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @g_kernel::@g_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>)
    gpu.launch_func @g_kernel_0::@g_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<4xf32>)
    gpu.launch_func @g_kernel_1::@g_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<4xf32>)
    return
  }
}

// -----

// Each kernel's source, from its first launch's location (the tvq op's name
// and where it is written, or just where): the tvq.kernel_sources table.
// SOURCES: module attributes {gpu.container_module, tvq.kernel_sources = "h_kernel\09dense at model.mlir:3:5\0Ah_kernel_0\09model.mlir:7:1\0A"}
module attributes {gpu.container_module} {
  gpu.module @h_kernel {
    gpu.func @h_kernel(%a: memref<4xf32>) kernel {
      gpu.return
    }
  }
  gpu.module @h_kernel_0 {
    gpu.func @h_kernel(%a: memref<8xf32>) kernel {
      gpu.return
    }
  }
  func.func @h(%a: memref<4xf32>, %b: memref<8xf32>) {
    %c1 = arith.constant 1 : index
    gpu.launch_func @h_kernel::@h_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>) loc("dense"("/some/dir/model.mlir":3:5))
    gpu.launch_func @h_kernel_0::@h_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%b : memref<8xf32>) loc("model.mlir":7:1)
    gpu.launch_func @h_kernel::@h_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) args(%a : memref<4xf32>) loc("other"("model.mlir":9:9))
    return
  }
}
