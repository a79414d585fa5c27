// The cuda-sim race check (tvq-instrument-races, then the runtime's
// RaceCheck.cpp) on small kernels run with mlir-runner: a launch whose
// threads share elements only across barriers passes and says how much it
// checked; a missing barrier, two blocks storing one element and two
// threads storing one element each stop the run with both accesses named.
// RUN: tvq-opt %s --pass-pipeline='builtin.module(tvq-instrument-races,func.func(tvq-gpu-launch-to-loops),expand-strided-metadata,lower-affine,convert-scf-to-cf,finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)' -o %t.ll.mlir
// RUN: mlir-runner %t.ll.mlir -e ordered -entry-point-result=void -shared-libs=%libtvq_runtime 2>&1 | FileCheck %s --check-prefix=ORDERED
// RUN: not mlir-runner %t.ll.mlir -e missing_barrier -entry-point-result=void -shared-libs=%libtvq_runtime 2>&1 | FileCheck %s --check-prefix=MISSING
// RUN: not mlir-runner %t.ll.mlir -e two_blocks -entry-point-result=void -shared-libs=%libtvq_runtime 2>&1 | FileCheck %s --check-prefix=BLOCKS
// RUN: not mlir-runner %t.ll.mlir -e two_threads -entry-point-result=void -shared-libs=%libtvq_runtime 2>&1 | FileCheck %s --check-prefix=THREADS

// Each step: every thread stores its element of a shared buffer, a barrier,
// every thread loads its neighbour's, a barrier before the next step's
// stores; 2 blocks of 64 threads, 3 steps: 2 x 64 x 3 x 3 global and shared
// accesses, plus the final stores (2 x 64).
// ORDERED: tvq race check: 1 launches, 1280 accesses, no data race
func.func @ordered() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c64 = arith.constant 64 : index
  %in = memref.alloc() : memref<3x128xf32>
  %out = memref.alloc() : memref<128xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>)
             private(%sum : memref<1xf32, #gpu.address_space<private>>) {
    %base = arith.muli %bx, %c64 : index
    %pos = arith.addi %base, %tx : index
    %zero = arith.constant 0.0 : f32
    memref.store %zero, %sum[%c0] : memref<1xf32, #gpu.address_space<private>>
    scf.for %k = %c0 to %c3 step %c1 {
      %v = memref.load %in[%k, %pos] : memref<3x128xf32>
      memref.store %v, %shared[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %next = arith.addi %tx, %c1 : index
      %wrap = arith.remui %next, %c64 : index
      %w = memref.load %shared[%wrap] : memref<64xf32, #gpu.address_space<workgroup>>
      %s = memref.load %sum[%c0] : memref<1xf32, #gpu.address_space<private>>
      %t = arith.addf %s, %w : f32
      memref.store %t, %sum[%c0] : memref<1xf32, #gpu.address_space<private>>
      gpu.barrier
    }
    %r = memref.load %sum[%c0] : memref<1xf32, #gpu.address_space<private>>
    memref.store %r, %out[%pos] : memref<128xf32>
    gpu.terminator
  }
  memref.dealloc %in : memref<3x128xf32>
  memref.dealloc %out : memref<128xf32>
  return
}

// Without the second barrier, the next step's store to a thread's element
// races with its neighbour's load of it in the step before.
// MISSING: tvq runtime: data race in gpu.launch #0 in @missing_barrier at {{.*}}race_check.mlir:[[@LINE+10]]:3: thread 0 of block 0 stores to workgroup memory at 0x{{[0-9a-f]+}} (memref.store to memref<64xf32, #gpu.address_space<workgroup>> at {{.*}}race_check.mlir:[[@LINE+17]]:7), which thread 63 of block 0 loaded from (memref.load from memref<64xf32, #gpu.address_space<workgroup>> at {{.*}}race_check.mlir:[[@LINE+21]]:12) with no barrier between
// MISSING-NOT: no data race
func.func @missing_barrier() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c64 = arith.constant 64 : index
  %in = memref.alloc() : memref<3x128xf32>
  %out = memref.alloc() : memref<128xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>) {
    %base = arith.muli %bx, %c64 : index
    %pos = arith.addi %base, %tx : index
    scf.for %k = %c0 to %c3 step %c1 {
      %v = memref.load %in[%k, %pos] : memref<3x128xf32>
      memref.store %v, %shared[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %next = arith.addi %tx, %c1 : index
      %wrap = arith.remui %next, %c64 : index
      %w = memref.load %shared[%wrap] : memref<64xf32, #gpu.address_space<workgroup>>
      memref.store %w, %out[%pos] : memref<128xf32>
    }
    gpu.terminator
  }
  memref.dealloc %in : memref<3x128xf32>
  memref.dealloc %out : memref<128xf32>
  return
}

// Thread 0 of every block stores the one total: blocks are not ordered.
// BLOCKS: tvq runtime: data race in gpu.launch #0 in @two_blocks at {{.*}}: thread 0 of block {{[0-9]}} stores to global memory at 0x{{[0-9a-f]+}} (memref.store to memref<1xf32> at {{.*}}), which thread 0 of block {{[0-9]}} stored to (memref.store to memref<1xf32> at {{.*}}); blocks of one launch run in no order
func.func @two_blocks() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c32 = arith.constant 32 : index
  %v = arith.constant 1.0 : f32
  %total = memref.alloc() : memref<1xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c4, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c32, %sy = %c1, %sz = %c1) {
    %first = arith.cmpi eq, %tx, %c0 : index
    scf.if %first {
      memref.store %v, %total[%c0] : memref<1xf32>
    }
    gpu.terminator
  }
  memref.dealloc %total : memref<1xf32>
  return
}

// A flat launch whose neighbouring threads store one element (an index
// halved by mistake), through a dynamically strided view.
// THREADS: tvq runtime: data race in gpu.launch #0 in @two_threads at {{.*}}: thread {{[0-9]+}} of block 0 stores to global memory at 0x{{[0-9a-f]+}} (memref.store to memref<?xf32, strided<[?], offset: ?>> at {{.*}}), which thread {{[0-9]+}} of block 0 stored to ({{.*}}) with no barrier between
func.func @two_threads() {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %v = arith.constant 1.0 : f32
  %buffer = memref.alloc() : memref<128xf32>
  %view = memref.subview %buffer[%c1] [%c64] [%c2] : memref<128xf32> to memref<?xf32, strided<[?], offset: ?>>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %half = arith.divui %tx, %c2 : index
    memref.store %v, %view[%half] : memref<?xf32, strided<[?], offset: ?>>
    gpu.terminator
  }
  memref.dealloc %buffer : memref<128xf32>
  return
}
