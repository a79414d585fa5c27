// RUN: tvq-opt %s --pass-pipeline='builtin.module(gpu.module(tvq-align-workgroup-memory))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(gpu.module(tvq-align-workgroup-memory,convert-gpu-to-nvvm))' | FileCheck %s --check-prefix=NVVM
// RUN: not tvq-opt %s --pass-pipeline='builtin.module(gpu.module(tvq-align-workgroup-memory{alignment=12}))' 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: tvq-align-workgroup-memory: alignment 12 is not a power of two

// Every workgroup attribution without an alignment gets 16 bytes; one that
// has an alignment keeps it; private attributions are left alone.
// CHECK-LABEL: gpu.func @tile
// CHECK-SAME: workgroup(%{{.*}} : memref<1024xbf16, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<16x65xf32, #gpu.address_space<workgroup>> {llvm.align = 16 : i64}, %{{.*}} : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 128 : i64})
// CHECK-SAME: private(%{{.*}} : memref<16xf32, #gpu.address_space<private>>)
// NVVM: llvm.mlir.global internal @__wg_tile_0() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<1024 x bf16>
// NVVM: llvm.mlir.global internal @__wg_tile_1() {addr_space = 3 : i32, alignment = 16 : i64} : !llvm.array<1040 x f32>
// NVVM: llvm.mlir.global internal @__wg_tile_2() {addr_space = 3 : i32, alignment = 128 : i64} : !llvm.array<8 x f32>
gpu.module @kernels {
  gpu.func @tile(%out: memref<4xf32>)
      workgroup(%a : memref<1024xbf16, #gpu.address_space<workgroup>>,
                %b : memref<16x65xf32, #gpu.address_space<workgroup>>,
                %c : memref<8xf32, #gpu.address_space<workgroup>> {llvm.align = 128 : i64})
      private(%p : memref<16xf32, #gpu.address_space<private>>) kernel {
    %c0 = arith.constant 0 : index
    %x = memref.load %b[%c0, %c0] : memref<16x65xf32, #gpu.address_space<workgroup>>
    %y = memref.load %c[%c0] : memref<8xf32, #gpu.address_space<workgroup>>
    %z = arith.addf %x, %y : f32
    memref.store %z, %out[%c0] : memref<4xf32>
    gpu.return
  }
}
