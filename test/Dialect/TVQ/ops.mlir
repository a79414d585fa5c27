// RUN: tvq-opt %s | tvq-opt | FileCheck %s
// Round trip of every tvq op, generic and custom forms agree.
// RUN: tvq-opt %s -mlir-print-op-generic | tvq-opt | FileCheck %s

// CHECK-LABEL: func.func @quantize
// CHECK: %{{.+}}, %{{.+}}, %{{.+}} = tvq.vq_quantize %{{.+}}, %{{.+}} : (tensor<?x?x32xf32>, tensor<64x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
func.func @quantize(%k: tensor<?x?x32xf32>, %c: tensor<64x32xf32>)
    -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>) {
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x32xf32>, tensor<64x32xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  return %kh, %z, %e : tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>
}

// CHECK-LABEL: func.func @attention_stateless
// CHECK: tvq.vq_attention %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {block_len = 4 : i64, mem_len = 2 : i64}
// CHECK-NOT: state
func.func @attention_stateless(%q: tensor<2x8x4xf32>, %kh: tensor<2x8x4xf32>,
    %z: tensor<2x8xi32>, %v: tensor<2x8x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>) -> tensor<2x8x6xf32> {
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8xi32>, tensor<2x8x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<2x8x6xf32>, tensor<2x5xf32>, tensor<2x5x6xf32>, tensor<2x2xi32>,
          tensor<2x2x4xf32>, tensor<2x2x6xf32>, tensor<2xi64>)
  return %o : tensor<2x8x6xf32>
}

