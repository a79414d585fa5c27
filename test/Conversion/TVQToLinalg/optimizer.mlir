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

// Adafactor, factored: the decay from the step; row and column means of
// g^2 + eps (two reductions); the moment updates; the sum of the row moment;
// one reduction for rms(p) and rms(u) together; the step size; the update.
// CHECK-LABEL: func.func @adafactor(
// CHECK-SAME: %[[P:[^:]+]]: tensor<8x6xf32>, %[[G:[^:]+]]: tensor<8x6xf32>, %[[VR:[^:]+]]: tensor<8xf32>, %[[VC:[^:]+]]: tensor<6xf32>, %[[STEP:[^:]+]]: tensor<i64>, %[[LR:[^:]+]]: tensor<f32>
// CHECK: %[[DECAY:.+]] = linalg.generic {{.*}}iterator_types = []} ins(%[[STEP]] : tensor<i64>)
// CHECK: math.log
// CHECK: math.exp
// CHECK: %[[ROWS:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]} ins(%[[G]] : tensor<8x6xf32>) outs(%{{.+}} : tensor<8xf32>)
// CHECK: %[[COLS:.+]] = linalg.generic {{.*}}iterator_types = ["reduction", "parallel"]} ins(%[[G]] : tensor<8x6xf32>) outs(%{{.+}} : tensor<6xf32>)
// CHECK: %[[NVR:.+]] = linalg.generic {{.*}} ins(%[[VR]], %[[ROWS]], %[[DECAY]] :
// CHECK: %[[NVC:.+]] = linalg.generic {{.*}} ins(%[[VC]], %[[COLS]], %[[DECAY]] :
// CHECK: %[[TOTAL:.+]] = linalg.generic {{.*}}iterator_types = ["reduction"]} ins(%[[NVR]] : tensor<8xf32>)
// CHECK: %[[SUMS:.+]]:2 = linalg.generic {{.*}}iterator_types = ["reduction", "reduction"]} ins(%[[P]], %[[G]], %[[NVR]], %[[NVC]], %[[TOTAL]] :
// CHECK: math.rsqrt
// CHECK: %[[SIZE:.+]] = linalg.generic {{.*}} ins(%[[SUMS]]#0, %[[SUMS]]#1, %[[LR]] :
// CHECK: %[[NEW:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]} ins(%[[P]], %[[G]], %[[NVR]], %[[NVC]], %[[TOTAL]], %[[SIZE]] :
// CHECK: return %[[NEW]], %[[NVR]], %[[NVC]]
func.func @adafactor(%p: tensor<8x6xf32>, %g: tensor<8x6xf32>, %vr: tensor<8xf32>, %vc: tensor<6xf32>,
                     %step: tensor<i64>, %lr: tensor<f32>) -> (tensor<8x6xf32>, tensor<8xf32>, tensor<6xf32>) {
  %p2, %vr2, %vc2 = tvq.adafactor_update %p, %g, %step, %lr, %vr, %vc
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64}
      : (tensor<8x6xf32>, tensor<8x6xf32>, tensor<i64>, tensor<f32>, tensor<8xf32>, tensor<6xf32>)
      -> (tensor<8x6xf32>, tensor<8xf32>, tensor<6xf32>)
  return %p2, %vr2, %vc2 : tensor<8x6xf32>, tensor<8xf32>, tensor<6xf32>
}
