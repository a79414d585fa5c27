// RUN: tvq-opt %s -split-input-file -tvq-free-after-last-use | FileCheck %s

// A buffer read through a view, then by an op whose region uses it: freed
// right after that op, before the next allocation; a buffer nothing uses is
// freed right after it is made. The output buffer, returned, is untouched.
// CHECK-LABEL: func.func @after_last_use(
// CHECK: %[[T:.+]] = memref.alloc(%{{.+}}) : memref<?x64xf32>
// CHECK: %[[UNUSED:.+]] = memref.alloc() : memref<8xf32>
// CHECK-NEXT: memref.dealloc %[[UNUSED]] : memref<8xf32>
// CHECK: %[[V:.+]] = memref.subview %[[T]]
// CHECK: %[[C:.+]] = memref.collapse_shape %[[V]]
// CHECK: linalg.copy ins(%[[C]] : {{.+}}) outs(%{{.+}} : {{.+}})
// CHECK: scf.for
// CHECK: memref.load %[[T]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[T]] : memref<?x64xf32>
// CHECK-NEXT: %[[U:.+]] = memref.alloc(%{{.+}}) : memref<?x64xf32>
// CHECK: linalg.copy ins(%[[U]] : {{.+}})
// CHECK-NEXT: memref.dealloc %[[U]] : memref<?x64xf32>
// CHECK-NEXT: return
func.func @after_last_use(%x: memref<?x64xf32>, %y: memref<?xf32>) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %t = memref.alloc(%n) : memref<?x64xf32>
  %unused = memref.alloc() : memref<8xf32>
  linalg.copy ins(%x : memref<?x64xf32>) outs(%t : memref<?x64xf32>)
  %v = memref.subview %t[0, 0] [%n, 1] [1, 1] : memref<?x64xf32> to memref<?x1xf32, strided<[64, 1]>>
  %c = memref.collapse_shape %v [[0, 1]] : memref<?x1xf32, strided<[64, 1]>> into memref<?xf32, strided<[64]>>
  linalg.copy ins(%c : memref<?xf32, strided<[64]>>) outs(%y : memref<?xf32>)
  scf.for %i = %c0 to %n step %c1 {
    %e = memref.load %t[%i, %c0] : memref<?x64xf32>
    memref.store %e, %y[%i] : memref<?xf32>
  }
  %u = memref.alloc(%n) : memref<?x64xf32>
  linalg.copy ins(%x : memref<?x64xf32>) outs(%u : memref<?x64xf32>)
  %out = memref.alloc(%n) : memref<?x64xf32>
  linalg.copy ins(%u : memref<?x64xf32>) outs(%out : memref<?x64xf32>)
  memref.dealloc %t : memref<?x64xf32>
  memref.dealloc %unused : memref<8xf32>
  memref.dealloc %u : memref<?x64xf32>
  return %out : memref<?x64xf32>
}

// -----

// Buffers whose uses the block does not bound stay freed where they were:
// a view yielded by an scf.if, an scf.for's initial value, a call's operand,
// a pointer extraction, a buffer stored as a value.
// CHECK-LABEL: func.func @escapes(
// CHECK: %[[A:.+]] = memref.alloc()
// CHECK: %[[B:.+]] = memref.alloc()
// CHECK: %[[F:.+]] = memref.alloc()
// CHECK: %[[G:.+]] = memref.alloc()
// CHECK: %[[H:.+]] = memref.alloc()
// CHECK: %[[K:.+]] = memref.alloc()
// CHECK-NEXT: call @use(%[[K]])
// CHECK-NEXT: memref.dealloc %[[A]] : memref<4xf32>
// CHECK-NEXT: memref.dealloc %[[B]] : memref<4xf32>
// CHECK-NEXT: memref.dealloc %[[F]] : memref<4xf32>
// CHECK-NEXT: memref.dealloc %[[G]] : memref<4xf32>
// CHECK-NEXT: memref.dealloc %[[H]] : memref<4xf32>
// CHECK-NEXT: memref.dealloc %[[K]] : memref<4xf32>
// CHECK-NEXT: return
func.func private @use(memref<4xf32>)
func.func @escapes(%cond: i1, %n: index, %slot: memref<memref<4xf32>>) -> index {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc() : memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  %picked = scf.if %cond -> memref<4xf32> {
    %cast = memref.cast %a : memref<4xf32> to memref<4xf32>
    scf.yield %cast : memref<4xf32>
  } else {
    scf.yield %b : memref<4xf32>
  }
  %f = memref.alloc() : memref<4xf32>
  %carried = scf.for %i = %c0 to %n step %c1 iter_args(%it = %f) -> memref<4xf32> {
    scf.yield %it : memref<4xf32>
  }
  %g = memref.alloc() : memref<4xf32>
  %p = memref.extract_aligned_pointer_as_index %g : memref<4xf32> -> index
  %h = memref.alloc() : memref<4xf32>
  memref.store %h, %slot[] : memref<memref<4xf32>>
  %k = memref.alloc() : memref<4xf32>
  call @use(%k) : (memref<4xf32>) -> ()
  memref.dealloc %a : memref<4xf32>
  memref.dealloc %b : memref<4xf32>
  memref.dealloc %f : memref<4xf32>
  memref.dealloc %g : memref<4xf32>
  memref.dealloc %h : memref<4xf32>
  memref.dealloc %k : memref<4xf32>
  return %p : index
}