// CHECK-LABEL: func.func @attention_with_state
// CHECK-SAME: (%[[Q:[^:]+]]: tensor<?x1x4xf32>, {{.*}}, %[[N:[^:]+]]: tensor<?x5xf32>, %[[MU:[^:]+]]: tensor<?x5x6xf32>, %[[WC:[^:]+]]: tensor<?x2xi32>, %[[WK:[^:]+]]: tensor<?x2x4xf32>, %[[WV:[^:]+]]: tensor<?x2x6xf32>, %[[SEEN:[^:]+]]: tensor<?xi64>)
// CHECK: tvq.vq_attention %[[Q]], {{.*}} state(%[[N]], %[[MU]], %[[WC]], %[[WK]], %[[WV]], %[[SEEN]]) {block_len = 1 : i64, mem_len = 2 : i64}
func.func @attention_with_state(%q: tensor<?x1x4xf32>, %kh: tensor<?x1x4xf32>,
    %z: tensor<?x1xi32>, %v: tensor<?x1x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>,
    %n: tensor<?x5xf32>, %mu: tensor<?x5x6xf32>, %wc: tensor<?x2xi32>,
    %wk: tensor<?x2x4xf32>, %wv: tensor<?x2x6xf32>, %seen: tensor<?xi64>) -> tensor<?xi64> {
  %o, %n2, %mu2, %wc2, %wk2, %wv2, %seen2 = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      state(%n, %mu, %wc, %wk, %wv, %seen) {block_len = 1 : i64, mem_len = 2 : i64}
      : (tensor<?x1x4xf32>, tensor<?x1x4xf32>, tensor<?x1xi32>, tensor<?x1x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>,
         tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>, tensor<?x2x4xf32>,
         tensor<?x2x6xf32>, tensor<?xi64>)
      -> (tensor<?x1x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return %seen2 : tensor<?xi64>
}

// CHECK-LABEL: func.func @ema
// CHECK: tvq.codebook_ema %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {gamma = 5.000000e-01 : f64}
func.func @ema(%s: tensor<64x32xf32>, %n: tensor<64xf32>, %k: tensor<?x?x32xf32>,
               %z: tensor<?x?xi32>) -> (tensor<64x32xf32>, tensor<64xf32>) {
  %s2, %n2 = tvq.codebook_ema %s, %n, %k, %z {gamma = 0.5 : f64}
      : (tensor<64x32xf32>, tensor<64xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>)
      -> (tensor<64x32xf32>, tensor<64xf32>)
  return %s2, %n2 : tensor<64x32xf32>, tensor<64xf32>
}

// CHECK-LABEL: func.func @model_ops
// CHECK: tvq.embedding %{{.+}}, %{{.+}} : (tensor<?x?xi32>, tensor<11x16xf32>) -> tensor<?x?x16xf32>
// CHECK: tvq.rms_norm %{{.+}} : tensor<?x?x16xf32>
// CHECK: tvq.scale_shift %{{.+}}, %{{.+}}, %{{.+}} : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
// CHECK: tvq.dense %{{.+}}, %{{.+}} : (tensor<?x?x16xf32>, tensor<16x24xf32>) -> tensor<?x?x24xf32>
// CHECK: tvq.split %{{.+}} {sizes = array<i64: 8, 16>} : (tensor<?x?x24xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x16xf32>)
// CHECK: tvq.silu %{{.+}} : tensor<?x?x16xf32>
// CHECK: tvq.scale %{{.+}} {factor = 5.000000e-01 : f64} : tensor<?x?x8xf32>
// CHECK: tvq.sinusoid_table {dim = 16 : i64, rows = 5 : i64} : tensor<5x16xf32>
// CHECK: tvq.codebook %{{.+}}, %{{.+}} : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
// CHECK: tvq.dense %{{.+}}, %{{.+}} bias %{{.+}} {transpose_weight} : (tensor<?x?x16xf32>, tensor<11x16xf32>, tensor<11xf32>) -> tensor<?x?x11xf32>
// CHECK: tvq.cross_entropy %{{.+}}, %{{.+}} : (tensor<?x?x11xf32>, tensor<?x?xi32>) -> tensor<f32>
// CHECK: tvq.mean %{{.+}} : (tensor<?x?x8xf32>) -> tensor<f32>
func.func @model_ops(%ids: tensor<?x?xi32>, %table: tensor<11x16xf32>, %g: tensor<16xf32>,
                     %b: tensor<16xf32>, %w: tensor<16x24xf32>, %cs: tensor<4x8xf32>,
                     %cc: tensor<4xf32>, %hb: tensor<11xf32>)
    -> (tensor<f32>, tensor<f32>, tensor<5x16xf32>, tensor<4x8xf32>, tensor<?x?x16xf32>) {
  %x = tvq.embedding %ids, %table : (tensor<?x?xi32>, tensor<11x16xf32>) -> tensor<?x?x16xf32>
  %n = tvq.rms_norm %x {epsilon = 1.0e-6 : f64} : tensor<?x?x16xf32>
  %s = tvq.scale_shift %n, %g, %b : (tensor<?x?x16xf32>, tensor<16xf32>, tensor<16xf32>) -> tensor<?x?x16xf32>
  %p = tvq.dense %s, %w : (tensor<?x?x16xf32>, tensor<16x24xf32>) -> tensor<?x?x24xf32>
  %a, %c = tvq.split %p {sizes = array<i64: 8, 16>} : (tensor<?x?x24xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x16xf32>)
  %act = tvq.silu %c : tensor<?x?x16xf32>
  %half = tvq.scale %a {factor = 0.5 : f64} : tensor<?x?x8xf32>
  %sin = tvq.sinusoid_table {rows = 5 : i64, dim = 16 : i64} : tensor<5x16xf32>
  %cb = tvq.codebook %cs, %cc : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  %logits = tvq.dense %act, %table bias %hb {transpose_weight}
      : (tensor<?x?x16xf32>, tensor<11x16xf32>, tensor<11xf32>) -> tensor<?x?x11xf32>
  %ce = tvq.cross_entropy %logits, %ids : (tensor<?x?x11xf32>, tensor<?x?xi32>) -> tensor<f32>
  %m = tvq.mean %half : (tensor<?x?x8xf32>) -> tensor<f32>
  return %ce, %m, %sin, %cb, %act : tensor<f32>, tensor<f32>, tensor<5x16xf32>, tensor<4x8xf32>, tensor<?x?x16xf32>
}

// CHECK-LABEL: func.func @training_ops(
// CHECK: tvq.dropout %{{.+}}, %{{.+}} {mask_rank = 1 : i64, rate = 3.000000e-01 : f64, stream = 2 : i64} : (tensor<?x?x16xf32>, tensor<i64>) -> tensor<?x?x16xf32>
// CHECK: tvq.adafactor_update %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {{{.*}}} : (tensor<8x6xf32>, tensor<8x6xf32>, tensor<i64>, tensor<f32>, tensor<8xf32>, tensor<6xf32>) -> (tensor<8x6xf32>, tensor<8xf32>, tensor<6xf32>)
// CHECK: tvq.adafactor_update %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} {{{.*}}} : (tensor<6xf32>, tensor<6xf32>, tensor<i64>, tensor<f32>, tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>)
func.func @training_ops(%x: tensor<?x?x16xf32>, %seed: tensor<i64>, %p: tensor<8x6xf32>,
                        %vr: tensor<8xf32>, %vc: tensor<6xf32>, %b: tensor<6xf32>,
                        %step: tensor<i64>, %lr: tensor<f32>)
    -> (tensor<?x?x16xf32>, tensor<8x6xf32>, tensor<6xf32>) {
  %y = tvq.dropout %x, %seed {rate = 0.3 : f64, stream = 2 : i64, mask_rank = 1 : i64}
      : (tensor<?x?x16xf32>, tensor<i64>) -> tensor<?x?x16xf32>
  %p2, %vr2, %vc2 = tvq.adafactor_update %p, %p, %step, %lr, %vr, %vc
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64}
      : (tensor<8x6xf32>, tensor<8x6xf32>, tensor<i64>, tensor<f32>, tensor<8xf32>, tensor<6xf32>)
      -> (tensor<8x6xf32>, tensor<8xf32>, tensor<6xf32>)
  %b2, %vb2 = tvq.adafactor_update %b, %b, %step, %lr, %b
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64}
      : (tensor<6xf32>, tensor<6xf32>, tensor<i64>, tensor<f32>, tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>)
  return %y, %p2, %b2 : tensor<?x?x16xf32>, tensor<8x6xf32>, tensor<6xf32>
}

