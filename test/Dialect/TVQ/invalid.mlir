// RUN: tvq-opt %s -split-input-file -verify-diagnostics
// Every verifier message of the tvq ops.

func.func @quantize_rank(%k: tensor<?x32xf32>, %c: tensor<64x32xf32>) {
  // expected-error @+1 {{operand 'keys' must have rank 3 with shape [B, T, K], but has type tensor<?x32xf32>}}
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x32xf32>, tensor<64x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  return
}

// -----

func.func @quantize_width(%k: tensor<?x?x16xf32>, %c: tensor<64x32xf32>) {
  // expected-error @+1 {{operand 'codebook' must have shape [S, K] with K = 16 (from operand 'keys'), but dimension 1 is 32 in type tensor<64x32xf32>}}
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x16xf32>, tensor<64x32xf32>) -> (tensor<?x?x16xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  return
}

// -----

func.func @quantize_result(%k: tensor<2x8x32xf32>, %c: tensor<64x32xf32>) {
  // expected-error @+1 {{result 'codes' must have shape [B, T] with T = 8 (from operand 'keys'), but dimension 1 is 9 in type tensor<2x9xi32>}}
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<2x8x32xf32>, tensor<64x32xf32>) -> (tensor<2x8x32xf32>, tensor<2x9xi32>, tensor<2x8xf32>)
  return
}

// -----

func.func @quantize_element_type(%k: tensor<?x?x32xf16>, %c: tensor<64x32xf32>) {
  // expected-error @+1 {{operand #0 must be ranked tensor of 32-bit float values}}
  %kh, %z, %e = tvq.vq_quantize %k, %c
      : (tensor<?x?x32xf16>, tensor<64x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  return
}

// -----

func.func @attention_block_multiple(%q: tensor<1x40x4xf32>, %kh: tensor<1x40x4xf32>,
    %z: tensor<1x40xi32>, %v: tensor<1x40x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<17x4xf32>) {
  // expected-error @+1 {{T = 40 (from operand 'q') must be a multiple of block_len 16}}
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 16 : i64, mem_len = 16 : i64}
      : (tensor<1x40x4xf32>, tensor<1x40x4xf32>, tensor<1x40xi32>, tensor<1x40x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<17x4xf32>)
      -> (tensor<1x40x6xf32>, tensor<1x5xf32>, tensor<1x5x6xf32>, tensor<1x16xi32>,
          tensor<1x16x4xf32>, tensor<1x16x6xf32>, tensor<1xi64>)
  return
}

// -----

func.func @attention_table_rows(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>,
    %z: tensor<?x?xi32>, %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<16x4xf32>) {
  // expected-error @+1 {{operand 'r' must have shape [17, K], but dimension 0 is 16 in type tensor<16x4xf32>}}
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 16 : i64, mem_len = 16 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<16x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x16xi32>,
          tensor<?x16x4xf32>, tensor<?x16x6xf32>, tensor<?xi64>)
  return
}

// -----

func.func @attention_value_width(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>,
    %z: tensor<?x?xi32>, %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>) {
  // expected-error @+1 {{result 'output' must have shape [B, T, V] with V = 6 (from operand 'v'), but dimension 2 is 7 in type tensor<?x?x7xf32>}}
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x7xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return
}

// -----

func.func @attention_state_window(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>,
    %z: tensor<?x?xi32>, %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>) {
  // expected-error @+1 {{state result 'win_keys' must have shape [B, 2, K], but dimension 1 is 3 in type tensor<?x3x4xf32>}}
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x3x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return
}

// -----