// -----

// A dealloc in another block than its alloc (the ownership `scf.if` of the
// deallocation pipeline) stays; one in a loop body of an alloc of that body
// moves within the body.
// CHECK-LABEL: func.func @blocks(
// CHECK: scf.for
// CHECK: %[[T:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.fill {{.+}} outs(%[[T]] : memref<4xf32>)
// CHECK-NEXT: memref.dealloc %[[T]]
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: }
// CHECK: %[[A:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: scf.if
// CHECK-NEXT: memref.dealloc %[[A]]
func.func @blocks(%n: index, %owned: i1, %y: memref<4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.for %i = %c0 to %n step %c1 {
    %t = memref.alloc() : memref<4xf32>
    linalg.fill ins(%zero : f32) outs(%t : memref<4xf32>)
    linalg.fill ins(%zero : f32) outs(%y : memref<4xf32>)
    memref.dealloc %t : memref<4xf32>
  }
  %a = memref.alloc() : memref<4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<4xf32>)
  scf.if %owned {
    memref.dealloc %a : memref<4xf32>
  }
  return
}

// -----

// A pointer handed to a function declared without a body (a GEMM library
// call) is a use: the free follows the call. A pointer stored, or given to
// a function with a body, keeps the free where it was.
// CHECK-LABEL: func.func @pointers(
// CHECK: %[[G:.+]] = memref.alloc() : memref<4xf32>
// CHECK-NEXT: %[[P:.+]] = memref.extract_aligned_pointer_as_index %[[G]]
// CHECK-NEXT: call @gemm(%[[P]])
// CHECK-NEXT: memref.dealloc %[[G]]
// CHECK: %[[S:.+]] = memref.alloc() : memref<4xf32>
// CHECK: %[[H:.+]] = memref.alloc() : memref<4xf32>
// CHECK: call @defined(
// CHECK-NEXT: linalg.fill
// CHECK-NEXT: memref.dealloc %[[S]]
// CHECK-NEXT: memref.dealloc %[[H]]
// CHECK-NEXT: return
func.func private @gemm(index) -> i32
func.func @defined(%p: index) {
  return
}
func.func @pointers(%slot: memref<index>, %y: memref<4xf32>) {
  %zero = arith.constant 0.0 : f32
  %g = memref.alloc() : memref<4xf32>
  %p = memref.extract_aligned_pointer_as_index %g : memref<4xf32> -> index
  %r = call @gemm(%p) : (index) -> i32
  %s = memref.alloc() : memref<4xf32>
  %ps = memref.extract_aligned_pointer_as_index %s : memref<4xf32> -> index
  memref.store %ps, %slot[] : memref<index>
  %h = memref.alloc() : memref<4xf32>
  %ph = memref.extract_aligned_pointer_as_index %h : memref<4xf32> -> index
  call @defined(%ph) : (index) -> ()
  linalg.fill ins(%zero : f32) outs(%y : memref<4xf32>)
  memref.dealloc %g : memref<4xf32>
  memref.dealloc %s : memref<4xf32>
  memref.dealloc %h : memref<4xf32>
  return
}
