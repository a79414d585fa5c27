// RUN: tvq-opt %s -convert-tvq-to-linalg | FileCheck %s
// RUN: tvq-opt %s -convert-tvq-to-linalg='onehot-products=true' | FileCheck %s --check-prefix=ONEHOT

// The embedding gradient d_table[n, d] = sum_{b,t} [ids[b,t] == n] d_out[b,t,d].
// By default each element loops over every position (compare and select);
// with onehot-products the ids become a one-hot tensor and the sum a product.
func.func @embedding_grad(%ids: tensor<?x?xi32>, %dy: tensor<?x?x4xf32>) -> tensor<7x4xf32> {
  %d = tvq.embedding_grad %ids, %dy : (tensor<?x?xi32>, tensor<?x?x4xf32>) -> tensor<7x4xf32>
  return %d : tensor<7x4xf32>
}
// CHECK-LABEL: func.func @embedding_grad(
// CHECK-SAME: %[[IDS:[^:]+]]: tensor<?x?xi32>, %[[DY:[^:]+]]: tensor<?x?x4xf32>
// CHECK: %[[OUT:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[IDS]], %[[DY]] : tensor<?x?xi32>, tensor<?x?x4xf32>) outs(%{{.+}} : tensor<7x4xf32>)
// CHECK:   linalg.index 0
// CHECK:   arith.cmpi eq
// CHECK:   arith.select
// CHECK:   arith.addf
// CHECK: return %[[OUT]]

// ONEHOT-LABEL: func.func @embedding_grad(
// ONEHOT-SAME: %[[IDS:[^:]+]]: tensor<?x?xi32>, %[[DY:[^:]+]]: tensor<?x?x4xf32>
// ONEHOT: %[[HOT:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}} ins(%[[IDS]] : tensor<?x?xi32>) outs(%{{.+}} : tensor<?x?x7xf32>)
// ONEHOT:   linalg.index 2
// ONEHOT:   arith.cmpi eq
// ONEHOT:   arith.select
// ONEHOT: %[[OUT:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[HOT]], %[[DY]] : tensor<?x?x7xf32>, tensor<?x?x4xf32>) outs(%{{.+}} : tensor<7x4xf32>)
// ONEHOT-NEXT: ^bb0
// ONEHOT-NEXT: arith.mulf
// ONEHOT-NEXT: arith.addf
// ONEHOT-NEXT: linalg.yield
// ONEHOT: return %[[OUT]]
