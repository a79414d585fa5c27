// RUN: tvq-opt %s -split-input-file -verify-diagnostics -pass-pipeline='builtin.module(func.func(tvq-lower-block-scans))' | FileCheck %s

// A block scan on buffers: a parallel loop over (b, rest...) whose body
// walks the blocks n = 0..nb-1 with the running sum, the term of block
// n - distance joining at block n (none for n < distance; the load reads
// block n then and adds 0), added to init in place.
// CHECK-LABEL: func.func @forward(
// CHECK-SAME: %[[T:[a-z0-9]+]]: memref<?x?x64xf32>, %[[I:[a-z0-9]+]]: memref<?x?x64xf32>
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[D:.+]] = arith.constant 3 : index
// CHECK-DAG: %[[ZERO:.+]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[NB:.+]] = memref.dim %[[I]], %[[C1]]
// CHECK: %[[B:.+]] = memref.dim %[[I]], %[[C0]]
// CHECK: scf.parallel (%[[BI:.+]], %[[S:.+]]) = (%[[C0]], %[[C0]]) to (%[[B]], %{{.+}}) step (%[[C1]], %[[C1]]) {
// CHECK:   scf.for %[[N:.+]] = %[[C0]] to %[[NB]] step %[[C1]] iter_args(%[[ACC:.+]] = %[[ZERO]]) -> (f32) {
// CHECK:     %[[JOINS:.+]] = arith.cmpi sge, %[[N]], %[[D]] : index
// CHECK:     %[[MS:.+]] = arith.subi %[[N]], %[[D]] : index
// CHECK:     %[[M:.+]] = arith.select %[[JOINS]], %[[MS]], %[[N]] : index
// CHECK:     %[[X:.+]] = memref.load %[[T]][%[[BI]], %[[M]], %[[S]]]
// CHECK:     %[[XJ:.+]] = arith.select %[[JOINS]], %[[X]], %[[ZERO]] : f32
// CHECK:     %[[SUM:.+]] = arith.addf %[[ACC]], %[[XJ]] : f32
// CHECK:     %[[OLD:.+]] = memref.load %[[I]][%[[BI]], %[[N]], %[[S]]]
// CHECK:     %[[NEW:.+]] = arith.addf %[[OLD]], %[[SUM]] : f32
// CHECK:     memref.store %[[NEW]], %[[I]][%[[BI]], %[[N]], %[[S]]]
// CHECK:     scf.yield %[[SUM]] : f32
// CHECK-NOT: tvq.block_scan
func.func @forward(%t: memref<?x?x64xf32>, %i: memref<?x?x64xf32>) {
  tvq.block_scan {distance = 3 : i64} ins(%t : memref<?x?x64xf32>) outs(%i : memref<?x?x64xf32>)
  return
}

// -----

// reverse: block n = nb - 1 - step, from the last one down; the term of
// block n + distance joins while that is a block (< nb).
// CHECK-LABEL: func.func @reverse(
// CHECK-SAME: %[[T:[a-z0-9]+]]: memref<2x?x4x8xf32>, %[[I:[a-z0-9]+]]: memref<2x?x4x8xf32>
// CHECK: scf.parallel (%[[BI:.+]], %[[S:.+]], %[[X:.+]]) =
// CHECK:   scf.for %[[STEP:.+]] = %{{.+}} to %[[NB:.+]] step
// CHECK:     %[[LAST:.+]] = arith.subi %[[NB]], %{{.+}} : index
// CHECK:     %[[N:.+]] = arith.subi %[[LAST]], %[[STEP]] : index
// CHECK:     %[[MA:.+]] = arith.addi %[[N]], %{{.+}} : index
// CHECK:     %[[JOINS:.+]] = arith.cmpi slt, %[[MA]], %[[NB]] : index
// CHECK:     %[[M:.+]] = arith.select %[[JOINS]], %[[MA]], %[[N]] : index
// CHECK:     memref.load %[[T]][%[[BI]], %[[M]], %[[S]], %[[X]]]
// CHECK:     memref.store %{{.+}}, %[[I]][%[[BI]], %[[N]], %[[S]], %[[X]]]
func.func @reverse(%t: memref<2x?x4x8xf32>, %i: memref<2x?x4x8xf32>) {
  tvq.block_scan {distance = 2 : i64, reverse} ins(%t : memref<2x?x4x8xf32>) outs(%i : memref<2x?x4x8xf32>)
  return
}

// -----

func.func @tensors(%t: tensor<?x?xf32>, %i: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'tvq.block_scan' op must be bufferized before tvq-lower-block-scans}}
  %o = tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?x?xf32>) outs(%i : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %o : tensor<?x?xf32>
}
