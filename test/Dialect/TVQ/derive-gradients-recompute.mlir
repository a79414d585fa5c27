// RUN: tvq-opt %s -tvq-derive-gradients -split-input-file -verify-diagnostics | FileCheck %s
// RUN: tvq-opt %s -tvq-derive-gradients -split-input-file -verify-diagnostics -inline -symbol-dce -cse | FileCheck %s --check-prefix=CSE

// Activation recomputation: the forward keeps the call of the tvq.recompute
// function @block; its backward recomputes @block's body from the call's
// computed input (through tvq.recompute_input, the copies marked
// tvq.recomputed) and differentiates that copy. The call of the unmarked
// @plain is inlined. Ops of the copy that read parameters only (the scale of
// %w) are not marked, so cse may merge them with the forward's.

func.func private @block(%x: tensor<?x8xf32>, %w: tensor<8x8xf32>) -> tensor<?x8xf32> attributes {tvq.recompute} {
  %ws = tvq.scale %w {factor = 2.0 : f64} : tensor<8x8xf32>
  %n = tvq.rms_norm %x {epsilon = 1.0e-6 : f64} : tensor<?x8xf32>
  %h = tvq.dense %n, %ws : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %a = tvq.silu %h : tensor<?x8xf32>
  %y = arith.addf %x, %a : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func private @plain(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = tvq.silu %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func @f(%x: tensor<?x8xf32> {tvq.name = "x"}, %w: tensor<8x8xf32> {tvq.name = "w"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %x1 = func.call @plain(%x) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %y = func.call @block(%x1, %w) : (tensor<?x8xf32>, tensor<8x8xf32>) -> tensor<?x8xf32>
  %m = tvq.mean %y : (tensor<?x8xf32>) -> tensor<f32>
  return %m : tensor<f32>
}

// CHECK-LABEL: func.func @f_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32> {tvq.name = "x"}, %[[W:[^:]+]]: tensor<8x8xf32> {tvq.name = "w"}
// CHECK-SAME: -> (tensor<f32>, tensor<?x8xf32> {tvq.name = "d.x"}, tensor<8x8xf32> {tvq.name = "d.w"})
// CHECK: %[[X1:.+]] = tvq.silu %[[X]] : tensor<?x8xf32>
// CHECK-NEXT: %[[Y:.+]] = call @block(%[[X1]], %[[W]])
// CHECK-NEXT: %[[M:.+]] = tvq.mean %[[Y]]
// CHECK: %[[DY:.+]] = tvq.mean_grad %[[Y]]
// CHECK-NEXT: %[[XR:.+]] = tvq.recompute_input %[[X1]] : tensor<?x8xf32>
// CHECK-NEXT: %[[WS:.+]] = tvq.scale %[[W]] {factor = 2.000000e+00 : f64} : tensor<8x8xf32>
// CHECK-NEXT: %[[N:.+]] = tvq.rms_norm %[[XR]] {tvq.recomputed}
// CHECK-NEXT: %[[H:.+]] = tvq.dense %[[N]], %[[WS]] {tvq.recomputed}
// CHECK-NEXT: %[[A:.+]] = tvq.silu %[[H]] {tvq.recomputed}
// CHECK-NEXT: arith.addf %[[XR]], %[[A]] {tvq.recomputed}
// CHECK-NEXT: %[[DH:.+]] = tvq.silu_grad %[[H]], %[[DY]]
// CHECK-NEXT: %[[DN:.+]] = tvq.dense %[[DH]], %[[WS]] {transpose_weight}
// CHECK-NEXT: %[[DWS:.+]] = tvq.dense_weight_grad %[[N]], %[[DH]]
// CHECK-NEXT: %[[DXN:.+]] = tvq.rms_norm_grad %[[XR]], %[[DN]]
// CHECK-NEXT: %[[DXR:.+]] = arith.addf %[[DY]], %[[DXN]]
// CHECK-NEXT: %[[DW:.+]] = tvq.scale %[[DWS]] {factor = 2.000000e+00 : f64}
// CHECK-NEXT: %[[DX:.+]] = tvq.silu_grad %[[X]], %[[DXR]]
// CHECK-NEXT: return %[[M]], %[[DX]], %[[DW]]

// After inlining and cse the forward's activations (%h, %a) are used by the
// forward only; the backward reads the recomputed ones. The scale of %w is
// shared.
// CSE-LABEL: func.func @f_grad(
// CSE-SAME: %[[X:[^:]+]]: tensor<?x8xf32> {tvq.name = "x"}, %[[W:[^:]+]]: tensor<8x8xf32> {tvq.name = "w"}
// CSE: %[[X1:.+]] = tvq.silu %[[X]]
// CSE-NEXT: %[[WS:.+]] = tvq.scale %[[W]]
// CSE-NEXT: %[[N:.+]] = tvq.rms_norm %[[X1]] :
// CSE-NEXT: %[[H:.+]] = tvq.dense %[[N]], %[[WS]] :
// CSE-NEXT: %[[A:.+]] = tvq.silu %[[H]] :
// CSE-NEXT: %[[Y:.+]] = arith.addf %[[X1]], %[[A]] :
// CSE: %[[XR:.+]] = tvq.recompute_input %[[X1]]
// CSE-NOT: tvq.scale %[[W]]
// CSE: %[[N2:.+]] = tvq.rms_norm %[[XR]]
// CSE-NEXT: %[[H2:.+]] = tvq.dense %[[N2]], %[[WS]] {tvq.recomputed}
// CSE: tvq.silu_grad %[[H2]]
// CSE-NOT: %[[H]]
// CSE: return

// -----

// A recomputed function may not call others.
func.func private @leaf(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = tvq.silu %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func private @block(%x: tensor<?x8xf32>) -> tensor<?x8xf32> attributes {tvq.recompute} {
  // expected-error @+1 {{'func.call' op is in a function marked tvq.recompute, which must not call other functions}}
  %y = func.call @leaf(%x) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func @f(%x: tensor<?x8xf32>) -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = func.call @block(%x) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %m = tvq.mean %y : (tensor<?x8xf32>) -> tensor<f32>
  return %m : tensor<f32>
}

// -----

// A function without a body cannot be differentiated.
func.func private @external(%x: tensor<?x8xf32>) -> tensor<?x8xf32>

func.func @f(%x: tensor<?x8xf32>) -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  // expected-error @+1 {{'func.call' op calls 'external', which has no body}}
  %y = func.call @external(%x) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %m = tvq.mean %y : (tensor<?x8xf32>) -> tensor<f32>
  return %m : tensor<f32>
}

// -----

// Recursion is refused.
func.func private @again(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{'func.call' op calls 'again' recursively}}
  %y = func.call @again(%x) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

func.func @f(%x: tensor<?x8xf32>) -> tensor<f32> attributes {tvq.gradient = "f_grad"} {
  %y = func.call @again(%x) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %m = tvq.mean %y : (tensor<?x8xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
