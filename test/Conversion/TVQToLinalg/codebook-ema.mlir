// RUN: tvq-opt %s -convert-tvq-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @ema(
// CHECK-SAME: %[[SUM:[^:]+]]: tensor<5x4xf32>, %[[CNT:[^:]+]]: tensor<5xf32>, %[[K:[^:]+]]: tensor<?x?x4xf32>, %[[Z:[^:]+]]: tensor<?x?xi32>
// CHECK-NOT: tvq.
// Counts per code: reduce over (b, t).
// CHECK: %[[COUNTS:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction", "reduction"]{{.*}} ins(%[[Z]] : tensor<?x?xi32>)
// CHECK:   arith.cmpi eq
// Key sums per code.
// CHECK: %[[SUMS:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]{{.*}} ins(%[[Z]], %[[K]] : tensor<?x?xi32>, tensor<?x?x4xf32>)
// Blends with gamma = 0.75 and 1 - gamma = 0.25.
// CHECK: linalg.generic {{.*}} ins(%[[SUM]], %[[SUMS]] : tensor<5x4xf32>, tensor<5x4xf32>)
// CHECK-DAG: arith.constant 7.500000e-01 : f32
// CHECK-DAG: arith.constant 2.500000e-01 : f32
// CHECK: linalg.generic {{.*}} ins(%[[CNT]], %[[COUNTS]] : tensor<5xf32>, tensor<5xf32>)
func.func @ema(%s: tensor<5x4xf32>, %n: tensor<5xf32>, %k: tensor<?x?x4xf32>,
               %z: tensor<?x?xi32>) -> (tensor<5x4xf32>, tensor<5xf32>) {
  %s2, %n2 = tvq.codebook_ema %s, %n, %k, %z {gamma = 0.75 : f64}
      : (tensor<5x4xf32>, tensor<5xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>)
      -> (tensor<5x4xf32>, tensor<5xf32>)
  return %s2, %n2 : tensor<5x4xf32>, tensor<5xf32>
}
