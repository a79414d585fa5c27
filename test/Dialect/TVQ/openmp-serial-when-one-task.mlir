// RUN: tvq-opt %s -convert-scf-to-openmp -tvq-openmp-serial-when-one-task | FileCheck %s

// The trip count of the whole nest (here two loops) decides: at least two
// tasks, or the region runs on the calling thread.
// CHECK-LABEL: func.func @nest(
// CHECK-SAME: %[[B:[^:]+]]: index, %[[T:[^:]+]]: index
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C64:.+]] = arith.constant 64 : index
// CHECK: %[[SPAN0:.+]] = arith.subi %[[B]], %[[C0]] : index
// CHECK: %[[N0:.+]] = arith.ceildivsi %[[SPAN0]], %{{.+}} : index
// CHECK: %[[P0:.+]] = arith.muli %{{.+}}, %[[N0]] : index
// CHECK: %[[SPAN1:.+]] = arith.subi %[[T]], %[[C0]] : index
// CHECK: %[[N1:.+]] = arith.ceildivsi %[[SPAN1]], %[[C64]] : index
// CHECK: %[[P1:.+]] = arith.muli %[[P0]], %[[N1]] : index
// CHECK: %[[MANY:.+]] = arith.cmpi sge, %[[P1]], %{{.+}} : index
// CHECK: omp.parallel if(%[[MANY]])
// CHECK: omp.loop_nest
func.func @nest(%b: index, %t: index, %m: memref<?x?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%b, %t) step (%c1, %c64) {
    memref.store %one, %m[%i, %j] : memref<?x?xf32>
    scf.reduce
  }
  return
}