// CHECK-LABEL: func.func @output_ready
// CHECK: tvq.output_ready %{{.+}} {index = 1 : i64} : tensor<8x6xf32>
// CHECK: tvq.output_ready %{{.+}} {index = 0 : i64} : memref<4xf32>
func.func @output_ready(%m: memref<4xf32>, %g: tensor<8x6xf32>) -> (memref<4xf32>, tensor<8x6xf32>) {
  tvq.output_ready %g {index = 1 : i64} : tensor<8x6xf32>
  tvq.output_ready %m {index = 0 : i64} : memref<4xf32>
  return %m, %g : memref<4xf32>, tensor<8x6xf32>
}

// CHECK-LABEL: func.func @recompute_input
// CHECK: %{{.+}} = tvq.recompute_input %{{.+}} : tensor<?x8xf32>
func.func @recompute_input(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = tvq.recompute_input %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @fused_block_attention
// CHECK: %{{.+}} = tvq.fused_block_attention {mem_len = 32 : i64} ins(%{{.+}} : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>, tensor<?x64x48xf32>, tensor<?x64x16xf32>, tensor<?x64x48xf32>, tensor<?x32x33xf32>, tensor<?xi64>) outs(%{{.+}} : tensor<?x32x48xf32>) -> tensor<?x32x48xf32>
// CHECK: tvq.fused_block_attention {mem_len = 32 : i64} ins(%{{.+}} : memref<?x32x16xf32>, memref<64x16xf32>, memref<?x64xf32>, memref<?x64x48xf32>, memref<?x64x16xf32>, memref<?x64x48xf32>, memref<?x32x33xf32>, memref<?xi64>) outs(%{{.+}} : memref<?x32x48xf32>)
// CHECK-NOT: ->
func.func @fused_block_attention(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %mu: tensor<?x64x48xf32>,
    %k: tensor<?x64x16xf32>, %v: tensor<?x64x48xf32>, %rel: tensor<?x32x33xf32>, %seen: tensor<?xi64>,
    %out: tensor<?x32x48xf32>,
    %bq: memref<?x32x16xf32>, %bc: memref<64x16xf32>, %bn: memref<?x64xf32>, %bmu: memref<?x64x48xf32>,
    %bk: memref<?x64x16xf32>, %bv: memref<?x64x48xf32>, %brel: memref<?x32x33xf32>, %bseen: memref<?xi64>,
    %bout: memref<?x32x48xf32>) -> tensor<?x32x48xf32> {
  %o = tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x48xf32>, tensor<?x64x16xf32>, tensor<?x64x48xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%out : tensor<?x32x48xf32>) -> tensor<?x32x48xf32>
  tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%bq, %bc, %bn, %bmu, %bk, %bv, %brel, %bseen : memref<?x32x16xf32>, memref<64x16xf32>, memref<?x64xf32>,
          memref<?x64x48xf32>, memref<?x64x16xf32>, memref<?x64x48xf32>, memref<?x32x33xf32>, memref<?xi64>)
      outs(%bout : memref<?x32x48xf32>)
  return %o : tensor<?x32x48xf32>
}