func.func @attention_partial_state(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>,
    %z: tensor<?x?xi32>, %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>, %n: tensor<?x5xf32>) {
  // expected-error @+1 {{takes either no state or all 6 state tensors (count, mean, win_codes, win_keys, win_values, seen), but got 1}}
  %o, %n2, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      state(%n) {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<?x5xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return
}

// -----

func.func @attention_state_type(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>,
    %z: tensor<?x?xi32>, %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>,
    %n: tensor<?x5xf32>, %mu: tensor<?x5x6xf32>, %wc: tensor<?x2xi32>,
    %wk: tensor<?x2x4xf32>, %wv: tensor<?x2x6xf32>, %seen: tensor<?xi32>) {
  // expected-error @+1 {{state operand 'seen' must have element type 'i64', but has 'i32'}}
  %o, %n2, %mu2, %wc2, %wk2, %wv2, %seen2 = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      state(%n, %mu, %wc, %wk, %wv, %seen) {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>,
         tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>, tensor<?x2x4xf32>,
         tensor<?x2x6xf32>, tensor<?xi32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return
}

// -----

func.func @attention_block_len(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>,
    %z: tensor<?x?xi32>, %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>) {
  // expected-error @+2 {{attribute 'block_len' failed to satisfy constraint: 64-bit signless integer attribute whose value is positive}}
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 0 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return
}

// -----

func.func @attention_codes_type(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>,
    %z: tensor<?x?xi64>, %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>,
    %u: tensor<4xf32>, %w: tensor<4xf32>, %r: tensor<3x4xf32>) {
  // expected-error @+1 {{operand #2 must be ranked tensor of 32-bit signless integer values}}
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi64>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return
}

// -----

func.func @ema_gamma(%s: tensor<64x32xf32>, %n: tensor<64xf32>, %k: tensor<?x?x32xf32>,
                     %z: tensor<?x?xi32>) {
  // expected-error @+1 {{gamma must lie in (0, 1), but is 1}}
  %s2, %n2 = tvq.codebook_ema %s, %n, %k, %z {gamma = 1.0 : f64}
      : (tensor<64x32xf32>, tensor<64xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>)
      -> (tensor<64x32xf32>, tensor<64xf32>)
  return
}

// -----

func.func @ema_counts(%s: tensor<64x32xf32>, %n: tensor<63xf32>, %k: tensor<?x?x32xf32>,
                      %z: tensor<?x?xi32>) {
  // expected-error @+1 {{operand 'c_count' must have shape [S] with S = 64 (from operand 'c_sum'), but dimension 0 is 63 in type tensor<63xf32>}}
  %s2, %n2 = tvq.codebook_ema %s, %n, %k, %z {gamma = 0.99 : f64}
      : (tensor<64x32xf32>, tensor<63xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>)
      -> (tensor<64x32xf32>, tensor<64xf32>)
  return
}

// -----

func.func @dense_width(%x: tensor<?x?x16xf32>, %w: tensor<8x24xf32>) {
  // expected-error @+1 {{operand 'weight' must have shape [I, O] with I = 16 (from operand 'input'), but dimension 0 is 8 in type tensor<8x24xf32>}}
  %y = tvq.dense %x, %w : (tensor<?x?x16xf32>, tensor<8x24xf32>) -> tensor<?x?x24xf32>
  return
}

// -----

func.func @dense_transposed(%x: tensor<?x?x16xf32>, %w: tensor<16x24xf32>) {
  // expected-error @+1 {{operand 'weight' must have shape [O, I] with I = 16 (from operand 'input'), but dimension 1 is 24 in type tensor<16x24xf32>}}
  %y = tvq.dense %x, %w {transpose_weight} : (tensor<?x?x16xf32>, tensor<16x24xf32>) -> tensor<?x?x16xf32>
  return
}

// -----

func.func @dense_rank(%x: tensor<?x?x?x16xf32>, %w: tensor<16x24xf32>) {
  // expected-error @+1 {{operand 'input' must have rank 2 or 3, but has 4}}
  %y = tvq.dense %x, %w : (tensor<?x?x?x16xf32>, tensor<16x24xf32>) -> tensor<?x?x?x24xf32>
  return
}

// -----

func.func @split_sum(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{operand 'input' must have shape [N0, N1, 25], but dimension 2 is 24 in type tensor<?x?x24xf32>}}
  %a, %b = tvq.split %x {sizes = array<i64: 8, 17>} : (tensor<?x?x24xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x17xf32>)
  return
}

// -----

func.func @split_count(%x: tensor<?x?x24xf32>) {
  // expected-error @+1 {{has 3 sizes but 2 results}}
  %a, %b = tvq.split %x {sizes = array<i64: 8, 8, 8>} : (tensor<?x?x24xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x8xf32>)
  return
}

// -----

func.func @sinusoid_odd() {
  // expected-error @+1 {{dim must be even, but is 15}}
  %t = tvq.sinusoid_table {rows = 5 : i64, dim = 15 : i64} : tensor<5x15xf32>
  return
}

// -----

func.func @embedding_width(%ids: tensor<?x?xi32>, %table: tensor<11x16xf32>) {
  // expected-error @+1 {{result 'output' must have shape [B, T, D] with D = 16 (from operand 'table'), but dimension 2 is 8 in type tensor<?x?x8xf32>}}
  %x = tvq.embedding %ids, %table : (tensor<?x?xi32>, tensor<11x16xf32>) -> tensor<?x?x8xf32>
  return
}

// -----

func.func @scale_shift_gain(%x: tensor<?x16xf32>, %g: tensor<8xf32>, %b: tensor<16xf32>) {
  // expected-error @+1 {{operand 'gain' must have shape [D] with D = 16 (from operand 'input'), but dimension 0 is 8 in type tensor<8xf32>}}
  %y = tvq.scale_shift %x, %g, %b : (tensor<?x16xf32>, tensor<8xf32>, tensor<16xf32>) -> tensor<?x16xf32>
  return
}

// -----

func.func @cross_entropy_targets(%l: tensor<2x8x11xf32>, %t: tensor<2x7xi32>) {
  // expected-error @+1 {{operand 'targets' must have shape [B, T] with T = 8 (from operand 'logits'), but dimension 1 is 7 in type tensor<2x7xi32>}}
  %ce = tvq.cross_entropy %l, %t : (tensor<2x8x11xf32>, tensor<2x7xi32>) -> tensor<f32>
  return
}

// -----

func.func @codebook_counts(%s: tensor<4x8xf32>, %c: tensor<5xf32>) {
  // expected-error @+1 {{operand 'c_count' must have shape [S] with S = 4 (from operand 'c_sum'), but dimension 0 is 5 in type tensor<5xf32>}}
  %cb = tvq.codebook %s, %c : (tensor<4x8xf32>, tensor<5xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @dropout_rate(%x: tensor<?x8xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'tvq.dropout' op rate must be in [0, 1), got 1}}
  %y = tvq.dropout %x, %s {rate = 1.0 : f64, stream = 0 : i64, mask_rank = 2 : i64} : (tensor<?x8xf32>, tensor<i64>) -> tensor<?x8xf32>
  return
}

// -----

func.func @dropout_mask_rank(%x: tensor<?x8xf32>, %s: tensor<i64>) {
  // expected-error @+1 {{'tvq.dropout' op mask_rank must be between 1 and the input's rank 2, got 3}}
  %y = tvq.dropout %x, %s {rate = 0.5 : f64, stream = 0 : i64, mask_rank = 3 : i64} : (tensor<?x8xf32>, tensor<i64>) -> tensor<?x8xf32>
  return
}

// -----

func.func @dropout_seed(%x: tensor<?x8xf32>, %s: tensor<2xi64>) {
  // expected-error @+1 {{operand 'seed' must have rank 0}}
  %y = tvq.dropout %x, %s {rate = 0.5 : f64, stream = 0 : i64, mask_rank = 2 : i64} : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x8xf32>
  return
}

// -----

func.func @adafactor_moments(%p: tensor<4x3xf32>, %step: tensor<i64>, %lr: tensor<f32>) {
  // expected-error @+1 {{'tvq.adafactor_update' op takes one second moment (unfactored) or two (row and column, factored), got 3}}
  %a:4 = tvq.adafactor_update %p, %p, %step, %lr, %p, %p, %p
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64}
      : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<i64>, tensor<f32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>)
      -> (tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>, tensor<4x3xf32>)
  return
}

