// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tvq-fuse-parallel-loops))' | FileCheck %s

// The allocation between the loops moves up; the second loop reads what the
// first wrote at the same element (and a third buffer), so they fuse: one
// loop, the first body before the second, the allocations before it.
// CHECK-LABEL: func.func @fuse
// CHECK-SAME: (%[[X:.*]]: memref<?x4xf32>, %[[N:.*]]: index)
// CHECK: %[[A:.*]] = memref.alloc(%[[N]])
// CHECK-NEXT: %[[B:.*]] = memref.alloc(%[[N]])
// CHECK: scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK-NEXT: %[[V:.*]] = memref.load %[[X]][%[[I]], %[[J]]]
// CHECK-NEXT: memref.store %[[V]], %[[A]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[W:.*]] = memref.load %[[A]][%[[I]], %[[J]]]
// CHECK-NEXT: %[[S:.*]] = arith.addf %[[W]], %[[W]]
// CHECK-NEXT: memref.store %[[S]], %[[B]][%[[I]], %[[J]]]
// CHECK-NEXT: scf.reduce
// CHECK-NOT: scf.parallel
// CHECK: return %[[B]]
func.func @fuse(%x: memref<?x4xf32>, %n: index) -> memref<?x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc(%n) : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) {
    %v = memref.load %x[%i, %j] : memref<?x4xf32>
    memref.store %v, %a[%i, %j] : memref<?x4xf32>
  }
  %b = memref.alloc(%n) : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) {
    %w = memref.load %a[%i, %j] : memref<?x4xf32>
    %s = arith.addf %w, %w : f32
    memref.store %s, %b[%i, %j] : memref<?x4xf32>
  }
  return %b : memref<?x4xf32>
}

// -----

// A reduction loop (a serial scf.for in each iteration) followed by an
// elementwise loop reading its result at the same row fuses too. (Its output
// is a new buffer: function arguments may alias one another, so a loop
// writing one argument never fuses with a loop reading another.)
// CHECK-LABEL: func.func @reduction_then_elementwise
// CHECK: memref.alloc
// CHECK: scf.parallel
// CHECK: scf.for
// CHECK: memref.store
// CHECK: }
// CHECK: memref.load
// CHECK: memref.store
// CHECK-NOT: scf.parallel
func.func @reduction_then_elementwise(%x: memref<?x8xf32>, %sum: memref<?xf32>,
                                      %n: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %acc = memref.load %sum[%i] : memref<?xf32>
      %v = memref.load %x[%i, %k] : memref<?x8xf32>
      %t = arith.addf %acc, %v : f32
      memref.store %t, %sum[%i] : memref<?xf32>
    }
  }
  %out = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %s = memref.load %sum[%i] : memref<?xf32>
    %d = arith.mulf %s, %s : f32
    memref.store %d, %out[%i] : memref<?xf32>
  }
  return %out : memref<?xf32>
}

// -----

// The second loop reads a neighbour's element: not fused.
// CHECK-LABEL: func.func @neighbour
// CHECK-COUNT-2: scf.parallel
func.func @neighbour(%a: memref<?xf32>, %b: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %one, %a[%i] : memref<?xf32>
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %j = arith.addi %i, %c1 : index
    %v = memref.load %a[%j] : memref<?xf32>
    memref.store %v, %b[%i] : memref<?xf32>
  }
  return
}

// -----

// Both loops write element 0 of %s (every iteration does): run one after the
// other, the second loop's value is left; fused, any iteration's first-body
// store could come last. Not fused (upstream's scf-parallel-loop-fusion
// checks only reads against writes and fuses this).
// CHECK-LABEL: func.func @write_after_write
// CHECK-COUNT-2: scf.parallel
func.func @write_after_write(%s: memref<1xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  %two = arith.constant 2.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %one, %s[%c0] : memref<1xf32>
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %two, %s[%c0] : memref<1xf32>
  }
  return
}

// -----

