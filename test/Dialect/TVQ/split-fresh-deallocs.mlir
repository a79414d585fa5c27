// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-split-fresh-deallocs))' | FileCheck %s

// %t is a temporary: freed on its own. %y is retained (returned), %w is
// returned through a view, %c is owned under a condition, %a is handed to an
// scf.if that may yield it: they stay in the bufferization.dealloc, whose
// ownership results stay.
// CHECK-LABEL: func.func @split(
// CHECK: %[[T:.+]] = memref.alloc(%{{.+}}) : memref<?x64xf32>
// CHECK: %[[Y:.+]] = memref.alloc(%{{.+}}) : memref<?x64xf32>
// CHECK: %[[W:.+]] = memref.alloc() : memref<8x8xf32>
// CHECK: %[[C:.+]] = memref.alloc() : memref<4xf32>
// CHECK: %[[A:.+]] = memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %[[T]] : memref<?x64xf32>
// CHECK-NEXT: %[[OWN:.+]]:3 = bufferization.dealloc (%[[Y]], %[[W]], %[[C]], %[[A]] : {{.+}}) if (%{{.+}}, %{{.+}}, %[[COND:[^,]+]], %{{.+}}) retain (%[[Y]], %{{.+}}, %{{.+}} : {{.+}})
// CHECK-NEXT: return
func.func @split(%x: memref<?x64xf32>, %cond: i1) -> (memref<?x64xf32>, memref<64xf32>, memref<4xf32>) {
  %true = arith.constant true
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x64xf32>
  %t = memref.alloc(%n) : memref<?x64xf32>
  %y = memref.alloc(%n) : memref<?x64xf32>
  %w = memref.alloc() : memref<8x8xf32>
  %c = memref.alloc() : memref<4xf32>
  %a = memref.alloc() : memref<4xf32>
  linalg.copy ins(%x : memref<?x64xf32>) outs(%t : memref<?x64xf32>)
  linalg.copy ins(%t : memref<?x64xf32>) outs(%y : memref<?x64xf32>)
  %flat = memref.collapse_shape %w [[0, 1]] : memref<8x8xf32> into memref<64xf32>
  %picked = scf.if %cond -> memref<4xf32> {
    scf.yield %a : memref<4xf32>
  } else {
    scf.yield %c : memref<4xf32>
  }
  %own:3 = bufferization.dealloc (%t, %y, %w, %c, %a : memref<?x64xf32>, memref<?x64xf32>, memref<8x8xf32>, memref<4xf32>, memref<4xf32>) if (%true, %true, %true, %cond, %true) retain (%y, %flat, %picked : memref<?x64xf32>, memref<64xf32>, memref<4xf32>)
  return %y, %flat, %picked : memref<?x64xf32>, memref<64xf32>, memref<4xf32>
}

// -----

// A buffer of another block than the dealloc's stays there; a loop body's
// own temporary is freed on its own in the body.
// CHECK-LABEL: func.func @blocks(
// CHECK: %[[OUTER:.+]] = memref.alloc() : memref<4xf32>
// CHECK: scf.for
// CHECK: %[[INNER:.+]] = memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %[[INNER]] : memref<4xf32>
// CHECK-NEXT: bufferization.dealloc retain (%[[OUTER]] : memref<4xf32>)
// CHECK: scf.if
// CHECK-NEXT: bufferization.dealloc (%[[OUTER]] : memref<4xf32>) if
func.func @blocks(%n: index, %owned: i1) {
  %true = arith.constant true
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %outer = memref.alloc() : memref<4xf32>
  scf.for %i = %c0 to %n step %c1 {
    %inner = memref.alloc() : memref<4xf32>
    linalg.fill ins(%zero : f32) outs(%inner : memref<4xf32>)
    linalg.copy ins(%inner : memref<4xf32>) outs(%outer : memref<4xf32>)
    %kept = bufferization.dealloc (%inner : memref<4xf32>) if (%true) retain (%outer : memref<4xf32>)
  }
  scf.if %owned {
    bufferization.dealloc (%outer : memref<4xf32>) if (%true)
  }
  return
}
