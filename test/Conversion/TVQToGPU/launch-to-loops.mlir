// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-gpu-launch-to-loops),canonicalize,cse)' | FileCheck %s

// A flat launch without barriers: one scf.parallel over (block, thread),
// last block and thread first (block n - 1 - b, thread 127 - t).
// CHECK-LABEL: func.func @flat
// CHECK: scf.parallel (%[[B:.*]], %[[T:.*]]) = (%c0, %c0) to (%[[N:.*]], %c128) step (%c1, %c1) {
// CHECK:   %[[TID:.*]] = arith.subi %c127, %[[T]]
// CHECK:   %[[LAST:.*]] = arith.subi %[[N]], %c1
// CHECK:   %[[BID:.*]] = arith.subi %[[LAST]], %[[B]]
// CHECK:   %[[BASE:.*]] = arith.muli %[[BID]], %c128
// CHECK:   %[[G:.*]] = arith.addi %[[BASE]], %[[TID]]
// CHECK:   memref.store %{{.*}}, %{{.*}}[%[[G]]]
// CHECK-NOT: gpu.launch
func.func @flat(%out: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c128 : index
    %g = arith.addi %base, %tx : index
    memref.store %v, %out[%g] : memref<?xf32>
    gpu.terminator
  }
  return
}

// Barriers, a shared buffer and a private one: blocks in parallel, each
// allocating its shared buffer and a row per thread for the private one;
// the stretches between barriers are loops over the threads, the loop that
// holds barriers runs once per block around them, and values that cross a
// barrier (the thread's position %pos) are recomputed in each stretch.
// CHECK-LABEL: func.func @staged
// CHECK: scf.parallel (%[[B:.*]]) = (%c0) to (%{{.*}}) step (%c1) {
// CHECK:   %[[SHARED:.*]] = memref.alloc() : memref<64xf32>
// CHECK:   %[[ROWS:.*]] = memref.alloc() : memref<64x2xf32>
// First stretch: the private sums start at 0.
// CHECK:   scf.for %[[T0:.*]] = %c0 to %c64 step %c1 {
// CHECK:     %[[ROW0:.*]] = memref.subview %[[ROWS]][%[[T0]], 0] [1, 2] [1, 1] : memref<64x2xf32> to memref<2xf32, strided<[1], offset: ?>>
// CHECK:     memref.store %{{.*}}, %[[ROW0]][%c0]
// CHECK:   }
// CHECK:   scf.for %[[K:.*]] = %c0 to %{{.*}} step %c1 {
// Between the loop's start and its barrier: each thread stores its element.
// CHECK:     scf.for %[[T1:.*]] = %c0 to %c64 step %c1 {
// CHECK:       memref.load %{{.*}}[%[[K]], %{{.*}}]
// CHECK:       memref.store %{{.*}}, %[[SHARED]][%[[T1]]]
// CHECK:     }
// After it: each thread reads its neighbour's element.
// CHECK:     scf.for %[[T2:.*]] = %c0 to %c64 step %c1 {
// CHECK:       %[[ROW2:.*]] = memref.subview %[[ROWS]][%[[T2]], 0]
// CHECK:       %[[NEXT:.*]] = arith.addi %[[T2]], %c1
// CHECK:       %[[WRAP:.*]] = arith.remui %[[NEXT]], %c64
// CHECK:       memref.load %[[SHARED]][%[[WRAP]]]
// CHECK:       memref.store %{{.*}}, %[[ROW2]][%c0]
// CHECK:     }
// CHECK:   }
// Last stretch: the sums leave through global memory.
// CHECK:   scf.for %[[T3:.*]] = %c0 to %c64 step %c1 {
// CHECK:     memref.store
// CHECK:   }
// CHECK:   memref.dealloc %[[SHARED]]
// CHECK:   memref.dealloc %[[ROWS]]
// CHECK-NOT: gpu.barrier
func.func @staged(%in: memref<?x?xf32>, %out: memref<?xf32>, %blocks: index, %steps: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %zero = arith.constant 0.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %blocks, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1)
             workgroup(%shared : memref<64xf32, #gpu.address_space<workgroup>>)
             private(%sum : memref<2xf32, #gpu.address_space<private>>) {
    %base = arith.muli %bx, %c64 : index
    %pos = arith.addi %base, %tx : index
    memref.store %zero, %sum[%c0] : memref<2xf32, #gpu.address_space<private>>
    scf.for %k = %c0 to %steps step %c1 {
      %v = memref.load %in[%k, %pos] : memref<?x?xf32>
      memref.store %v, %shared[%tx] : memref<64xf32, #gpu.address_space<workgroup>>
      gpu.barrier
      %next = arith.addi %tx, %c1 : index
      %wrap = arith.remui %next, %c64 : index
      %w = memref.load %shared[%wrap] : memref<64xf32, #gpu.address_space<workgroup>>
      %s = memref.load %sum[%c0] : memref<2xf32, #gpu.address_space<private>>
      %t = arith.addf %s, %w : f32
      memref.store %t, %sum[%c0] : memref<2xf32, #gpu.address_space<private>>
      gpu.barrier
    }
    %r = memref.load %sum[%c0] : memref<2xf32, #gpu.address_space<private>>
    memref.store %r, %out[%pos] : memref<?xf32>
    gpu.terminator
  }
  return
}

