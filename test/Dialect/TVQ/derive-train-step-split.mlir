// RUN: tvq-opt %s -split-input-file -verify-diagnostics -tvq-derive-gradients -tvq-derive-train-step | FileCheck %s

// Besides the fused @train_step, the pass builds the same step in two halves
// for data parallelism and gradient accumulation: @train_grads (forward,
// backward and the codebook statistics of the step) and @apply_update (the
// optimizer on gradients and the EMA on statistics that the caller has
// averaged and summed over micro-batches and workers).

// CHECK-LABEL: func.func @train_step(
// CHECK-LABEL: func.func @train_grads(
// CHECK-SAME: %[[K:[^:]+]]: tensor<?x?x4xf32> {tvq.name = "k"}, %[[W:[^:]+]]: tensor<4x4xf32> {tvq.name = "w"}, %[[G:[^:]+]]: tensor<4xf32> {tvq.name = "g"}, %[[CS:[^:]+]]: tensor<5x4xf32> {tvq.name = "c_sum"}, %[[CC:[^:]+]]: tensor<5xf32> {tvq.name = "c_count"})
// CHECK-SAME: -> (tensor<f32> {tvq.name = "loss"}, tensor<4x4xf32> {tvq.name = "d.w"}, tensor<4xf32> {tvq.name = "d.g"}, tensor<5x4xf32> {tvq.name = "stats.c_sum"}, tensor<5xf32> {tvq.name = "stats.c_count"})
// CHECK-SAME: attributes {tvq.derived}
// CHECK: %[[C:.+]] = tvq.codebook %[[CS]], %[[CC]]
// CHECK: %[[KH:[^ ,]+]], %[[Z:[^ ,]+]], %{{.+}} = tvq.vq_quantize %[[KEYS:[^ ,]+]], %[[C]]
// Each gradient is announced right after the op that finishes it (the
// backward pass reaches g before w), for a runtime to send it to the other
// workers while the rest of the backward pass runs.
// CHECK: %[[DG:.+]] = arith.addf %d_gain, %d_bias
// CHECK-NEXT: tvq.output_ready %[[DG]] {index = 2 : i64} : tensor<4xf32>
// CHECK: %[[DW:.+]] = tvq.dense_weight_grad
// CHECK-NEXT: tvq.output_ready %[[DW]] {index = 1 : i64} : tensor<4x4xf32>
// CHECK-NOT: tvq.adamw_update
// CHECK-NOT: tvq.codebook_ema
// CHECK: %[[SUMS:[^ ,]+]], %[[COUNTS:[^ ,]+]] = tvq.codebook_stats %[[KEYS]], %[[Z]] : (tensor<?x?x4xf32>, tensor<?x?xi32>) -> (tensor<5x4xf32>, tensor<5xf32>)
// CHECK: return %{{.+}}, %[[DW]], %[[DG]], %[[SUMS]], %[[COUNTS]]
// CHECK-LABEL: func.func @apply_update(
// CHECK-SAME: %[[UW:[^:]+]]: tensor<4x4xf32> {tvq.name = "w"}, %[[UG:[^:]+]]: tensor<4xf32> {tvq.name = "g"}, %[[DW:[^:]+]]: tensor<4x4xf32> {tvq.name = "d.w"}, %[[DG:[^:]+]]: tensor<4xf32> {tvq.name = "d.g"},
// CHECK-SAME: %[[UCS:[^:]+]]: tensor<5x4xf32> {tvq.name = "c_sum"}, %[[UCC:[^:]+]]: tensor<5xf32> {tvq.name = "c_count"}, %[[SCS:[^:]+]]: tensor<5x4xf32> {tvq.name = "stats.c_sum"}, %[[SCC:[^:]+]]: tensor<5xf32> {tvq.name = "stats.c_count"},
// CHECK-SAME: %[[MW:[^:]+]]: tensor<4x4xf32> {tvq.name = "m.w"}, %[[MG:[^:]+]]: tensor<4xf32> {tvq.name = "m.g"}, %[[VW:[^:]+]]: tensor<4x4xf32> {tvq.name = "v.w"}, %[[VG:[^:]+]]: tensor<4xf32> {tvq.name = "v.g"}, %[[STEP:[^:]+]]: tensor<i64> {tvq.name = "step"})
// CHECK-SAME: -> (tensor<f32> {tvq.name = "grad_norm"}, tensor<f32> {tvq.name = "lr"}, tensor<4x4xf32> {tvq.name = "w"}, tensor<4xf32> {tvq.name = "g"}, tensor<5x4xf32> {tvq.name = "c_sum"}, tensor<5xf32> {tvq.name = "c_count"}, tensor<4x4xf32> {tvq.name = "m.w"}, tensor<4xf32> {tvq.name = "m.g"}, tensor<4x4xf32> {tvq.name = "v.w"}, tensor<4xf32> {tvq.name = "v.g"}, tensor<i64> {tvq.name = "step"})
// CHECK: %[[NORM:.+]] = tvq.global_norm %[[DW]], %[[DG]] : (tensor<4x4xf32>, tensor<4xf32>) -> tensor<f32>
// CHECK: %[[LR:.+]] = tvq.lr_schedule %[[STEP]]
// CHECK: tvq.adamw_update %[[UW]], %[[DW]], %[[MW]], %[[VW]], %[[STEP]], %[[LR]], %[[NORM]] {{{.*}}weight_decay = 2.000000e-04 : f64}
// CHECK: tvq.adamw_update %[[UG]], %[[DG]], %[[MG]], %[[VG]], %[[STEP]], %[[LR]], %[[NORM]] {{{.*}}weight_decay = 0.000000e+00 : f64}
// CHECK: tvq.codebook_blend %[[UCS]], %[[UCC]], %[[SCS]], %[[SCC]] {gamma = 0.98999999999999999 : f64}
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

