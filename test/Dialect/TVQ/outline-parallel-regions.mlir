// RUN: tvq-opt %s -convert-scf-to-openmp -tvq-openmp-serial-when-one-task -tvq-outline-parallel-regions | FileCheck %s

// Each outermost omp.parallel (here one at the top and one inside an scf.for)
// becomes a call of an internal, always-inline function holding only it
// (LLVM inlines it back after the translation); the values it reads from
// outside (its if condition, bounds, buffers) are the arguments, constants
// are cloned in.
// CHECK-LABEL: func.func @two(
// CHECK-SAME: %[[B:[^:]+]]: index, %[[M:[^:]+]]: memref<?xf32>, %[[N:[^:]+]]: index
// CHECK-NOT: omp.parallel
// CHECK: call @two__omp0(%{{.+}}, %[[M]], %[[B]]) : (i1, memref<?xf32>, index) -> ()
// CHECK: scf.for %[[K:.+]] =
// CHECK-NOT: omp.parallel
// CHECK: call @two__omp1(%{{.+}}, %[[K]], %[[M]], %[[N]]) : (i1, index, memref<?xf32>, index) -> ()
// CHECK: return

// CHECK: func.func private @two__omp1(%{{.+}}: i1, %{{.+}}: index, %{{.+}}: memref<?xf32>, %{{.+}}: index) attributes {always_inline, llvm.linkage = #llvm.linkage<internal>}
// CHECK: arith.constant
// CHECK: omp.parallel if(
// CHECK: memref.store
// CHECK: return

// CHECK: func.func private @two__omp0(%{{.+}}: i1, %{{.+}}: memref<?xf32>, %{{.+}}: index) attributes {always_inline, llvm.linkage = #llvm.linkage<internal>}
// CHECK: omp.parallel if(
// CHECK: return
func.func @two(%b: index, %m: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%b) step (%c1) {
    memref.store %one, %m[%i] : memref<?xf32>
    scf.reduce
  }
  scf.for %k = %c0 to %c4 step %c1 {
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %x = arith.index_cast %k : index to i32
      %f = arith.sitofp %x : i32 to f32
      memref.store %f, %m[%i] : memref<?xf32>
      scf.reduce
    }
  }
  return
}

// A function without parallel regions is unchanged.
// CHECK-LABEL: func.func @none(
// CHECK-NOT: call
// CHECK: return
func.func @none(%m: memref<4xf32>) {
  return
}