// A loaded value that crosses a barrier is kept per thread (a buffer of one
// element per thread, made at the block's start); what is computed from it
// without side effects is recomputed after the barrier.
// CHECK-LABEL: func.func @kept_across_barrier
// CHECK: scf.parallel
// CHECK:   %[[KEPT:.*]] = memref.alloc() : memref<64xf32>
// CHECK:   scf.for %[[T0:.*]] = %c0 to %c64 step %c1 {
// CHECK:     %[[V:.*]] = memref.load %{{.*}}[%[[T0]]] : memref<?xf32>
// CHECK:     memref.store %[[V]], %[[KEPT]][%[[T0]]]
// CHECK:   }
// CHECK:   scf.for %[[T1:.*]] = %c0 to %c64 step %c1 {
// CHECK:     %[[MINE:.*]] = memref.load %[[KEPT]][%[[T1]]]
// CHECK:     %[[D:.*]] = arith.mulf %[[MINE]], %{{.*}}
// CHECK:     memref.store %[[D]], %{{.*}}[%[[T1]]]
// CHECK:   }
// CHECK:   memref.dealloc %[[KEPT]]
func.func @kept_across_barrier(%in: memref<?xf32>, %out: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %two = arith.constant 2.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%tx] : memref<?xf32>
    %d = arith.mulf %v, %two : f32
    gpu.barrier
    memref.store %d, %out[%tx] : memref<?xf32>
    gpu.terminator
  }
  return
}

// A warp shuffle: the threads' values kept, then a loop of its own in which
// each thread reads its source lane's (lane xor 16 within its warp of 32;
// its own when the source is outside the width), then the rest.
// CHECK-LABEL: func.func @warp_sum
// CHECK: scf.parallel
// CHECK-DAG: %[[OUT:.*]] = memref.alloc() : memref<64xf32>
// CHECK-DAG: %[[IN:.*]] = memref.alloc() : memref<64xf32>
// CHECK:   scf.for %[[T0:.*]] = %c0 to %c64 step %c1 {
// CHECK:     memref.store %{{.*}}, %[[IN]][%[[T0]]]
// CHECK:   }
// CHECK:   scf.for %[[T1:.*]] = %c0 to %c64 step %c1 {
// CHECK:     %[[LANE:.*]] = arith.remui %[[T1]], %c32
// CHECK:     %[[START:.*]] = arith.subi %[[T1]], %[[LANE]]
// CHECK:     %[[SRC:.*]] = arith.xori %[[LANE]], %c16
// CHECK:     %[[BELOW:.*]] = arith.cmpi slt, %[[SRC]], %c32
// CHECK:     %[[ABOVE:.*]] = arith.cmpi sge, %[[SRC]], %c0
// CHECK:     %[[VALID:.*]] = arith.andi %[[ABOVE]], %[[BELOW]]
// CHECK:     %[[THERE:.*]] = arith.addi %[[START]], %[[SRC]]
// CHECK:     %[[FROM:.*]] = arith.select %[[VALID]], %[[THERE]], %[[T1]]
// CHECK:     %[[R:.*]] = memref.load %[[IN]][%[[FROM]]]
// CHECK:     memref.store %[[R]], %[[OUT]][%[[T1]]]
// CHECK:   }
// CHECK:   scf.for %[[T2:.*]] = %c0 to %c64 step %c1 {
// CHECK:     %[[A:.*]] = memref.load %[[IN]][%[[T2]]]
// CHECK:     %[[B:.*]] = memref.load %[[OUT]][%[[T2]]]
// CHECK:     arith.addf %[[A]], %[[B]]
// CHECK:   }
// CHECK-NOT: gpu.shuffle
func.func @warp_sum(%in: memref<?xf32>, %out: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c16 = arith.constant 16 : i32
  %w = arith.constant 32 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%tx] : memref<?xf32>
    %r, %ok = gpu.shuffle xor %v, %c16, %w : f32
    %s = arith.addf %v, %r : f32
    memref.store %s, %out[%tx] : memref<?xf32>
    gpu.terminator
  }
  return
}