// -----

func.func @adafactor_factored_shape(%p: tensor<4x3xf32>, %vr: tensor<3xf32>, %vc: tensor<3xf32>, %step: tensor<i64>, %lr: tensor<f32>) {
  // expected-error @+1 {{operand 'row moment' must have shape [R] with R = 4 (from operand 'param'), but dimension 0 is 3 in type tensor<3xf32>}}
  %a:3 = tvq.adafactor_update %p, %p, %step, %lr, %vr, %vc
      {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64}
      : (tensor<4x3xf32>, tensor<4x3xf32>, tensor<i64>, tensor<f32>, tensor<3xf32>, tensor<3xf32>)
      -> (tensor<4x3xf32>, tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @output_ready_index(%g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'tvq.output_ready' op index 1 is not a result of 'output_ready_index' (it has 1)}}
  tvq.output_ready %g {index = 1 : i64} : tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

func.func @output_ready_type(%g: tensor<4xf32>, %h: tensor<5xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{'tvq.output_ready' op announces a 'tensor<5xf32>' but result 0 is a 'tensor<4xf32>'}}
  tvq.output_ready %h {index = 0 : i64} : tensor<5xf32>
  return %g : tensor<4xf32>
}

// -----

func.func @output_ready_negative(%g: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{attribute 'index' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  tvq.output_ready %g {index = -1 : i64} : tensor<4xf32>
  return %g : tensor<4xf32>
}

// -----

func.func @fused_attention_inputs(%q: tensor<?x32x16xf32>, %out: tensor<?x32x48xf32>) -> tensor<?x32x48xf32> {
  // expected-error @+1 {{'tvq.fused_block_attention' op expects 8 inputs (query, codebook, count, mean, keys, values, relative, seen), got 1}}
  %o = tvq.fused_block_attention {mem_len = 32 : i64} ins(%q : tensor<?x32x16xf32>)
      outs(%out : tensor<?x32x48xf32>) -> tensor<?x32x48xf32>
  return %o : tensor<?x32x48xf32>
}

// -----

func.func @fused_attention_buffer_length(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %mu: tensor<?x64x48xf32>,
    %k: tensor<?x48x16xf32>, %v: tensor<?x48x48xf32>, %rel: tensor<?x32x33xf32>, %seen: tensor<?xi64>,
    %out: tensor<?x32x48xf32>) -> tensor<?x32x48xf32> {
  // expected-error @+1 {{'tvq.fused_block_attention' op queries (L) disagree: keys dimension 1 is 48}}
  %o = tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x48xf32>, tensor<?x48x16xf32>, tensor<?x48x48xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%out : tensor<?x32x48xf32>) -> tensor<?x32x48xf32>
  return %o : tensor<?x32x48xf32>
}

