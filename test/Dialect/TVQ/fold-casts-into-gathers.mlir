// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-fold-casts-into-gathers))' | FileCheck %s
// Folded, the gather lowers to LLVM's masked gather; from the cast memref
// convert-vector-to-llvm leaves it a vector.gather.
// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-fold-casts-into-gathers),convert-vector-to-llvm)' | FileCheck %s --check-prefix=LOWERED
// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(convert-vector-to-llvm)' | FileCheck %s --check-prefix=UNFOLDED

// A cast that only forgets the layout: the gather reads its source.
// CHECK-LABEL: func.func @forgets_layout(
// CHECK-SAME: %[[M:[^:]+]]: memref<?x256xf32>
// CHECK: vector.gather %[[M]][%{{.+}}, %{{.+}}] [%{{.+}}], %{{.+}}, %{{.+}} : memref<?x256xf32>,
// LOWERED-LABEL: func.func @forgets_layout(
// LOWERED: llvm.intr.masked.gather
// UNFOLDED-LABEL: func.func @forgets_layout(
// UNFOLDED: vector.gather
func.func @forgets_layout(%m: memref<?x256xf32>, %i: vector<16xindex>,
                          %k: vector<16xi1>, %p: vector<16xf32>) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c = memref.cast %m : memref<?x256xf32> to memref<?x256xf32, strided<[?, ?], offset: ?>>
  %g = vector.gather %c[%c0, %c0] [%i], %k, %p : memref<?x256xf32, strided<[?, ?], offset: ?>>, vector<16xindex>, vector<16xi1>, vector<16xf32> into vector<16xf32>
  return %g : vector<16xf32>
}

// -----

// A cast that adds information (a static size) stays.
// CHECK-LABEL: func.func @adds_size(
// CHECK: %[[C:.+]] = memref.cast
// CHECK: vector.gather %[[C]]
// LOWERED-LABEL: func.func @adds_size(
// UNFOLDED-LABEL: func.func @adds_size(
func.func @adds_size(%m: memref<?x256xf32>, %i: vector<16xindex>,
                     %k: vector<16xi1>, %p: vector<16xf32>) -> vector<16xf32> {
  %c0 = arith.constant 0 : index
  %c = memref.cast %m : memref<?x256xf32> to memref<4x256xf32>
  %g = vector.gather %c[%c0, %c0] [%i], %k, %p : memref<4x256xf32>, vector<16xindex>, vector<16xi1>, vector<16xf32> into vector<16xf32>
  return %g : vector<16xf32>
}
