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
