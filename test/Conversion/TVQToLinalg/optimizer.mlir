// RUN: tvq-opt %s -convert-tvq-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @schedule(
// Warmup: peak * t / warmup; then peak * (f + (1-f)(1 + cos(pi p))/2).
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<i64>) outs(%{{.+}} : tensor<f32>)
// CHECK:   arith.sitofp
// CHECK:   arith.constant 1.000000e+01 : f32
// CHECK:   math.cos
// CHECK:   arith.cmpf olt
// CHECK:   arith.select
func.func @schedule(%step: tensor<i64>) -> tensor<f32> {
  %lr = tvq.lr_schedule %step {peak = 1.0e-3 : f64, warmup = 10 : i64, total = 100 : i64, final_ratio = 0.1 : f64}
      : (tensor<i64>) -> tensor<f32>
  return %lr : tensor<f32>
}

// CHECK-LABEL: func.func @norm(
// Sum of squares of each operand into one scalar, then its square root.
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]{{.*}} ins(%{{.+}} : tensor<4x4xf32>)
// CHECK: linalg.generic {{.*}}iterator_types = ["reduction"]{{.*}} ins(%{{.+}} : tensor<4xf32>)
// CHECK: math.sqrt
func.func @norm(%a: tensor<4x4xf32>, %b: tensor<4xf32>) -> tensor<f32> {
  %n = tvq.global_norm %a, %b : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<f32>
  return %n : tensor<f32>
}

// CHECK-LABEL: func.func @adamw(
// One elementwise generic with three results; clipping, moments, bias
// correction, update and decoupled weight decay.
// CHECK: %{{.+}}:3 = linalg.generic
// CHECK:   arith.minimumf
// CHECK:   math.exp
// CHECK:   math.sqrt
// CHECK:   arith.constant 2.000000e-04 : f32
// CHECK:   linalg.yield %{{.+}}, %{{.+}}, %{{.+}} : f32, f32, f32
func.func @adamw(%p: tensor<4x4xf32>, %g: tensor<4x4xf32>, %m: tensor<4x4xf32>,
                 %v: tensor<4x4xf32>, %step: tensor<i64>, %lr: tensor<f32>,
                 %norm: tensor<f32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>) {
  %p2, %m2, %v2 = tvq.adamw_update %p, %g, %m, %v, %step, %lr, %norm
      {beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64,
       weight_decay = 2.0e-4 : f64, clip_norm = 0.1 : f64}
      : (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>, tensor<i64>,
         tensor<f32>, tensor<f32>) -> (tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>)
  return %p2, %m2, %v2 : tensor<4x4xf32>, tensor<4x4xf32>, tensor<4x4xf32>
}
