// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tvq-promote-loop-accumulators))' | FileCheck %s

// A thread-per-output product: the output element, stored in every
// iteration, becomes an iter_args value loaded before the loop and stored
// after it (the loop runs 128 times: no guard).
// CHECK-LABEL: func.func @product
// CHECK: %[[OUT:.*]] = memref.alloc
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK-NEXT: memref.store %{{.*}}, %[[OUT]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[INIT:.*]] = memref.load %[[OUT]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[SUM:.*]] = scf.for %{{.*}} = %{{.*}} to %{{.*}} step %{{.*}} iter_args(%[[S:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NOT: %[[OUT]]
// CHECK: %[[T:.*]] = arith.addf %[[S]], %{{.*}} : f32
// CHECK-NEXT: scf.yield %[[T]] : f32
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %[[SUM]], %[[OUT]][%[[I]], %[[J]]]
// CHECK-NEXT: scf.reduce
func.func @product(%x: memref<?x128xf32>, %w: memref<128x64xf32>, %n: index)
    -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc(%n) : memref<?x64xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
    memref.store %zero, %out[%i, %j] : memref<?x64xf32>
    scf.for %k = %c0 to %c128 step %c1 {
      %a = memref.load %x[%i, %k] : memref<?x128xf32>
      %b = memref.load %w[%k, %j] : memref<128x64xf32>
      %s = memref.load %out[%i, %j] : memref<?x64xf32>
      %p = arith.mulf %a, %b : f32
      %t = arith.addf %s, %p : f32
      memref.store %t, %out[%i, %j] : memref<?x64xf32>
    }
    scf.reduce
  }
  return %out : memref<?x64xf32>
}

// -----

// A dynamic trip count: the loop may run no iteration, and then did not
// touch the element, so the load and the store are under lb < ub; two
// accumulators (a sum and a sum of squares, two allocations) in one loop,
// an existing iter_args value kept first.
// CHECK-LABEL: func.func @two_sums_dynamic
// CHECK: %[[SUM:.*]] = memref.alloc
// CHECK: %[[SQ:.*]] = memref.alloc
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK: %[[RUNS:.*]] = arith.cmpi slt, %[[C0:.*]], %[[M:.*]] : index
// CHECK-NEXT: %[[INIT:.*]]:2 = scf.if %[[RUNS]] -> (f32, f32) {
// CHECK-NEXT: %[[L:.*]] = memref.load %[[SUM]][%[[I]]]
// CHECK-NEXT: %[[Q:.*]] = memref.load %[[SQ]][%[[I]]]
// CHECK-NEXT: scf.yield %[[L]], %[[Q]]
// CHECK-NEXT: } else {
// CHECK-NEXT: %[[Z:.*]] = arith.constant 0.0{{.*}} : f32
// CHECK-NEXT: %[[Z2:.*]] = arith.constant 0.0{{.*}} : f32
// CHECK-NEXT: scf.yield %[[Z]], %[[Z2]]
// CHECK-NEXT: }
// CHECK: %[[R:.*]]:3 = scf.for %{{.*}} = %[[C0]] to %[[M]] step %{{.*}} iter_args(%[[N:.*]] = %{{.*}}, %[[A:.*]] = %[[INIT]]#0, %[[B:.*]] = %[[INIT]]#1) -> (i32, f32, f32) {
// CHECK-NOT: memref.store
// CHECK: scf.yield %{{.*}}, %{{.*}}, %{{.*}} : i32, f32, f32
// CHECK-NEXT: }
// CHECK-NEXT: scf.if %[[RUNS]] {
// CHECK-NEXT: memref.store %[[R]]#1, %[[SUM]][%[[I]]]
// CHECK-NEXT: memref.store %[[R]]#2, %[[SQ]][%[[I]]]
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %[[R]]#0, %{{.*}}[%[[I]]] : memref<?xi32>
func.func @two_sums_dynamic(%x: memref<?x?xf32>, %n: index, %m: index)
    -> (memref<?xf32>, memref<?xf32>, memref<?xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1 : i32
  %zero = arith.constant 0 : i32
  %sum = memref.alloc(%n) : memref<?xf32>
  %sq = memref.alloc(%n) : memref<?xf32>
  %count = memref.alloc(%n) : memref<?xi32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %r = scf.for %k = %c0 to %m step %c1 iter_args(%c = %zero) -> (i32) {
      %a = memref.load %x[%i, %k] : memref<?x?xf32>
      %s = memref.load %sum[%i] : memref<?xf32>
      %q = memref.load %sq[%i] : memref<?xf32>
      %t = arith.addf %s, %a : f32
      %aa = arith.mulf %a, %a : f32
      %u = arith.addf %q, %aa : f32
      memref.store %t, %sum[%i] : memref<?xf32>
      memref.store %u, %sq[%i] : memref<?xf32>
      %d = arith.addi %c, %one : i32
      scf.yield %d : i32
    }
    memref.store %r, %count[%i] : memref<?xi32>
    scf.reduce
  }
  return %sum, %sq, %count : memref<?xf32>, memref<?xf32>, memref<?xi32>
}

// -----