// -----

// Adafactor, other names, and the carried state: train_grads returns the
// loss function's results (loss, ce, the state) before the gradients;
// apply_update takes the factored moments.

// CHECK-LABEL: func.func @step(
// CHECK-LABEL: func.func @grads(
// CHECK-SAME: -> (tensor<f32> {tvq.name = "loss"}, tensor<f32> {tvq.name = "ce"}, tensor<?x?x6xf32> {tvq.name = "state.h"}, tensor<4x6xf32> {tvq.name = "d.w"}, tensor<6xf32> {tvq.name = "d.b"})
// CHECK-LABEL: func.func @update(
// CHECK-SAME: %[[W:[^:]+]]: tensor<4x6xf32> {tvq.name = "w"}, %[[B:[^:]+]]: tensor<6xf32> {tvq.name = "b"}, %[[DW:[^:]+]]: tensor<4x6xf32> {tvq.name = "d.w"}, %[[DB:[^:]+]]: tensor<6xf32> {tvq.name = "d.b"}, %[[VRW:[^:]+]]: tensor<4xf32> {tvq.name = "vr.w"}, %[[VCW:[^:]+]]: tensor<6xf32> {tvq.name = "vc.w"}, %[[VB:[^:]+]]: tensor<6xf32> {tvq.name = "v.b"}, %[[STEP:[^:]+]]: tensor<i64> {tvq.name = "step"})
// CHECK-SAME: -> (tensor<f32> {tvq.name = "grad_norm"}, tensor<f32> {tvq.name = "lr"}, tensor<4x6xf32> {tvq.name = "w"}, tensor<6xf32> {tvq.name = "b"}, tensor<4xf32> {tvq.name = "vr.w"}, tensor<6xf32> {tvq.name = "vc.w"}, tensor<6xf32> {tvq.name = "v.b"}, tensor<i64> {tvq.name = "step"})
// CHECK: tvq.adafactor_update %[[W]], %[[DW]], %[[STEP]], %{{.+}}, %[[VRW]], %[[VCW]]
// CHECK: tvq.adafactor_update %[[B]], %[[DB]], %[[STEP]], %{{.+}}, %[[VB]]
func.func @loss(%x: tensor<?x?x4xf32> {tvq.name = "x"}, %w: tensor<4x6xf32> {tvq.name = "w"},
                %b: tensor<6xf32> {tvq.name = "b"})
    -> (tensor<f32> {tvq.name = "loss"}, tensor<f32> {tvq.name = "ce"},
        tensor<?x?x6xf32> {tvq.name = "state.h"})
    attributes {tvq.gradient = "loss_grad",
                tvq.train_step = {name = "step", grads_name = "grads", update_name = "update",
                                  optimizer = "adafactor", lr = 1.0e-2 : f64,
                                  decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64,
                                  update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64,
                                  factor_min_dim = 4 : i64, warmup = 10 : i64,
                                  total_steps = 100 : i64, final_lr_ratio = 0.1 : f64,
                                  ema_gamma = 0.99 : f64}} {
  %h = tvq.dense %x, %w bias %b : (tensor<?x?x4xf32>, tensor<4x6xf32>, tensor<6xf32>) -> tensor<?x?x6xf32>
  %l = tvq.mean %h : (tensor<?x?x6xf32>) -> tensor<f32>
  return %l, %l, %h : tensor<f32>, tensor<f32>, tensor<?x?x6xf32>
}

