// RUN: tvq-opt %s -tvq-derive-gradients -tvq-derive-train-step | FileCheck %s

// The train step takes the gradient function's arguments, the AdamW moments
// of each differentiated parameter and the step; it clips by the global
// norm, applies AdamW with the schedule (weight decay only on matrices),
// updates the codebook by EMA and returns everything named like its input.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[K:[^:]+]]: tensor<?x?x4xf32> {tvq.name = "k"}, %[[W:[^:]+]]: tensor<4x4xf32> {tvq.name = "w"}, %[[G:[^:]+]]: tensor<4xf32> {tvq.name = "g"}, %[[CS:[^:]+]]: tensor<5x4xf32> {tvq.name = "c_sum"}, %[[CC:[^:]+]]: tensor<5xf32> {tvq.name = "c_count"},
// CHECK-SAME: %[[MW:[^:]+]]: tensor<4x4xf32> {tvq.name = "m.w"}, %[[MG:[^:]+]]: tensor<4xf32> {tvq.name = "m.g"}, %[[VW:[^:]+]]: tensor<4x4xf32> {tvq.name = "v.w"}, %[[VG:[^:]+]]: tensor<4xf32> {tvq.name = "v.g"}, %[[STEP:[^:]+]]: tensor<i64> {tvq.name = "step"})
// CHECK-SAME: -> (tensor<f32> {tvq.name = "loss"}, tensor<f32> {tvq.name = "grad_norm"}, tensor<f32> {tvq.name = "lr"}, tensor<4x4xf32> {tvq.name = "w"}, tensor<4xf32> {tvq.name = "g"}, tensor<5x4xf32> {tvq.name = "c_sum"}, tensor<5xf32> {tvq.name = "c_count"}, tensor<4x4xf32> {tvq.name = "m.w"}, tensor<4xf32> {tvq.name = "m.g"}, tensor<4x4xf32> {tvq.name = "v.w"}, tensor<4xf32> {tvq.name = "v.g"}, tensor<i64> {tvq.name = "step"})
// CHECK: %[[NORM:.+]] = tvq.global_norm %[[DW:.+]], %[[DG:.+]] : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<f32>
// CHECK: %[[LR:.+]] = tvq.lr_schedule %[[STEP]] {final_ratio = 1.000000e-01 : f64, peak = 1.000000e-03 : f64, total = 100 : i64, warmup = 10 : i64}
// CHECK: tvq.adamw_update %[[W]], %[[DW]], %[[MW]], %[[VW]], %[[STEP]], %[[LR]], %[[NORM]] {{{.*}}weight_decay = 2.000000e-04 : f64}
// CHECK: tvq.adamw_update %[[G]], %[[DG]], %[[MG]], %[[VG]], %[[STEP]], %[[LR]], %[[NORM]] {{{.*}}weight_decay = 0.000000e+00 : f64}
// CHECK: tvq.codebook_ema %[[CS]], %[[CC]], %{{.+}}, %{{.+}} {gamma = 0.98999999999999999 : f64}
// CHECK: arith.addi %[[STEP]], %{{.+}} : tensor<i64>
func.func @loss(%k: tensor<?x?x4xf32> {tvq.name = "k"}, %w: tensor<4x4xf32> {tvq.name = "w"},
                %g: tensor<4xf32> {tvq.name = "g"}, %cs: tensor<5x4xf32> {tvq.name = "c_sum"},
                %cc: tensor<5xf32> {tvq.name = "c_count"}) -> (tensor<f32> {tvq.name = "loss"})
    attributes {tvq.gradient = "loss_grad",
                tvq.train_step = {name = "train_step", lr = 1.0e-3 : f64, beta1 = 0.9 : f64,
                                  beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64, clip_norm = 0.1 : f64,
                                  weight_decay = 2.0e-4 : f64, warmup = 10 : i64, total_steps = 100 : i64,
                                  final_lr_ratio = 0.1 : f64, ema_gamma = 0.99 : f64}} {
  %kw = tvq.dense %k, %w : (tensor<?x?x4xf32>, tensor<4x4xf32>) -> tensor<?x?x4xf32>
  %kg = tvq.scale_shift %kw, %g, %g : (tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<?x?x4xf32>
  %c = tvq.codebook %cs, %cc : (tensor<5x4xf32>, tensor<5xf32>) -> tensor<5x4xf32>
  %kh, %z, %e = tvq.vq_quantize %kg, %c
      : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %m = tvq.mean %kh : (tensor<?x?x4xf32>) -> tensor<f32>
  %cm = tvq.mean %e : (tensor<?x?xf32>) -> tensor<f32>
  %l = arith.addf %m, %cm : tensor<f32>
  return %l : tensor<f32>
}
