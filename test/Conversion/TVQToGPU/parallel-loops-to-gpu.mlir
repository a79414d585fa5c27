// RUN: tvq-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(tvq-parallel-loops-to-gpu{block-size=128}),canonicalize)' | FileCheck %s

// A 2-D parallel loop: one launch over n*64 threads in blocks of 128, each
// thread delinearizes its id (row-major) and runs one iteration. The id is
// below n*64, so id / 64 is the row itself (no remainder by n).
// CHECK-LABEL: func.func @copy_rows
// CHECK-SAME: (%[[A:.*]]: memref<?x64xf32>, %[[B:.*]]: memref<?x64xf32>, %[[N:.*]]: index)
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C128:.*]] = arith.constant 128 : index
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK: %[[ROWS:.*]] = arith.maxsi %[[N]], %[[C0]] : index
// CHECK: %[[TOTAL:.*]] = arith.muli %[[ROWS]], %[[C64]] : index
// CHECK: %[[NONEMPTY:.*]] = arith.cmpi sgt, %[[TOTAL]], %[[C0]] : index
// CHECK: scf.if %[[NONEMPTY]] {
// CHECK:   %[[BLOCKS:.*]] = arith.ceildivsi %[[TOTAL]], %[[C128]] : index
// CHECK:   gpu.launch blocks(%[[BX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[BLOCKS]], %{{.*}} = %{{.*}}, %{{.*}} = %{{.*}}) threads(%[[TX:.*]], %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C128]],
// CHECK:     %[[BASE:.*]] = arith.muli %[[BX]], %[[C128]] : index
// CHECK:     %[[ID:.*]] = arith.addi %[[BASE]], %[[TX]] : index
// CHECK:     %[[IN:.*]] = arith.cmpi slt, %[[ID]], %[[TOTAL]] : index
// CHECK:     scf.if %[[IN]] {
// CHECK:       %[[J:.*]] = arith.remsi %[[ID]], %[[C64]] : index
// CHECK:       %[[I:.*]] = arith.divsi %[[ID]], %[[C64]] : index
// CHECK-NOT:   arith.remsi
// CHECK:       %[[V:.*]] = memref.load %[[A]][%[[I]], %[[J]]] : memref<?x64xf32>
// CHECK:       memref.store %[[V]], %[[B]][%[[I]], %[[J]]] : memref<?x64xf32>
// CHECK:     }
// CHECK:     gpu.terminator
// CHECK-NOT: scf.parallel
func.func @copy_rows(%a: memref<?x64xf32>, %b: memref<?x64xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
    %v = memref.load %a[%i, %j] : memref<?x64xf32>
    memref.store %v, %b[%i, %j] : memref<?x64xf32>
    scf.reduce
  }
  return
}

// -----

// A sequential reduction to a scalar left on the host becomes a one-thread
// launch; a loop that calls a function stays on the host.
// CHECK-LABEL: func.func @sum
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: gpu.launch blocks(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C1]], %{{.*}} = %[[C1]], %{{.*}} = %[[C1]]) threads(%{{.*}}, %{{.*}}, %{{.*}}) in (%{{.*}} = %[[C1]], %{{.*}} = %[[C1]], %{{.*}} = %[[C1]])
// CHECK:   scf.for
// CHECK:     memref.load
// CHECK:     memref.store
// CHECK:   gpu.terminator
// CHECK: scf.for
// CHECK:   func.call @opaque
// CHECK-NOT: gpu.launch
func.func @sum(%a: memref<?xf32>, %out: memref<f32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%i] : memref<?xf32>
    %s = memref.load %out[] : memref<f32>
    %t = arith.addf %s, %v : f32
    memref.store %t, %out[] : memref<f32>
  }
  scf.for %i = %c0 to %n step %c1 {
    %v = memref.load %a[%i] : memref<?xf32>
    func.call @opaque(%v) : (f32) -> ()
  }
  return
}
func.func private @opaque(f32)


// -----

// Host arrays stay on the host: a private function (like the deallocation
// pipeline's dealloc_helper) and loops over memref.alloca buffers.
// CHECK-LABEL: func.func private @helper
// CHECK-NOT: gpu.launch
// CHECK: return
// CHECK-LABEL: func.func @on_stack
// CHECK-NOT: gpu.launch
// CHECK: return
func.func private @helper(%a: memref<?xindex>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    memref.store %i, %a[%i] : memref<?xindex>
  }
  return
}
func.func @on_stack(%n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %list = memref.alloca() : memref<4xindex>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %i, %list[%i] : memref<4xindex>
    scf.reduce
  }
  %view = memref.cast %list : memref<4xindex> to memref<?xindex>
  scf.for %i = %c0 to %n step %c1 {
    memref.store %i, %view[%i] : memref<?xindex>
  }
  call @helper(%view, %n) : (memref<?xindex>, index) -> ()
  return
}