// -----

// split = false: the fused step alone.

// CHECK-LABEL: func.func @train_step(
// CHECK-NOT: func.func @train_grads
// CHECK-NOT: func.func @apply_update
func.func @loss(%x: tensor<?x?x4xf32> {tvq.name = "x"}, %w: tensor<4x6xf32> {tvq.name = "w"})
    -> (tensor<f32> {tvq.name = "loss"})
    attributes {tvq.gradient = "loss_grad",
                tvq.train_step = {name = "train_step", split = false, lr = 1.0e-3 : f64,
                                  beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64,
                                  clip_norm = 0.1 : f64, weight_decay = 2.0e-4 : f64, warmup = 10 : i64,
                                  total_steps = 100 : i64, final_lr_ratio = 0.1 : f64,
                                  ema_gamma = 0.99 : f64}} {
  %h = tvq.dense %x, %w : (tensor<?x?x4xf32>, tensor<4x6xf32>) -> tensor<?x?x6xf32>
  %l = tvq.mean %h : (tensor<?x?x6xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

func.func @apply_update() {
  return
}

// expected-error @+1 {{tvq.train_step names 'apply_update', which already exists}}
func.func @loss(%x: tensor<?x?x4xf32> {tvq.name = "x"}, %w: tensor<4x6xf32> {tvq.name = "w"})
    -> (tensor<f32> {tvq.name = "loss"})
    attributes {tvq.gradient = "loss_grad",
                tvq.train_step = {name = "train_step", lr = 1.0e-3 : f64,
                                  beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64,
                                  clip_norm = 0.1 : f64, weight_decay = 2.0e-4 : f64, warmup = 10 : i64,
                                  total_steps = 100 : i64, final_lr_ratio = 0.1 : f64,
                                  ema_gamma = 0.99 : f64}} {
  %h = tvq.dense %x, %w : (tensor<?x?x4xf32>, tensor<4x6xf32>) -> tensor<?x?x6xf32>
  %l = tvq.mean %h : (tensor<?x?x6xf32>) -> tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{tvq.train_step 'split' must be a boolean}}
func.func @loss(%x: tensor<?x?x4xf32> {tvq.name = "x"}, %w: tensor<4x6xf32> {tvq.name = "w"})
    -> (tensor<f32> {tvq.name = "loss"})
    attributes {tvq.gradient = "loss_grad",
                tvq.train_step = {name = "train_step", split = 1 : i64, lr = 1.0e-3 : f64,
                                  beta1 = 0.9 : f64, beta2 = 0.98 : f64, epsilon = 1.0e-9 : f64,
                                  clip_norm = 0.1 : f64, weight_decay = 2.0e-4 : f64, warmup = 10 : i64,
                                  total_steps = 100 : i64, final_lr_ratio = 0.1 : f64,
                                  ema_gamma = 0.99 : f64}} {
  %h = tvq.dense %x, %w : (tensor<?x?x4xf32>, tensor<4x6xf32>) -> tensor<?x?x6xf32>
  %l = tvq.mean %h : (tensor<?x?x6xf32>) -> tensor<f32>
  return %l : tensor<f32>
}
