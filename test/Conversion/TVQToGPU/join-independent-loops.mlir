// RUN: tvq-opt %s -split-input-file -tvq-join-independent-loops -canonicalize | FileCheck %s
// RUN: tvq-opt %s -split-input-file -tvq-join-independent-loops=max-loops=2 -canonicalize | FileCheck %s --check-prefix=MAX2
// RUN: not tvq-opt %s -split-input-file -tvq-join-independent-loops=max-loops=1 2>&1 | FileCheck %s --check-prefix=BADMAX
// BADMAX: tvq-join-independent-loops: max-loops must be at least 2, got 1

// Two independent loops over different spaces (an allocation between them):
// one loop over 32 * ceil(n / 32) + 4m iterations; the first n run the
// first body, the 4m from the next multiple of 32 the second at (l div 4,
// l rem 4), l = g - 32 * ceil(n / 32) (each loop starts a warp).
// CHECK-LABEL: func.func @different_spaces(
// CHECK-SAME: %[[N:[^:]+]]: index, %[[M:[^:]+]]: index)
// CHECK-DAG: %[[A:.+]] = memref.alloc(%[[N]])
// CHECK-DAG: %[[B:.+]] = memref.alloc(%[[M]])
// CHECK: %[[WARPS:.+]] = arith.ceildivui %[[N]], %c32
// CHECK: %[[MC:.+]] = arith.muli %[[M]], %c4
// CHECK: %[[START:.+]] = arith.muli %[[WARPS]], %c32
// CHECK: %[[TOTAL:.+]] = arith.addi %[[START]], %[[MC]]
// CHECK: scf.parallel (%[[G:.+]]) = (%c0) to (%[[TOTAL]]) step (%c1) {
// CHECK:   %[[IN0:.+]] = arith.cmpi ult, %[[G]], %[[N]]
// CHECK:   scf.if %[[IN0]] {
// CHECK:     memref.store %{{.+}}, %[[A]][%[[G]]]
// CHECK:   }
// CHECK:   %[[OFFSET:.+]] = arith.muli %[[WARPS]], %c32
// CHECK:   %[[L1:.+]] = arith.subi %[[G]], %[[OFFSET]]
// CHECK:   %[[IN1:.+]] = arith.cmpi ult, %[[L1]], %[[MC]]
// CHECK:   scf.if %[[IN1]] {
// CHECK:     %[[J:.+]] = arith.remui %[[L1]], %c4
// CHECK:     %[[I:.+]] = arith.divui %[[L1]], %c4
// CHECK:     memref.store %{{.+}}, %[[B]][%[[I]], %[[J]]]
// CHECK:   }
// CHECK: }
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @different_spaces(%n: index, %m: index) -> (memref<?xf32>, memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %x = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %a[%i] : memref<?xf32>
    scf.reduce
  }
  %b = memref.alloc(%m) : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%m, %c4) step (%c1, %c1) {
    %v = arith.index_cast %j : index to i32
    %f = arith.sitofp %v : i32 to f32
    memref.store %f, %b[%i, %j] : memref<?x4xf32>
    scf.reduce
  }
  return %a, %b : memref<?xf32>, memref<?x4xf32>
}

// -----

// Both read one buffer and write their own: joined.
// CHECK-LABEL: func.func @shared_input(
// CHECK-COUNT-1: scf.parallel
// CHECK-NOT: scf.parallel
func.func @shared_input(%x: memref<?xf32>, %n: index) -> (memref<?xf32>, memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<?xf32>
    memref.store %v, %a[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %x[%i] : memref<?xf32>
    %w = arith.addf %v, %v : f32
    memref.store %w, %b[%i] : memref<?xf32>
    scf.reduce
  }
  return %a, %b : memref<?xf32>, memref<?xf32>
}

// -----

// The second reads what the first writes (read after write): apart.
// CHECK-LABEL: func.func @reads_first(
// CHECK: scf.parallel
// CHECK: scf.parallel
func.func @reads_first(%n: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %a[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %a[%c0] : memref<?xf32>
    memref.store %v, %b[%i] : memref<?xf32>
    scf.reduce
  }
  return %b : memref<?xf32>
}

// -----

// The second writes what the first reads (write after read): apart.
// CHECK-LABEL: func.func @overwrites_input(
// CHECK: scf.parallel
// CHECK: scf.parallel
func.func @overwrites_input(%n: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %a[%i] : memref<?xf32>
    memref.store %v, %b[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %a[%i] : memref<?xf32>
    scf.reduce
  }
  return %b : memref<?xf32>
}

// -----

