// RUN: tvq-opt %s -convert-tvq-to-linalg | FileCheck %s
// RUN: tvq-opt %s -convert-tvq-to-linalg=transposed-codebook=true | FileCheck %s --check-prefix=TRANSPOSED

// CHECK-LABEL: func.func @quantize(
// CHECK-SAME: %[[K:[^:]+]]: tensor<?x?x4xf32>, %[[C:[^:]+]]: tensor<5x4xf32>
// CHECK-NOT: tvq.
// Squared distances: a reduction over k of (k - c)^2.
// CHECK: %[[DIST:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[K]], %[[C]] : tensor<?x?x4xf32>, tensor<5x4xf32>)
// CHECK:   arith.subf
// CHECK:   arith.mulf
// CHECK:   arith.addf
// The argmin keeps the lowest index on ties (olt, or oeq with a lower index).
// CHECK: %[[MIN:[0-9a-z_]+]]:2 = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]{{.*}} ins(%[[DIST]] : tensor<?x?x5xf32>) outs(%{{.+}}, %{{.+}} : tensor<?x?xf32>, tensor<?x?xi32>)
// CHECK:   linalg.index 2
// CHECK:   arith.cmpf olt
// CHECK:   arith.cmpf oeq
// CHECK:   arith.cmpi slt
// The gather of the chosen code vectors.
// CHECK: linalg.generic {{.*}} ins(%[[MIN]]#1 : tensor<?x?xi32>)
// CHECK:   tensor.extract %[[C]]
// Errors are relu(min distance).
// CHECK: linalg.generic {{.*}} ins(%[[MIN]]#0 : tensor<?x?xf32>)
// CHECK:   arith.maximumf
// With transposed-codebook (the CUDA pipeline) the distances read C^T[k, s]:
// TRANSPOSED-DAG: #[[CT:.*]] = affine_map<(d0, d1, d2, d3) -> (d3, d2)>
// TRANSPOSED-LABEL: func.func @quantize(
// TRANSPOSED-SAME: %[[K:[^:]+]]: tensor<?x?x4xf32>, %[[C:[^:]+]]: tensor<5x4xf32>
// TRANSPOSED: %[[T:.*]] = linalg.transpose ins(%[[C]] : tensor<5x4xf32>) outs(%{{.*}} : tensor<4x5xf32>) permutation = [1, 0]
// TRANSPOSED: linalg.generic {indexing_maps = [#{{.*}}, #[[CT]], #{{.*}}], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[K]], %[[T]] : tensor<?x?x4xf32>, tensor<4x5xf32>)
// TRANSPOSED-NEXT: ^bb0
// TRANSPOSED-NEXT: arith.subf
// The gather still reads the codebook itself.
// TRANSPOSED: tensor.extract %[[C]]
func.func @quantize(%k: tensor<?x?x4xf32>, %c: tensor<5x4xf32>)
    -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>) {
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  return %kh, %z, %e : tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>
}