// The second loop reads the first's output through a view (the same memory
// under another value): not fused.
// CHECK-LABEL: func.func @through_a_view
// CHECK-COUNT-2: scf.parallel
func.func @through_a_view(%a: memref<8xf32>, %b: memref<2x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c4) step (%c1, %c1) {
    %k = arith.muli %i, %c4 : index
    %l = arith.addi %k, %j : index
    memref.store %one, %a[%l] : memref<8xf32>
  }
  %view = memref.expand_shape %a [[0, 1]] output_shape [2, 4]
      : memref<8xf32> into memref<2x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c2, %c4) step (%c1, %c1) {
    %v = memref.load %view[%i, %j] : memref<2x4xf32>
    memref.store %v, %b[%i, %j] : memref<2x4xf32>
  }
  return
}

// -----

// Different iteration spaces, an op with other memory effects in a body (a
// copy), and a deallocation between loops each keep the loops apart; the
// allocation after the deallocation stays after it.
// CHECK-LABEL: func.func @kept_apart
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[N:.*]]) step
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[M:.*]]) step
// CHECK: scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[M]]) step
// CHECK: memref.copy
// CHECK: memref.dealloc
// CHECK-NEXT: memref.alloc
// CHECK-NEXT: scf.parallel
func.func @kept_apart(%a: memref<?xf32>, %b: memref<?xf32>, %c: memref<4xf32>,
                      %d: memref<4xf32>, %n: index, %m: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %one, %a[%i] : memref<?xf32>
  }
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    memref.store %one, %b[%i] : memref<?xf32>
  }
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    memref.copy %c, %d : memref<4xf32> to memref<4xf32>
  }
  %t = memref.alloc(%m) : memref<?xf32>
  memref.dealloc %t : memref<?xf32>
  %u = memref.alloc(%m) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%m) step (%c1) {
    memref.store %one, %u[%i] : memref<?xf32>
  }
  memref.dealloc %u : memref<?xf32>
  return
}

// -----

// The first loop writes the lower half of %a, the second copies the upper
// half's first element into a new buffer in every iteration: two subviews of
// one buffer that cannot overlap (tvq::buffersMayOverlap, the alias question
// of every pass that rewrites the host's loops), so fused. The same loops on
// halves that share an element (%a[3] is in both) stay apart.
// CHECK-LABEL: func.func @disjoint_views
// CHECK: scf.parallel
// CHECK-NEXT: memref.store
// CHECK-NEXT: memref.load
// CHECK-NEXT: memref.store
// CHECK-NOT: scf.parallel
// CHECK-LABEL: func.func @overlapping_views
// CHECK-COUNT-2: scf.parallel
func.func @disjoint_views(%a: memref<8xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  %out = memref.alloc() : memref<4xf32>
  %lo = memref.subview %a[0] [4] [1]
      : memref<8xf32> to memref<4xf32, strided<[1]>>
  %hi = memref.subview %a[4] [4] [1]
      : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %lo[%i] : memref<4xf32, strided<[1]>>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %hi[%c0] : memref<4xf32, strided<[1], offset: 4>>
    memref.store %v, %out[%i] : memref<4xf32>
  }
  return %out : memref<4xf32>
}

func.func @overlapping_views(%a: memref<8xf32>) -> memref<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  %out = memref.alloc() : memref<4xf32>
  %lo = memref.subview %a[0] [4] [1]
      : memref<8xf32> to memref<4xf32, strided<[1]>>
  %hi = memref.subview %a[3] [4] [1]
      : memref<8xf32> to memref<4xf32, strided<[1], offset: 3>>
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    memref.store %one, %lo[%i] : memref<4xf32, strided<[1]>>
  }
  scf.parallel (%i) = (%c0) to (%c4) step (%c1) {
    %v = memref.load %hi[%c0] : memref<4xf32, strided<[1], offset: 3>>
    memref.store %v, %out[%i] : memref<4xf32>
  }
  return %out : memref<4xf32>
}
