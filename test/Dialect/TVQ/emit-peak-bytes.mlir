// RUN: tvq-opt %s --split-input-file --tvq-emit-peak-bytes --canonicalize --cse | FileCheck %s

// Two buffers of n x 64 f32, the first freed after the second exists: the
// peak is both, 512 * n bytes.
// CHECK-LABEL: func.func @two__tvq_peak_bytes
// CHECK-SAME: (%[[X:.*]]: memref<?x64xf32>) -> i64 attributes {llvm.emit_c_interface}
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[ONE:.*]] = arith.muli %[[N]], %c256
// CHECK: %[[TWO:.*]] = arith.addi %[[ONE]], %[[ONE]]
// CHECK: %[[PEAK:.*]] = arith.maxsi %{{.*}}, %[[TWO]]
// CHECK: %[[R:.*]] = arith.index_cast %[[PEAK]] : index to i64
// CHECK: return %[[R]]
func.func @two(%x: memref<?x64xf32>) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %t = memref.alloc(%n) : memref<?x64xf32>
  %y = memref.alloc(%n) : memref<?x64xf32>
  memref.dealloc %t : memref<?x64xf32>
  return %y : memref<?x64xf32>
}
func.func @two__tvq_check(%x: memref<?x64xf32>) -> i32 {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
}

// -----

// A loop whose body frees what it allocates counts its body once, whatever
// the trip count; a free under an ownership scf.if counts as a free.
// CHECK-LABEL: func.func @loop__tvq_peak_bytes
// CHECK: %[[C4096:.*]] = arith.constant 4096 : i64
// CHECK: return %[[C4096]] : i64
func.func @loop(%x: memref<?xf32>, %owned: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloc() : memref<1024xf32>
    scf.if %owned {
      memref.dealloc %t : memref<1024xf32>
    }
  }
  return
}
func.func @loop__tvq_check(%x: memref<?xf32>, %owned: i1) -> i32 {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
}

// -----

// A call that may allocate cannot be followed: the estimate is -1, and
// functions that are not entry points (no __tvq_check) get none.
// CHECK-LABEL: func.func @opaque__tvq_peak_bytes
// CHECK: %[[M1:.*]] = arith.constant -1 : i64
// CHECK: return %[[M1]] : i64
// CHECK-NOT: @helper__tvq_peak_bytes
func.func private @make() -> memref<4xf32>
func.func @opaque() -> memref<4xf32> {
  %0 = call @make() : () -> memref<4xf32>
  %1 = memref.alloc() : memref<4xf32>
  memref.dealloc %1 : memref<4xf32>
  return %0 : memref<4xf32>
}
func.func @opaque__tvq_check() -> i32 {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
}
func.func @helper() {
  %1 = memref.alloc() : memref<4xf32>
  memref.dealloc %1 : memref<4xf32>
  return
}

// -----

// A tile's size inside a loop, min(64, n - i), is bounded by 64; a buffer
// carried by an scf.for has the size of the buffer it starts from.
// CHECK-LABEL: func.func @tiles__tvq_peak_bytes
// CHECK-SAME: (%[[X:.*]]: memref<?xf32>)
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[CARRIED:.*]] = arith.muli %[[N]], %[[C4]]
// CHECK: %[[BOTH:.*]] = arith.addi %[[CARRIED]], %[[C256]]
#tile = affine_map<(d0)[s0] -> (64, s0 - d0)>
func.func @tiles(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c64 = arith.constant 64 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %r = scf.for %i = %c0 to %n step %c64 iter_args(%s = %x) -> memref<?xf32> {
    %m = affine.min #tile(%i)[%n]
    %t = memref.alloc(%m) : memref<?xf32>
    memref.dealloc %t : memref<?xf32>
    scf.yield %s : memref<?xf32>
  }
  %k = memref.dim %r, %c0 : memref<?xf32>
  %u = memref.alloc(%k) : memref<?xf32>
  %m2 = affine.min #tile(%c0)[%n]
  scf.for %j = %c0 to %n step %c64 {
    %v = affine.min #tile(%j)[%n]
    %w = memref.alloc(%v) : memref<?xf32>
    memref.dealloc %w : memref<?xf32>
  }
  memref.dealloc %u : memref<?xf32>
  return
}
func.func @tiles__tvq_check(%x: memref<?xf32>) -> i32 {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
}
