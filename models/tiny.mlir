// Transformer-VQ model 'tiny', written by tvq-model.
// 518659 parameters (codebook statistics included). Entry points:
//   @logits(params..., inputs[B,T] i32) -> logits[B,T,vocab]
//   @eval_loss(params..., inputs, targets) -> (loss, ce): ce is the mean NLL in nats,
//   loss = ce + commit_weight * sum over GAUs of the mean squared quantization error;
//   @train_loss(params..., inputs, state..., targets, dropout_seed, layerdrop_seed)
//   -> (loss, ce, state...): one update window of truncated BPTT with the dropouts;
//   @loss_grad (derived by the compiler from @train_loss) -> (loss, ce, state..., d.<param>...),
//   @train_step (derived from @loss_grad): the optimizer, the schedule, the codebook EMA,
//   @decode_step(params..., inputs, state...) -> (logits, state...): one token at a time
//   (block length 1, window M unchanged); a zero state is the empty one.
module attributes {tvq.model = {name = "tiny", layers = 2 : i64, d_model = 128 : i64, d_k = 32 : i64, d_v = 256 : i64, codebook = 64 : i64, block_len = 32 : i64, mem_len = 32 : i64, vocab = 259 : i64, head = "untied", logit_scale = 5.000000e-03 : f64, commit_weight = 1.000000e-04 : f64, epsilon = 1.000000e-06 : f64, sinusoid_base = 1.000000e+05 : f64, residual_dropout = 0.000000e+00 : f64, layer_drop = 0.000000e+00 : f64, sinusoid_dropout = 0.000000e+00 : f64}} {
  // One GAU (transformer-vq.md section 1).
  func.func private @gau(%x: tensor<?x?x128xf32>, %gain: tensor<128xf32>, %bias: tensor<128xf32>, %wq: tensor<128x32xf32>, %wkvg: tensor<128x544xf32>, %wo: tensor<256x128xf32>, %wr: tensor<128x32xf32>, %u: tensor<32xf32>, %w: tensor<32xf32>, %c_sum: tensor<64x32xf32>, %c_count: tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>) {
    %xn0 = tvq.rms_norm %x {epsilon = 1.000000e-06 : f64} : tensor<?x?x128xf32>
    %xn = tvq.scale_shift %xn0, %gain, %bias : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    %q0 = tvq.dense %xn, %wq : (tensor<?x?x128xf32>, tensor<128x32xf32>) -> tensor<?x?x32xf32>
    %kvg = tvq.dense %xn, %wkvg : (tensor<?x?x128xf32>, tensor<128x544xf32>) -> tensor<?x?x544xf32>
    %k0, %v0, %g0 = tvq.split %kvg {sizes = array<i64: 32, 256, 256>} : (tensor<?x?x544xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x256xf32>, tensor<?x?x256xf32>)
    %q1 = tvq.rms_norm %q0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x32xf32>
    %q = tvq.scale %q1 {factor = 4.204482e-01 : f64} : tensor<?x?x32xf32>
    %k1 = tvq.rms_norm %k0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x32xf32>
    %k = tvq.scale %k1 {factor = 4.204482e-01 : f64} : tensor<?x?x32xf32>
    %v = tvq.silu %v0 : tensor<?x?x256xf32>
    %g = tvq.silu %g0 : tensor<?x?x256xf32>
    %c = tvq.codebook %c_sum, %c_count : (tensor<64x32xf32>, tensor<64xf32>) -> tensor<64x32xf32>
    %k_hat, %codes, %err2 = tvq.vq_quantize %k, %c : (tensor<?x?x32xf32>, tensor<64x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
    %sin0 = tvq.sinusoid_table {rows = 33 : i64, dim = 128 : i64, base = 1.000000e+05 : f64} : tensor<33x128xf32>
    %r0 = tvq.dense %sin0, %wr : (tensor<33x128xf32>, tensor<128x32xf32>) -> tensor<33x32xf32>
    %r = tvq.scale %r0 {factor = 4.204482e-01 : f64} : tensor<33x32xf32>
    %uu = tvq.scale %u {factor = 4.204482e-01 : f64} : tensor<32xf32>
    %ww = tvq.scale %w {factor = 4.204482e-01 : f64} : tensor<32xf32>
    %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %k_hat, %codes, %v, %c, %uu, %ww, %r {block_len = 32 : i64, mem_len = 32 : i64}
        : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?x256xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<33x32xf32>)
        -> (tensor<?x?x256xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %og = arith.mulf %o, %g : tensor<?x?x256xf32>
    %y = tvq.dense %og, %wo : (tensor<?x?x256xf32>, tensor<256x128xf32>) -> tensor<?x?x128xf32>
    %out = arith.addf %x, %y : tensor<?x?x128xf32>
    %commit = tvq.mean %err2 : (tensor<?x?xf32>) -> tensor<f32>
    return %out, %commit : tensor<?x?x128xf32>, tensor<f32>
  }

  // One GAU, one token at a time, carrying the attention state (section 5).
  func.func private @gau_step(%x: tensor<?x?x128xf32>, %gain: tensor<128xf32>, %bias: tensor<128xf32>, %wq: tensor<128x32xf32>, %wkvg: tensor<128x544xf32>, %wo: tensor<256x128xf32>, %wr: tensor<128x32xf32>, %u: tensor<32xf32>, %w: tensor<32xf32>, %c_sum: tensor<64x32xf32>, %c_count: tensor<64xf32>, %s_count: tensor<?x64xf32>, %s_mean: tensor<?x64x256xf32>, %s_win_codes: tensor<?x32xi32>, %s_win_keys: tensor<?x32x32xf32>, %s_win_values: tensor<?x32x256xf32>, %s_seen: tensor<?xi64>) -> (tensor<?x?x128xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>) {
    %xn0 = tvq.rms_norm %x {epsilon = 1.000000e-06 : f64} : tensor<?x?x128xf32>
    %xn = tvq.scale_shift %xn0, %gain, %bias : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    %q0 = tvq.dense %xn, %wq : (tensor<?x?x128xf32>, tensor<128x32xf32>) -> tensor<?x?x32xf32>
    %kvg = tvq.dense %xn, %wkvg : (tensor<?x?x128xf32>, tensor<128x544xf32>) -> tensor<?x?x544xf32>
    %k0, %v0, %g0 = tvq.split %kvg {sizes = array<i64: 32, 256, 256>} : (tensor<?x?x544xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x256xf32>, tensor<?x?x256xf32>)
    %q1 = tvq.rms_norm %q0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x32xf32>
    %q = tvq.scale %q1 {factor = 4.204482e-01 : f64} : tensor<?x?x32xf32>
    %k1 = tvq.rms_norm %k0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x32xf32>
    %k = tvq.scale %k1 {factor = 4.204482e-01 : f64} : tensor<?x?x32xf32>
    %v = tvq.silu %v0 : tensor<?x?x256xf32>
    %g = tvq.silu %g0 : tensor<?x?x256xf32>
    %c = tvq.codebook %c_sum, %c_count : (tensor<64x32xf32>, tensor<64xf32>) -> tensor<64x32xf32>
    %k_hat, %codes, %err2 = tvq.vq_quantize %k, %c : (tensor<?x?x32xf32>, tensor<64x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
    %sin0 = tvq.sinusoid_table {rows = 33 : i64, dim = 128 : i64, base = 1.000000e+05 : f64} : tensor<33x128xf32>
    %r0 = tvq.dense %sin0, %wr : (tensor<33x128xf32>, tensor<128x32xf32>) -> tensor<33x32xf32>
    %r = tvq.scale %r0 {factor = 4.204482e-01 : f64} : tensor<33x32xf32>
    %uu = tvq.scale %u {factor = 4.204482e-01 : f64} : tensor<32xf32>
    %ww = tvq.scale %w {factor = 4.204482e-01 : f64} : tensor<32xf32>
    %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %k_hat, %codes, %v, %c, %uu, %ww, %r state(%s_count, %s_mean, %s_win_codes, %s_win_keys, %s_win_values, %s_seen) {block_len = 1 : i64, mem_len = 32 : i64}
        : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?x256xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<33x32xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
        -> (tensor<?x?x256xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %og = arith.mulf %o, %g : tensor<?x?x256xf32>
    %y = tvq.dense %og, %wo : (tensor<?x?x256xf32>, tensor<256x128xf32>) -> tensor<?x?x128xf32>
    %out = arith.addf %x, %y : tensor<?x?x128xf32>
    return %out, %n, %mu, %wc, %wk, %wv, %seen : tensor<?x?x128xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>
  }

  // One GAU for one update window of training: the attention state passes
  // through, the dropouts of section 6 apply (seeds: per window, per sequence).
  func.func private @gau_train(%x: tensor<?x?x128xf32>, %gain: tensor<128xf32>, %bias: tensor<128xf32>, %wq: tensor<128x32xf32>, %wkvg: tensor<128x544xf32>, %wo: tensor<256x128xf32>, %wr: tensor<128x32xf32>, %u: tensor<32xf32>, %w: tensor<32xf32>, %c_sum: tensor<64x32xf32>, %c_count: tensor<64xf32>, %s_count: tensor<?x64xf32>, %s_mean: tensor<?x64x256xf32>, %s_win_codes: tensor<?x32xi32>, %s_win_keys: tensor<?x32x32xf32>, %s_win_values: tensor<?x32x256xf32>, %s_seen: tensor<?xi64>, %seed: tensor<i64>, %layer_seed: tensor<i64>) -> (tensor<?x?x128xf32>, tensor<f32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>) {
    %xn0 = tvq.rms_norm %x {epsilon = 1.000000e-06 : f64} : tensor<?x?x128xf32>
    %xn = tvq.scale_shift %xn0, %gain, %bias : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>) -> tensor<?x?x128xf32>
    %q0 = tvq.dense %xn, %wq : (tensor<?x?x128xf32>, tensor<128x32xf32>) -> tensor<?x?x32xf32>
    %kvg = tvq.dense %xn, %wkvg : (tensor<?x?x128xf32>, tensor<128x544xf32>) -> tensor<?x?x544xf32>
    %k0, %v0, %g0 = tvq.split %kvg {sizes = array<i64: 32, 256, 256>} : (tensor<?x?x544xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x256xf32>, tensor<?x?x256xf32>)
    %q1 = tvq.rms_norm %q0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x32xf32>
    %q = tvq.scale %q1 {factor = 4.204482e-01 : f64} : tensor<?x?x32xf32>
    %k1 = tvq.rms_norm %k0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x32xf32>
    %k = tvq.scale %k1 {factor = 4.204482e-01 : f64} : tensor<?x?x32xf32>
    %v = tvq.silu %v0 : tensor<?x?x256xf32>
    %g = tvq.silu %g0 : tensor<?x?x256xf32>
    %c = tvq.codebook %c_sum, %c_count : (tensor<64x32xf32>, tensor<64xf32>) -> tensor<64x32xf32>
    %k_hat, %codes, %err2 = tvq.vq_quantize %k, %c : (tensor<?x?x32xf32>, tensor<64x32xf32>) -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
    %sin0 = tvq.sinusoid_table {rows = 33 : i64, dim = 128 : i64, base = 1.000000e+05 : f64} : tensor<33x128xf32>
    %r0 = tvq.dense %sin0, %wr : (tensor<33x128xf32>, tensor<128x32xf32>) -> tensor<33x32xf32>
    %r = tvq.scale %r0 {factor = 4.204482e-01 : f64} : tensor<33x32xf32>
    %uu = tvq.scale %u {factor = 4.204482e-01 : f64} : tensor<32xf32>
    %ww = tvq.scale %w {factor = 4.204482e-01 : f64} : tensor<32xf32>
    %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %k_hat, %codes, %v, %c, %uu, %ww, %r state(%s_count, %s_mean, %s_win_codes, %s_win_keys, %s_win_values, %s_seen) {block_len = 32 : i64, mem_len = 32 : i64}
        : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?x256xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<33x32xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
        -> (tensor<?x?x256xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %og = arith.mulf %o, %g : tensor<?x?x256xf32>
    %y = tvq.dense %og, %wo : (tensor<?x?x256xf32>, tensor<256x128xf32>) -> tensor<?x?x128xf32>
    %out = arith.addf %x, %y : tensor<?x?x128xf32>
    %commit = tvq.mean %err2 : (tensor<?x?xf32>) -> tensor<f32>
    return %out, %commit, %n, %mu, %wc, %wk, %wv, %seen : tensor<?x?x128xf32>, tensor<f32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>
  }

  func.func @logits(%p_embed: tensor<259x128xf32> {tvq.name = "embed"},
      %p_gau0_norm_gain: tensor<128xf32> {tvq.name = "gau0.norm.gain"},
      %p_gau0_norm_bias: tensor<128xf32> {tvq.name = "gau0.norm.bias"},
      %p_gau0_wq: tensor<128x32xf32> {tvq.name = "gau0.wq"},
      %p_gau0_wkvg: tensor<128x544xf32> {tvq.name = "gau0.wkvg"},
      %p_gau0_wo: tensor<256x128xf32> {tvq.name = "gau0.wo"},
      %p_gau0_wr: tensor<128x32xf32> {tvq.name = "gau0.wr"},
      %p_gau0_u: tensor<32xf32> {tvq.name = "gau0.u"},
      %p_gau0_w: tensor<32xf32> {tvq.name = "gau0.w"},
      %p_gau0_c_sum: tensor<64x32xf32> {tvq.name = "gau0.c_sum"},
      %p_gau0_c_count: tensor<64xf32> {tvq.name = "gau0.c_count"},
      %p_gau1_norm_gain: tensor<128xf32> {tvq.name = "gau1.norm.gain"},
      %p_gau1_norm_bias: tensor<128xf32> {tvq.name = "gau1.norm.bias"},
      %p_gau1_wq: tensor<128x32xf32> {tvq.name = "gau1.wq"},
      %p_gau1_wkvg: tensor<128x544xf32> {tvq.name = "gau1.wkvg"},
      %p_gau1_wo: tensor<256x128xf32> {tvq.name = "gau1.wo"},
      %p_gau1_wr: tensor<128x32xf32> {tvq.name = "gau1.wr"},
      %p_gau1_u: tensor<32xf32> {tvq.name = "gau1.u"},
      %p_gau1_w: tensor<32xf32> {tvq.name = "gau1.w"},
      %p_gau1_c_sum: tensor<64x32xf32> {tvq.name = "gau1.c_sum"},
      %p_gau1_c_count: tensor<64xf32> {tvq.name = "gau1.c_count"},
      %p_gau2_norm_gain: tensor<128xf32> {tvq.name = "gau2.norm.gain"},
      %p_gau2_norm_bias: tensor<128xf32> {tvq.name = "gau2.norm.bias"},
      %p_gau2_wq: tensor<128x32xf32> {tvq.name = "gau2.wq"},
      %p_gau2_wkvg: tensor<128x544xf32> {tvq.name = "gau2.wkvg"},
      %p_gau2_wo: tensor<256x128xf32> {tvq.name = "gau2.wo"},
      %p_gau2_wr: tensor<128x32xf32> {tvq.name = "gau2.wr"},
      %p_gau2_u: tensor<32xf32> {tvq.name = "gau2.u"},
      %p_gau2_w: tensor<32xf32> {tvq.name = "gau2.w"},
      %p_gau2_c_sum: tensor<64x32xf32> {tvq.name = "gau2.c_sum"},
      %p_gau2_c_count: tensor<64xf32> {tvq.name = "gau2.c_count"},
      %p_gau3_norm_gain: tensor<128xf32> {tvq.name = "gau3.norm.gain"},
      %p_gau3_norm_bias: tensor<128xf32> {tvq.name = "gau3.norm.bias"},
      %p_gau3_wq: tensor<128x32xf32> {tvq.name = "gau3.wq"},
      %p_gau3_wkvg: tensor<128x544xf32> {tvq.name = "gau3.wkvg"},
      %p_gau3_wo: tensor<256x128xf32> {tvq.name = "gau3.wo"},
      %p_gau3_wr: tensor<128x32xf32> {tvq.name = "gau3.wr"},
      %p_gau3_u: tensor<32xf32> {tvq.name = "gau3.u"},
      %p_gau3_w: tensor<32xf32> {tvq.name = "gau3.w"},
      %p_gau3_c_sum: tensor<64x32xf32> {tvq.name = "gau3.c_sum"},
      %p_gau3_c_count: tensor<64xf32> {tvq.name = "gau3.c_count"},
      %p_head_w: tensor<128x259xf32> {tvq.name = "head.w"},
      %p_head_b: tensor<259xf32> {tvq.name = "head.b"},
      %inputs: tensor<?x?xi32> {tvq.name = "inputs"})
      -> (tensor<?x?x259xf32> {tvq.name = "logits"}) {
    %x0 = tvq.embedding %inputs, %p_embed : (tensor<?x?xi32>, tensor<259x128xf32>) -> tensor<?x?x128xf32>
    %x1, %commit1 = func.call @gau(%x0, %p_gau0_norm_gain, %p_gau0_norm_bias, %p_gau0_wq, %p_gau0_wkvg, %p_gau0_wo, %p_gau0_wr, %p_gau0_u, %p_gau0_w, %p_gau0_c_sum, %p_gau0_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %x2, %commit2 = func.call @gau(%x1, %p_gau1_norm_gain, %p_gau1_norm_bias, %p_gau1_wq, %p_gau1_wkvg, %p_gau1_wo, %p_gau1_wr, %p_gau1_u, %p_gau1_w, %p_gau1_c_sum, %p_gau1_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %x3, %commit3 = func.call @gau(%x2, %p_gau2_norm_gain, %p_gau2_norm_bias, %p_gau2_wq, %p_gau2_wkvg, %p_gau2_wo, %p_gau2_wr, %p_gau2_u, %p_gau2_w, %p_gau2_c_sum, %p_gau2_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %x4, %commit4 = func.call @gau(%x3, %p_gau3_norm_gain, %p_gau3_norm_bias, %p_gau3_wq, %p_gau3_wkvg, %p_gau3_wo, %p_gau3_wr, %p_gau3_u, %p_gau3_w, %p_gau3_c_sum, %p_gau3_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %logits = tvq.dense %x4, %p_head_w bias %p_head_b : (tensor<?x?x128xf32>, tensor<128x259xf32>, tensor<259xf32>) -> tensor<?x?x259xf32>
    return %logits : tensor<?x?x259xf32>
  }

  func.func @eval_loss(%p_embed: tensor<259x128xf32> {tvq.name = "embed"},
      %p_gau0_norm_gain: tensor<128xf32> {tvq.name = "gau0.norm.gain"},
      %p_gau0_norm_bias: tensor<128xf32> {tvq.name = "gau0.norm.bias"},
      %p_gau0_wq: tensor<128x32xf32> {tvq.name = "gau0.wq"},
      %p_gau0_wkvg: tensor<128x544xf32> {tvq.name = "gau0.wkvg"},
      %p_gau0_wo: tensor<256x128xf32> {tvq.name = "gau0.wo"},
      %p_gau0_wr: tensor<128x32xf32> {tvq.name = "gau0.wr"},
      %p_gau0_u: tensor<32xf32> {tvq.name = "gau0.u"},
      %p_gau0_w: tensor<32xf32> {tvq.name = "gau0.w"},
      %p_gau0_c_sum: tensor<64x32xf32> {tvq.name = "gau0.c_sum"},
      %p_gau0_c_count: tensor<64xf32> {tvq.name = "gau0.c_count"},
      %p_gau1_norm_gain: tensor<128xf32> {tvq.name = "gau1.norm.gain"},
      %p_gau1_norm_bias: tensor<128xf32> {tvq.name = "gau1.norm.bias"},
      %p_gau1_wq: tensor<128x32xf32> {tvq.name = "gau1.wq"},
      %p_gau1_wkvg: tensor<128x544xf32> {tvq.name = "gau1.wkvg"},
      %p_gau1_wo: tensor<256x128xf32> {tvq.name = "gau1.wo"},
      %p_gau1_wr: tensor<128x32xf32> {tvq.name = "gau1.wr"},
      %p_gau1_u: tensor<32xf32> {tvq.name = "gau1.u"},
      %p_gau1_w: tensor<32xf32> {tvq.name = "gau1.w"},
      %p_gau1_c_sum: tensor<64x32xf32> {tvq.name = "gau1.c_sum"},
      %p_gau1_c_count: tensor<64xf32> {tvq.name = "gau1.c_count"},
      %p_gau2_norm_gain: tensor<128xf32> {tvq.name = "gau2.norm.gain"},
      %p_gau2_norm_bias: tensor<128xf32> {tvq.name = "gau2.norm.bias"},
      %p_gau2_wq: tensor<128x32xf32> {tvq.name = "gau2.wq"},
      %p_gau2_wkvg: tensor<128x544xf32> {tvq.name = "gau2.wkvg"},
      %p_gau2_wo: tensor<256x128xf32> {tvq.name = "gau2.wo"},
      %p_gau2_wr: tensor<128x32xf32> {tvq.name = "gau2.wr"},
      %p_gau2_u: tensor<32xf32> {tvq.name = "gau2.u"},
      %p_gau2_w: tensor<32xf32> {tvq.name = "gau2.w"},
      %p_gau2_c_sum: tensor<64x32xf32> {tvq.name = "gau2.c_sum"},
      %p_gau2_c_count: tensor<64xf32> {tvq.name = "gau2.c_count"},
      %p_gau3_norm_gain: tensor<128xf32> {tvq.name = "gau3.norm.gain"},
      %p_gau3_norm_bias: tensor<128xf32> {tvq.name = "gau3.norm.bias"},
      %p_gau3_wq: tensor<128x32xf32> {tvq.name = "gau3.wq"},
      %p_gau3_wkvg: tensor<128x544xf32> {tvq.name = "gau3.wkvg"},
      %p_gau3_wo: tensor<256x128xf32> {tvq.name = "gau3.wo"},
      %p_gau3_wr: tensor<128x32xf32> {tvq.name = "gau3.wr"},
      %p_gau3_u: tensor<32xf32> {tvq.name = "gau3.u"},
      %p_gau3_w: tensor<32xf32> {tvq.name = "gau3.w"},
      %p_gau3_c_sum: tensor<64x32xf32> {tvq.name = "gau3.c_sum"},
      %p_gau3_c_count: tensor<64xf32> {tvq.name = "gau3.c_count"},
      %p_head_w: tensor<128x259xf32> {tvq.name = "head.w"},
      %p_head_b: tensor<259xf32> {tvq.name = "head.b"},
      %inputs: tensor<?x?xi32> {tvq.name = "inputs"},
      %targets: tensor<?x?xi32> {tvq.name = "targets"})
      -> (tensor<f32> {tvq.name = "loss"}, tensor<f32> {tvq.name = "ce"}) {
    %x0 = tvq.embedding %inputs, %p_embed : (tensor<?x?xi32>, tensor<259x128xf32>) -> tensor<?x?x128xf32>
    %x1, %commit1 = func.call @gau(%x0, %p_gau0_norm_gain, %p_gau0_norm_bias, %p_gau0_wq, %p_gau0_wkvg, %p_gau0_wo, %p_gau0_wr, %p_gau0_u, %p_gau0_w, %p_gau0_c_sum, %p_gau0_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %x2, %commit2 = func.call @gau(%x1, %p_gau1_norm_gain, %p_gau1_norm_bias, %p_gau1_wq, %p_gau1_wkvg, %p_gau1_wo, %p_gau1_wr, %p_gau1_u, %p_gau1_w, %p_gau1_c_sum, %p_gau1_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %x3, %commit3 = func.call @gau(%x2, %p_gau2_norm_gain, %p_gau2_norm_bias, %p_gau2_wq, %p_gau2_wkvg, %p_gau2_wo, %p_gau2_wr, %p_gau2_u, %p_gau2_w, %p_gau2_c_sum, %p_gau2_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %x4, %commit4 = func.call @gau(%x3, %p_gau3_norm_gain, %p_gau3_norm_bias, %p_gau3_wq, %p_gau3_wkvg, %p_gau3_wo, %p_gau3_wr, %p_gau3_u, %p_gau3_w, %p_gau3_c_sum, %p_gau3_c_count)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>) -> (tensor<?x?x128xf32>, tensor<f32>)
    %logits = tvq.dense %x4, %p_head_w bias %p_head_b : (tensor<?x?x128xf32>, tensor<128x259xf32>, tensor<259xf32>) -> tensor<?x?x259xf32>
    %ce = tvq.cross_entropy %logits, %targets : (tensor<?x?x259xf32>, tensor<?x?xi32>) -> tensor<f32>
    %commit_sum2 = arith.addf %commit1, %commit2 : tensor<f32>
    %commit_sum3 = arith.addf %commit_sum2, %commit3 : tensor<f32>
    %commit_sum4 = arith.addf %commit_sum3, %commit4 : tensor<f32>
    %commit_term = tvq.scale %commit_sum4 {factor = 1.000000e-04 : f64} : tensor<f32>
    %loss = arith.addf %ce, %commit_term : tensor<f32>
    return %loss, %ce : tensor<f32>, tensor<f32>
  }

  func.func @train_loss(%p_embed: tensor<259x128xf32> {tvq.name = "embed"},
      %p_gau0_norm_gain: tensor<128xf32> {tvq.name = "gau0.norm.gain"},
      %p_gau0_norm_bias: tensor<128xf32> {tvq.name = "gau0.norm.bias"},
      %p_gau0_wq: tensor<128x32xf32> {tvq.name = "gau0.wq"},
      %p_gau0_wkvg: tensor<128x544xf32> {tvq.name = "gau0.wkvg"},
      %p_gau0_wo: tensor<256x128xf32> {tvq.name = "gau0.wo"},
      %p_gau0_wr: tensor<128x32xf32> {tvq.name = "gau0.wr"},
      %p_gau0_u: tensor<32xf32> {tvq.name = "gau0.u"},
      %p_gau0_w: tensor<32xf32> {tvq.name = "gau0.w"},
      %p_gau0_c_sum: tensor<64x32xf32> {tvq.name = "gau0.c_sum"},
      %p_gau0_c_count: tensor<64xf32> {tvq.name = "gau0.c_count"},
      %p_gau1_norm_gain: tensor<128xf32> {tvq.name = "gau1.norm.gain"},
      %p_gau1_norm_bias: tensor<128xf32> {tvq.name = "gau1.norm.bias"},
      %p_gau1_wq: tensor<128x32xf32> {tvq.name = "gau1.wq"},
      %p_gau1_wkvg: tensor<128x544xf32> {tvq.name = "gau1.wkvg"},
      %p_gau1_wo: tensor<256x128xf32> {tvq.name = "gau1.wo"},
      %p_gau1_wr: tensor<128x32xf32> {tvq.name = "gau1.wr"},
      %p_gau1_u: tensor<32xf32> {tvq.name = "gau1.u"},
      %p_gau1_w: tensor<32xf32> {tvq.name = "gau1.w"},
      %p_gau1_c_sum: tensor<64x32xf32> {tvq.name = "gau1.c_sum"},
      %p_gau1_c_count: tensor<64xf32> {tvq.name = "gau1.c_count"},
      %p_gau2_norm_gain: tensor<128xf32> {tvq.name = "gau2.norm.gain"},
      %p_gau2_norm_bias: tensor<128xf32> {tvq.name = "gau2.norm.bias"},
      %p_gau2_wq: tensor<128x32xf32> {tvq.name = "gau2.wq"},
      %p_gau2_wkvg: tensor<128x544xf32> {tvq.name = "gau2.wkvg"},
      %p_gau2_wo: tensor<256x128xf32> {tvq.name = "gau2.wo"},
      %p_gau2_wr: tensor<128x32xf32> {tvq.name = "gau2.wr"},
      %p_gau2_u: tensor<32xf32> {tvq.name = "gau2.u"},
      %p_gau2_w: tensor<32xf32> {tvq.name = "gau2.w"},
      %p_gau2_c_sum: tensor<64x32xf32> {tvq.name = "gau2.c_sum"},
      %p_gau2_c_count: tensor<64xf32> {tvq.name = "gau2.c_count"},
      %p_gau3_norm_gain: tensor<128xf32> {tvq.name = "gau3.norm.gain"},
      %p_gau3_norm_bias: tensor<128xf32> {tvq.name = "gau3.norm.bias"},
      %p_gau3_wq: tensor<128x32xf32> {tvq.name = "gau3.wq"},
      %p_gau3_wkvg: tensor<128x544xf32> {tvq.name = "gau3.wkvg"},
      %p_gau3_wo: tensor<256x128xf32> {tvq.name = "gau3.wo"},
      %p_gau3_wr: tensor<128x32xf32> {tvq.name = "gau3.wr"},
      %p_gau3_u: tensor<32xf32> {tvq.name = "gau3.u"},
      %p_gau3_w: tensor<32xf32> {tvq.name = "gau3.w"},
      %p_gau3_c_sum: tensor<64x32xf32> {tvq.name = "gau3.c_sum"},
      %p_gau3_c_count: tensor<64xf32> {tvq.name = "gau3.c_count"},
      %p_head_w: tensor<128x259xf32> {tvq.name = "head.w"},
      %p_head_b: tensor<259xf32> {tvq.name = "head.b"},
      %inputs: tensor<?x?xi32> {tvq.name = "inputs"},
      %s0_0: tensor<?x64xf32> {tvq.name = "state.gau0.count"},
      %s0_1: tensor<?x64x256xf32> {tvq.name = "state.gau0.mean"},
      %s0_2: tensor<?x32xi32> {tvq.name = "state.gau0.win_codes"},
      %s0_3: tensor<?x32x32xf32> {tvq.name = "state.gau0.win_keys"},
      %s0_4: tensor<?x32x256xf32> {tvq.name = "state.gau0.win_values"},
      %s0_5: tensor<?xi64> {tvq.name = "state.gau0.seen"},
      %s1_0: tensor<?x64xf32> {tvq.name = "state.gau1.count"},
      %s1_1: tensor<?x64x256xf32> {tvq.name = "state.gau1.mean"},
      %s1_2: tensor<?x32xi32> {tvq.name = "state.gau1.win_codes"},
      %s1_3: tensor<?x32x32xf32> {tvq.name = "state.gau1.win_keys"},
      %s1_4: tensor<?x32x256xf32> {tvq.name = "state.gau1.win_values"},
      %s1_5: tensor<?xi64> {tvq.name = "state.gau1.seen"},
      %s2_0: tensor<?x64xf32> {tvq.name = "state.gau2.count"},
      %s2_1: tensor<?x64x256xf32> {tvq.name = "state.gau2.mean"},
      %s2_2: tensor<?x32xi32> {tvq.name = "state.gau2.win_codes"},
      %s2_3: tensor<?x32x32xf32> {tvq.name = "state.gau2.win_keys"},
      %s2_4: tensor<?x32x256xf32> {tvq.name = "state.gau2.win_values"},
      %s2_5: tensor<?xi64> {tvq.name = "state.gau2.seen"},
      %s3_0: tensor<?x64xf32> {tvq.name = "state.gau3.count"},
      %s3_1: tensor<?x64x256xf32> {tvq.name = "state.gau3.mean"},
      %s3_2: tensor<?x32xi32> {tvq.name = "state.gau3.win_codes"},
      %s3_3: tensor<?x32x32xf32> {tvq.name = "state.gau3.win_keys"},
      %s3_4: tensor<?x32x256xf32> {tvq.name = "state.gau3.win_values"},
      %s3_5: tensor<?xi64> {tvq.name = "state.gau3.seen"},
      %targets: tensor<?x?xi32> {tvq.name = "targets"},
      %dropout_seed: tensor<i64> {tvq.name = "dropout_seed"},
      %layerdrop_seed: tensor<i64> {tvq.name = "layerdrop_seed"})
      -> (tensor<f32> {tvq.name = "loss"}, tensor<f32> {tvq.name = "ce"}, tensor<?x64xf32> {tvq.name = "state.gau0.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau0.mean"}, tensor<?x32xi32> {tvq.name = "state.gau0.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau0.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau0.win_values"}, tensor<?xi64> {tvq.name = "state.gau0.seen"}, tensor<?x64xf32> {tvq.name = "state.gau1.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau1.mean"}, tensor<?x32xi32> {tvq.name = "state.gau1.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau1.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau1.win_values"}, tensor<?xi64> {tvq.name = "state.gau1.seen"}, tensor<?x64xf32> {tvq.name = "state.gau2.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau2.mean"}, tensor<?x32xi32> {tvq.name = "state.gau2.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau2.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau2.win_values"}, tensor<?xi64> {tvq.name = "state.gau2.seen"}, tensor<?x64xf32> {tvq.name = "state.gau3.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau3.mean"}, tensor<?x32xi32> {tvq.name = "state.gau3.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau3.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau3.win_values"}, tensor<?xi64> {tvq.name = "state.gau3.seen"})
      attributes {tvq.gradient = "loss_grad", tvq.train_step = {name = "train_step", optimizer = "adamw", lr = 2.000000e-03 : f64, beta1 = 9.000000e-01 : f64, beta2 = 9.800000e-01 : f64, epsilon = 1.000000e-09 : f64, clip_norm = 1.000000e-01 : f64, weight_decay = 2.000000e-04 : f64, warmup = 100 : i64, total_steps = 3000 : i64, final_lr_ratio = 1.000000e-01 : f64, ema_gamma = 9.900000e-01 : f64}} {
    %x0 = tvq.embedding %inputs, %p_embed : (tensor<?x?xi32>, tensor<259x128xf32>) -> tensor<?x?x128xf32>
    %seed_off0 = arith.constant dense<-7046029254386353131> : tensor<i64>
    %seed0 = arith.addi %dropout_seed, %seed_off0 : tensor<i64>
    %layer_seed0 = arith.addi %layerdrop_seed, %seed_off0 : tensor<i64>
    %x1, %commit1, %t0_0, %t0_1, %t0_2, %t0_3, %t0_4, %t0_5 = func.call @gau_train(%x0, %p_gau0_norm_gain, %p_gau0_norm_bias, %p_gau0_wq, %p_gau0_wkvg, %p_gau0_wo, %p_gau0_wr, %p_gau0_u, %p_gau0_w, %p_gau0_c_sum, %p_gau0_c_count, %s0_0, %s0_1, %s0_2, %s0_3, %s0_4, %s0_5, %seed0, %layer_seed0)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<i64>, tensor<i64>) -> (tensor<?x?x128xf32>, tensor<f32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %seed_off1 = arith.constant dense<4354685564936845354> : tensor<i64>
    %seed1 = arith.addi %dropout_seed, %seed_off1 : tensor<i64>
    %layer_seed1 = arith.addi %layerdrop_seed, %seed_off1 : tensor<i64>
    %x2, %commit2, %t1_0, %t1_1, %t1_2, %t1_3, %t1_4, %t1_5 = func.call @gau_train(%x1, %p_gau1_norm_gain, %p_gau1_norm_bias, %p_gau1_wq, %p_gau1_wkvg, %p_gau1_wo, %p_gau1_wr, %p_gau1_u, %p_gau1_w, %p_gau1_c_sum, %p_gau1_c_count, %s1_0, %s1_1, %s1_2, %s1_3, %s1_4, %s1_5, %seed1, %layer_seed1)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<i64>, tensor<i64>) -> (tensor<?x?x128xf32>, tensor<f32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %seed_off2 = arith.constant dense<-2691343689449507777> : tensor<i64>
    %seed2 = arith.addi %dropout_seed, %seed_off2 : tensor<i64>
    %layer_seed2 = arith.addi %layerdrop_seed, %seed_off2 : tensor<i64>
    %x3, %commit3, %t2_0, %t2_1, %t2_2, %t2_3, %t2_4, %t2_5 = func.call @gau_train(%x2, %p_gau2_norm_gain, %p_gau2_norm_bias, %p_gau2_wq, %p_gau2_wkvg, %p_gau2_wo, %p_gau2_wr, %p_gau2_u, %p_gau2_w, %p_gau2_c_sum, %p_gau2_c_count, %s2_0, %s2_1, %s2_2, %s2_3, %s2_4, %s2_5, %seed2, %layer_seed2)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<i64>, tensor<i64>) -> (tensor<?x?x128xf32>, tensor<f32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %seed_off3 = arith.constant dense<8709371129873690708> : tensor<i64>
    %seed3 = arith.addi %dropout_seed, %seed_off3 : tensor<i64>
    %layer_seed3 = arith.addi %layerdrop_seed, %seed_off3 : tensor<i64>
    %x4, %commit4, %t3_0, %t3_1, %t3_2, %t3_3, %t3_4, %t3_5 = func.call @gau_train(%x3, %p_gau3_norm_gain, %p_gau3_norm_bias, %p_gau3_wq, %p_gau3_wkvg, %p_gau3_wo, %p_gau3_wr, %p_gau3_u, %p_gau3_w, %p_gau3_c_sum, %p_gau3_c_count, %s3_0, %s3_1, %s3_2, %s3_3, %s3_4, %s3_5, %seed3, %layer_seed3)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<i64>, tensor<i64>) -> (tensor<?x?x128xf32>, tensor<f32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %logits = tvq.dense %x4, %p_head_w bias %p_head_b : (tensor<?x?x128xf32>, tensor<128x259xf32>, tensor<259xf32>) -> tensor<?x?x259xf32>
    %ce = tvq.cross_entropy %logits, %targets : (tensor<?x?x259xf32>, tensor<?x?xi32>) -> tensor<f32>
    %commit_sum2 = arith.addf %commit1, %commit2 : tensor<f32>
    %commit_sum3 = arith.addf %commit_sum2, %commit3 : tensor<f32>
    %commit_sum4 = arith.addf %commit_sum3, %commit4 : tensor<f32>
    %commit_term = tvq.scale %commit_sum4 {factor = 1.000000e-04 : f64} : tensor<f32>
    %loss = arith.addf %ce, %commit_term : tensor<f32>
    return %loss, %ce, %t0_0, %t0_1, %t0_2, %t0_3, %t0_4, %t0_5, %t1_0, %t1_1, %t1_2, %t1_3, %t1_4, %t1_5, %t2_0, %t2_1, %t2_2, %t2_3, %t2_4, %t2_5, %t3_0, %t3_1, %t3_2, %t3_3, %t3_4, %t3_5 : tensor<f32>, tensor<f32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>
  }

  func.func @decode_step(%p_embed: tensor<259x128xf32> {tvq.name = "embed"},
      %p_gau0_norm_gain: tensor<128xf32> {tvq.name = "gau0.norm.gain"},
      %p_gau0_norm_bias: tensor<128xf32> {tvq.name = "gau0.norm.bias"},
      %p_gau0_wq: tensor<128x32xf32> {tvq.name = "gau0.wq"},
      %p_gau0_wkvg: tensor<128x544xf32> {tvq.name = "gau0.wkvg"},
      %p_gau0_wo: tensor<256x128xf32> {tvq.name = "gau0.wo"},
      %p_gau0_wr: tensor<128x32xf32> {tvq.name = "gau0.wr"},
      %p_gau0_u: tensor<32xf32> {tvq.name = "gau0.u"},
      %p_gau0_w: tensor<32xf32> {tvq.name = "gau0.w"},
      %p_gau0_c_sum: tensor<64x32xf32> {tvq.name = "gau0.c_sum"},
      %p_gau0_c_count: tensor<64xf32> {tvq.name = "gau0.c_count"},
      %p_gau1_norm_gain: tensor<128xf32> {tvq.name = "gau1.norm.gain"},
      %p_gau1_norm_bias: tensor<128xf32> {tvq.name = "gau1.norm.bias"},
      %p_gau1_wq: tensor<128x32xf32> {tvq.name = "gau1.wq"},
      %p_gau1_wkvg: tensor<128x544xf32> {tvq.name = "gau1.wkvg"},
      %p_gau1_wo: tensor<256x128xf32> {tvq.name = "gau1.wo"},
      %p_gau1_wr: tensor<128x32xf32> {tvq.name = "gau1.wr"},
      %p_gau1_u: tensor<32xf32> {tvq.name = "gau1.u"},
      %p_gau1_w: tensor<32xf32> {tvq.name = "gau1.w"},
      %p_gau1_c_sum: tensor<64x32xf32> {tvq.name = "gau1.c_sum"},
      %p_gau1_c_count: tensor<64xf32> {tvq.name = "gau1.c_count"},
      %p_gau2_norm_gain: tensor<128xf32> {tvq.name = "gau2.norm.gain"},
      %p_gau2_norm_bias: tensor<128xf32> {tvq.name = "gau2.norm.bias"},
      %p_gau2_wq: tensor<128x32xf32> {tvq.name = "gau2.wq"},
      %p_gau2_wkvg: tensor<128x544xf32> {tvq.name = "gau2.wkvg"},
      %p_gau2_wo: tensor<256x128xf32> {tvq.name = "gau2.wo"},
      %p_gau2_wr: tensor<128x32xf32> {tvq.name = "gau2.wr"},
      %p_gau2_u: tensor<32xf32> {tvq.name = "gau2.u"},
      %p_gau2_w: tensor<32xf32> {tvq.name = "gau2.w"},
      %p_gau2_c_sum: tensor<64x32xf32> {tvq.name = "gau2.c_sum"},
      %p_gau2_c_count: tensor<64xf32> {tvq.name = "gau2.c_count"},
      %p_gau3_norm_gain: tensor<128xf32> {tvq.name = "gau3.norm.gain"},
      %p_gau3_norm_bias: tensor<128xf32> {tvq.name = "gau3.norm.bias"},
      %p_gau3_wq: tensor<128x32xf32> {tvq.name = "gau3.wq"},
      %p_gau3_wkvg: tensor<128x544xf32> {tvq.name = "gau3.wkvg"},
      %p_gau3_wo: tensor<256x128xf32> {tvq.name = "gau3.wo"},
      %p_gau3_wr: tensor<128x32xf32> {tvq.name = "gau3.wr"},
      %p_gau3_u: tensor<32xf32> {tvq.name = "gau3.u"},
      %p_gau3_w: tensor<32xf32> {tvq.name = "gau3.w"},
      %p_gau3_c_sum: tensor<64x32xf32> {tvq.name = "gau3.c_sum"},
      %p_gau3_c_count: tensor<64xf32> {tvq.name = "gau3.c_count"},
      %p_head_w: tensor<128x259xf32> {tvq.name = "head.w"},
      %p_head_b: tensor<259xf32> {tvq.name = "head.b"},
      %inputs: tensor<?x?xi32> {tvq.name = "inputs"},
      %s0_0: tensor<?x64xf32> {tvq.name = "state.gau0.count"},
      %s0_1: tensor<?x64x256xf32> {tvq.name = "state.gau0.mean"},
      %s0_2: tensor<?x32xi32> {tvq.name = "state.gau0.win_codes"},
      %s0_3: tensor<?x32x32xf32> {tvq.name = "state.gau0.win_keys"},
      %s0_4: tensor<?x32x256xf32> {tvq.name = "state.gau0.win_values"},
      %s0_5: tensor<?xi64> {tvq.name = "state.gau0.seen"},
      %s1_0: tensor<?x64xf32> {tvq.name = "state.gau1.count"},
      %s1_1: tensor<?x64x256xf32> {tvq.name = "state.gau1.mean"},
      %s1_2: tensor<?x32xi32> {tvq.name = "state.gau1.win_codes"},
      %s1_3: tensor<?x32x32xf32> {tvq.name = "state.gau1.win_keys"},
      %s1_4: tensor<?x32x256xf32> {tvq.name = "state.gau1.win_values"},
      %s1_5: tensor<?xi64> {tvq.name = "state.gau1.seen"},
      %s2_0: tensor<?x64xf32> {tvq.name = "state.gau2.count"},
      %s2_1: tensor<?x64x256xf32> {tvq.name = "state.gau2.mean"},
      %s2_2: tensor<?x32xi32> {tvq.name = "state.gau2.win_codes"},
      %s2_3: tensor<?x32x32xf32> {tvq.name = "state.gau2.win_keys"},
      %s2_4: tensor<?x32x256xf32> {tvq.name = "state.gau2.win_values"},
      %s2_5: tensor<?xi64> {tvq.name = "state.gau2.seen"},
      %s3_0: tensor<?x64xf32> {tvq.name = "state.gau3.count"},
      %s3_1: tensor<?x64x256xf32> {tvq.name = "state.gau3.mean"},
      %s3_2: tensor<?x32xi32> {tvq.name = "state.gau3.win_codes"},
      %s3_3: tensor<?x32x32xf32> {tvq.name = "state.gau3.win_keys"},
      %s3_4: tensor<?x32x256xf32> {tvq.name = "state.gau3.win_values"},
      %s3_5: tensor<?xi64> {tvq.name = "state.gau3.seen"})
      -> (tensor<?x?x259xf32> {tvq.name = "logits"}, tensor<?x64xf32> {tvq.name = "state.gau0.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau0.mean"}, tensor<?x32xi32> {tvq.name = "state.gau0.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau0.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau0.win_values"}, tensor<?xi64> {tvq.name = "state.gau0.seen"}, tensor<?x64xf32> {tvq.name = "state.gau1.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau1.mean"}, tensor<?x32xi32> {tvq.name = "state.gau1.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau1.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau1.win_values"}, tensor<?xi64> {tvq.name = "state.gau1.seen"}, tensor<?x64xf32> {tvq.name = "state.gau2.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau2.mean"}, tensor<?x32xi32> {tvq.name = "state.gau2.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau2.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau2.win_values"}, tensor<?xi64> {tvq.name = "state.gau2.seen"}, tensor<?x64xf32> {tvq.name = "state.gau3.count"}, tensor<?x64x256xf32> {tvq.name = "state.gau3.mean"}, tensor<?x32xi32> {tvq.name = "state.gau3.win_codes"}, tensor<?x32x32xf32> {tvq.name = "state.gau3.win_keys"}, tensor<?x32x256xf32> {tvq.name = "state.gau3.win_values"}, tensor<?xi64> {tvq.name = "state.gau3.seen"}) {
    %x0 = tvq.embedding %inputs, %p_embed : (tensor<?x?xi32>, tensor<259x128xf32>) -> tensor<?x?x128xf32>
    %x1, %t0_0, %t0_1, %t0_2, %t0_3, %t0_4, %t0_5 = func.call @gau_step(%x0, %p_gau0_norm_gain, %p_gau0_norm_bias, %p_gau0_wq, %p_gau0_wkvg, %p_gau0_wo, %p_gau0_wr, %p_gau0_u, %p_gau0_w, %p_gau0_c_sum, %p_gau0_c_count, %s0_0, %s0_1, %s0_2, %s0_3, %s0_4, %s0_5)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>) -> (tensor<?x?x128xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %x2, %t1_0, %t1_1, %t1_2, %t1_3, %t1_4, %t1_5 = func.call @gau_step(%x1, %p_gau1_norm_gain, %p_gau1_norm_bias, %p_gau1_wq, %p_gau1_wkvg, %p_gau1_wo, %p_gau1_wr, %p_gau1_u, %p_gau1_w, %p_gau1_c_sum, %p_gau1_c_count, %s1_0, %s1_1, %s1_2, %s1_3, %s1_4, %s1_5)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>) -> (tensor<?x?x128xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %x3, %t2_0, %t2_1, %t2_2, %t2_3, %t2_4, %t2_5 = func.call @gau_step(%x2, %p_gau2_norm_gain, %p_gau2_norm_bias, %p_gau2_wq, %p_gau2_wkvg, %p_gau2_wo, %p_gau2_wr, %p_gau2_u, %p_gau2_w, %p_gau2_c_sum, %p_gau2_c_count, %s2_0, %s2_1, %s2_2, %s2_3, %s2_4, %s2_5)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>) -> (tensor<?x?x128xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %x4, %t3_0, %t3_1, %t3_2, %t3_3, %t3_4, %t3_5 = func.call @gau_step(%x3, %p_gau3_norm_gain, %p_gau3_norm_bias, %p_gau3_wq, %p_gau3_wkvg, %p_gau3_wo, %p_gau3_wr, %p_gau3_u, %p_gau3_w, %p_gau3_c_sum, %p_gau3_c_count, %s3_0, %s3_1, %s3_2, %s3_3, %s3_4, %s3_5)
        : (tensor<?x?x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<128x32xf32>, tensor<128x544xf32>, tensor<256x128xf32>, tensor<128x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<64x32xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>) -> (tensor<?x?x128xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>)
    %logits = tvq.dense %x4, %p_head_w bias %p_head_b : (tensor<?x?x128xf32>, tensor<128x259xf32>, tensor<259xf32>) -> tensor<?x?x259xf32>
    return %logits, %t0_0, %t0_1, %t0_2, %t0_3, %t0_4, %t0_5, %t1_0, %t1_1, %t1_2, %t1_3, %t1_4, %t1_5, %t2_0, %t2_1, %t2_2, %t2_3, %t2_4, %t2_5, %t3_0, %t3_1, %t3_2, %t3_3, %t3_4, %t3_5 : tensor<?x?x259xf32>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>, tensor<?x64xf32>, tensor<?x64x256xf32>, tensor<?x32xi32>, tensor<?x32x32xf32>, tensor<?x32x256xf32>, tensor<?xi64>
  }
}