// CHECK-LABEL: func.func @block_scan
// CHECK: %{{.+}} = tvq.block_scan {distance = 1 : i64} ins(%{{.+}} : tensor<?x?x64x48xf32>) outs(%{{.+}} : tensor<?x?x64x48xf32>) -> tensor<?x?x64x48xf32>
// CHECK: tvq.block_scan {distance = 2 : i64, reverse} ins(%{{.+}} : memref<?x?x64xf32>) outs(%{{.+}} : memref<?x?x64xf32>)
// CHECK-NOT: ->
func.func @block_scan(%t: tensor<?x?x64x48xf32>, %i: tensor<?x?x64x48xf32>,
                      %bt: memref<?x?x64xf32>, %bi: memref<?x?x64xf32>) -> tensor<?x?x64x48xf32> {
  %o = tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?x?x64x48xf32>)
      outs(%i : tensor<?x?x64x48xf32>) -> tensor<?x?x64x48xf32>
  tvq.block_scan {distance = 2 : i64, reverse} ins(%bt : memref<?x?x64xf32>)
      outs(%bi : memref<?x?x64xf32>)
  return %o : tensor<?x?x64x48xf32>
}

// CHECK-LABEL: func.func @fused_block_softmax
// CHECK: %{{.+}}:2 = tvq.fused_block_softmax {mem_len = 32 : i64} ins(%{{.+}} : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>, tensor<?x64x16xf32>, tensor<?x32x33xf32>, tensor<?xi64>) outs(%{{.+}}, %{{.+}} : tensor<?x32x64xf32>, tensor<?x32x64xf32>) -> tensor<?x32x64xf32>, tensor<?x32x64xf32>
// CHECK: tvq.fused_block_softmax {mem_len = 32 : i64} ins(%{{.+}} : memref<?x32x16xf32>, memref<64x16xf32>, memref<?x64xf32>, memref<?x64x16xf32>, memref<?x32x33xf32>, memref<?xi64>) outs(%{{.+}}, %{{.+}} : memref<?x32x64xf32>, memref<?x32x64xf32>)
func.func @fused_block_softmax(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %k: tensor<?x64x16xf32>,
    %rel: tensor<?x32x33xf32>, %seen: tensor<?xi64>, %pc: tensor<?x32x64xf32>, %pb: tensor<?x32x64xf32>,
    %bq: memref<?x32x16xf32>, %bc: memref<64x16xf32>, %bn: memref<?x64xf32>, %bk: memref<?x64x16xf32>,
    %brel: memref<?x32x33xf32>, %bseen: memref<?xi64>, %bpc: memref<?x32x64xf32>, %bpb: memref<?x32x64xf32>)
    -> (tensor<?x32x64xf32>, tensor<?x32x64xf32>) {
  %p:2 = tvq.fused_block_softmax {mem_len = 32 : i64}
      ins(%q, %c, %n, %k, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x16xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%pc, %pb : tensor<?x32x64xf32>, tensor<?x32x64xf32>) -> tensor<?x32x64xf32>, tensor<?x32x64xf32>
  tvq.fused_block_softmax {mem_len = 32 : i64}
      ins(%bq, %bc, %bn, %bk, %brel, %bseen : memref<?x32x16xf32>, memref<64x16xf32>, memref<?x64xf32>,
          memref<?x64x16xf32>, memref<?x32x33xf32>, memref<?xi64>)
      outs(%bpc, %bpb : memref<?x32x64xf32>, memref<?x32x64xf32>)
  return %p#0, %p#1 : tensor<?x32x64xf32>, tensor<?x32x64xf32>
}