// An element summed over two nested loops ends up outside both: the inner
// loop first, then the outer one, whose body now loads and stores it.
// CHECK-LABEL: func.func @nested
// CHECK: scf.parallel
// CHECK-NEXT: %[[INIT:.*]] = memref.load
// CHECK-NEXT: %[[OUTER:.*]] = scf.for {{.*}} iter_args(%[[S:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NEXT: %[[INNER:.*]] = scf.for {{.*}} iter_args(%[[T:.*]] = %[[S]]) -> (f32) {
// CHECK-NOT: memref.store
// CHECK: scf.yield %[[INNER]] : f32
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %[[OUTER]]
// CHECK-NEXT: scf.reduce
func.func @nested(%x: memref<?x8x16xf32>, %n: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %out = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      scf.for %l = %c0 to %c16 step %c1 {
        %a = memref.load %x[%i, %k, %l] : memref<?x8x16xf32>
        %s = memref.load %out[%i] : memref<?xf32>
        %t = arith.addf %s, %a : f32
        memref.store %t, %out[%i] : memref<?xf32>
      }
    }
    scf.reduce
  }
  return %out : memref<?xf32>
}

// -----

// Left alone: the output is a function argument that may alias the input
// the body reads (%y may be %x); an element stored before it is loaded; an
// element whose indices change with the loop; a loop with a barrier (other
// threads may read the element); a loop on the host, outside any kernel.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: iter_args
// CHECK: return
func.func @left_alone(%x: memref<?x128xf32>, %y: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  %own = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c128 step %c1 {
      %a = memref.load %x[%i, %k] : memref<?x128xf32>
      %s = memref.load %y[%i] : memref<?xf32>
      %t = arith.addf %s, %a : f32
      memref.store %t, %y[%i] : memref<?xf32>
    }
    scf.for %k = %c0 to %c128 step %c1 {
      memref.store %zero, %own[%i] : memref<?xf32>
      %s = memref.load %own[%i] : memref<?xf32>
      %t = arith.addf %s, %s : f32
      memref.store %t, %own[%i] : memref<?xf32>
    }
    scf.for %k = %c0 to %c128 step %c1 {
      %s = memref.load %own[%k] : memref<?xf32>
      %t = arith.addf %s, %s : f32
      memref.store %t, %own[%k] : memref<?xf32>
    }
    scf.reduce
  }
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    scf.for %k = %c0 to %c128 step %c1 {
      %s = memref.load %own[%c0] : memref<?xf32>
      %t = arith.addf %s, %s : f32
      memref.store %t, %own[%c0] : memref<?xf32>
      gpu.barrier
    }
    gpu.terminator
  }
  scf.for %k = %c0 to %c128 step %c1 {
    %s = memref.load %own[%c0] : memref<?xf32>
    %t = arith.addf %s, %s : f32
    memref.store %t, %own[%c0] : memref<?xf32>
  }
  memref.dealloc %own : memref<?xf32>
  return
}

// -----

// Dynamic trip counts, but the thread stored the element before the loops
// (no barrier between): loading it and storing it back when a loop runs no
// iteration changes nothing, so no guard, and the element leaves both
// loops. With a barrier between the store and the loops the guard stays
// (the outer loop then sees a guarded load and keeps its stores).
// CHECK-LABEL: func.func @stored_before
// CHECK: scf.parallel (%[[I:.*]]) =
// CHECK-NEXT: memref.store %{{.*}}, %[[OUT:.*]][%[[I]]]
// CHECK-NEXT: %[[INIT:.*]] = memref.load %[[OUT]][%[[I]]]
// CHECK-NEXT: %[[OUTER:.*]] = scf.for {{.*}} iter_args(%[[S:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NEXT: %[[INNER:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[S]]) -> (f32) {
// CHECK: scf.yield %[[INNER]] : f32
// CHECK-NEXT: }
// CHECK-NEXT: memref.store %[[OUTER]], %[[OUT]][%[[I]]]
// CHECK-NEXT: scf.reduce
// CHECK-LABEL: func.func @barrier_between
// CHECK: gpu.barrier
// CHECK-NEXT: scf.for
// CHECK-NEXT: arith.cmpi slt
// CHECK-NEXT: scf.if
// CHECK: scf.if
// CHECK-NEXT: memref.store
func.func @stored_before(%x: memref<?x?x?xf32>, %n: index, %m: index,
                         %p: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %zero, %out[%i] : memref<?xf32>
    scf.for %k = %c0 to %m step %c1 {
      scf.for %l = %c0 to %p step %c1 {
        %a = memref.load %x[%i, %k, %l] : memref<?x?x?xf32>
        %s = memref.load %out[%i] : memref<?xf32>
        %t = arith.addf %s, %a : f32
        memref.store %t, %out[%i] : memref<?xf32>
      }
    }
    scf.reduce
  }
  return %out : memref<?xf32>
}

func.func @barrier_between(%x: memref<?x?xf32>, %m: index, %p: index)
    -> memref<128xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  %out = memref.alloc() : memref<128xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c128, %sy = %c1, %sz = %c1) {
    memref.store %zero, %out[%tx] : memref<128xf32>
    gpu.barrier
    scf.for %k = %c0 to %m step %c1 {
      scf.for %l = %c0 to %p step %c1 {
        %a = memref.load %x[%k, %l] : memref<?x?xf32>
        %s = memref.load %out[%tx] : memref<128xf32>
        %t = arith.addf %s, %a : f32
        memref.store %t, %out[%tx] : memref<128xf32>
      }
    }
    gpu.terminator
  }
  return %out : memref<128xf32>
}
