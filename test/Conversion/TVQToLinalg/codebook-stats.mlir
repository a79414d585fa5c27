// RUN: tvq-opt %s -convert-tvq-to-linalg | FileCheck %s
// RUN: tvq-opt %s -convert-tvq-to-linalg='onehot-products=true' | FileCheck %s --check-prefix=ONEHOT
// The two halves of the codebook EMA lower to the same generics as
// tvq.codebook_ema (codebook-ema.mlir): the one-hot counts and key sums, and
// the blend with gamma.

// CHECK-LABEL: func.func @stats(
// CHECK-SAME: %[[K:[^:]+]]: tensor<?x?x4xf32>, %[[Z:[^:]+]]: tensor<?x?xi32>
// CHECK-NOT: tvq.
// CHECK: %[[COUNTS:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "reduction"]{{.*}} ins(%[[Z]] : tensor<?x?xi32>) outs(%{{.+}} : tensor<5xf32>)
// CHECK:   arith.cmpi eq
// CHECK: %[[SUMS:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[Z]], %[[K]] : tensor<?x?xi32>, tensor<?x?x4xf32>) outs(%{{.+}} : tensor<5x4xf32>)
// CHECK: return %[[SUMS]], %[[COUNTS]]
// With onehot-products (the CUDA pipeline): a one-hot tensor [B, T, S] of
// the codes, the counts its sums over (b, t), and the key sums a product
// (onehot^T keys: out + in0 * in1, no compare left), which
// tvq-contractions-to-library hands to cuBLAS.
// ONEHOT-LABEL: func.func @stats(
// ONEHOT-SAME: %[[K:[^:]+]]: tensor<?x?x4xf32>, %[[Z:[^:]+]]: tensor<?x?xi32>
// ONEHOT: %[[HOT:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}} ins(%[[Z]] : tensor<?x?xi32>) outs(%{{.+}} : tensor<?x?x5xf32>)
// ONEHOT:   arith.cmpi eq
// ONEHOT:   arith.select
// ONEHOT: %[[COUNTS:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "reduction"]{{.*}} ins(%[[HOT]] : tensor<?x?x5xf32>) outs(%{{.+}} : tensor<5xf32>)
// ONEHOT: %[[SUMS:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[HOT]], %[[K]] : tensor<?x?x5xf32>, tensor<?x?x4xf32>) outs(%{{.+}} : tensor<5x4xf32>)
// ONEHOT-NEXT: ^bb0
// ONEHOT-NEXT: arith.mulf
// ONEHOT-NEXT: arith.addf
// ONEHOT-NEXT: linalg.yield
// ONEHOT: return %[[SUMS]], %[[COUNTS]]
func.func @stats(%k: tensor<?x?x4xf32>, %z: tensor<?x?xi32>) -> (tensor<5x4xf32>, tensor<5xf32>) {
  %sums, %counts = tvq.codebook_stats %k, %z
      : (tensor<?x?x4xf32>, tensor<?x?xi32>) -> (tensor<5x4xf32>, tensor<5xf32>)
  return %sums, %counts : tensor<5x4xf32>, tensor<5xf32>
}

// CHECK-LABEL: func.func @blend(
// CHECK-SAME: %[[SUM:[^:]+]]: tensor<5x4xf32>, %[[CNT:[^:]+]]: tensor<5xf32>, %[[SUMS:[^:]+]]: tensor<5x4xf32>, %[[COUNTS:[^:]+]]: tensor<5xf32>
// CHECK-NOT: tvq.
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[SUMS]] : tensor<5x4xf32>, tensor<5x4xf32>)
// CHECK-DAG: arith.constant 7.500000e-01 : f32
// CHECK-DAG: arith.constant 2.500000e-01 : f32
// CHECK: linalg.generic {{.*}} ins(%[[CNT]], %[[COUNTS]] : tensor<5xf32>, tensor<5xf32>)
func.func @blend(%s: tensor<5x4xf32>, %n: tensor<5xf32>, %sums: tensor<5x4xf32>,
                 %counts: tensor<5xf32>) -> (tensor<5x4xf32>, tensor<5xf32>) {
  %s2, %n2 = tvq.codebook_blend %s, %n, %sums, %counts {gamma = 0.75 : f64}
      : (tensor<5x4xf32>, tensor<5xf32>, tensor<5x4xf32>, tensor<5xf32>)
      -> (tensor<5x4xf32>, tensor<5xf32>)
  return %s2, %n2 : tensor<5x4xf32>, tensor<5xf32>
}
