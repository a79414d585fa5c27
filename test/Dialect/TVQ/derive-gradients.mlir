// RUN: tvq-opt %s -tvq-derive-gradients -split-input-file -verify-diagnostics | FileCheck %s

// The backward in reverse order, adjoints of a value used twice summed, and
// one d.<name> result per differentiated argument.

// CHECK-LABEL: func.func @f_grad(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32> {tvq.name = "x"}, %[[W:[^:]+]]: tensor<8x4xf32> {tvq.name = "w"}, %[[B:[^:]+]]: tensor<4xf32> {tvq.name = "b"}
// CHECK-SAME: -> (tensor<f32>, tensor<?x8xf32> {tvq.name = "d.x"}, tensor<8x4xf32> {tvq.name = "d.w"}, tensor<4xf32> {tvq.name = "d.b"})
// CHECK-NOT: tvq.gradient
// CHECK: %[[Y:.+]] = tvq.silu %[[X]]
// CHECK: %[[N:.+]] = tvq.rms_norm %[[Y]]
// CHECK: %[[Z:.+]] = tvq.dense %[[N]], %[[W]] bias %[[B]]
// CHECK: %[[ZZ:.+]] = arith.mulf %[[Z]], %[[Z]]
// CHECK: %[[M:.+]] = tvq.mean %[[ZZ]]
// CHECK: %[[ONE:.+]] = arith.constant dense<1.000000e+00> : tensor<f32>
// CHECK: %[[DZZ:.+]] = tvq.mean_grad %[[ZZ]], %[[ONE]]
// CHECK: %[[P1:.+]] = arith.mulf %[[DZZ]], %[[Z]]
// CHECK: %[[P2:.+]] = arith.mulf %[[DZZ]], %[[Z]]
// CHECK: %[[DZ:.+]] = arith.addf %[[P1]], %[[P2]]
// CHECK: %[[DN:.+]] = tvq.dense %[[DZ]], %[[W]] {transpose_weight}
// CHECK: %[[DW:.+]] = tvq.dense_weight_grad %[[N]], %[[DZ]]
// CHECK: %[[DB:.+]] = tvq.sum_leading %[[DZ]]
// CHECK: %[[DY:.+]] = tvq.rms_norm_grad %[[Y]], %[[DN]]
// CHECK: %[[DX:.+]] = tvq.silu_grad %[[X]], %[[DY]]
// CHECK: return %[[M]], %[[DX]], %[[DW]], %[[DB]]
func.func @f(%x: tensor<?x8xf32> {tvq.name = "x"}, %w: tensor<8x4xf32> {tvq.name = "w"},
             %b: tensor<4xf32> {tvq.name = "b"}) -> tensor<f32>
    attributes {tvq.gradient = "f_grad"} {
  %y = tvq.silu %x : tensor<?x8xf32>
  %n = tvq.rms_norm %y : tensor<?x8xf32>
  %z = tvq.dense %n, %w bias %b : (tensor<?x8xf32>, tensor<8x4xf32>, tensor<4xf32>) -> tensor<?x4xf32>
  %zz = arith.mulf %z, %z : tensor<?x4xf32>
  %m = tvq.mean %zz : (tensor<?x4xf32>) -> tensor<f32>
  return %m : tensor<f32>
}

// -----

// Quantization is straight-through; the codebook statistics get no gradient;
// attention gets one vq_attention_grad.

// CHECK-LABEL: func.func @vq_grad(
// CHECK-SAME: -> (tensor<f32>, tensor<?x?x4xf32> {tvq.name = "d.q"}, tensor<?x?x4xf32> {tvq.name = "d.k"}, tensor<?x?x6xf32> {tvq.name = "d.v"}, tensor<4xf32> {tvq.name = "d.u"}, tensor<4xf32> {tvq.name = "d.w"}, tensor<3x4xf32> {tvq.name = "d.r"})
// CHECK: %[[DQ:[^,]+]], %[[DK:[^,]+]], %{{.+}} = tvq.vq_attention_grad
// CHECK: tvq.vq_quantize_grad %{{.+}}, %{{.+}}, %[[DK]], %{{.+}}
func.func @vq(%q: tensor<?x?x4xf32> {tvq.name = "q"}, %k: tensor<?x?x4xf32> {tvq.name = "k"},
              %v: tensor<?x?x6xf32> {tvq.name = "v"}, %cs: tensor<5x4xf32> {tvq.name = "c_sum"},
              %cc: tensor<5xf32> {tvq.name = "c_count"}, %u: tensor<4xf32> {tvq.name = "u"},
              %w: tensor<4xf32> {tvq.name = "w"}, %r: tensor<3x4xf32> {tvq.name = "r"}) -> tensor<f32>
    attributes {tvq.gradient = "vq_grad"} {
  %c = tvq.codebook %cs, %cc : (tensor<5x4xf32>, tensor<5xf32>) -> tensor<5x4xf32>
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x4xf32>, tensor<5x4xf32>) -> (tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  %m = tvq.mean %o : (tensor<?x?x6xf32>) -> tensor<f32>
  %cm = tvq.mean %e : (tensor<?x?xf32>) -> tensor<f32>
  %l = arith.addf %m, %cm : tensor<f32>
  return %l : tensor<f32>
}

// -----

// expected-error @+1 {{the first result of a function with tvq.gradient must be the loss, a tensor<f32>}}
func.func @not_scalar(%x: tensor<4xf32>) -> tensor<4xf32> attributes {tvq.gradient = "g"} {
  return %x : tensor<4xf32>
}

// -----

func.func @no_rule(%x: tensor<4xf32>) -> tensor<f32> attributes {tvq.gradient = "g"} {
  // expected-error @+1 {{'arith.divf' op has no gradient rule}}
  %y = arith.divf %x, %x : tensor<4xf32>
  %m = tvq.mean %y : (tensor<4xf32>) -> tensor<f32>
  return %m : tensor<f32>
}