// -----

func.func @fused_attention_seen_type(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %mu: tensor<?x64x48xf32>,
    %k: tensor<?x64x16xf32>, %v: tensor<?x64x48xf32>, %rel: tensor<?x32x33xf32>, %seen: tensor<?xi32>,
    %out: tensor<?x32x48xf32>) -> tensor<?x32x48xf32> {
  // expected-error @+1 {{'tvq.fused_block_attention' op seen must hold 'i64' elements, got 'tensor<?xi32>'}}
  %o = tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x48xf32>, tensor<?x64x16xf32>, tensor<?x64x48xf32>, tensor<?x32x33xf32>, tensor<?xi32>)
      outs(%out : tensor<?x32x48xf32>) -> tensor<?x32x48xf32>
  return %o : tensor<?x32x48xf32>
}

// -----

func.func @fused_attention_distances(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %mu: tensor<?x64x48xf32>,
    %k: tensor<?x64x16xf32>, %v: tensor<?x64x48xf32>, %rel: tensor<?x32x32xf32>, %seen: tensor<?xi64>,
    %out: tensor<?x32x48xf32>) -> tensor<?x32x48xf32> {
  // expected-error @+1 {{'tvq.fused_block_attention' op relative must have mem_len + 1 = 33 distances, got 'tensor<?x32x32xf32>'}}
  %o = tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x48xf32>, tensor<?x64x16xf32>, tensor<?x64x48xf32>, tensor<?x32x32xf32>, tensor<?xi64>)
      outs(%out : tensor<?x32x48xf32>) -> tensor<?x32x48xf32>
  return %o : tensor<?x32x48xf32>
}

// -----

func.func @fused_attention_mixed(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %mu: tensor<?x64x48xf32>,
    %k: tensor<?x64x16xf32>, %v: tensor<?x64x48xf32>, %rel: tensor<?x32x33xf32>, %seen: tensor<?xi64>,
    %out: memref<?x32x48xf32>) {
  // expected-error @+1 {{'tvq.fused_block_attention' op mixes tensors and buffers (query)}}
  tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x48xf32>, tensor<?x64x16xf32>, tensor<?x64x48xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%out : memref<?x32x48xf32>)
  return
}

// -----

