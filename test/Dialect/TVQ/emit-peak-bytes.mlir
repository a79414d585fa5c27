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

// A call of a function declared without a body that returns no buffer (a
// GEMM library call, given pointers) is followed: the estimate is the
// buffer's 16 bytes.
// CHECK-LABEL: func.func @library__tvq_peak_bytes
// CHECK: %[[C16:.*]] = arith.constant 16 : i64
// CHECK: return %[[C16]] : i64
func.func private @gemm(index) -> i32
func.func @library() -> i32 {
  %1 = memref.alloc() : memref<4xf32>
  %p = memref.extract_aligned_pointer_as_index %1 : memref<4xf32> -> index
  %r = call @gemm(%p) : (index) -> i32
  memref.dealloc %1 : memref<4xf32>
  return %r : i32
}
func.func @library__tvq_check() -> i32 {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
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

// -----

// Sizes read from buffers the function made (the CUDA pipeline's bufferized
// IR): memref.dim of an expand_shape (its output shape), of a rank-reducing
// subview (the kept sizes), of an scf.if result (the larger branch's size:
// here both are n) and of a buffer an scf.for carries (its initial one's).
// The buffers: %a n x 8 (32 n bytes), %b and %c n x 8 x 2 i32 (64 n each),
// %d n x 4 (16 n), all from the argument's n: all live at once, 176 n bytes.
// CHECK-LABEL: func.func @views__tvq_peak_bytes
// CHECK-SAME: (%[[X:.*]]: memref<?xf32>, %[[P:.*]]: i1)
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[A:.*]] = arith.muli %[[N]], %c32
// CHECK: %[[B:.*]] = arith.muli %[[N]], %c64
// CHECK: %[[AB:.*]] = arith.addi %[[A]], %[[B]]
// CHECK: %[[ABC:.*]] = arith.addi %[[AB]], %[[B]]
// CHECK: %[[D:.*]] = arith.muli %[[N]], %c16
// CHECK: %[[ALL:.*]] = arith.addi %[[ABC]], %[[D]]
// CHECK: %[[PEAK:.*]] = arith.maxsi %{{.*}}, %[[ALL]]
// CHECK: %[[R:.*]] = arith.index_cast %[[PEAK]] : index to i64
// CHECK: return %[[R]]
func.func @views(%x: memref<?xf32>, %p: i1) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %n = memref.dim %x, %c0 : memref<?xf32>
  %a = memref.alloc(%n) : memref<?x8xf32>
  %e = memref.expand_shape %a [[0], [1, 2]] output_shape [%n, 4, 2] : memref<?x8xf32> into memref<?x4x2xf32>
  %d0 = memref.dim %e, %c0 : memref<?x4x2xf32>
  %b = memref.alloc(%d0) : memref<?x8x2xi32>
  %s = memref.subview %b[0, 0, 0] [%d0, 1, 2] [1, 1, 1] : memref<?x8x2xi32> to memref<?x2xi32, strided<[16, 1]>>
  %i = scf.if %p -> memref<?x2xi32, strided<[16, 1]>> {
    scf.yield %s : memref<?x2xi32, strided<[16, 1]>>
  } else {
    scf.yield %s : memref<?x2xi32, strided<[16, 1]>>
  }
  %d1 = memref.dim %i, %c0 : memref<?x2xi32, strided<[16, 1]>>
  %c = memref.alloc(%d1) : memref<?x8x2xi32>
  %l = scf.for %j = %c0 to %c8 step %c1 iter_args(%it = %a) -> memref<?x8xf32> {
    %d2 = memref.dim %it, %c0 : memref<?x8xf32>
    scf.yield %it : memref<?x8xf32>
  }
  %d3 = memref.dim %l, %c0 : memref<?x8xf32>
  %d = memref.alloc(%d3) : memref<?x4xf32>
  memref.dealloc %d : memref<?x4xf32>
  memref.dealloc %c : memref<?x8x2xi32>
  memref.dealloc %b : memref<?x8x2xi32>
  memref.dealloc %a : memref<?x8xf32>
  return
}
func.func @views__tvq_check(%x: memref<?xf32>, %p: i1) -> i32 {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
}

// -----

// A loop that carries a buffer and makes a new one per iteration, freeing
// the previous one (the attention state across blocks, under the ownership
// flag of the deallocation pipeline): n iterations hold two carried buffers
// at once at most, not n. The initial one (4 KiB) stays until freed after
// the loop; inside, the new and the previous one: 12 KiB; after the loop
// the result (4 KiB) is freed, then a 16 KiB buffer is made beside the
// initial one: the peak is 20 KiB, whatever n.
// CHECK-LABEL: func.func @carried__tvq_peak_bytes
// CHECK: %[[C20480:.*]] = arith.constant 20480 : i64
// CHECK: return %[[C20480]] : i64
func.func @carried(%x: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %false = arith.constant false
  %true = arith.constant true
  %n = memref.dim %x, %c0 : memref<?xf32>
  %init = memref.alloc() : memref<1024xf32>
  %r:2 = scf.for %i = %c0 to %n step %c1 iter_args(%s = %init, %owned = %false) -> (memref<1024xf32>, i1) {
    %next = memref.alloc() : memref<1024xf32>
    memref.copy %s, %next : memref<1024xf32> to memref<1024xf32>
    scf.if %owned {
      memref.dealloc %s : memref<1024xf32>
    }
    scf.yield %next, %true : memref<1024xf32>, i1
  }
  scf.if %r#1 {
    memref.dealloc %r#0 : memref<1024xf32>
  }
  %big = memref.alloc() : memref<4096xf32>
  memref.dealloc %big : memref<4096xf32>
  memref.dealloc %init : memref<1024xf32>
  return
}
func.func @carried__tvq_check(%x: memref<?xf32>) -> i32 {
  %c0 = arith.constant 0 : i32
  return %c0 : i32
}
