// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions{parallel-first=true}))' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-split-reductions{parallel-first=true}),one-shot-bufferize{bufferize-function-boundaries},func.func(convert-linalg-to-parallel-loops))' | FileCheck %s --check-prefix=LOOPS

// parallel-first (the CUDA pipeline): each stage's new parallel part comes
// before what is left of the reduction, so its loops nest as one
// scf.parallel over an scf.for (one GPU launch whose threads each sum their
// elements), not an scf.for over an scf.parallel (a launch per step of the
// outer part). The input is still read as [outer, inner]: neighbouring
// threads read neighbouring elements.
// CHECK-DAG: #[[IN:.*]] = affine_map<(d0, d1) -> (d1, d0)>
// CHECK-DAG: #[[OUT:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @squared_norm
// CHECK: %[[PARTS:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1]] output_shape [150, 16384]
// CHECK: linalg.generic {indexing_maps = [#[[IN]], #[[OUT]]], iterator_types = ["parallel", "reduction"]} ins(%[[PARTS]] : tensor<150x16384xf32>) outs(%{{.*}} : tensor<16384xf32>)
// LOOPS-LABEL: func.func @squared_norm
// The partial sums' neutral fill, then the stage:
// LOOPS: memref.store %cst, %{{.*}} : memref<16384xf32>
// LOOPS: scf.parallel (%[[P:.*]]) = (%c0) to (%c16384) step (%c1) {
// LOOPS-NEXT: scf.for %[[R:.*]] = %c0 to %c150 step %c1 {
// LOOPS: memref.load %{{.*}}[%[[R]], %[[P]]] : memref<150x16384xf32
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#scalar2 = affine_map<(d0, d1) -> ()>
func.func @squared_norm(%g: tensor<768x3200xf32>, %acc: tensor<f32>) -> tensor<f32> {
  %r = linalg.generic {indexing_maps = [#id2, #scalar2], iterator_types = ["reduction", "reduction"]}
      ins(%g : tensor<768x3200xf32>) outs(%acc : tensor<f32>) {
  ^bb0(%x: f32, %s: f32):
    %sq = arith.mulf %x, %x : f32
    %t = arith.addf %s, %sq : f32
    linalg.yield %t : f32
  } -> tensor<f32>
  return %r : tensor<f32>
}
