// RUN: tvq-opt %s -tvq-derive-gradients -tvq-derive-train-step | FileCheck %s

// Adafactor (transformer-vq.md section 6, PG-19 and ImageNet64): a rank-2
// parameter with both dimensions >= factor_min_dim gets a row and a column
// moment (vr., vc.), the others one moment (v.); no global-norm clipping (the
// norm is still reported). The loss function's other result (attention state
// carried between update windows) passes through under its name (the first
// two results of the loss function come first, then grad_norm and lr, then any
// others); the dropout seed is an input like any other and gets no moment.

// CHECK-LABEL: func.func @train_step(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x?x4xf32> {tvq.name = "x"}, %[[W:[^:]+]]: tensor<4x6xf32> {tvq.name = "w"}, %[[S:[^:]+]]: tensor<6x2xf32> {tvq.name = "s"}, %[[B:[^:]+]]: tensor<6xf32> {tvq.name = "b"}, %[[SEED:[^:]+]]: tensor<i64> {tvq.name = "dropout_seed"},
// CHECK-SAME: %[[VRW:[^:]+]]: tensor<4xf32> {tvq.name = "vr.w"}, %[[VCW:[^:]+]]: tensor<6xf32> {tvq.name = "vc.w"}, %[[VS:[^:]+]]: tensor<6x2xf32> {tvq.name = "v.s"}, %[[VB:[^:]+]]: tensor<6xf32> {tvq.name = "v.b"}, %[[STEP:[^:]+]]: tensor<i64> {tvq.name = "step"})
// CHECK-SAME: -> (tensor<f32> {tvq.name = "loss"}, tensor<?x?x6xf32> {tvq.name = "state.h"}, tensor<f32> {tvq.name = "grad_norm"}, tensor<f32> {tvq.name = "lr"}, tensor<4x6xf32> {tvq.name = "w"}, tensor<6x2xf32> {tvq.name = "s"}, tensor<6xf32> {tvq.name = "b"}, tensor<4xf32> {tvq.name = "vr.w"}, tensor<6xf32> {tvq.name = "vc.w"}, tensor<6x2xf32> {tvq.name = "v.s"}, tensor<6xf32> {tvq.name = "v.b"}, tensor<i64> {tvq.name = "step"})
// CHECK: %[[DROP:.+]] = tvq.dropout %{{.+}}, %[[SEED]]
// CHECK: tvq.dropout %{{.+}}, %[[SEED]] {mask_rank = 3 : i64, rate = 5.000000e-01 : f64, stream = 7 : i64}
// CHECK: %[[NORM:.+]] = tvq.global_norm
// CHECK: %[[LR:.+]] = tvq.lr_schedule %[[STEP]] {final_ratio = 1.000000e-01 : f64, peak = 1.000000e-02 : f64, total = 100 : i64, warmup = 10 : i64}
// CHECK: %[[NW:[^ ,]+]], %[[NWM:[^ ,]+]]:2 = tvq.adafactor_update %[[W]], %{{.+}}, %[[STEP]], %[[LR]], %[[VRW]], %[[VCW]] {decay_rate = 8.000000e-01 : f64, epsilon = 1.000000e-30 : f64, min_scale = 1.000000e-03 : f64, update_clip = 1.000000e+00 : f64}
// CHECK: %[[NS:[^ ,]+]], %[[NSM:[^ ,]+]] = tvq.adafactor_update %[[S]], %{{.+}}, %[[STEP]], %[[LR]], %[[VS]]
// CHECK: %[[NB:[^ ,]+]], %[[NBM:[^ ,]+]] = tvq.adafactor_update %[[B]], %{{.+}}, %[[STEP]], %[[LR]], %[[VB]]
// CHECK-NOT: tvq.adamw_update
// CHECK: return %{{.+}}, %[[DROP]], %[[NORM]], %[[LR]], %[[NW]], %[[NS]], %[[NB]], %[[NWM]]#0, %[[NWM]]#1, %[[NSM]], %[[NBM]], %{{.+}}
func.func @loss(%x: tensor<?x?x4xf32> {tvq.name = "x"}, %w: tensor<4x6xf32> {tvq.name = "w"},
                %s: tensor<6x2xf32> {tvq.name = "s"}, %b: tensor<6xf32> {tvq.name = "b"},
                %seed: tensor<i64> {tvq.name = "dropout_seed"})
    -> (tensor<f32> {tvq.name = "loss"}, tensor<?x?x6xf32> {tvq.name = "state.h"})
    attributes {tvq.gradient = "loss_grad",
                tvq.train_step = {name = "train_step", optimizer = "adafactor", lr = 1.0e-2 : f64,
                                  decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64,
                                  update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64,
                                  factor_min_dim = 4 : i64, warmup = 10 : i64,
                                  total_steps = 100 : i64, final_lr_ratio = 0.1 : f64,
                                  ema_gamma = 0.99 : f64}} {
  %h = tvq.dense %x, %w bias %b : (tensor<?x?x4xf32>, tensor<4x6xf32>, tensor<6xf32>) -> tensor<?x?x6xf32>
  %hd = tvq.dropout %h, %seed {rate = 0.5 : f64, stream = 7 : i64, mask_rank = 3 : i64}
      : (tensor<?x?x6xf32>, tensor<i64>) -> tensor<?x?x6xf32>
  %y = tvq.dense %hd, %s : (tensor<?x?x6xf32>, tensor<6x2xf32>) -> tensor<?x?x2xf32>
  %l = tvq.mean %y : (tensor<?x?x2xf32>) -> tensor<f32>
  return %l, %hd : tensor<f32>, tensor<?x?x6xf32>
}