// Writes to two subviews of one buffer: rows [0, 1) and [1, 2) cannot
// overlap (unit strides, static offsets, the first's static size): joined.
// Rows [0, 2) and [1, 2) overlap, and a dynamic offset proves nothing: apart.
// CHECK-LABEL: func.func @two_views(
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @two_views(%n: index) -> memref<2x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<2x?xf32>
  %lo = memref.subview %a[0, 0] [1, %n] [1, 1] : memref<2x?xf32> to memref<?xf32, strided<[1]>>
  %hi = memref.subview %a[1, 0] [1, %n] [1, 1] : memref<2x?xf32> to memref<?xf32, strided<[1], offset: ?>>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %lo[%i] : memref<?xf32, strided<[1]>>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %hi[%i] : memref<?xf32, strided<[1], offset: ?>>
    scf.reduce
  }
  return %a : memref<2x?xf32>
}

// CHECK-LABEL: func.func @overlapping_views(
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: scf.parallel
// CHECK: return
func.func @overlapping_views(%n: index, %k: index) -> memref<3x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %x = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<3x?xf32>
  %both = memref.subview %a[0, 0] [2, %n] [1, 1] : memref<3x?xf32> to memref<2x?xf32, strided<[?, 1]>>
  %second = memref.subview %a[1, 0] [1, %n] [1, 1] : memref<3x?xf32> to memref<?xf32, strided<[1], offset: ?>>
  %some = memref.subview %a[%k, 0] [1, %n] [1, 1] : memref<3x?xf32> to memref<?xf32, strided<[1], offset: ?>>
  scf.parallel (%r, %i) = (%c0, %c0) to (%c2, %n) step (%c1, %c1) {
    memref.store %x, %both[%r, %i] : memref<2x?xf32, strided<[?, 1]>>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %second[%i] : memref<?xf32, strided<[1], offset: ?>>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %some[%i] : memref<?xf32, strided<[1], offset: ?>>
    scf.reduce
  }
  return %a : memref<3x?xf32>
}

// -----

// A deallocation between them of a buffer the first loop reads: apart (the
// first loop cannot move past it); of a buffer it does not touch: joined.
// CHECK-LABEL: func.func @deallocations(
// CHECK: scf.parallel
// CHECK: memref.dealloc %[[T:[^ ]+]] :
// CHECK: scf.parallel
// CHECK-NOT: scf.parallel
// CHECK: return
func.func @deallocations(%n: index) -> (memref<?xf32>, memref<?xf32>, memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  %t = memref.alloc(%n) : memref<?xf32>
  %u = memref.alloc(%n) : memref<?xf32>
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  %c = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %v = memref.load %t[%i] : memref<?xf32>
    memref.store %v, %a[%i] : memref<?xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %b[%i] : memref<?xf32>
    scf.reduce
  }
  memref.dealloc %u : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %c[%i] : memref<?xf32>
    scf.reduce
  }
  return %a, %b, %c : memref<?xf32>, memref<?xf32>, memref<?xf32>
}

// -----

// A call between them (effects unknown) keeps them apart; a loop that
// starts at 1 and a loop with a result are left alone.
// CHECK-LABEL: func.func @left_alone(
// CHECK: scf.parallel
// CHECK: call @effects
// CHECK: scf.parallel (%{{.+}}) = (%c1)
// CHECK: scf.parallel
// CHECK: return
func.func private @effects()
func.func @left_alone(%n: index) -> (memref<?xf32>, memref<?xf32>, memref<?xf32>, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  %c = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %a[%i] : memref<?xf32>
    scf.reduce
  }
  func.call @effects() : () -> ()
  scf.parallel (%i) = (%c1) to (%n) step (%c1) {
    memref.store %x, %b[%i] : memref<?xf32>
    scf.reduce
  }
  %s = scf.parallel (%i) = (%c0) to (%n) step (%c1) init (%x) -> f32 {
    %v = memref.load %c[%i] : memref<?xf32>
    scf.reduce(%v : f32) {
    ^bb0(%l: f32, %r: f32):
      %sum = arith.addf %l, %r : f32
      scf.reduce.return %sum : f32
    }
  }
  return %a, %b, %c, %s : memref<?xf32>, memref<?xf32>, memref<?xf32>, f32
}

// -----

// Three independent loops: one with the default bound, the first two with
// max-loops=2 (the third starts a group of its own).
// CHECK-LABEL: func.func @three(
// CHECK-COUNT-1: scf.parallel
// CHECK-NOT: scf.parallel
// MAX2-LABEL: func.func @three(
// MAX2: scf.parallel
// MAX2: scf.parallel
// MAX2-NOT: scf.parallel
func.func @three(%n: index) -> (memref<?xf32>, memref<?xf32>, memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %x = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  %c = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %a[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %b[%i] : memref<?xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %x, %c[%i] : memref<?xf32>
    scf.reduce
  }
  return %a, %b, %c : memref<?xf32>, memref<?xf32>, memref<?xf32>
}