func.func @fused_softmax_buffer_probs(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %k: tensor<?x64x16xf32>,
    %rel: tensor<?x32x33xf32>, %seen: tensor<?xi64>, %pc: tensor<?x32x64xf32>, %pb: tensor<?x32x48xf32>)
    -> tensor<?x32x64xf32> {
  // expected-error @+1 {{'tvq.fused_block_softmax' op queries (L) disagree: buffer_probs dimension 2 is 48}}
  %p:2 = tvq.fused_block_softmax {mem_len = 32 : i64}
      ins(%q, %c, %n, %k, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x16xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%pc, %pb : tensor<?x32x64xf32>, tensor<?x32x48xf32>) -> tensor<?x32x64xf32>, tensor<?x32x48xf32>
  return %p#0 : tensor<?x32x64xf32>
}

// -----

func.func @fused_softmax_outputs(
    %q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %k: tensor<?x64x16xf32>,
    %rel: tensor<?x32x33xf32>, %seen: tensor<?xi64>, %pc: tensor<?x32x64xf32>) -> tensor<?x32x64xf32> {
  // expected-error @+1 {{'tvq.fused_block_softmax' op expects 6 inputs (query, codebook, count, keys, relative, seen) and 2 outputs (cache_probs, buffer_probs), got 6 and 1}}
  %p = tvq.fused_block_softmax {mem_len = 32 : i64}
      ins(%q, %c, %n, %k, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x16xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%pc : tensor<?x32x64xf32>) -> tensor<?x32x64xf32>
  return %p : tensor<?x32x64xf32>
}

// -----

func.func @block_scan_rank(%t: tensor<?xf32>, %i: tensor<?xf32>) -> tensor<?xf32> {
  // expected-error @+1 {{'tvq.block_scan' op terms must have rank >= 2 ([B, nb, ...]), got 'tensor<?xf32>'}}
  %o = tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?xf32>) outs(%i : tensor<?xf32>) -> tensor<?xf32>
  return %o : tensor<?xf32>
}

// -----

func.func @block_scan_type(%t: tensor<?x?xf32>, %i: tensor<?x?xi32>) -> tensor<?x?xi32> {
  // expected-error @+1 {{'tvq.block_scan' op init must hold f32 elements, got 'tensor<?x?xi32>'}}
  %o = tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?x?xf32>) outs(%i : tensor<?x?xi32>) -> tensor<?x?xi32>
  return %o : tensor<?x?xi32>
}

// -----

func.func @block_scan_shapes(%t: tensor<2x?x8xf32>, %i: tensor<2x?x6xf32>) -> tensor<2x?x6xf32> {
  // expected-error @+1 {{'tvq.block_scan' op terms and init disagree in dimension 2: 'tensor<2x?x8xf32>' and 'tensor<2x?x6xf32>'}}
  %o = tvq.block_scan {distance = 1 : i64} ins(%t : tensor<2x?x8xf32>) outs(%i : tensor<2x?x6xf32>) -> tensor<2x?x6xf32>
  return %o : tensor<2x?x6xf32>
}

// -----

func.func @block_scan_ranks(%t: tensor<?x?x8xf32>, %i: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'tvq.block_scan' op terms and init must have the same rank, got 'tensor<?x?x8xf32>' and 'tensor<?x?xf32>'}}
  %o = tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?x?x8xf32>) outs(%i : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %o : tensor<?x?xf32>
}

// -----

func.func @block_scan_mixed(%t: tensor<?x?xf32>, %i: memref<?x?xf32>) {
  // expected-error @+1 {{'tvq.block_scan' op mixes tensors and buffers (terms and init)}}
  tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?x?xf32>) outs(%i : memref<?x?xf32>)
  return
}

// -----

func.func @block_scan_distance(%t: tensor<?x?xf32>, %i: tensor<?x?xf32>) -> tensor<?x?xf32> {
  // expected-error @+1 {{'tvq.block_scan' op attribute 'distance' failed to satisfy constraint: 64-bit signless integer attribute whose value is non-negative}}
  %o = tvq.block_scan {distance = -1 : i64} ins(%t : tensor<?x?xf32>) outs(%i : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %o : tensor<?x?xf32>
}

// -----

func.func @block_scan_result(%t: tensor<?x?xf32>, %i: tensor<?x?xf32>) {
  // expected-error @+1 {{'tvq.block_scan' op has one result per output on tensors and none on buffers}}
  tvq.block_scan {distance = 1 : i64} ins(%t : tensor<?x?xf32>) outs(%i : tensor<?x?xf32>)
  return
}
