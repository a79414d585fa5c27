// Transformer-VQ model 'enwik8', written by tvq-model.
// 187679491 parameters (codebook statistics included). Entry points:
//   @logits(params..., inputs[B,T] i32) -> logits[B,T,vocab]
//   @eval_loss(params..., inputs, targets) -> (loss, ce): ce is the mean NLL in nats,
//   loss = ce + commit_weight * sum over GAUs of the mean squared quantization error;
//   @loss_grad (derived by the compiler from @eval_loss) -> (loss, ce, d.<param>...),
//   @train_step (derived from @loss_grad): AdamW, clipping, schedule, codebook EMA.
module attributes {tvq.model = {name = "enwik8", layers = 24 : i64, d_model = 768 : i64, d_k = 128 : i64, d_v = 1536 : i64, codebook = 512 : i64, block_len = 512 : i64, mem_len = 512 : i64, vocab = 259 : i64, head = "untied", logit_scale = 5.000000e-03 : f64, commit_weight = 1.000000e-04 : f64, epsilon = 1.000000e-06 : f64, sinusoid_base = 1.000000e+05 : f64}} {
  // One GAU (transformer-vq.md section 1).
  func.func private @gau(%x: tensor<?x?x768xf32>, %gain: tensor<768xf32>, %bias: tensor<768xf32>, %wq: tensor<768x128xf32>, %wkvg: tensor<768x3200xf32>, %wo: tensor<1536x768xf32>, %wr: tensor<768x128xf32>, %u: tensor<128xf32>, %w: tensor<128xf32>, %c_sum: tensor<512x128xf32>, %c_count: tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>) {
    %xn0 = tvq.rms_norm %x {epsilon = 1.000000e-06 : f64} : tensor<?x?x768xf32>
    %xn = tvq.scale_shift %xn0, %gain, %bias : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>) -> tensor<?x?x768xf32>
    %q0 = tvq.dense %xn, %wq : (tensor<?x?x768xf32>, tensor<768x128xf32>) -> tensor<?x?x128xf32>
    %kvg = tvq.dense %xn, %wkvg : (tensor<?x?x768xf32>, tensor<768x3200xf32>) -> tensor<?x?x3200xf32>
    %k0, %v0, %g0 = tvq.split %kvg {sizes = array<i64: 128, 1536, 1536>} : (tensor<?x?x3200xf32>) -> (tensor<?x?x128xf32>, tensor<?x?x1536xf32>, tensor<?x?x1536xf32>)
    %q1 = tvq.rms_norm %q0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x128xf32>
    %q = tvq.scale %q1 {factor = 2.973018e-01 : f64} : tensor<?x?x128xf32>
    %k1 = tvq.rms_norm %k0 {epsilon = 1.000000e-06 : f64} : tensor<?x?x128xf32>
    %k = tvq.scale %k1 {factor = 2.973018e-01 : f64} : tensor<?x?x128xf32>
    %v = tvq.silu %v0 : tensor<?x?x1536xf32>
    %g = tvq.silu %g0 : tensor<?x?x1536xf32>
    %c = tvq.codebook %c_sum, %c_count : (tensor<512x128xf32>, tensor<512xf32>) -> tensor<512x128xf32>
    %k_hat, %codes, %err2 = tvq.vq_quantize %k, %c : (tensor<?x?x128xf32>, tensor<512x128xf32>) -> (tensor<?x?x128xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
    %sin = tvq.sinusoid_table {rows = 513 : i64, dim = 768 : i64, base = 1.000000e+05 : f64} : tensor<513x768xf32>
    %r0 = tvq.dense %sin, %wr : (tensor<513x768xf32>, tensor<768x128xf32>) -> tensor<513x128xf32>
    %r = tvq.scale %r0 {factor = 2.973018e-01 : f64} : tensor<513x128xf32>
    %uu = tvq.scale %u {factor = 2.973018e-01 : f64} : tensor<128xf32>
    %ww = tvq.scale %w {factor = 2.973018e-01 : f64} : tensor<128xf32>
    %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %k_hat, %codes, %v, %c, %uu, %ww, %r {block_len = 512 : i64, mem_len = 512 : i64}
        : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?xi32>, tensor<?x?x1536xf32>, tensor<512x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<513x128xf32>)
        -> (tensor<?x?x1536xf32>, tensor<?x512xf32>, tensor<?x512x1536xf32>, tensor<?x512xi32>, tensor<?x512x128xf32>, tensor<?x512x1536xf32>, tensor<?xi64>)
    %og = arith.mulf %o, %g : tensor<?x?x1536xf32>
    %y = tvq.dense %og, %wo : (tensor<?x?x1536xf32>, tensor<1536x768xf32>) -> tensor<?x?x768xf32>
    %out = arith.addf %x, %y : tensor<?x?x768xf32>
    %commit = tvq.mean %err2 : (tensor<?x?xf32>) -> tensor<f32>
    return %out, %commit : tensor<?x?x768xf32>, tensor<f32>
  }

  func.func @logits(%p_embed: tensor<259x768xf32> {tvq.name = "embed"},
      %p_gau0_norm_gain: tensor<768xf32> {tvq.name = "gau0.norm.gain"},
      %p_gau0_norm_bias: tensor<768xf32> {tvq.name = "gau0.norm.bias"},
      %p_gau0_wq: tensor<768x128xf32> {tvq.name = "gau0.wq"},
      %p_gau0_wkvg: tensor<768x3200xf32> {tvq.name = "gau0.wkvg"},
      %p_gau0_wo: tensor<1536x768xf32> {tvq.name = "gau0.wo"},
      %p_gau0_wr: tensor<768x128xf32> {tvq.name = "gau0.wr"},
      %p_gau0_u: tensor<128xf32> {tvq.name = "gau0.u"},
      %p_gau0_w: tensor<128xf32> {tvq.name = "gau0.w"},
      %p_gau0_c_sum: tensor<512x128xf32> {tvq.name = "gau0.c_sum"},
      %p_gau0_c_count: tensor<512xf32> {tvq.name = "gau0.c_count"},
      %p_gau1_norm_gain: tensor<768xf32> {tvq.name = "gau1.norm.gain"},
      %p_gau1_norm_bias: tensor<768xf32> {tvq.name = "gau1.norm.bias"},
      %p_gau1_wq: tensor<768x128xf32> {tvq.name = "gau1.wq"},
      %p_gau1_wkvg: tensor<768x3200xf32> {tvq.name = "gau1.wkvg"},
      %p_gau1_wo: tensor<1536x768xf32> {tvq.name = "gau1.wo"},
      %p_gau1_wr: tensor<768x128xf32> {tvq.name = "gau1.wr"},
      %p_gau1_u: tensor<128xf32> {tvq.name = "gau1.u"},
      %p_gau1_w: tensor<128xf32> {tvq.name = "gau1.w"},
      %p_gau1_c_sum: tensor<512x128xf32> {tvq.name = "gau1.c_sum"},
      %p_gau1_c_count: tensor<512xf32> {tvq.name = "gau1.c_count"},
      %p_gau2_norm_gain: tensor<768xf32> {tvq.name = "gau2.norm.gain"},
      %p_gau2_norm_bias: tensor<768xf32> {tvq.name = "gau2.norm.bias"},
      %p_gau2_wq: tensor<768x128xf32> {tvq.name = "gau2.wq"},
      %p_gau2_wkvg: tensor<768x3200xf32> {tvq.name = "gau2.wkvg"},
      %p_gau2_wo: tensor<1536x768xf32> {tvq.name = "gau2.wo"},
      %p_gau2_wr: tensor<768x128xf32> {tvq.name = "gau2.wr"},
      %p_gau2_u: tensor<128xf32> {tvq.name = "gau2.u"},
      %p_gau2_w: tensor<128xf32> {tvq.name = "gau2.w"},
      %p_gau2_c_sum: tensor<512x128xf32> {tvq.name = "gau2.c_sum"},
      %p_gau2_c_count: tensor<512xf32> {tvq.name = "gau2.c_count"},
      %p_gau3_norm_gain: tensor<768xf32> {tvq.name = "gau3.norm.gain"},
      %p_gau3_norm_bias: tensor<768xf32> {tvq.name = "gau3.norm.bias"},
      %p_gau3_wq: tensor<768x128xf32> {tvq.name = "gau3.wq"},
      %p_gau3_wkvg: tensor<768x3200xf32> {tvq.name = "gau3.wkvg"},
      %p_gau3_wo: tensor<1536x768xf32> {tvq.name = "gau3.wo"},
      %p_gau3_wr: tensor<768x128xf32> {tvq.name = "gau3.wr"},
      %p_gau3_u: tensor<128xf32> {tvq.name = "gau3.u"},
      %p_gau3_w: tensor<128xf32> {tvq.name = "gau3.w"},
      %p_gau3_c_sum: tensor<512x128xf32> {tvq.name = "gau3.c_sum"},
      %p_gau3_c_count: tensor<512xf32> {tvq.name = "gau3.c_count"},
      %p_gau4_norm_gain: tensor<768xf32> {tvq.name = "gau4.norm.gain"},
      %p_gau4_norm_bias: tensor<768xf32> {tvq.name = "gau4.norm.bias"},
      %p_gau4_wq: tensor<768x128xf32> {tvq.name = "gau4.wq"},
      %p_gau4_wkvg: tensor<768x3200xf32> {tvq.name = "gau4.wkvg"},
      %p_gau4_wo: tensor<1536x768xf32> {tvq.name = "gau4.wo"},
      %p_gau4_wr: tensor<768x128xf32> {tvq.name = "gau4.wr"},
      %p_gau4_u: tensor<128xf32> {tvq.name = "gau4.u"},
      %p_gau4_w: tensor<128xf32> {tvq.name = "gau4.w"},
      %p_gau4_c_sum: tensor<512x128xf32> {tvq.name = "gau4.c_sum"},
      %p_gau4_c_count: tensor<512xf32> {tvq.name = "gau4.c_count"},
      %p_gau5_norm_gain: tensor<768xf32> {tvq.name = "gau5.norm.gain"},
      %p_gau5_norm_bias: tensor<768xf32> {tvq.name = "gau5.norm.bias"},
      %p_gau5_wq: tensor<768x128xf32> {tvq.name = "gau5.wq"},
      %p_gau5_wkvg: tensor<768x3200xf32> {tvq.name = "gau5.wkvg"},
      %p_gau5_wo: tensor<1536x768xf32> {tvq.name = "gau5.wo"},
      %p_gau5_wr: tensor<768x128xf32> {tvq.name = "gau5.wr"},
      %p_gau5_u: tensor<128xf32> {tvq.name = "gau5.u"},
      %p_gau5_w: tensor<128xf32> {tvq.name = "gau5.w"},
      %p_gau5_c_sum: tensor<512x128xf32> {tvq.name = "gau5.c_sum"},
      %p_gau5_c_count: tensor<512xf32> {tvq.name = "gau5.c_count"},
      %p_gau6_norm_gain: tensor<768xf32> {tvq.name = "gau6.norm.gain"},
      %p_gau6_norm_bias: tensor<768xf32> {tvq.name = "gau6.norm.bias"},
      %p_gau6_wq: tensor<768x128xf32> {tvq.name = "gau6.wq"},
      %p_gau6_wkvg: tensor<768x3200xf32> {tvq.name = "gau6.wkvg"},
      %p_gau6_wo: tensor<1536x768xf32> {tvq.name = "gau6.wo"},
      %p_gau6_wr: tensor<768x128xf32> {tvq.name = "gau6.wr"},
      %p_gau6_u: tensor<128xf32> {tvq.name = "gau6.u"},
      %p_gau6_w: tensor<128xf32> {tvq.name = "gau6.w"},
      %p_gau6_c_sum: tensor<512x128xf32> {tvq.name = "gau6.c_sum"},
      %p_gau6_c_count: tensor<512xf32> {tvq.name = "gau6.c_count"},
      %p_gau7_norm_gain: tensor<768xf32> {tvq.name = "gau7.norm.gain"},
      %p_gau7_norm_bias: tensor<768xf32> {tvq.name = "gau7.norm.bias"},
      %p_gau7_wq: tensor<768x128xf32> {tvq.name = "gau7.wq"},
      %p_gau7_wkvg: tensor<768x3200xf32> {tvq.name = "gau7.wkvg"},
      %p_gau7_wo: tensor<1536x768xf32> {tvq.name = "gau7.wo"},
      %p_gau7_wr: tensor<768x128xf32> {tvq.name = "gau7.wr"},
      %p_gau7_u: tensor<128xf32> {tvq.name = "gau7.u"},
      %p_gau7_w: tensor<128xf32> {tvq.name = "gau7.w"},
      %p_gau7_c_sum: tensor<512x128xf32> {tvq.name = "gau7.c_sum"},
      %p_gau7_c_count: tensor<512xf32> {tvq.name = "gau7.c_count"},
      %p_gau8_norm_gain: tensor<768xf32> {tvq.name = "gau8.norm.gain"},
      %p_gau8_norm_bias: tensor<768xf32> {tvq.name = "gau8.norm.bias"},
      %p_gau8_wq: tensor<768x128xf32> {tvq.name = "gau8.wq"},
      %p_gau8_wkvg: tensor<768x3200xf32> {tvq.name = "gau8.wkvg"},
      %p_gau8_wo: tensor<1536x768xf32> {tvq.name = "gau8.wo"},
      %p_gau8_wr: tensor<768x128xf32> {tvq.name = "gau8.wr"},
      %p_gau8_u: tensor<128xf32> {tvq.name = "gau8.u"},
      %p_gau8_w: tensor<128xf32> {tvq.name = "gau8.w"},
      %p_gau8_c_sum: tensor<512x128xf32> {tvq.name = "gau8.c_sum"},
      %p_gau8_c_count: tensor<512xf32> {tvq.name = "gau8.c_count"},
      %p_gau9_norm_gain: tensor<768xf32> {tvq.name = "gau9.norm.gain"},
      %p_gau9_norm_bias: tensor<768xf32> {tvq.name = "gau9.norm.bias"},
      %p_gau9_wq: tensor<768x128xf32> {tvq.name = "gau9.wq"},
      %p_gau9_wkvg: tensor<768x3200xf32> {tvq.name = "gau9.wkvg"},
      %p_gau9_wo: tensor<1536x768xf32> {tvq.name = "gau9.wo"},
      %p_gau9_wr: tensor<768x128xf32> {tvq.name = "gau9.wr"},
      %p_gau9_u: tensor<128xf32> {tvq.name = "gau9.u"},
      %p_gau9_w: tensor<128xf32> {tvq.name = "gau9.w"},
      %p_gau9_c_sum: tensor<512x128xf32> {tvq.name = "gau9.c_sum"},
      %p_gau9_c_count: tensor<512xf32> {tvq.name = "gau9.c_count"},
      %p_gau10_norm_gain: tensor<768xf32> {tvq.name = "gau10.norm.gain"},
      %p_gau10_norm_bias: tensor<768xf32> {tvq.name = "gau10.norm.bias"},
      %p_gau10_wq: tensor<768x128xf32> {tvq.name = "gau10.wq"},
      %p_gau10_wkvg: tensor<768x3200xf32> {tvq.name = "gau10.wkvg"},
      %p_gau10_wo: tensor<1536x768xf32> {tvq.name = "gau10.wo"},
      %p_gau10_wr: tensor<768x128xf32> {tvq.name = "gau10.wr"},
      %p_gau10_u: tensor<128xf32> {tvq.name = "gau10.u"},
      %p_gau10_w: tensor<128xf32> {tvq.name = "gau10.w"},
      %p_gau10_c_sum: tensor<512x128xf32> {tvq.name = "gau10.c_sum"},
      %p_gau10_c_count: tensor<512xf32> {tvq.name = "gau10.c_count"},
      %p_gau11_norm_gain: tensor<768xf32> {tvq.name = "gau11.norm.gain"},
      %p_gau11_norm_bias: tensor<768xf32> {tvq.name = "gau11.norm.bias"},
      %p_gau11_wq: tensor<768x128xf32> {tvq.name = "gau11.wq"},
      %p_gau11_wkvg: tensor<768x3200xf32> {tvq.name = "gau11.wkvg"},
      %p_gau11_wo: tensor<1536x768xf32> {tvq.name = "gau11.wo"},
      %p_gau11_wr: tensor<768x128xf32> {tvq.name = "gau11.wr"},
      %p_gau11_u: tensor<128xf32> {tvq.name = "gau11.u"},
      %p_gau11_w: tensor<128xf32> {tvq.name = "gau11.w"},
      %p_gau11_c_sum: tensor<512x128xf32> {tvq.name = "gau11.c_sum"},
      %p_gau11_c_count: tensor<512xf32> {tvq.name = "gau11.c_count"},
      %p_gau12_norm_gain: tensor<768xf32> {tvq.name = "gau12.norm.gain"},
      %p_gau12_norm_bias: tensor<768xf32> {tvq.name = "gau12.norm.bias"},
      %p_gau12_wq: tensor<768x128xf32> {tvq.name = "gau12.wq"},
      %p_gau12_wkvg: tensor<768x3200xf32> {tvq.name = "gau12.wkvg"},
      %p_gau12_wo: tensor<1536x768xf32> {tvq.name = "gau12.wo"},
      %p_gau12_wr: tensor<768x128xf32> {tvq.name = "gau12.wr"},
      %p_gau12_u: tensor<128xf32> {tvq.name = "gau12.u"},
      %p_gau12_w: tensor<128xf32> {tvq.name = "gau12.w"},
      %p_gau12_c_sum: tensor<512x128xf32> {tvq.name = "gau12.c_sum"},
      %p_gau12_c_count: tensor<512xf32> {tvq.name = "gau12.c_count"},
      %p_gau13_norm_gain: tensor<768xf32> {tvq.name = "gau13.norm.gain"},
      %p_gau13_norm_bias: tensor<768xf32> {tvq.name = "gau13.norm.bias"},
      %p_gau13_wq: tensor<768x128xf32> {tvq.name = "gau13.wq"},
      %p_gau13_wkvg: tensor<768x3200xf32> {tvq.name = "gau13.wkvg"},
      %p_gau13_wo: tensor<1536x768xf32> {tvq.name = "gau13.wo"},
      %p_gau13_wr: tensor<768x128xf32> {tvq.name = "gau13.wr"},
      %p_gau13_u: tensor<128xf32> {tvq.name = "gau13.u"},
      %p_gau13_w: tensor<128xf32> {tvq.name = "gau13.w"},
      %p_gau13_c_sum: tensor<512x128xf32> {tvq.name = "gau13.c_sum"},
      %p_gau13_c_count: tensor<512xf32> {tvq.name = "gau13.c_count"},
      %p_gau14_norm_gain: tensor<768xf32> {tvq.name = "gau14.norm.gain"},
      %p_gau14_norm_bias: tensor<768xf32> {tvq.name = "gau14.norm.bias"},
      %p_gau14_wq: tensor<768x128xf32> {tvq.name = "gau14.wq"},
      %p_gau14_wkvg: tensor<768x3200xf32> {tvq.name = "gau14.wkvg"},
      %p_gau14_wo: tensor<1536x768xf32> {tvq.name = "gau14.wo"},
      %p_gau14_wr: tensor<768x128xf32> {tvq.name = "gau14.wr"},
      %p_gau14_u: tensor<128xf32> {tvq.name = "gau14.u"},
      %p_gau14_w: tensor<128xf32> {tvq.name = "gau14.w"},
      %p_gau14_c_sum: tensor<512x128xf32> {tvq.name = "gau14.c_sum"},
      %p_gau14_c_count: tensor<512xf32> {tvq.name = "gau14.c_count"},
      %p_gau15_norm_gain: tensor<768xf32> {tvq.name = "gau15.norm.gain"},
      %p_gau15_norm_bias: tensor<768xf32> {tvq.name = "gau15.norm.bias"},
      %p_gau15_wq: tensor<768x128xf32> {tvq.name = "gau15.wq"},
      %p_gau15_wkvg: tensor<768x3200xf32> {tvq.name = "gau15.wkvg"},
      %p_gau15_wo: tensor<1536x768xf32> {tvq.name = "gau15.wo"},
      %p_gau15_wr: tensor<768x128xf32> {tvq.name = "gau15.wr"},
      %p_gau15_u: tensor<128xf32> {tvq.name = "gau15.u"},
      %p_gau15_w: tensor<128xf32> {tvq.name = "gau15.w"},
      %p_gau15_c_sum: tensor<512x128xf32> {tvq.name = "gau15.c_sum"},
      %p_gau15_c_count: tensor<512xf32> {tvq.name = "gau15.c_count"},
      %p_gau16_norm_gain: tensor<768xf32> {tvq.name = "gau16.norm.gain"},
      %p_gau16_norm_bias: tensor<768xf32> {tvq.name = "gau16.norm.bias"},
      %p_gau16_wq: tensor<768x128xf32> {tvq.name = "gau16.wq"},
      %p_gau16_wkvg: tensor<768x3200xf32> {tvq.name = "gau16.wkvg"},
      %p_gau16_wo: tensor<1536x768xf32> {tvq.name = "gau16.wo"},
      %p_gau16_wr: tensor<768x128xf32> {tvq.name = "gau16.wr"},
      %p_gau16_u: tensor<128xf32> {tvq.name = "gau16.u"},
      %p_gau16_w: tensor<128xf32> {tvq.name = "gau16.w"},
      %p_gau16_c_sum: tensor<512x128xf32> {tvq.name = "gau16.c_sum"},
      %p_gau16_c_count: tensor<512xf32> {tvq.name = "gau16.c_count"},
      %p_gau17_norm_gain: tensor<768xf32> {tvq.name = "gau17.norm.gain"},
      %p_gau17_norm_bias: tensor<768xf32> {tvq.name = "gau17.norm.bias"},
      %p_gau17_wq: tensor<768x128xf32> {tvq.name = "gau17.wq"},
      %p_gau17_wkvg: tensor<768x3200xf32> {tvq.name = "gau17.wkvg"},
      %p_gau17_wo: tensor<1536x768xf32> {tvq.name = "gau17.wo"},
      %p_gau17_wr: tensor<768x128xf32> {tvq.name = "gau17.wr"},
      %p_gau17_u: tensor<128xf32> {tvq.name = "gau17.u"},
      %p_gau17_w: tensor<128xf32> {tvq.name = "gau17.w"},
      %p_gau17_c_sum: tensor<512x128xf32> {tvq.name = "gau17.c_sum"},
      %p_gau17_c_count: tensor<512xf32> {tvq.name = "gau17.c_count"},
      %p_gau18_norm_gain: tensor<768xf32> {tvq.name = "gau18.norm.gain"},
      %p_gau18_norm_bias: tensor<768xf32> {tvq.name = "gau18.norm.bias"},
      %p_gau18_wq: tensor<768x128xf32> {tvq.name = "gau18.wq"},
      %p_gau18_wkvg: tensor<768x3200xf32> {tvq.name = "gau18.wkvg"},
      %p_gau18_wo: tensor<1536x768xf32> {tvq.name = "gau18.wo"},
      %p_gau18_wr: tensor<768x128xf32> {tvq.name = "gau18.wr"},
      %p_gau18_u: tensor<128xf32> {tvq.name = "gau18.u"},
      %p_gau18_w: tensor<128xf32> {tvq.name = "gau18.w"},
      %p_gau18_c_sum: tensor<512x128xf32> {tvq.name = "gau18.c_sum"},
      %p_gau18_c_count: tensor<512xf32> {tvq.name = "gau18.c_count"},
      %p_gau19_norm_gain: tensor<768xf32> {tvq.name = "gau19.norm.gain"},
      %p_gau19_norm_bias: tensor<768xf32> {tvq.name = "gau19.norm.bias"},
      %p_gau19_wq: tensor<768x128xf32> {tvq.name = "gau19.wq"},
      %p_gau19_wkvg: tensor<768x3200xf32> {tvq.name = "gau19.wkvg"},
      %p_gau19_wo: tensor<1536x768xf32> {tvq.name = "gau19.wo"},
      %p_gau19_wr: tensor<768x128xf32> {tvq.name = "gau19.wr"},
      %p_gau19_u: tensor<128xf32> {tvq.name = "gau19.u"},
      %p_gau19_w: tensor<128xf32> {tvq.name = "gau19.w"},
      %p_gau19_c_sum: tensor<512x128xf32> {tvq.name = "gau19.c_sum"},
      %p_gau19_c_count: tensor<512xf32> {tvq.name = "gau19.c_count"},
      %p_gau20_norm_gain: tensor<768xf32> {tvq.name = "gau20.norm.gain"},
      %p_gau20_norm_bias: tensor<768xf32> {tvq.name = "gau20.norm.bias"},
      %p_gau20_wq: tensor<768x128xf32> {tvq.name = "gau20.wq"},
      %p_gau20_wkvg: tensor<768x3200xf32> {tvq.name = "gau20.wkvg"},
      %p_gau20_wo: tensor<1536x768xf32> {tvq.name = "gau20.wo"},
      %p_gau20_wr: tensor<768x128xf32> {tvq.name = "gau20.wr"},
      %p_gau20_u: tensor<128xf32> {tvq.name = "gau20.u"},
      %p_gau20_w: tensor<128xf32> {tvq.name = "gau20.w"},
      %p_gau20_c_sum: tensor<512x128xf32> {tvq.name = "gau20.c_sum"},
      %p_gau20_c_count: tensor<512xf32> {tvq.name = "gau20.c_count"},
      %p_gau21_norm_gain: tensor<768xf32> {tvq.name = "gau21.norm.gain"},
      %p_gau21_norm_bias: tensor<768xf32> {tvq.name = "gau21.norm.bias"},
      %p_gau21_wq: tensor<768x128xf32> {tvq.name = "gau21.wq"},
      %p_gau21_wkvg: tensor<768x3200xf32> {tvq.name = "gau21.wkvg"},
      %p_gau21_wo: tensor<1536x768xf32> {tvq.name = "gau21.wo"},
      %p_gau21_wr: tensor<768x128xf32> {tvq.name = "gau21.wr"},
      %p_gau21_u: tensor<128xf32> {tvq.name = "gau21.u"},
      %p_gau21_w: tensor<128xf32> {tvq.name = "gau21.w"},
      %p_gau21_c_sum: tensor<512x128xf32> {tvq.name = "gau21.c_sum"},
      %p_gau21_c_count: tensor<512xf32> {tvq.name = "gau21.c_count"},
      %p_gau22_norm_gain: tensor<768xf32> {tvq.name = "gau22.norm.gain"},
      %p_gau22_norm_bias: tensor<768xf32> {tvq.name = "gau22.norm.bias"},
      %p_gau22_wq: tensor<768x128xf32> {tvq.name = "gau22.wq"},
      %p_gau22_wkvg: tensor<768x3200xf32> {tvq.name = "gau22.wkvg"},
      %p_gau22_wo: tensor<1536x768xf32> {tvq.name = "gau22.wo"},
      %p_gau22_wr: tensor<768x128xf32> {tvq.name = "gau22.wr"},
      %p_gau22_u: tensor<128xf32> {tvq.name = "gau22.u"},
      %p_gau22_w: tensor<128xf32> {tvq.name = "gau22.w"},
      %p_gau22_c_sum: tensor<512x128xf32> {tvq.name = "gau22.c_sum"},
      %p_gau22_c_count: tensor<512xf32> {tvq.name = "gau22.c_count"},
      %p_gau23_norm_gain: tensor<768xf32> {tvq.name = "gau23.norm.gain"},
      %p_gau23_norm_bias: tensor<768xf32> {tvq.name = "gau23.norm.bias"},
      %p_gau23_wq: tensor<768x128xf32> {tvq.name = "gau23.wq"},
      %p_gau23_wkvg: tensor<768x3200xf32> {tvq.name = "gau23.wkvg"},
      %p_gau23_wo: tensor<1536x768xf32> {tvq.name = "gau23.wo"},
      %p_gau23_wr: tensor<768x128xf32> {tvq.name = "gau23.wr"},
      %p_gau23_u: tensor<128xf32> {tvq.name = "gau23.u"},
      %p_gau23_w: tensor<128xf32> {tvq.name = "gau23.w"},
      %p_gau23_c_sum: tensor<512x128xf32> {tvq.name = "gau23.c_sum"},
      %p_gau23_c_count: tensor<512xf32> {tvq.name = "gau23.c_count"},
      %p_gau24_norm_gain: tensor<768xf32> {tvq.name = "gau24.norm.gain"},
      %p_gau24_norm_bias: tensor<768xf32> {tvq.name = "gau24.norm.bias"},
      %p_gau24_wq: tensor<768x128xf32> {tvq.name = "gau24.wq"},
      %p_gau24_wkvg: tensor<768x3200xf32> {tvq.name = "gau24.wkvg"},
      %p_gau24_wo: tensor<1536x768xf32> {tvq.name = "gau24.wo"},
      %p_gau24_wr: tensor<768x128xf32> {tvq.name = "gau24.wr"},
      %p_gau24_u: tensor<128xf32> {tvq.name = "gau24.u"},
      %p_gau24_w: tensor<128xf32> {tvq.name = "gau24.w"},
      %p_gau24_c_sum: tensor<512x128xf32> {tvq.name = "gau24.c_sum"},
      %p_gau24_c_count: tensor<512xf32> {tvq.name = "gau24.c_count"},
      %p_gau25_norm_gain: tensor<768xf32> {tvq.name = "gau25.norm.gain"},
      %p_gau25_norm_bias: tensor<768xf32> {tvq.name = "gau25.norm.bias"},
      %p_gau25_wq: tensor<768x128xf32> {tvq.name = "gau25.wq"},
      %p_gau25_wkvg: tensor<768x3200xf32> {tvq.name = "gau25.wkvg"},
      %p_gau25_wo: tensor<1536x768xf32> {tvq.name = "gau25.wo"},
      %p_gau25_wr: tensor<768x128xf32> {tvq.name = "gau25.wr"},
      %p_gau25_u: tensor<128xf32> {tvq.name = "gau25.u"},
      %p_gau25_w: tensor<128xf32> {tvq.name = "gau25.w"},
      %p_gau25_c_sum: tensor<512x128xf32> {tvq.name = "gau25.c_sum"},
      %p_gau25_c_count: tensor<512xf32> {tvq.name = "gau25.c_count"},
      %p_gau26_norm_gain: tensor<768xf32> {tvq.name = "gau26.norm.gain"},
      %p_gau26_norm_bias: tensor<768xf32> {tvq.name = "gau26.norm.bias"},
      %p_gau26_wq: tensor<768x128xf32> {tvq.name = "gau26.wq"},
      %p_gau26_wkvg: tensor<768x3200xf32> {tvq.name = "gau26.wkvg"},
      %p_gau26_wo: tensor<1536x768xf32> {tvq.name = "gau26.wo"},
      %p_gau26_wr: tensor<768x128xf32> {tvq.name = "gau26.wr"},
      %p_gau26_u: tensor<128xf32> {tvq.name = "gau26.u"},
      %p_gau26_w: tensor<128xf32> {tvq.name = "gau26.w"},
      %p_gau26_c_sum: tensor<512x128xf32> {tvq.name = "gau26.c_sum"},
      %p_gau26_c_count: tensor<512xf32> {tvq.name = "gau26.c_count"},
      %p_gau27_norm_gain: tensor<768xf32> {tvq.name = "gau27.norm.gain"},
      %p_gau27_norm_bias: tensor<768xf32> {tvq.name = "gau27.norm.bias"},
      %p_gau27_wq: tensor<768x128xf32> {tvq.name = "gau27.wq"},
      %p_gau27_wkvg: tensor<768x3200xf32> {tvq.name = "gau27.wkvg"},
      %p_gau27_wo: tensor<1536x768xf32> {tvq.name = "gau27.wo"},
      %p_gau27_wr: tensor<768x128xf32> {tvq.name = "gau27.wr"},
      %p_gau27_u: tensor<128xf32> {tvq.name = "gau27.u"},
      %p_gau27_w: tensor<128xf32> {tvq.name = "gau27.w"},
      %p_gau27_c_sum: tensor<512x128xf32> {tvq.name = "gau27.c_sum"},
      %p_gau27_c_count: tensor<512xf32> {tvq.name = "gau27.c_count"},
      %p_gau28_norm_gain: tensor<768xf32> {tvq.name = "gau28.norm.gain"},
      %p_gau28_norm_bias: tensor<768xf32> {tvq.name = "gau28.norm.bias"},
      %p_gau28_wq: tensor<768x128xf32> {tvq.name = "gau28.wq"},
      %p_gau28_wkvg: tensor<768x3200xf32> {tvq.name = "gau28.wkvg"},
      %p_gau28_wo: tensor<1536x768xf32> {tvq.name = "gau28.wo"},
      %p_gau28_wr: tensor<768x128xf32> {tvq.name = "gau28.wr"},
      %p_gau28_u: tensor<128xf32> {tvq.name = "gau28.u"},
      %p_gau28_w: tensor<128xf32> {tvq.name = "gau28.w"},
      %p_gau28_c_sum: tensor<512x128xf32> {tvq.name = "gau28.c_sum"},
      %p_gau28_c_count: tensor<512xf32> {tvq.name = "gau28.c_count"},
      %p_gau29_norm_gain: tensor<768xf32> {tvq.name = "gau29.norm.gain"},
      %p_gau29_norm_bias: tensor<768xf32> {tvq.name = "gau29.norm.bias"},
      %p_gau29_wq: tensor<768x128xf32> {tvq.name = "gau29.wq"},
      %p_gau29_wkvg: tensor<768x3200xf32> {tvq.name = "gau29.wkvg"},
      %p_gau29_wo: tensor<1536x768xf32> {tvq.name = "gau29.wo"},
      %p_gau29_wr: tensor<768x128xf32> {tvq.name = "gau29.wr"},
      %p_gau29_u: tensor<128xf32> {tvq.name = "gau29.u"},
      %p_gau29_w: tensor<128xf32> {tvq.name = "gau29.w"},
      %p_gau29_c_sum: tensor<512x128xf32> {tvq.name = "gau29.c_sum"},
      %p_gau29_c_count: tensor<512xf32> {tvq.name = "gau29.c_count"},
      %p_gau30_norm_gain: tensor<768xf32> {tvq.name = "gau30.norm.gain"},
      %p_gau30_norm_bias: tensor<768xf32> {tvq.name = "gau30.norm.bias"},
      %p_gau30_wq: tensor<768x128xf32> {tvq.name = "gau30.wq"},
      %p_gau30_wkvg: tensor<768x3200xf32> {tvq.name = "gau30.wkvg"},
      %p_gau30_wo: tensor<1536x768xf32> {tvq.name = "gau30.wo"},
      %p_gau30_wr: tensor<768x128xf32> {tvq.name = "gau30.wr"},
      %p_gau30_u: tensor<128xf32> {tvq.name = "gau30.u"},
      %p_gau30_w: tensor<128xf32> {tvq.name = "gau30.w"},
      %p_gau30_c_sum: tensor<512x128xf32> {tvq.name = "gau30.c_sum"},
      %p_gau30_c_count: tensor<512xf32> {tvq.name = "gau30.c_count"},
      %p_gau31_norm_gain: tensor<768xf32> {tvq.name = "gau31.norm.gain"},
      %p_gau31_norm_bias: tensor<768xf32> {tvq.name = "gau31.norm.bias"},
      %p_gau31_wq: tensor<768x128xf32> {tvq.name = "gau31.wq"},
      %p_gau31_wkvg: tensor<768x3200xf32> {tvq.name = "gau31.wkvg"},
      %p_gau31_wo: tensor<1536x768xf32> {tvq.name = "gau31.wo"},
      %p_gau31_wr: tensor<768x128xf32> {tvq.name = "gau31.wr"},
      %p_gau31_u: tensor<128xf32> {tvq.name = "gau31.u"},
      %p_gau31_w: tensor<128xf32> {tvq.name = "gau31.w"},
      %p_gau31_c_sum: tensor<512x128xf32> {tvq.name = "gau31.c_sum"},
      %p_gau31_c_count: tensor<512xf32> {tvq.name = "gau31.c_count"},
      %p_gau32_norm_gain: tensor<768xf32> {tvq.name = "gau32.norm.gain"},
      %p_gau32_norm_bias: tensor<768xf32> {tvq.name = "gau32.norm.bias"},
      %p_gau32_wq: tensor<768x128xf32> {tvq.name = "gau32.wq"},
      %p_gau32_wkvg: tensor<768x3200xf32> {tvq.name = "gau32.wkvg"},
      %p_gau32_wo: tensor<1536x768xf32> {tvq.name = "gau32.wo"},
      %p_gau32_wr: tensor<768x128xf32> {tvq.name = "gau32.wr"},
      %p_gau32_u: tensor<128xf32> {tvq.name = "gau32.u"},
      %p_gau32_w: tensor<128xf32> {tvq.name = "gau32.w"},
      %p_gau32_c_sum: tensor<512x128xf32> {tvq.name = "gau32.c_sum"},
      %p_gau32_c_count: tensor<512xf32> {tvq.name = "gau32.c_count"},
      %p_gau33_norm_gain: tensor<768xf32> {tvq.name = "gau33.norm.gain"},
      %p_gau33_norm_bias: tensor<768xf32> {tvq.name = "gau33.norm.bias"},
      %p_gau33_wq: tensor<768x128xf32> {tvq.name = "gau33.wq"},
      %p_gau33_wkvg: tensor<768x3200xf32> {tvq.name = "gau33.wkvg"},
      %p_gau33_wo: tensor<1536x768xf32> {tvq.name = "gau33.wo"},
      %p_gau33_wr: tensor<768x128xf32> {tvq.name = "gau33.wr"},
      %p_gau33_u: tensor<128xf32> {tvq.name = "gau33.u"},
      %p_gau33_w: tensor<128xf32> {tvq.name = "gau33.w"},
      %p_gau33_c_sum: tensor<512x128xf32> {tvq.name = "gau33.c_sum"},
      %p_gau33_c_count: tensor<512xf32> {tvq.name = "gau33.c_count"},
      %p_gau34_norm_gain: tensor<768xf32> {tvq.name = "gau34.norm.gain"},
      %p_gau34_norm_bias: tensor<768xf32> {tvq.name = "gau34.norm.bias"},
      %p_gau34_wq: tensor<768x128xf32> {tvq.name = "gau34.wq"},
      %p_gau34_wkvg: tensor<768x3200xf32> {tvq.name = "gau34.wkvg"},
      %p_gau34_wo: tensor<1536x768xf32> {tvq.name = "gau34.wo"},
      %p_gau34_wr: tensor<768x128xf32> {tvq.name = "gau34.wr"},
      %p_gau34_u: tensor<128xf32> {tvq.name = "gau34.u"},
      %p_gau34_w: tensor<128xf32> {tvq.name = "gau34.w"},
      %p_gau34_c_sum: tensor<512x128xf32> {tvq.name = "gau34.c_sum"},
      %p_gau34_c_count: tensor<512xf32> {tvq.name = "gau34.c_count"},
      %p_gau35_norm_gain: tensor<768xf32> {tvq.name = "gau35.norm.gain"},
      %p_gau35_norm_bias: tensor<768xf32> {tvq.name = "gau35.norm.bias"},
      %p_gau35_wq: tensor<768x128xf32> {tvq.name = "gau35.wq"},
      %p_gau35_wkvg: tensor<768x3200xf32> {tvq.name = "gau35.wkvg"},
      %p_gau35_wo: tensor<1536x768xf32> {tvq.name = "gau35.wo"},
      %p_gau35_wr: tensor<768x128xf32> {tvq.name = "gau35.wr"},
      %p_gau35_u: tensor<128xf32> {tvq.name = "gau35.u"},
      %p_gau35_w: tensor<128xf32> {tvq.name = "gau35.w"},
      %p_gau35_c_sum: tensor<512x128xf32> {tvq.name = "gau35.c_sum"},
      %p_gau35_c_count: tensor<512xf32> {tvq.name = "gau35.c_count"},
      %p_gau36_norm_gain: tensor<768xf32> {tvq.name = "gau36.norm.gain"},
      %p_gau36_norm_bias: tensor<768xf32> {tvq.name = "gau36.norm.bias"},
      %p_gau36_wq: tensor<768x128xf32> {tvq.name = "gau36.wq"},
      %p_gau36_wkvg: tensor<768x3200xf32> {tvq.name = "gau36.wkvg"},
      %p_gau36_wo: tensor<1536x768xf32> {tvq.name = "gau36.wo"},
      %p_gau36_wr: tensor<768x128xf32> {tvq.name = "gau36.wr"},
      %p_gau36_u: tensor<128xf32> {tvq.name = "gau36.u"},
      %p_gau36_w: tensor<128xf32> {tvq.name = "gau36.w"},
      %p_gau36_c_sum: tensor<512x128xf32> {tvq.name = "gau36.c_sum"},
      %p_gau36_c_count: tensor<512xf32> {tvq.name = "gau36.c_count"},
      %p_gau37_norm_gain: tensor<768xf32> {tvq.name = "gau37.norm.gain"},
      %p_gau37_norm_bias: tensor<768xf32> {tvq.name = "gau37.norm.bias"},
      %p_gau37_wq: tensor<768x128xf32> {tvq.name = "gau37.wq"},
      %p_gau37_wkvg: tensor<768x3200xf32> {tvq.name = "gau37.wkvg"},
      %p_gau37_wo: tensor<1536x768xf32> {tvq.name = "gau37.wo"},
      %p_gau37_wr: tensor<768x128xf32> {tvq.name = "gau37.wr"},
      %p_gau37_u: tensor<128xf32> {tvq.name = "gau37.u"},
      %p_gau37_w: tensor<128xf32> {tvq.name = "gau37.w"},
      %p_gau37_c_sum: tensor<512x128xf32> {tvq.name = "gau37.c_sum"},
      %p_gau37_c_count: tensor<512xf32> {tvq.name = "gau37.c_count"},
      %p_gau38_norm_gain: tensor<768xf32> {tvq.name = "gau38.norm.gain"},
      %p_gau38_norm_bias: tensor<768xf32> {tvq.name = "gau38.norm.bias"},
      %p_gau38_wq: tensor<768x128xf32> {tvq.name = "gau38.wq"},
      %p_gau38_wkvg: tensor<768x3200xf32> {tvq.name = "gau38.wkvg"},
      %p_gau38_wo: tensor<1536x768xf32> {tvq.name = "gau38.wo"},
      %p_gau38_wr: tensor<768x128xf32> {tvq.name = "gau38.wr"},
      %p_gau38_u: tensor<128xf32> {tvq.name = "gau38.u"},
      %p_gau38_w: tensor<128xf32> {tvq.name = "gau38.w"},
      %p_gau38_c_sum: tensor<512x128xf32> {tvq.name = "gau38.c_sum"},
      %p_gau38_c_count: tensor<512xf32> {tvq.name = "gau38.c_count"},
      %p_gau39_norm_gain: tensor<768xf32> {tvq.name = "gau39.norm.gain"},
      %p_gau39_norm_bias: tensor<768xf32> {tvq.name = "gau39.norm.bias"},
      %p_gau39_wq: tensor<768x128xf32> {tvq.name = "gau39.wq"},
      %p_gau39_wkvg: tensor<768x3200xf32> {tvq.name = "gau39.wkvg"},
      %p_gau39_wo: tensor<1536x768xf32> {tvq.name = "gau39.wo"},
      %p_gau39_wr: tensor<768x128xf32> {tvq.name = "gau39.wr"},
      %p_gau39_u: tensor<128xf32> {tvq.name = "gau39.u"},
      %p_gau39_w: tensor<128xf32> {tvq.name = "gau39.w"},
      %p_gau39_c_sum: tensor<512x128xf32> {tvq.name = "gau39.c_sum"},
      %p_gau39_c_count: tensor<512xf32> {tvq.name = "gau39.c_count"},
      %p_gau40_norm_gain: tensor<768xf32> {tvq.name = "gau40.norm.gain"},
      %p_gau40_norm_bias: tensor<768xf32> {tvq.name = "gau40.norm.bias"},
      %p_gau40_wq: tensor<768x128xf32> {tvq.name = "gau40.wq"},
      %p_gau40_wkvg: tensor<768x3200xf32> {tvq.name = "gau40.wkvg"},
      %p_gau40_wo: tensor<1536x768xf32> {tvq.name = "gau40.wo"},
      %p_gau40_wr: tensor<768x128xf32> {tvq.name = "gau40.wr"},
      %p_gau40_u: tensor<128xf32> {tvq.name = "gau40.u"},
      %p_gau40_w: tensor<128xf32> {tvq.name = "gau40.w"},
      %p_gau40_c_sum: tensor<512x128xf32> {tvq.name = "gau40.c_sum"},
      %p_gau40_c_count: tensor<512xf32> {tvq.name = "gau40.c_count"},
      %p_gau41_norm_gain: tensor<768xf32> {tvq.name = "gau41.norm.gain"},
      %p_gau41_norm_bias: tensor<768xf32> {tvq.name = "gau41.norm.bias"},
      %p_gau41_wq: tensor<768x128xf32> {tvq.name = "gau41.wq"},
      %p_gau41_wkvg: tensor<768x3200xf32> {tvq.name = "gau41.wkvg"},
      %p_gau41_wo: tensor<1536x768xf32> {tvq.name = "gau41.wo"},
      %p_gau41_wr: tensor<768x128xf32> {tvq.name = "gau41.wr"},
      %p_gau41_u: tensor<128xf32> {tvq.name = "gau41.u"},
      %p_gau41_w: tensor<128xf32> {tvq.name = "gau41.w"},
      %p_gau41_c_sum: tensor<512x128xf32> {tvq.name = "gau41.c_sum"},
      %p_gau41_c_count: tensor<512xf32> {tvq.name = "gau41.c_count"},
      %p_gau42_norm_gain: tensor<768xf32> {tvq.name = "gau42.norm.gain"},
      %p_gau42_norm_bias: tensor<768xf32> {tvq.name = "gau42.norm.bias"},
      %p_gau42_wq: tensor<768x128xf32> {tvq.name = "gau42.wq"},
      %p_gau42_wkvg: tensor<768x3200xf32> {tvq.name = "gau42.wkvg"},
      %p_gau42_wo: tensor<1536x768xf32> {tvq.name = "gau42.wo"},
      %p_gau42_wr: tensor<768x128xf32> {tvq.name = "gau42.wr"},
      %p_gau42_u: tensor<128xf32> {tvq.name = "gau42.u"},
      %p_gau42_w: tensor<128xf32> {tvq.name = "gau42.w"},
      %p_gau42_c_sum: tensor<512x128xf32> {tvq.name = "gau42.c_sum"},
      %p_gau42_c_count: tensor<512xf32> {tvq.name = "gau42.c_count"},
      %p_gau43_norm_gain: tensor<768xf32> {tvq.name = "gau43.norm.gain"},
      %p_gau43_norm_bias: tensor<768xf32> {tvq.name = "gau43.norm.bias"},
      %p_gau43_wq: tensor<768x128xf32> {tvq.name = "gau43.wq"},
      %p_gau43_wkvg: tensor<768x3200xf32> {tvq.name = "gau43.wkvg"},
      %p_gau43_wo: tensor<1536x768xf32> {tvq.name = "gau43.wo"},
      %p_gau43_wr: tensor<768x128xf32> {tvq.name = "gau43.wr"},
      %p_gau43_u: tensor<128xf32> {tvq.name = "gau43.u"},
      %p_gau43_w: tensor<128xf32> {tvq.name = "gau43.w"},
      %p_gau43_c_sum: tensor<512x128xf32> {tvq.name = "gau43.c_sum"},
      %p_gau43_c_count: tensor<512xf32> {tvq.name = "gau43.c_count"},
      %p_gau44_norm_gain: tensor<768xf32> {tvq.name = "gau44.norm.gain"},
      %p_gau44_norm_bias: tensor<768xf32> {tvq.name = "gau44.norm.bias"},
      %p_gau44_wq: tensor<768x128xf32> {tvq.name = "gau44.wq"},
      %p_gau44_wkvg: tensor<768x3200xf32> {tvq.name = "gau44.wkvg"},
      %p_gau44_wo: tensor<1536x768xf32> {tvq.name = "gau44.wo"},
      %p_gau44_wr: tensor<768x128xf32> {tvq.name = "gau44.wr"},
      %p_gau44_u: tensor<128xf32> {tvq.name = "gau44.u"},
      %p_gau44_w: tensor<128xf32> {tvq.name = "gau44.w"},
      %p_gau44_c_sum: tensor<512x128xf32> {tvq.name = "gau44.c_sum"},
      %p_gau44_c_count: tensor<512xf32> {tvq.name = "gau44.c_count"},
      %p_gau45_norm_gain: tensor<768xf32> {tvq.name = "gau45.norm.gain"},
      %p_gau45_norm_bias: tensor<768xf32> {tvq.name = "gau45.norm.bias"},
      %p_gau45_wq: tensor<768x128xf32> {tvq.name = "gau45.wq"},
      %p_gau45_wkvg: tensor<768x3200xf32> {tvq.name = "gau45.wkvg"},
      %p_gau45_wo: tensor<1536x768xf32> {tvq.name = "gau45.wo"},
      %p_gau45_wr: tensor<768x128xf32> {tvq.name = "gau45.wr"},
      %p_gau45_u: tensor<128xf32> {tvq.name = "gau45.u"},
      %p_gau45_w: tensor<128xf32> {tvq.name = "gau45.w"},
      %p_gau45_c_sum: tensor<512x128xf32> {tvq.name = "gau45.c_sum"},
      %p_gau45_c_count: tensor<512xf32> {tvq.name = "gau45.c_count"},
      %p_gau46_norm_gain: tensor<768xf32> {tvq.name = "gau46.norm.gain"},
      %p_gau46_norm_bias: tensor<768xf32> {tvq.name = "gau46.norm.bias"},
      %p_gau46_wq: tensor<768x128xf32> {tvq.name = "gau46.wq"},
      %p_gau46_wkvg: tensor<768x3200xf32> {tvq.name = "gau46.wkvg"},
      %p_gau46_wo: tensor<1536x768xf32> {tvq.name = "gau46.wo"},
      %p_gau46_wr: tensor<768x128xf32> {tvq.name = "gau46.wr"},
      %p_gau46_u: tensor<128xf32> {tvq.name = "gau46.u"},
      %p_gau46_w: tensor<128xf32> {tvq.name = "gau46.w"},
      %p_gau46_c_sum: tensor<512x128xf32> {tvq.name = "gau46.c_sum"},
      %p_gau46_c_count: tensor<512xf32> {tvq.name = "gau46.c_count"},
      %p_gau47_norm_gain: tensor<768xf32> {tvq.name = "gau47.norm.gain"},
      %p_gau47_norm_bias: tensor<768xf32> {tvq.name = "gau47.norm.bias"},
      %p_gau47_wq: tensor<768x128xf32> {tvq.name = "gau47.wq"},
      %p_gau47_wkvg: tensor<768x3200xf32> {tvq.name = "gau47.wkvg"},
      %p_gau47_wo: tensor<1536x768xf32> {tvq.name = "gau47.wo"},
      %p_gau47_wr: tensor<768x128xf32> {tvq.name = "gau47.wr"},
      %p_gau47_u: tensor<128xf32> {tvq.name = "gau47.u"},
      %p_gau47_w: tensor<128xf32> {tvq.name = "gau47.w"},
      %p_gau47_c_sum: tensor<512x128xf32> {tvq.name = "gau47.c_sum"},
      %p_gau47_c_count: tensor<512xf32> {tvq.name = "gau47.c_count"},
      %p_head_w: tensor<768x259xf32> {tvq.name = "head.w"},
      %p_head_b: tensor<259xf32> {tvq.name = "head.b"},
      %inputs: tensor<?x?xi32> {tvq.name = "inputs"})
      -> (tensor<?x?x259xf32> {tvq.name = "logits"}) {
    %x0 = tvq.embedding %inputs, %p_embed : (tensor<?x?xi32>, tensor<259x768xf32>) -> tensor<?x?x768xf32>
    %x1, %commit1 = func.call @gau(%x0, %p_gau0_norm_gain, %p_gau0_norm_bias, %p_gau0_wq, %p_gau0_wkvg, %p_gau0_wo, %p_gau0_wr, %p_gau0_u, %p_gau0_w, %p_gau0_c_sum, %p_gau0_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x2, %commit2 = func.call @gau(%x1, %p_gau1_norm_gain, %p_gau1_norm_bias, %p_gau1_wq, %p_gau1_wkvg, %p_gau1_wo, %p_gau1_wr, %p_gau1_u, %p_gau1_w, %p_gau1_c_sum, %p_gau1_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x3, %commit3 = func.call @gau(%x2, %p_gau2_norm_gain, %p_gau2_norm_bias, %p_gau2_wq, %p_gau2_wkvg, %p_gau2_wo, %p_gau2_wr, %p_gau2_u, %p_gau2_w, %p_gau2_c_sum, %p_gau2_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x4, %commit4 = func.call @gau(%x3, %p_gau3_norm_gain, %p_gau3_norm_bias, %p_gau3_wq, %p_gau3_wkvg, %p_gau3_wo, %p_gau3_wr, %p_gau3_u, %p_gau3_w, %p_gau3_c_sum, %p_gau3_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x5, %commit5 = func.call @gau(%x4, %p_gau4_norm_gain, %p_gau4_norm_bias, %p_gau4_wq, %p_gau4_wkvg, %p_gau4_wo, %p_gau4_wr, %p_gau4_u, %p_gau4_w, %p_gau4_c_sum, %p_gau4_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x6, %commit6 = func.call @gau(%x5, %p_gau5_norm_gain, %p_gau5_norm_bias, %p_gau5_wq, %p_gau5_wkvg, %p_gau5_wo, %p_gau5_wr, %p_gau5_u, %p_gau5_w, %p_gau5_c_sum, %p_gau5_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x7, %commit7 = func.call @gau(%x6, %p_gau6_norm_gain, %p_gau6_norm_bias, %p_gau6_wq, %p_gau6_wkvg, %p_gau6_wo, %p_gau6_wr, %p_gau6_u, %p_gau6_w, %p_gau6_c_sum, %p_gau6_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x8, %commit8 = func.call @gau(%x7, %p_gau7_norm_gain, %p_gau7_norm_bias, %p_gau7_wq, %p_gau7_wkvg, %p_gau7_wo, %p_gau7_wr, %p_gau7_u, %p_gau7_w, %p_gau7_c_sum, %p_gau7_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x9, %commit9 = func.call @gau(%x8, %p_gau8_norm_gain, %p_gau8_norm_bias, %p_gau8_wq, %p_gau8_wkvg, %p_gau8_wo, %p_gau8_wr, %p_gau8_u, %p_gau8_w, %p_gau8_c_sum, %p_gau8_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x10, %commit10 = func.call @gau(%x9, %p_gau9_norm_gain, %p_gau9_norm_bias, %p_gau9_wq, %p_gau9_wkvg, %p_gau9_wo, %p_gau9_wr, %p_gau9_u, %p_gau9_w, %p_gau9_c_sum, %p_gau9_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x11, %commit11 = func.call @gau(%x10, %p_gau10_norm_gain, %p_gau10_norm_bias, %p_gau10_wq, %p_gau10_wkvg, %p_gau10_wo, %p_gau10_wr, %p_gau10_u, %p_gau10_w, %p_gau10_c_sum, %p_gau10_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x12, %commit12 = func.call @gau(%x11, %p_gau11_norm_gain, %p_gau11_norm_bias, %p_gau11_wq, %p_gau11_wkvg, %p_gau11_wo, %p_gau11_wr, %p_gau11_u, %p_gau11_w, %p_gau11_c_sum, %p_gau11_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x13, %commit13 = func.call @gau(%x12, %p_gau12_norm_gain, %p_gau12_norm_bias, %p_gau12_wq, %p_gau12_wkvg, %p_gau12_wo, %p_gau12_wr, %p_gau12_u, %p_gau12_w, %p_gau12_c_sum, %p_gau12_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x14, %commit14 = func.call @gau(%x13, %p_gau13_norm_gain, %p_gau13_norm_bias, %p_gau13_wq, %p_gau13_wkvg, %p_gau13_wo, %p_gau13_wr, %p_gau13_u, %p_gau13_w, %p_gau13_c_sum, %p_gau13_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x15, %commit15 = func.call @gau(%x14, %p_gau14_norm_gain, %p_gau14_norm_bias, %p_gau14_wq, %p_gau14_wkvg, %p_gau14_wo, %p_gau14_wr, %p_gau14_u, %p_gau14_w, %p_gau14_c_sum, %p_gau14_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x16, %commit16 = func.call @gau(%x15, %p_gau15_norm_gain, %p_gau15_norm_bias, %p_gau15_wq, %p_gau15_wkvg, %p_gau15_wo, %p_gau15_wr, %p_gau15_u, %p_gau15_w, %p_gau15_c_sum, %p_gau15_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x17, %commit17 = func.call @gau(%x16, %p_gau16_norm_gain, %p_gau16_norm_bias, %p_gau16_wq, %p_gau16_wkvg, %p_gau16_wo, %p_gau16_wr, %p_gau16_u, %p_gau16_w, %p_gau16_c_sum, %p_gau16_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x18, %commit18 = func.call @gau(%x17, %p_gau17_norm_gain, %p_gau17_norm_bias, %p_gau17_wq, %p_gau17_wkvg, %p_gau17_wo, %p_gau17_wr, %p_gau17_u, %p_gau17_w, %p_gau17_c_sum, %p_gau17_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x19, %commit19 = func.call @gau(%x18, %p_gau18_norm_gain, %p_gau18_norm_bias, %p_gau18_wq, %p_gau18_wkvg, %p_gau18_wo, %p_gau18_wr, %p_gau18_u, %p_gau18_w, %p_gau18_c_sum, %p_gau18_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x20, %commit20 = func.call @gau(%x19, %p_gau19_norm_gain, %p_gau19_norm_bias, %p_gau19_wq, %p_gau19_wkvg, %p_gau19_wo, %p_gau19_wr, %p_gau19_u, %p_gau19_w, %p_gau19_c_sum, %p_gau19_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x21, %commit21 = func.call @gau(%x20, %p_gau20_norm_gain, %p_gau20_norm_bias, %p_gau20_wq, %p_gau20_wkvg, %p_gau20_wo, %p_gau20_wr, %p_gau20_u, %p_gau20_w, %p_gau20_c_sum, %p_gau20_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x22, %commit22 = func.call @gau(%x21, %p_gau21_norm_gain, %p_gau21_norm_bias, %p_gau21_wq, %p_gau21_wkvg, %p_gau21_wo, %p_gau21_wr, %p_gau21_u, %p_gau21_w, %p_gau21_c_sum, %p_gau21_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x23, %commit23 = func.call @gau(%x22, %p_gau22_norm_gain, %p_gau22_norm_bias, %p_gau22_wq, %p_gau22_wkvg, %p_gau22_wo, %p_gau22_wr, %p_gau22_u, %p_gau22_w, %p_gau22_c_sum, %p_gau22_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x24, %commit24 = func.call @gau(%x23, %p_gau23_norm_gain, %p_gau23_norm_bias, %p_gau23_wq, %p_gau23_wkvg, %p_gau23_wo, %p_gau23_wr, %p_gau23_u, %p_gau23_w, %p_gau23_c_sum, %p_gau23_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x25, %commit25 = func.call @gau(%x24, %p_gau24_norm_gain, %p_gau24_norm_bias, %p_gau24_wq, %p_gau24_wkvg, %p_gau24_wo, %p_gau24_wr, %p_gau24_u, %p_gau24_w, %p_gau24_c_sum, %p_gau24_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x26, %commit26 = func.call @gau(%x25, %p_gau25_norm_gain, %p_gau25_norm_bias, %p_gau25_wq, %p_gau25_wkvg, %p_gau25_wo, %p_gau25_wr, %p_gau25_u, %p_gau25_w, %p_gau25_c_sum, %p_gau25_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x27, %commit27 = func.call @gau(%x26, %p_gau26_norm_gain, %p_gau26_norm_bias, %p_gau26_wq, %p_gau26_wkvg, %p_gau26_wo, %p_gau26_wr, %p_gau26_u, %p_gau26_w, %p_gau26_c_sum, %p_gau26_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x28, %commit28 = func.call @gau(%x27, %p_gau27_norm_gain, %p_gau27_norm_bias, %p_gau27_wq, %p_gau27_wkvg, %p_gau27_wo, %p_gau27_wr, %p_gau27_u, %p_gau27_w, %p_gau27_c_sum, %p_gau27_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x29, %commit29 = func.call @gau(%x28, %p_gau28_norm_gain, %p_gau28_norm_bias, %p_gau28_wq, %p_gau28_wkvg, %p_gau28_wo, %p_gau28_wr, %p_gau28_u, %p_gau28_w, %p_gau28_c_sum, %p_gau28_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x30, %commit30 = func.call @gau(%x29, %p_gau29_norm_gain, %p_gau29_norm_bias, %p_gau29_wq, %p_gau29_wkvg, %p_gau29_wo, %p_gau29_wr, %p_gau29_u, %p_gau29_w, %p_gau29_c_sum, %p_gau29_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x31, %commit31 = func.call @gau(%x30, %p_gau30_norm_gain, %p_gau30_norm_bias, %p_gau30_wq, %p_gau30_wkvg, %p_gau30_wo, %p_gau30_wr, %p_gau30_u, %p_gau30_w, %p_gau30_c_sum, %p_gau30_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x32, %commit32 = func.call @gau(%x31, %p_gau31_norm_gain, %p_gau31_norm_bias, %p_gau31_wq, %p_gau31_wkvg, %p_gau31_wo, %p_gau31_wr, %p_gau31_u, %p_gau31_w, %p_gau31_c_sum, %p_gau31_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x33, %commit33 = func.call @gau(%x32, %p_gau32_norm_gain, %p_gau32_norm_bias, %p_gau32_wq, %p_gau32_wkvg, %p_gau32_wo, %p_gau32_wr, %p_gau32_u, %p_gau32_w, %p_gau32_c_sum, %p_gau32_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x34, %commit34 = func.call @gau(%x33, %p_gau33_norm_gain, %p_gau33_norm_bias, %p_gau33_wq, %p_gau33_wkvg, %p_gau33_wo, %p_gau33_wr, %p_gau33_u, %p_gau33_w, %p_gau33_c_sum, %p_gau33_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x35, %commit35 = func.call @gau(%x34, %p_gau34_norm_gain, %p_gau34_norm_bias, %p_gau34_wq, %p_gau34_wkvg, %p_gau34_wo, %p_gau34_wr, %p_gau34_u, %p_gau34_w, %p_gau34_c_sum, %p_gau34_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x36, %commit36 = func.call @gau(%x35, %p_gau35_norm_gain, %p_gau35_norm_bias, %p_gau35_wq, %p_gau35_wkvg, %p_gau35_wo, %p_gau35_wr, %p_gau35_u, %p_gau35_w, %p_gau35_c_sum, %p_gau35_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x37, %commit37 = func.call @gau(%x36, %p_gau36_norm_gain, %p_gau36_norm_bias, %p_gau36_wq, %p_gau36_wkvg, %p_gau36_wo, %p_gau36_wr, %p_gau36_u, %p_gau36_w, %p_gau36_c_sum, %p_gau36_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x38, %commit38 = func.call @gau(%x37, %p_gau37_norm_gain, %p_gau37_norm_bias, %p_gau37_wq, %p_gau37_wkvg, %p_gau37_wo, %p_gau37_wr, %p_gau37_u, %p_gau37_w, %p_gau37_c_sum, %p_gau37_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x39, %commit39 = func.call @gau(%x38, %p_gau38_norm_gain, %p_gau38_norm_bias, %p_gau38_wq, %p_gau38_wkvg, %p_gau38_wo, %p_gau38_wr, %p_gau38_u, %p_gau38_w, %p_gau38_c_sum, %p_gau38_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x40, %commit40 = func.call @gau(%x39, %p_gau39_norm_gain, %p_gau39_norm_bias, %p_gau39_wq, %p_gau39_wkvg, %p_gau39_wo, %p_gau39_wr, %p_gau39_u, %p_gau39_w, %p_gau39_c_sum, %p_gau39_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x41, %commit41 = func.call @gau(%x40, %p_gau40_norm_gain, %p_gau40_norm_bias, %p_gau40_wq, %p_gau40_wkvg, %p_gau40_wo, %p_gau40_wr, %p_gau40_u, %p_gau40_w, %p_gau40_c_sum, %p_gau40_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x42, %commit42 = func.call @gau(%x41, %p_gau41_norm_gain, %p_gau41_norm_bias, %p_gau41_wq, %p_gau41_wkvg, %p_gau41_wo, %p_gau41_wr, %p_gau41_u, %p_gau41_w, %p_gau41_c_sum, %p_gau41_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x43, %commit43 = func.call @gau(%x42, %p_gau42_norm_gain, %p_gau42_norm_bias, %p_gau42_wq, %p_gau42_wkvg, %p_gau42_wo, %p_gau42_wr, %p_gau42_u, %p_gau42_w, %p_gau42_c_sum, %p_gau42_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x44, %commit44 = func.call @gau(%x43, %p_gau43_norm_gain, %p_gau43_norm_bias, %p_gau43_wq, %p_gau43_wkvg, %p_gau43_wo, %p_gau43_wr, %p_gau43_u, %p_gau43_w, %p_gau43_c_sum, %p_gau43_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x45, %commit45 = func.call @gau(%x44, %p_gau44_norm_gain, %p_gau44_norm_bias, %p_gau44_wq, %p_gau44_wkvg, %p_gau44_wo, %p_gau44_wr, %p_gau44_u, %p_gau44_w, %p_gau44_c_sum, %p_gau44_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x46, %commit46 = func.call @gau(%x45, %p_gau45_norm_gain, %p_gau45_norm_bias, %p_gau45_wq, %p_gau45_wkvg, %p_gau45_wo, %p_gau45_wr, %p_gau45_u, %p_gau45_w, %p_gau45_c_sum, %p_gau45_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x47, %commit47 = func.call @gau(%x46, %p_gau46_norm_gain, %p_gau46_norm_bias, %p_gau46_wq, %p_gau46_wkvg, %p_gau46_wo, %p_gau46_wr, %p_gau46_u, %p_gau46_w, %p_gau46_c_sum, %p_gau46_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x48, %commit48 = func.call @gau(%x47, %p_gau47_norm_gain, %p_gau47_norm_bias, %p_gau47_wq, %p_gau47_wkvg, %p_gau47_wo, %p_gau47_wr, %p_gau47_u, %p_gau47_w, %p_gau47_c_sum, %p_gau47_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %logits = tvq.dense %x48, %p_head_w bias %p_head_b : (tensor<?x?x768xf32>, tensor<768x259xf32>, tensor<259xf32>) -> tensor<?x?x259xf32>
    return %logits : tensor<?x?x259xf32>
  }

  func.func @eval_loss(%p_embed: tensor<259x768xf32> {tvq.name = "embed"},
      %p_gau0_norm_gain: tensor<768xf32> {tvq.name = "gau0.norm.gain"},
      %p_gau0_norm_bias: tensor<768xf32> {tvq.name = "gau0.norm.bias"},
      %p_gau0_wq: tensor<768x128xf32> {tvq.name = "gau0.wq"},
      %p_gau0_wkvg: tensor<768x3200xf32> {tvq.name = "gau0.wkvg"},
      %p_gau0_wo: tensor<1536x768xf32> {tvq.name = "gau0.wo"},
      %p_gau0_wr: tensor<768x128xf32> {tvq.name = "gau0.wr"},
      %p_gau0_u: tensor<128xf32> {tvq.name = "gau0.u"},
      %p_gau0_w: tensor<128xf32> {tvq.name = "gau0.w"},
      %p_gau0_c_sum: tensor<512x128xf32> {tvq.name = "gau0.c_sum"},
      %p_gau0_c_count: tensor<512xf32> {tvq.name = "gau0.c_count"},
      %p_gau1_norm_gain: tensor<768xf32> {tvq.name = "gau1.norm.gain"},
      %p_gau1_norm_bias: tensor<768xf32> {tvq.name = "gau1.norm.bias"},
      %p_gau1_wq: tensor<768x128xf32> {tvq.name = "gau1.wq"},
      %p_gau1_wkvg: tensor<768x3200xf32> {tvq.name = "gau1.wkvg"},
      %p_gau1_wo: tensor<1536x768xf32> {tvq.name = "gau1.wo"},
      %p_gau1_wr: tensor<768x128xf32> {tvq.name = "gau1.wr"},
      %p_gau1_u: tensor<128xf32> {tvq.name = "gau1.u"},
      %p_gau1_w: tensor<128xf32> {tvq.name = "gau1.w"},
      %p_gau1_c_sum: tensor<512x128xf32> {tvq.name = "gau1.c_sum"},
      %p_gau1_c_count: tensor<512xf32> {tvq.name = "gau1.c_count"},
      %p_gau2_norm_gain: tensor<768xf32> {tvq.name = "gau2.norm.gain"},
      %p_gau2_norm_bias: tensor<768xf32> {tvq.name = "gau2.norm.bias"},
      %p_gau2_wq: tensor<768x128xf32> {tvq.name = "gau2.wq"},
      %p_gau2_wkvg: tensor<768x3200xf32> {tvq.name = "gau2.wkvg"},
      %p_gau2_wo: tensor<1536x768xf32> {tvq.name = "gau2.wo"},
      %p_gau2_wr: tensor<768x128xf32> {tvq.name = "gau2.wr"},
      %p_gau2_u: tensor<128xf32> {tvq.name = "gau2.u"},
      %p_gau2_w: tensor<128xf32> {tvq.name = "gau2.w"},
      %p_gau2_c_sum: tensor<512x128xf32> {tvq.name = "gau2.c_sum"},
      %p_gau2_c_count: tensor<512xf32> {tvq.name = "gau2.c_count"},
      %p_gau3_norm_gain: tensor<768xf32> {tvq.name = "gau3.norm.gain"},
      %p_gau3_norm_bias: tensor<768xf32> {tvq.name = "gau3.norm.bias"},
      %p_gau3_wq: tensor<768x128xf32> {tvq.name = "gau3.wq"},
      %p_gau3_wkvg: tensor<768x3200xf32> {tvq.name = "gau3.wkvg"},
      %p_gau3_wo: tensor<1536x768xf32> {tvq.name = "gau3.wo"},
      %p_gau3_wr: tensor<768x128xf32> {tvq.name = "gau3.wr"},
      %p_gau3_u: tensor<128xf32> {tvq.name = "gau3.u"},
      %p_gau3_w: tensor<128xf32> {tvq.name = "gau3.w"},
      %p_gau3_c_sum: tensor<512x128xf32> {tvq.name = "gau3.c_sum"},
      %p_gau3_c_count: tensor<512xf32> {tvq.name = "gau3.c_count"},
      %p_gau4_norm_gain: tensor<768xf32> {tvq.name = "gau4.norm.gain"},
      %p_gau4_norm_bias: tensor<768xf32> {tvq.name = "gau4.norm.bias"},
      %p_gau4_wq: tensor<768x128xf32> {tvq.name = "gau4.wq"},
      %p_gau4_wkvg: tensor<768x3200xf32> {tvq.name = "gau4.wkvg"},
      %p_gau4_wo: tensor<1536x768xf32> {tvq.name = "gau4.wo"},
      %p_gau4_wr: tensor<768x128xf32> {tvq.name = "gau4.wr"},
      %p_gau4_u: tensor<128xf32> {tvq.name = "gau4.u"},
      %p_gau4_w: tensor<128xf32> {tvq.name = "gau4.w"},
      %p_gau4_c_sum: tensor<512x128xf32> {tvq.name = "gau4.c_sum"},
      %p_gau4_c_count: tensor<512xf32> {tvq.name = "gau4.c_count"},
      %p_gau5_norm_gain: tensor<768xf32> {tvq.name = "gau5.norm.gain"},
      %p_gau5_norm_bias: tensor<768xf32> {tvq.name = "gau5.norm.bias"},
      %p_gau5_wq: tensor<768x128xf32> {tvq.name = "gau5.wq"},
      %p_gau5_wkvg: tensor<768x3200xf32> {tvq.name = "gau5.wkvg"},
      %p_gau5_wo: tensor<1536x768xf32> {tvq.name = "gau5.wo"},
      %p_gau5_wr: tensor<768x128xf32> {tvq.name = "gau5.wr"},
      %p_gau5_u: tensor<128xf32> {tvq.name = "gau5.u"},
      %p_gau5_w: tensor<128xf32> {tvq.name = "gau5.w"},
      %p_gau5_c_sum: tensor<512x128xf32> {tvq.name = "gau5.c_sum"},
      %p_gau5_c_count: tensor<512xf32> {tvq.name = "gau5.c_count"},
      %p_gau6_norm_gain: tensor<768xf32> {tvq.name = "gau6.norm.gain"},
      %p_gau6_norm_bias: tensor<768xf32> {tvq.name = "gau6.norm.bias"},
      %p_gau6_wq: tensor<768x128xf32> {tvq.name = "gau6.wq"},
      %p_gau6_wkvg: tensor<768x3200xf32> {tvq.name = "gau6.wkvg"},
      %p_gau6_wo: tensor<1536x768xf32> {tvq.name = "gau6.wo"},
      %p_gau6_wr: tensor<768x128xf32> {tvq.name = "gau6.wr"},
      %p_gau6_u: tensor<128xf32> {tvq.name = "gau6.u"},
      %p_gau6_w: tensor<128xf32> {tvq.name = "gau6.w"},
      %p_gau6_c_sum: tensor<512x128xf32> {tvq.name = "gau6.c_sum"},
      %p_gau6_c_count: tensor<512xf32> {tvq.name = "gau6.c_count"},
      %p_gau7_norm_gain: tensor<768xf32> {tvq.name = "gau7.norm.gain"},
      %p_gau7_norm_bias: tensor<768xf32> {tvq.name = "gau7.norm.bias"},
      %p_gau7_wq: tensor<768x128xf32> {tvq.name = "gau7.wq"},
      %p_gau7_wkvg: tensor<768x3200xf32> {tvq.name = "gau7.wkvg"},
      %p_gau7_wo: tensor<1536x768xf32> {tvq.name = "gau7.wo"},
      %p_gau7_wr: tensor<768x128xf32> {tvq.name = "gau7.wr"},
      %p_gau7_u: tensor<128xf32> {tvq.name = "gau7.u"},
      %p_gau7_w: tensor<128xf32> {tvq.name = "gau7.w"},
      %p_gau7_c_sum: tensor<512x128xf32> {tvq.name = "gau7.c_sum"},
      %p_gau7_c_count: tensor<512xf32> {tvq.name = "gau7.c_count"},
      %p_gau8_norm_gain: tensor<768xf32> {tvq.name = "gau8.norm.gain"},
      %p_gau8_norm_bias: tensor<768xf32> {tvq.name = "gau8.norm.bias"},
      %p_gau8_wq: tensor<768x128xf32> {tvq.name = "gau8.wq"},
      %p_gau8_wkvg: tensor<768x3200xf32> {tvq.name = "gau8.wkvg"},
      %p_gau8_wo: tensor<1536x768xf32> {tvq.name = "gau8.wo"},
      %p_gau8_wr: tensor<768x128xf32> {tvq.name = "gau8.wr"},
      %p_gau8_u: tensor<128xf32> {tvq.name = "gau8.u"},
      %p_gau8_w: tensor<128xf32> {tvq.name = "gau8.w"},
      %p_gau8_c_sum: tensor<512x128xf32> {tvq.name = "gau8.c_sum"},
      %p_gau8_c_count: tensor<512xf32> {tvq.name = "gau8.c_count"},
      %p_gau9_norm_gain: tensor<768xf32> {tvq.name = "gau9.norm.gain"},
      %p_gau9_norm_bias: tensor<768xf32> {tvq.name = "gau9.norm.bias"},
      %p_gau9_wq: tensor<768x128xf32> {tvq.name = "gau9.wq"},
      %p_gau9_wkvg: tensor<768x3200xf32> {tvq.name = "gau9.wkvg"},
      %p_gau9_wo: tensor<1536x768xf32> {tvq.name = "gau9.wo"},
      %p_gau9_wr: tensor<768x128xf32> {tvq.name = "gau9.wr"},
      %p_gau9_u: tensor<128xf32> {tvq.name = "gau9.u"},
      %p_gau9_w: tensor<128xf32> {tvq.name = "gau9.w"},
      %p_gau9_c_sum: tensor<512x128xf32> {tvq.name = "gau9.c_sum"},
      %p_gau9_c_count: tensor<512xf32> {tvq.name = "gau9.c_count"},
      %p_gau10_norm_gain: tensor<768xf32> {tvq.name = "gau10.norm.gain"},
      %p_gau10_norm_bias: tensor<768xf32> {tvq.name = "gau10.norm.bias"},
      %p_gau10_wq: tensor<768x128xf32> {tvq.name = "gau10.wq"},
      %p_gau10_wkvg: tensor<768x3200xf32> {tvq.name = "gau10.wkvg"},
      %p_gau10_wo: tensor<1536x768xf32> {tvq.name = "gau10.wo"},
      %p_gau10_wr: tensor<768x128xf32> {tvq.name = "gau10.wr"},
      %p_gau10_u: tensor<128xf32> {tvq.name = "gau10.u"},
      %p_gau10_w: tensor<128xf32> {tvq.name = "gau10.w"},
      %p_gau10_c_sum: tensor<512x128xf32> {tvq.name = "gau10.c_sum"},
      %p_gau10_c_count: tensor<512xf32> {tvq.name = "gau10.c_count"},
      %p_gau11_norm_gain: tensor<768xf32> {tvq.name = "gau11.norm.gain"},
      %p_gau11_norm_bias: tensor<768xf32> {tvq.name = "gau11.norm.bias"},
      %p_gau11_wq: tensor<768x128xf32> {tvq.name = "gau11.wq"},
      %p_gau11_wkvg: tensor<768x3200xf32> {tvq.name = "gau11.wkvg"},
      %p_gau11_wo: tensor<1536x768xf32> {tvq.name = "gau11.wo"},
      %p_gau11_wr: tensor<768x128xf32> {tvq.name = "gau11.wr"},
      %p_gau11_u: tensor<128xf32> {tvq.name = "gau11.u"},
      %p_gau11_w: tensor<128xf32> {tvq.name = "gau11.w"},
      %p_gau11_c_sum: tensor<512x128xf32> {tvq.name = "gau11.c_sum"},
      %p_gau11_c_count: tensor<512xf32> {tvq.name = "gau11.c_count"},
      %p_gau12_norm_gain: tensor<768xf32> {tvq.name = "gau12.norm.gain"},
      %p_gau12_norm_bias: tensor<768xf32> {tvq.name = "gau12.norm.bias"},
      %p_gau12_wq: tensor<768x128xf32> {tvq.name = "gau12.wq"},
      %p_gau12_wkvg: tensor<768x3200xf32> {tvq.name = "gau12.wkvg"},
      %p_gau12_wo: tensor<1536x768xf32> {tvq.name = "gau12.wo"},
      %p_gau12_wr: tensor<768x128xf32> {tvq.name = "gau12.wr"},
      %p_gau12_u: tensor<128xf32> {tvq.name = "gau12.u"},
      %p_gau12_w: tensor<128xf32> {tvq.name = "gau12.w"},
      %p_gau12_c_sum: tensor<512x128xf32> {tvq.name = "gau12.c_sum"},
      %p_gau12_c_count: tensor<512xf32> {tvq.name = "gau12.c_count"},
      %p_gau13_norm_gain: tensor<768xf32> {tvq.name = "gau13.norm.gain"},
      %p_gau13_norm_bias: tensor<768xf32> {tvq.name = "gau13.norm.bias"},
      %p_gau13_wq: tensor<768x128xf32> {tvq.name = "gau13.wq"},
      %p_gau13_wkvg: tensor<768x3200xf32> {tvq.name = "gau13.wkvg"},
      %p_gau13_wo: tensor<1536x768xf32> {tvq.name = "gau13.wo"},
      %p_gau13_wr: tensor<768x128xf32> {tvq.name = "gau13.wr"},
      %p_gau13_u: tensor<128xf32> {tvq.name = "gau13.u"},
      %p_gau13_w: tensor<128xf32> {tvq.name = "gau13.w"},
      %p_gau13_c_sum: tensor<512x128xf32> {tvq.name = "gau13.c_sum"},
      %p_gau13_c_count: tensor<512xf32> {tvq.name = "gau13.c_count"},
      %p_gau14_norm_gain: tensor<768xf32> {tvq.name = "gau14.norm.gain"},
      %p_gau14_norm_bias: tensor<768xf32> {tvq.name = "gau14.norm.bias"},
      %p_gau14_wq: tensor<768x128xf32> {tvq.name = "gau14.wq"},
      %p_gau14_wkvg: tensor<768x3200xf32> {tvq.name = "gau14.wkvg"},
      %p_gau14_wo: tensor<1536x768xf32> {tvq.name = "gau14.wo"},
      %p_gau14_wr: tensor<768x128xf32> {tvq.name = "gau14.wr"},
      %p_gau14_u: tensor<128xf32> {tvq.name = "gau14.u"},
      %p_gau14_w: tensor<128xf32> {tvq.name = "gau14.w"},
      %p_gau14_c_sum: tensor<512x128xf32> {tvq.name = "gau14.c_sum"},
      %p_gau14_c_count: tensor<512xf32> {tvq.name = "gau14.c_count"},
      %p_gau15_norm_gain: tensor<768xf32> {tvq.name = "gau15.norm.gain"},
      %p_gau15_norm_bias: tensor<768xf32> {tvq.name = "gau15.norm.bias"},
      %p_gau15_wq: tensor<768x128xf32> {tvq.name = "gau15.wq"},
      %p_gau15_wkvg: tensor<768x3200xf32> {tvq.name = "gau15.wkvg"},
      %p_gau15_wo: tensor<1536x768xf32> {tvq.name = "gau15.wo"},
      %p_gau15_wr: tensor<768x128xf32> {tvq.name = "gau15.wr"},
      %p_gau15_u: tensor<128xf32> {tvq.name = "gau15.u"},
      %p_gau15_w: tensor<128xf32> {tvq.name = "gau15.w"},
      %p_gau15_c_sum: tensor<512x128xf32> {tvq.name = "gau15.c_sum"},
      %p_gau15_c_count: tensor<512xf32> {tvq.name = "gau15.c_count"},
      %p_gau16_norm_gain: tensor<768xf32> {tvq.name = "gau16.norm.gain"},
      %p_gau16_norm_bias: tensor<768xf32> {tvq.name = "gau16.norm.bias"},
      %p_gau16_wq: tensor<768x128xf32> {tvq.name = "gau16.wq"},
      %p_gau16_wkvg: tensor<768x3200xf32> {tvq.name = "gau16.wkvg"},
      %p_gau16_wo: tensor<1536x768xf32> {tvq.name = "gau16.wo"},
      %p_gau16_wr: tensor<768x128xf32> {tvq.name = "gau16.wr"},
      %p_gau16_u: tensor<128xf32> {tvq.name = "gau16.u"},
      %p_gau16_w: tensor<128xf32> {tvq.name = "gau16.w"},
      %p_gau16_c_sum: tensor<512x128xf32> {tvq.name = "gau16.c_sum"},
      %p_gau16_c_count: tensor<512xf32> {tvq.name = "gau16.c_count"},
      %p_gau17_norm_gain: tensor<768xf32> {tvq.name = "gau17.norm.gain"},
      %p_gau17_norm_bias: tensor<768xf32> {tvq.name = "gau17.norm.bias"},
      %p_gau17_wq: tensor<768x128xf32> {tvq.name = "gau17.wq"},
      %p_gau17_wkvg: tensor<768x3200xf32> {tvq.name = "gau17.wkvg"},
      %p_gau17_wo: tensor<1536x768xf32> {tvq.name = "gau17.wo"},
      %p_gau17_wr: tensor<768x128xf32> {tvq.name = "gau17.wr"},
      %p_gau17_u: tensor<128xf32> {tvq.name = "gau17.u"},
      %p_gau17_w: tensor<128xf32> {tvq.name = "gau17.w"},
      %p_gau17_c_sum: tensor<512x128xf32> {tvq.name = "gau17.c_sum"},
      %p_gau17_c_count: tensor<512xf32> {tvq.name = "gau17.c_count"},
      %p_gau18_norm_gain: tensor<768xf32> {tvq.name = "gau18.norm.gain"},
      %p_gau18_norm_bias: tensor<768xf32> {tvq.name = "gau18.norm.bias"},
      %p_gau18_wq: tensor<768x128xf32> {tvq.name = "gau18.wq"},
      %p_gau18_wkvg: tensor<768x3200xf32> {tvq.name = "gau18.wkvg"},
      %p_gau18_wo: tensor<1536x768xf32> {tvq.name = "gau18.wo"},
      %p_gau18_wr: tensor<768x128xf32> {tvq.name = "gau18.wr"},
      %p_gau18_u: tensor<128xf32> {tvq.name = "gau18.u"},
      %p_gau18_w: tensor<128xf32> {tvq.name = "gau18.w"},
      %p_gau18_c_sum: tensor<512x128xf32> {tvq.name = "gau18.c_sum"},
      %p_gau18_c_count: tensor<512xf32> {tvq.name = "gau18.c_count"},
      %p_gau19_norm_gain: tensor<768xf32> {tvq.name = "gau19.norm.gain"},
      %p_gau19_norm_bias: tensor<768xf32> {tvq.name = "gau19.norm.bias"},
      %p_gau19_wq: tensor<768x128xf32> {tvq.name = "gau19.wq"},
      %p_gau19_wkvg: tensor<768x3200xf32> {tvq.name = "gau19.wkvg"},
      %p_gau19_wo: tensor<1536x768xf32> {tvq.name = "gau19.wo"},
      %p_gau19_wr: tensor<768x128xf32> {tvq.name = "gau19.wr"},
      %p_gau19_u: tensor<128xf32> {tvq.name = "gau19.u"},
      %p_gau19_w: tensor<128xf32> {tvq.name = "gau19.w"},
      %p_gau19_c_sum: tensor<512x128xf32> {tvq.name = "gau19.c_sum"},
      %p_gau19_c_count: tensor<512xf32> {tvq.name = "gau19.c_count"},
      %p_gau20_norm_gain: tensor<768xf32> {tvq.name = "gau20.norm.gain"},
      %p_gau20_norm_bias: tensor<768xf32> {tvq.name = "gau20.norm.bias"},
      %p_gau20_wq: tensor<768x128xf32> {tvq.name = "gau20.wq"},
      %p_gau20_wkvg: tensor<768x3200xf32> {tvq.name = "gau20.wkvg"},
      %p_gau20_wo: tensor<1536x768xf32> {tvq.name = "gau20.wo"},
      %p_gau20_wr: tensor<768x128xf32> {tvq.name = "gau20.wr"},
      %p_gau20_u: tensor<128xf32> {tvq.name = "gau20.u"},
      %p_gau20_w: tensor<128xf32> {tvq.name = "gau20.w"},
      %p_gau20_c_sum: tensor<512x128xf32> {tvq.name = "gau20.c_sum"},
      %p_gau20_c_count: tensor<512xf32> {tvq.name = "gau20.c_count"},
      %p_gau21_norm_gain: tensor<768xf32> {tvq.name = "gau21.norm.gain"},
      %p_gau21_norm_bias: tensor<768xf32> {tvq.name = "gau21.norm.bias"},
      %p_gau21_wq: tensor<768x128xf32> {tvq.name = "gau21.wq"},
      %p_gau21_wkvg: tensor<768x3200xf32> {tvq.name = "gau21.wkvg"},
      %p_gau21_wo: tensor<1536x768xf32> {tvq.name = "gau21.wo"},
      %p_gau21_wr: tensor<768x128xf32> {tvq.name = "gau21.wr"},
      %p_gau21_u: tensor<128xf32> {tvq.name = "gau21.u"},
      %p_gau21_w: tensor<128xf32> {tvq.name = "gau21.w"},
      %p_gau21_c_sum: tensor<512x128xf32> {tvq.name = "gau21.c_sum"},
      %p_gau21_c_count: tensor<512xf32> {tvq.name = "gau21.c_count"},
      %p_gau22_norm_gain: tensor<768xf32> {tvq.name = "gau22.norm.gain"},
      %p_gau22_norm_bias: tensor<768xf32> {tvq.name = "gau22.norm.bias"},
      %p_gau22_wq: tensor<768x128xf32> {tvq.name = "gau22.wq"},
      %p_gau22_wkvg: tensor<768x3200xf32> {tvq.name = "gau22.wkvg"},
      %p_gau22_wo: tensor<1536x768xf32> {tvq.name = "gau22.wo"},
      %p_gau22_wr: tensor<768x128xf32> {tvq.name = "gau22.wr"},
      %p_gau22_u: tensor<128xf32> {tvq.name = "gau22.u"},
      %p_gau22_w: tensor<128xf32> {tvq.name = "gau22.w"},
      %p_gau22_c_sum: tensor<512x128xf32> {tvq.name = "gau22.c_sum"},
      %p_gau22_c_count: tensor<512xf32> {tvq.name = "gau22.c_count"},
      %p_gau23_norm_gain: tensor<768xf32> {tvq.name = "gau23.norm.gain"},
      %p_gau23_norm_bias: tensor<768xf32> {tvq.name = "gau23.norm.bias"},
      %p_gau23_wq: tensor<768x128xf32> {tvq.name = "gau23.wq"},
      %p_gau23_wkvg: tensor<768x3200xf32> {tvq.name = "gau23.wkvg"},
      %p_gau23_wo: tensor<1536x768xf32> {tvq.name = "gau23.wo"},
      %p_gau23_wr: tensor<768x128xf32> {tvq.name = "gau23.wr"},
      %p_gau23_u: tensor<128xf32> {tvq.name = "gau23.u"},
      %p_gau23_w: tensor<128xf32> {tvq.name = "gau23.w"},
      %p_gau23_c_sum: tensor<512x128xf32> {tvq.name = "gau23.c_sum"},
      %p_gau23_c_count: tensor<512xf32> {tvq.name = "gau23.c_count"},
      %p_gau24_norm_gain: tensor<768xf32> {tvq.name = "gau24.norm.gain"},
      %p_gau24_norm_bias: tensor<768xf32> {tvq.name = "gau24.norm.bias"},
      %p_gau24_wq: tensor<768x128xf32> {tvq.name = "gau24.wq"},
      %p_gau24_wkvg: tensor<768x3200xf32> {tvq.name = "gau24.wkvg"},
      %p_gau24_wo: tensor<1536x768xf32> {tvq.name = "gau24.wo"},
      %p_gau24_wr: tensor<768x128xf32> {tvq.name = "gau24.wr"},
      %p_gau24_u: tensor<128xf32> {tvq.name = "gau24.u"},
      %p_gau24_w: tensor<128xf32> {tvq.name = "gau24.w"},
      %p_gau24_c_sum: tensor<512x128xf32> {tvq.name = "gau24.c_sum"},
      %p_gau24_c_count: tensor<512xf32> {tvq.name = "gau24.c_count"},
      %p_gau25_norm_gain: tensor<768xf32> {tvq.name = "gau25.norm.gain"},
      %p_gau25_norm_bias: tensor<768xf32> {tvq.name = "gau25.norm.bias"},
      %p_gau25_wq: tensor<768x128xf32> {tvq.name = "gau25.wq"},
      %p_gau25_wkvg: tensor<768x3200xf32> {tvq.name = "gau25.wkvg"},
      %p_gau25_wo: tensor<1536x768xf32> {tvq.name = "gau25.wo"},
      %p_gau25_wr: tensor<768x128xf32> {tvq.name = "gau25.wr"},
      %p_gau25_u: tensor<128xf32> {tvq.name = "gau25.u"},
      %p_gau25_w: tensor<128xf32> {tvq.name = "gau25.w"},
      %p_gau25_c_sum: tensor<512x128xf32> {tvq.name = "gau25.c_sum"},
      %p_gau25_c_count: tensor<512xf32> {tvq.name = "gau25.c_count"},
      %p_gau26_norm_gain: tensor<768xf32> {tvq.name = "gau26.norm.gain"},
      %p_gau26_norm_bias: tensor<768xf32> {tvq.name = "gau26.norm.bias"},
      %p_gau26_wq: tensor<768x128xf32> {tvq.name = "gau26.wq"},
      %p_gau26_wkvg: tensor<768x3200xf32> {tvq.name = "gau26.wkvg"},
      %p_gau26_wo: tensor<1536x768xf32> {tvq.name = "gau26.wo"},
      %p_gau26_wr: tensor<768x128xf32> {tvq.name = "gau26.wr"},
      %p_gau26_u: tensor<128xf32> {tvq.name = "gau26.u"},
      %p_gau26_w: tensor<128xf32> {tvq.name = "gau26.w"},
      %p_gau26_c_sum: tensor<512x128xf32> {tvq.name = "gau26.c_sum"},
      %p_gau26_c_count: tensor<512xf32> {tvq.name = "gau26.c_count"},
      %p_gau27_norm_gain: tensor<768xf32> {tvq.name = "gau27.norm.gain"},
      %p_gau27_norm_bias: tensor<768xf32> {tvq.name = "gau27.norm.bias"},
      %p_gau27_wq: tensor<768x128xf32> {tvq.name = "gau27.wq"},
      %p_gau27_wkvg: tensor<768x3200xf32> {tvq.name = "gau27.wkvg"},
      %p_gau27_wo: tensor<1536x768xf32> {tvq.name = "gau27.wo"},
      %p_gau27_wr: tensor<768x128xf32> {tvq.name = "gau27.wr"},
      %p_gau27_u: tensor<128xf32> {tvq.name = "gau27.u"},
      %p_gau27_w: tensor<128xf32> {tvq.name = "gau27.w"},
      %p_gau27_c_sum: tensor<512x128xf32> {tvq.name = "gau27.c_sum"},
      %p_gau27_c_count: tensor<512xf32> {tvq.name = "gau27.c_count"},
      %p_gau28_norm_gain: tensor<768xf32> {tvq.name = "gau28.norm.gain"},
      %p_gau28_norm_bias: tensor<768xf32> {tvq.name = "gau28.norm.bias"},
      %p_gau28_wq: tensor<768x128xf32> {tvq.name = "gau28.wq"},
      %p_gau28_wkvg: tensor<768x3200xf32> {tvq.name = "gau28.wkvg"},
      %p_gau28_wo: tensor<1536x768xf32> {tvq.name = "gau28.wo"},
      %p_gau28_wr: tensor<768x128xf32> {tvq.name = "gau28.wr"},
      %p_gau28_u: tensor<128xf32> {tvq.name = "gau28.u"},
      %p_gau28_w: tensor<128xf32> {tvq.name = "gau28.w"},
      %p_gau28_c_sum: tensor<512x128xf32> {tvq.name = "gau28.c_sum"},
      %p_gau28_c_count: tensor<512xf32> {tvq.name = "gau28.c_count"},
      %p_gau29_norm_gain: tensor<768xf32> {tvq.name = "gau29.norm.gain"},
      %p_gau29_norm_bias: tensor<768xf32> {tvq.name = "gau29.norm.bias"},
      %p_gau29_wq: tensor<768x128xf32> {tvq.name = "gau29.wq"},
      %p_gau29_wkvg: tensor<768x3200xf32> {tvq.name = "gau29.wkvg"},
      %p_gau29_wo: tensor<1536x768xf32> {tvq.name = "gau29.wo"},
      %p_gau29_wr: tensor<768x128xf32> {tvq.name = "gau29.wr"},
      %p_gau29_u: tensor<128xf32> {tvq.name = "gau29.u"},
      %p_gau29_w: tensor<128xf32> {tvq.name = "gau29.w"},
      %p_gau29_c_sum: tensor<512x128xf32> {tvq.name = "gau29.c_sum"},
      %p_gau29_c_count: tensor<512xf32> {tvq.name = "gau29.c_count"},
      %p_gau30_norm_gain: tensor<768xf32> {tvq.name = "gau30.norm.gain"},
      %p_gau30_norm_bias: tensor<768xf32> {tvq.name = "gau30.norm.bias"},
      %p_gau30_wq: tensor<768x128xf32> {tvq.name = "gau30.wq"},
      %p_gau30_wkvg: tensor<768x3200xf32> {tvq.name = "gau30.wkvg"},
      %p_gau30_wo: tensor<1536x768xf32> {tvq.name = "gau30.wo"},
      %p_gau30_wr: tensor<768x128xf32> {tvq.name = "gau30.wr"},
      %p_gau30_u: tensor<128xf32> {tvq.name = "gau30.u"},
      %p_gau30_w: tensor<128xf32> {tvq.name = "gau30.w"},
      %p_gau30_c_sum: tensor<512x128xf32> {tvq.name = "gau30.c_sum"},
      %p_gau30_c_count: tensor<512xf32> {tvq.name = "gau30.c_count"},
      %p_gau31_norm_gain: tensor<768xf32> {tvq.name = "gau31.norm.gain"},
      %p_gau31_norm_bias: tensor<768xf32> {tvq.name = "gau31.norm.bias"},
      %p_gau31_wq: tensor<768x128xf32> {tvq.name = "gau31.wq"},
      %p_gau31_wkvg: tensor<768x3200xf32> {tvq.name = "gau31.wkvg"},
      %p_gau31_wo: tensor<1536x768xf32> {tvq.name = "gau31.wo"},
      %p_gau31_wr: tensor<768x128xf32> {tvq.name = "gau31.wr"},
      %p_gau31_u: tensor<128xf32> {tvq.name = "gau31.u"},
      %p_gau31_w: tensor<128xf32> {tvq.name = "gau31.w"},
      %p_gau31_c_sum: tensor<512x128xf32> {tvq.name = "gau31.c_sum"},
      %p_gau31_c_count: tensor<512xf32> {tvq.name = "gau31.c_count"},
      %p_gau32_norm_gain: tensor<768xf32> {tvq.name = "gau32.norm.gain"},
      %p_gau32_norm_bias: tensor<768xf32> {tvq.name = "gau32.norm.bias"},
      %p_gau32_wq: tensor<768x128xf32> {tvq.name = "gau32.wq"},
      %p_gau32_wkvg: tensor<768x3200xf32> {tvq.name = "gau32.wkvg"},
      %p_gau32_wo: tensor<1536x768xf32> {tvq.name = "gau32.wo"},
      %p_gau32_wr: tensor<768x128xf32> {tvq.name = "gau32.wr"},
      %p_gau32_u: tensor<128xf32> {tvq.name = "gau32.u"},
      %p_gau32_w: tensor<128xf32> {tvq.name = "gau32.w"},
      %p_gau32_c_sum: tensor<512x128xf32> {tvq.name = "gau32.c_sum"},
      %p_gau32_c_count: tensor<512xf32> {tvq.name = "gau32.c_count"},
      %p_gau33_norm_gain: tensor<768xf32> {tvq.name = "gau33.norm.gain"},
      %p_gau33_norm_bias: tensor<768xf32> {tvq.name = "gau33.norm.bias"},
      %p_gau33_wq: tensor<768x128xf32> {tvq.name = "gau33.wq"},
      %p_gau33_wkvg: tensor<768x3200xf32> {tvq.name = "gau33.wkvg"},
      %p_gau33_wo: tensor<1536x768xf32> {tvq.name = "gau33.wo"},
      %p_gau33_wr: tensor<768x128xf32> {tvq.name = "gau33.wr"},
      %p_gau33_u: tensor<128xf32> {tvq.name = "gau33.u"},
      %p_gau33_w: tensor<128xf32> {tvq.name = "gau33.w"},
      %p_gau33_c_sum: tensor<512x128xf32> {tvq.name = "gau33.c_sum"},
      %p_gau33_c_count: tensor<512xf32> {tvq.name = "gau33.c_count"},
      %p_gau34_norm_gain: tensor<768xf32> {tvq.name = "gau34.norm.gain"},
      %p_gau34_norm_bias: tensor<768xf32> {tvq.name = "gau34.norm.bias"},
      %p_gau34_wq: tensor<768x128xf32> {tvq.name = "gau34.wq"},
      %p_gau34_wkvg: tensor<768x3200xf32> {tvq.name = "gau34.wkvg"},
      %p_gau34_wo: tensor<1536x768xf32> {tvq.name = "gau34.wo"},
      %p_gau34_wr: tensor<768x128xf32> {tvq.name = "gau34.wr"},
      %p_gau34_u: tensor<128xf32> {tvq.name = "gau34.u"},
      %p_gau34_w: tensor<128xf32> {tvq.name = "gau34.w"},
      %p_gau34_c_sum: tensor<512x128xf32> {tvq.name = "gau34.c_sum"},
      %p_gau34_c_count: tensor<512xf32> {tvq.name = "gau34.c_count"},
      %p_gau35_norm_gain: tensor<768xf32> {tvq.name = "gau35.norm.gain"},
      %p_gau35_norm_bias: tensor<768xf32> {tvq.name = "gau35.norm.bias"},
      %p_gau35_wq: tensor<768x128xf32> {tvq.name = "gau35.wq"},
      %p_gau35_wkvg: tensor<768x3200xf32> {tvq.name = "gau35.wkvg"},
      %p_gau35_wo: tensor<1536x768xf32> {tvq.name = "gau35.wo"},
      %p_gau35_wr: tensor<768x128xf32> {tvq.name = "gau35.wr"},
      %p_gau35_u: tensor<128xf32> {tvq.name = "gau35.u"},
      %p_gau35_w: tensor<128xf32> {tvq.name = "gau35.w"},
      %p_gau35_c_sum: tensor<512x128xf32> {tvq.name = "gau35.c_sum"},
      %p_gau35_c_count: tensor<512xf32> {tvq.name = "gau35.c_count"},
      %p_gau36_norm_gain: tensor<768xf32> {tvq.name = "gau36.norm.gain"},
      %p_gau36_norm_bias: tensor<768xf32> {tvq.name = "gau36.norm.bias"},
      %p_gau36_wq: tensor<768x128xf32> {tvq.name = "gau36.wq"},
      %p_gau36_wkvg: tensor<768x3200xf32> {tvq.name = "gau36.wkvg"},
      %p_gau36_wo: tensor<1536x768xf32> {tvq.name = "gau36.wo"},
      %p_gau36_wr: tensor<768x128xf32> {tvq.name = "gau36.wr"},
      %p_gau36_u: tensor<128xf32> {tvq.name = "gau36.u"},
      %p_gau36_w: tensor<128xf32> {tvq.name = "gau36.w"},
      %p_gau36_c_sum: tensor<512x128xf32> {tvq.name = "gau36.c_sum"},
      %p_gau36_c_count: tensor<512xf32> {tvq.name = "gau36.c_count"},
      %p_gau37_norm_gain: tensor<768xf32> {tvq.name = "gau37.norm.gain"},
      %p_gau37_norm_bias: tensor<768xf32> {tvq.name = "gau37.norm.bias"},
      %p_gau37_wq: tensor<768x128xf32> {tvq.name = "gau37.wq"},
      %p_gau37_wkvg: tensor<768x3200xf32> {tvq.name = "gau37.wkvg"},
      %p_gau37_wo: tensor<1536x768xf32> {tvq.name = "gau37.wo"},
      %p_gau37_wr: tensor<768x128xf32> {tvq.name = "gau37.wr"},
      %p_gau37_u: tensor<128xf32> {tvq.name = "gau37.u"},
      %p_gau37_w: tensor<128xf32> {tvq.name = "gau37.w"},
      %p_gau37_c_sum: tensor<512x128xf32> {tvq.name = "gau37.c_sum"},
      %p_gau37_c_count: tensor<512xf32> {tvq.name = "gau37.c_count"},
      %p_gau38_norm_gain: tensor<768xf32> {tvq.name = "gau38.norm.gain"},
      %p_gau38_norm_bias: tensor<768xf32> {tvq.name = "gau38.norm.bias"},
      %p_gau38_wq: tensor<768x128xf32> {tvq.name = "gau38.wq"},
      %p_gau38_wkvg: tensor<768x3200xf32> {tvq.name = "gau38.wkvg"},
      %p_gau38_wo: tensor<1536x768xf32> {tvq.name = "gau38.wo"},
      %p_gau38_wr: tensor<768x128xf32> {tvq.name = "gau38.wr"},
      %p_gau38_u: tensor<128xf32> {tvq.name = "gau38.u"},
      %p_gau38_w: tensor<128xf32> {tvq.name = "gau38.w"},
      %p_gau38_c_sum: tensor<512x128xf32> {tvq.name = "gau38.c_sum"},
      %p_gau38_c_count: tensor<512xf32> {tvq.name = "gau38.c_count"},
      %p_gau39_norm_gain: tensor<768xf32> {tvq.name = "gau39.norm.gain"},
      %p_gau39_norm_bias: tensor<768xf32> {tvq.name = "gau39.norm.bias"},
      %p_gau39_wq: tensor<768x128xf32> {tvq.name = "gau39.wq"},
      %p_gau39_wkvg: tensor<768x3200xf32> {tvq.name = "gau39.wkvg"},
      %p_gau39_wo: tensor<1536x768xf32> {tvq.name = "gau39.wo"},
      %p_gau39_wr: tensor<768x128xf32> {tvq.name = "gau39.wr"},
      %p_gau39_u: tensor<128xf32> {tvq.name = "gau39.u"},
      %p_gau39_w: tensor<128xf32> {tvq.name = "gau39.w"},
      %p_gau39_c_sum: tensor<512x128xf32> {tvq.name = "gau39.c_sum"},
      %p_gau39_c_count: tensor<512xf32> {tvq.name = "gau39.c_count"},
      %p_gau40_norm_gain: tensor<768xf32> {tvq.name = "gau40.norm.gain"},
      %p_gau40_norm_bias: tensor<768xf32> {tvq.name = "gau40.norm.bias"},
      %p_gau40_wq: tensor<768x128xf32> {tvq.name = "gau40.wq"},
      %p_gau40_wkvg: tensor<768x3200xf32> {tvq.name = "gau40.wkvg"},
      %p_gau40_wo: tensor<1536x768xf32> {tvq.name = "gau40.wo"},
      %p_gau40_wr: tensor<768x128xf32> {tvq.name = "gau40.wr"},
      %p_gau40_u: tensor<128xf32> {tvq.name = "gau40.u"},
      %p_gau40_w: tensor<128xf32> {tvq.name = "gau40.w"},
      %p_gau40_c_sum: tensor<512x128xf32> {tvq.name = "gau40.c_sum"},
      %p_gau40_c_count: tensor<512xf32> {tvq.name = "gau40.c_count"},
      %p_gau41_norm_gain: tensor<768xf32> {tvq.name = "gau41.norm.gain"},
      %p_gau41_norm_bias: tensor<768xf32> {tvq.name = "gau41.norm.bias"},
      %p_gau41_wq: tensor<768x128xf32> {tvq.name = "gau41.wq"},
      %p_gau41_wkvg: tensor<768x3200xf32> {tvq.name = "gau41.wkvg"},
      %p_gau41_wo: tensor<1536x768xf32> {tvq.name = "gau41.wo"},
      %p_gau41_wr: tensor<768x128xf32> {tvq.name = "gau41.wr"},
      %p_gau41_u: tensor<128xf32> {tvq.name = "gau41.u"},
      %p_gau41_w: tensor<128xf32> {tvq.name = "gau41.w"},
      %p_gau41_c_sum: tensor<512x128xf32> {tvq.name = "gau41.c_sum"},
      %p_gau41_c_count: tensor<512xf32> {tvq.name = "gau41.c_count"},
      %p_gau42_norm_gain: tensor<768xf32> {tvq.name = "gau42.norm.gain"},
      %p_gau42_norm_bias: tensor<768xf32> {tvq.name = "gau42.norm.bias"},
      %p_gau42_wq: tensor<768x128xf32> {tvq.name = "gau42.wq"},
      %p_gau42_wkvg: tensor<768x3200xf32> {tvq.name = "gau42.wkvg"},
      %p_gau42_wo: tensor<1536x768xf32> {tvq.name = "gau42.wo"},
      %p_gau42_wr: tensor<768x128xf32> {tvq.name = "gau42.wr"},
      %p_gau42_u: tensor<128xf32> {tvq.name = "gau42.u"},
      %p_gau42_w: tensor<128xf32> {tvq.name = "gau42.w"},
      %p_gau42_c_sum: tensor<512x128xf32> {tvq.name = "gau42.c_sum"},
      %p_gau42_c_count: tensor<512xf32> {tvq.name = "gau42.c_count"},
      %p_gau43_norm_gain: tensor<768xf32> {tvq.name = "gau43.norm.gain"},
      %p_gau43_norm_bias: tensor<768xf32> {tvq.name = "gau43.norm.bias"},
      %p_gau43_wq: tensor<768x128xf32> {tvq.name = "gau43.wq"},
      %p_gau43_wkvg: tensor<768x3200xf32> {tvq.name = "gau43.wkvg"},
      %p_gau43_wo: tensor<1536x768xf32> {tvq.name = "gau43.wo"},
      %p_gau43_wr: tensor<768x128xf32> {tvq.name = "gau43.wr"},
      %p_gau43_u: tensor<128xf32> {tvq.name = "gau43.u"},
      %p_gau43_w: tensor<128xf32> {tvq.name = "gau43.w"},
      %p_gau43_c_sum: tensor<512x128xf32> {tvq.name = "gau43.c_sum"},
      %p_gau43_c_count: tensor<512xf32> {tvq.name = "gau43.c_count"},
      %p_gau44_norm_gain: tensor<768xf32> {tvq.name = "gau44.norm.gain"},
      %p_gau44_norm_bias: tensor<768xf32> {tvq.name = "gau44.norm.bias"},
      %p_gau44_wq: tensor<768x128xf32> {tvq.name = "gau44.wq"},
      %p_gau44_wkvg: tensor<768x3200xf32> {tvq.name = "gau44.wkvg"},
      %p_gau44_wo: tensor<1536x768xf32> {tvq.name = "gau44.wo"},
      %p_gau44_wr: tensor<768x128xf32> {tvq.name = "gau44.wr"},
      %p_gau44_u: tensor<128xf32> {tvq.name = "gau44.u"},
      %p_gau44_w: tensor<128xf32> {tvq.name = "gau44.w"},
      %p_gau44_c_sum: tensor<512x128xf32> {tvq.name = "gau44.c_sum"},
      %p_gau44_c_count: tensor<512xf32> {tvq.name = "gau44.c_count"},
      %p_gau45_norm_gain: tensor<768xf32> {tvq.name = "gau45.norm.gain"},
      %p_gau45_norm_bias: tensor<768xf32> {tvq.name = "gau45.norm.bias"},
      %p_gau45_wq: tensor<768x128xf32> {tvq.name = "gau45.wq"},
      %p_gau45_wkvg: tensor<768x3200xf32> {tvq.name = "gau45.wkvg"},
      %p_gau45_wo: tensor<1536x768xf32> {tvq.name = "gau45.wo"},
      %p_gau45_wr: tensor<768x128xf32> {tvq.name = "gau45.wr"},
      %p_gau45_u: tensor<128xf32> {tvq.name = "gau45.u"},
      %p_gau45_w: tensor<128xf32> {tvq.name = "gau45.w"},
      %p_gau45_c_sum: tensor<512x128xf32> {tvq.name = "gau45.c_sum"},
      %p_gau45_c_count: tensor<512xf32> {tvq.name = "gau45.c_count"},
      %p_gau46_norm_gain: tensor<768xf32> {tvq.name = "gau46.norm.gain"},
      %p_gau46_norm_bias: tensor<768xf32> {tvq.name = "gau46.norm.bias"},
      %p_gau46_wq: tensor<768x128xf32> {tvq.name = "gau46.wq"},
      %p_gau46_wkvg: tensor<768x3200xf32> {tvq.name = "gau46.wkvg"},
      %p_gau46_wo: tensor<1536x768xf32> {tvq.name = "gau46.wo"},
      %p_gau46_wr: tensor<768x128xf32> {tvq.name = "gau46.wr"},
      %p_gau46_u: tensor<128xf32> {tvq.name = "gau46.u"},
      %p_gau46_w: tensor<128xf32> {tvq.name = "gau46.w"},
      %p_gau46_c_sum: tensor<512x128xf32> {tvq.name = "gau46.c_sum"},
      %p_gau46_c_count: tensor<512xf32> {tvq.name = "gau46.c_count"},
      %p_gau47_norm_gain: tensor<768xf32> {tvq.name = "gau47.norm.gain"},
      %p_gau47_norm_bias: tensor<768xf32> {tvq.name = "gau47.norm.bias"},
      %p_gau47_wq: tensor<768x128xf32> {tvq.name = "gau47.wq"},
      %p_gau47_wkvg: tensor<768x3200xf32> {tvq.name = "gau47.wkvg"},
      %p_gau47_wo: tensor<1536x768xf32> {tvq.name = "gau47.wo"},
      %p_gau47_wr: tensor<768x128xf32> {tvq.name = "gau47.wr"},
      %p_gau47_u: tensor<128xf32> {tvq.name = "gau47.u"},
      %p_gau47_w: tensor<128xf32> {tvq.name = "gau47.w"},
      %p_gau47_c_sum: tensor<512x128xf32> {tvq.name = "gau47.c_sum"},
      %p_gau47_c_count: tensor<512xf32> {tvq.name = "gau47.c_count"},
      %p_head_w: tensor<768x259xf32> {tvq.name = "head.w"},
      %p_head_b: tensor<259xf32> {tvq.name = "head.b"},
      %inputs: tensor<?x?xi32> {tvq.name = "inputs"},
      %targets: tensor<?x?xi32> {tvq.name = "targets"})
      -> (tensor<f32> {tvq.name = "loss"}, tensor<f32> {tvq.name = "ce"})
      attributes {tvq.gradient = "loss_grad", tvq.train_step = {name = "train_step", lr = 4.000000e-04 : f64, beta1 = 9.000000e-01 : f64, beta2 = 9.800000e-01 : f64, epsilon = 1.000000e-09 : f64, clip_norm = 1.000000e-01 : f64, weight_decay = 2.000000e-04 : f64, warmup = 10000 : i64, total_steps = 125000 : i64, final_lr_ratio = 1.000000e-01 : f64, ema_gamma = 9.900000e-01 : f64}} {
    %x0 = tvq.embedding %inputs, %p_embed : (tensor<?x?xi32>, tensor<259x768xf32>) -> tensor<?x?x768xf32>
    %x1, %commit1 = func.call @gau(%x0, %p_gau0_norm_gain, %p_gau0_norm_bias, %p_gau0_wq, %p_gau0_wkvg, %p_gau0_wo, %p_gau0_wr, %p_gau0_u, %p_gau0_w, %p_gau0_c_sum, %p_gau0_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x2, %commit2 = func.call @gau(%x1, %p_gau1_norm_gain, %p_gau1_norm_bias, %p_gau1_wq, %p_gau1_wkvg, %p_gau1_wo, %p_gau1_wr, %p_gau1_u, %p_gau1_w, %p_gau1_c_sum, %p_gau1_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x3, %commit3 = func.call @gau(%x2, %p_gau2_norm_gain, %p_gau2_norm_bias, %p_gau2_wq, %p_gau2_wkvg, %p_gau2_wo, %p_gau2_wr, %p_gau2_u, %p_gau2_w, %p_gau2_c_sum, %p_gau2_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x4, %commit4 = func.call @gau(%x3, %p_gau3_norm_gain, %p_gau3_norm_bias, %p_gau3_wq, %p_gau3_wkvg, %p_gau3_wo, %p_gau3_wr, %p_gau3_u, %p_gau3_w, %p_gau3_c_sum, %p_gau3_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x5, %commit5 = func.call @gau(%x4, %p_gau4_norm_gain, %p_gau4_norm_bias, %p_gau4_wq, %p_gau4_wkvg, %p_gau4_wo, %p_gau4_wr, %p_gau4_u, %p_gau4_w, %p_gau4_c_sum, %p_gau4_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x6, %commit6 = func.call @gau(%x5, %p_gau5_norm_gain, %p_gau5_norm_bias, %p_gau5_wq, %p_gau5_wkvg, %p_gau5_wo, %p_gau5_wr, %p_gau5_u, %p_gau5_w, %p_gau5_c_sum, %p_gau5_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x7, %commit7 = func.call @gau(%x6, %p_gau6_norm_gain, %p_gau6_norm_bias, %p_gau6_wq, %p_gau6_wkvg, %p_gau6_wo, %p_gau6_wr, %p_gau6_u, %p_gau6_w, %p_gau6_c_sum, %p_gau6_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x8, %commit8 = func.call @gau(%x7, %p_gau7_norm_gain, %p_gau7_norm_bias, %p_gau7_wq, %p_gau7_wkvg, %p_gau7_wo, %p_gau7_wr, %p_gau7_u, %p_gau7_w, %p_gau7_c_sum, %p_gau7_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x9, %commit9 = func.call @gau(%x8, %p_gau8_norm_gain, %p_gau8_norm_bias, %p_gau8_wq, %p_gau8_wkvg, %p_gau8_wo, %p_gau8_wr, %p_gau8_u, %p_gau8_w, %p_gau8_c_sum, %p_gau8_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x10, %commit10 = func.call @gau(%x9, %p_gau9_norm_gain, %p_gau9_norm_bias, %p_gau9_wq, %p_gau9_wkvg, %p_gau9_wo, %p_gau9_wr, %p_gau9_u, %p_gau9_w, %p_gau9_c_sum, %p_gau9_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x11, %commit11 = func.call @gau(%x10, %p_gau10_norm_gain, %p_gau10_norm_bias, %p_gau10_wq, %p_gau10_wkvg, %p_gau10_wo, %p_gau10_wr, %p_gau10_u, %p_gau10_w, %p_gau10_c_sum, %p_gau10_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x12, %commit12 = func.call @gau(%x11, %p_gau11_norm_gain, %p_gau11_norm_bias, %p_gau11_wq, %p_gau11_wkvg, %p_gau11_wo, %p_gau11_wr, %p_gau11_u, %p_gau11_w, %p_gau11_c_sum, %p_gau11_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x13, %commit13 = func.call @gau(%x12, %p_gau12_norm_gain, %p_gau12_norm_bias, %p_gau12_wq, %p_gau12_wkvg, %p_gau12_wo, %p_gau12_wr, %p_gau12_u, %p_gau12_w, %p_gau12_c_sum, %p_gau12_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x14, %commit14 = func.call @gau(%x13, %p_gau13_norm_gain, %p_gau13_norm_bias, %p_gau13_wq, %p_gau13_wkvg, %p_gau13_wo, %p_gau13_wr, %p_gau13_u, %p_gau13_w, %p_gau13_c_sum, %p_gau13_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x15, %commit15 = func.call @gau(%x14, %p_gau14_norm_gain, %p_gau14_norm_bias, %p_gau14_wq, %p_gau14_wkvg, %p_gau14_wo, %p_gau14_wr, %p_gau14_u, %p_gau14_w, %p_gau14_c_sum, %p_gau14_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x16, %commit16 = func.call @gau(%x15, %p_gau15_norm_gain, %p_gau15_norm_bias, %p_gau15_wq, %p_gau15_wkvg, %p_gau15_wo, %p_gau15_wr, %p_gau15_u, %p_gau15_w, %p_gau15_c_sum, %p_gau15_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x17, %commit17 = func.call @gau(%x16, %p_gau16_norm_gain, %p_gau16_norm_bias, %p_gau16_wq, %p_gau16_wkvg, %p_gau16_wo, %p_gau16_wr, %p_gau16_u, %p_gau16_w, %p_gau16_c_sum, %p_gau16_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x18, %commit18 = func.call @gau(%x17, %p_gau17_norm_gain, %p_gau17_norm_bias, %p_gau17_wq, %p_gau17_wkvg, %p_gau17_wo, %p_gau17_wr, %p_gau17_u, %p_gau17_w, %p_gau17_c_sum, %p_gau17_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x19, %commit19 = func.call @gau(%x18, %p_gau18_norm_gain, %p_gau18_norm_bias, %p_gau18_wq, %p_gau18_wkvg, %p_gau18_wo, %p_gau18_wr, %p_gau18_u, %p_gau18_w, %p_gau18_c_sum, %p_gau18_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x20, %commit20 = func.call @gau(%x19, %p_gau19_norm_gain, %p_gau19_norm_bias, %p_gau19_wq, %p_gau19_wkvg, %p_gau19_wo, %p_gau19_wr, %p_gau19_u, %p_gau19_w, %p_gau19_c_sum, %p_gau19_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x21, %commit21 = func.call @gau(%x20, %p_gau20_norm_gain, %p_gau20_norm_bias, %p_gau20_wq, %p_gau20_wkvg, %p_gau20_wo, %p_gau20_wr, %p_gau20_u, %p_gau20_w, %p_gau20_c_sum, %p_gau20_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x22, %commit22 = func.call @gau(%x21, %p_gau21_norm_gain, %p_gau21_norm_bias, %p_gau21_wq, %p_gau21_wkvg, %p_gau21_wo, %p_gau21_wr, %p_gau21_u, %p_gau21_w, %p_gau21_c_sum, %p_gau21_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x23, %commit23 = func.call @gau(%x22, %p_gau22_norm_gain, %p_gau22_norm_bias, %p_gau22_wq, %p_gau22_wkvg, %p_gau22_wo, %p_gau22_wr, %p_gau22_u, %p_gau22_w, %p_gau22_c_sum, %p_gau22_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x24, %commit24 = func.call @gau(%x23, %p_gau23_norm_gain, %p_gau23_norm_bias, %p_gau23_wq, %p_gau23_wkvg, %p_gau23_wo, %p_gau23_wr, %p_gau23_u, %p_gau23_w, %p_gau23_c_sum, %p_gau23_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x25, %commit25 = func.call @gau(%x24, %p_gau24_norm_gain, %p_gau24_norm_bias, %p_gau24_wq, %p_gau24_wkvg, %p_gau24_wo, %p_gau24_wr, %p_gau24_u, %p_gau24_w, %p_gau24_c_sum, %p_gau24_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x26, %commit26 = func.call @gau(%x25, %p_gau25_norm_gain, %p_gau25_norm_bias, %p_gau25_wq, %p_gau25_wkvg, %p_gau25_wo, %p_gau25_wr, %p_gau25_u, %p_gau25_w, %p_gau25_c_sum, %p_gau25_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x27, %commit27 = func.call @gau(%x26, %p_gau26_norm_gain, %p_gau26_norm_bias, %p_gau26_wq, %p_gau26_wkvg, %p_gau26_wo, %p_gau26_wr, %p_gau26_u, %p_gau26_w, %p_gau26_c_sum, %p_gau26_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x28, %commit28 = func.call @gau(%x27, %p_gau27_norm_gain, %p_gau27_norm_bias, %p_gau27_wq, %p_gau27_wkvg, %p_gau27_wo, %p_gau27_wr, %p_gau27_u, %p_gau27_w, %p_gau27_c_sum, %p_gau27_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x29, %commit29 = func.call @gau(%x28, %p_gau28_norm_gain, %p_gau28_norm_bias, %p_gau28_wq, %p_gau28_wkvg, %p_gau28_wo, %p_gau28_wr, %p_gau28_u, %p_gau28_w, %p_gau28_c_sum, %p_gau28_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x30, %commit30 = func.call @gau(%x29, %p_gau29_norm_gain, %p_gau29_norm_bias, %p_gau29_wq, %p_gau29_wkvg, %p_gau29_wo, %p_gau29_wr, %p_gau29_u, %p_gau29_w, %p_gau29_c_sum, %p_gau29_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x31, %commit31 = func.call @gau(%x30, %p_gau30_norm_gain, %p_gau30_norm_bias, %p_gau30_wq, %p_gau30_wkvg, %p_gau30_wo, %p_gau30_wr, %p_gau30_u, %p_gau30_w, %p_gau30_c_sum, %p_gau30_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x32, %commit32 = func.call @gau(%x31, %p_gau31_norm_gain, %p_gau31_norm_bias, %p_gau31_wq, %p_gau31_wkvg, %p_gau31_wo, %p_gau31_wr, %p_gau31_u, %p_gau31_w, %p_gau31_c_sum, %p_gau31_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x33, %commit33 = func.call @gau(%x32, %p_gau32_norm_gain, %p_gau32_norm_bias, %p_gau32_wq, %p_gau32_wkvg, %p_gau32_wo, %p_gau32_wr, %p_gau32_u, %p_gau32_w, %p_gau32_c_sum, %p_gau32_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x34, %commit34 = func.call @gau(%x33, %p_gau33_norm_gain, %p_gau33_norm_bias, %p_gau33_wq, %p_gau33_wkvg, %p_gau33_wo, %p_gau33_wr, %p_gau33_u, %p_gau33_w, %p_gau33_c_sum, %p_gau33_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x35, %commit35 = func.call @gau(%x34, %p_gau34_norm_gain, %p_gau34_norm_bias, %p_gau34_wq, %p_gau34_wkvg, %p_gau34_wo, %p_gau34_wr, %p_gau34_u, %p_gau34_w, %p_gau34_c_sum, %p_gau34_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x36, %commit36 = func.call @gau(%x35, %p_gau35_norm_gain, %p_gau35_norm_bias, %p_gau35_wq, %p_gau35_wkvg, %p_gau35_wo, %p_gau35_wr, %p_gau35_u, %p_gau35_w, %p_gau35_c_sum, %p_gau35_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x37, %commit37 = func.call @gau(%x36, %p_gau36_norm_gain, %p_gau36_norm_bias, %p_gau36_wq, %p_gau36_wkvg, %p_gau36_wo, %p_gau36_wr, %p_gau36_u, %p_gau36_w, %p_gau36_c_sum, %p_gau36_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x38, %commit38 = func.call @gau(%x37, %p_gau37_norm_gain, %p_gau37_norm_bias, %p_gau37_wq, %p_gau37_wkvg, %p_gau37_wo, %p_gau37_wr, %p_gau37_u, %p_gau37_w, %p_gau37_c_sum, %p_gau37_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x39, %commit39 = func.call @gau(%x38, %p_gau38_norm_gain, %p_gau38_norm_bias, %p_gau38_wq, %p_gau38_wkvg, %p_gau38_wo, %p_gau38_wr, %p_gau38_u, %p_gau38_w, %p_gau38_c_sum, %p_gau38_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x40, %commit40 = func.call @gau(%x39, %p_gau39_norm_gain, %p_gau39_norm_bias, %p_gau39_wq, %p_gau39_wkvg, %p_gau39_wo, %p_gau39_wr, %p_gau39_u, %p_gau39_w, %p_gau39_c_sum, %p_gau39_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x41, %commit41 = func.call @gau(%x40, %p_gau40_norm_gain, %p_gau40_norm_bias, %p_gau40_wq, %p_gau40_wkvg, %p_gau40_wo, %p_gau40_wr, %p_gau40_u, %p_gau40_w, %p_gau40_c_sum, %p_gau40_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x42, %commit42 = func.call @gau(%x41, %p_gau41_norm_gain, %p_gau41_norm_bias, %p_gau41_wq, %p_gau41_wkvg, %p_gau41_wo, %p_gau41_wr, %p_gau41_u, %p_gau41_w, %p_gau41_c_sum, %p_gau41_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x43, %commit43 = func.call @gau(%x42, %p_gau42_norm_gain, %p_gau42_norm_bias, %p_gau42_wq, %p_gau42_wkvg, %p_gau42_wo, %p_gau42_wr, %p_gau42_u, %p_gau42_w, %p_gau42_c_sum, %p_gau42_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x44, %commit44 = func.call @gau(%x43, %p_gau43_norm_gain, %p_gau43_norm_bias, %p_gau43_wq, %p_gau43_wkvg, %p_gau43_wo, %p_gau43_wr, %p_gau43_u, %p_gau43_w, %p_gau43_c_sum, %p_gau43_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x45, %commit45 = func.call @gau(%x44, %p_gau44_norm_gain, %p_gau44_norm_bias, %p_gau44_wq, %p_gau44_wkvg, %p_gau44_wo, %p_gau44_wr, %p_gau44_u, %p_gau44_w, %p_gau44_c_sum, %p_gau44_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x46, %commit46 = func.call @gau(%x45, %p_gau45_norm_gain, %p_gau45_norm_bias, %p_gau45_wq, %p_gau45_wkvg, %p_gau45_wo, %p_gau45_wr, %p_gau45_u, %p_gau45_w, %p_gau45_c_sum, %p_gau45_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x47, %commit47 = func.call @gau(%x46, %p_gau46_norm_gain, %p_gau46_norm_bias, %p_gau46_wq, %p_gau46_wkvg, %p_gau46_wo, %p_gau46_wr, %p_gau46_u, %p_gau46_w, %p_gau46_c_sum, %p_gau46_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %x48, %commit48 = func.call @gau(%x47, %p_gau47_norm_gain, %p_gau47_norm_bias, %p_gau47_wq, %p_gau47_wkvg, %p_gau47_wo, %p_gau47_wr, %p_gau47_u, %p_gau47_w, %p_gau47_c_sum, %p_gau47_c_count)
        : (tensor<?x?x768xf32>, tensor<768xf32>, tensor<768xf32>, tensor<768x128xf32>, tensor<768x3200xf32>, tensor<1536x768xf32>, tensor<768x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<512x128xf32>, tensor<512xf32>) -> (tensor<?x?x768xf32>, tensor<f32>)
    %logits = tvq.dense %x48, %p_head_w bias %p_head_b : (tensor<?x?x768xf32>, tensor<768x259xf32>, tensor<259xf32>) -> tensor<?x?x259xf32>
    %ce = tvq.cross_entropy %logits, %targets : (tensor<?x?x259xf32>, tensor<?x?xi32>) -> tensor<f32>
    %commit_sum2 = arith.addf %commit1, %commit2 : tensor<f32>
    %commit_sum3 = arith.addf %commit_sum2, %commit3 : tensor<f32>
    %commit_sum4 = arith.addf %commit_sum3, %commit4 : tensor<f32>
    %commit_sum5 = arith.addf %commit_sum4, %commit5 : tensor<f32>
    %commit_sum6 = arith.addf %commit_sum5, %commit6 : tensor<f32>
    %commit_sum7 = arith.addf %commit_sum6, %commit7 : tensor<f32>
    %commit_sum8 = arith.addf %commit_sum7, %commit8 : tensor<f32>
    %commit_sum9 = arith.addf %commit_sum8, %commit9 : tensor<f32>
    %commit_sum10 = arith.addf %commit_sum9, %commit10 : tensor<f32>
    %commit_sum11 = arith.addf %commit_sum10, %commit11 : tensor<f32>
    %commit_sum12 = arith.addf %commit_sum11, %commit12 : tensor<f32>
    %commit_sum13 = arith.addf %commit_sum12, %commit13 : tensor<f32>
    %commit_sum14 = arith.addf %commit_sum13, %commit14 : tensor<f32>
    %commit_sum15 = arith.addf %commit_sum14, %commit15 : tensor<f32>
    %commit_sum16 = arith.addf %commit_sum15, %commit16 : tensor<f32>
    %commit_sum17 = arith.addf %commit_sum16, %commit17 : tensor<f32>
    %commit_sum18 = arith.addf %commit_sum17, %commit18 : tensor<f32>
    %commit_sum19 = arith.addf %commit_sum18, %commit19 : tensor<f32>
    %commit_sum20 = arith.addf %commit_sum19, %commit20 : tensor<f32>
    %commit_sum21 = arith.addf %commit_sum20, %commit21 : tensor<f32>
    %commit_sum22 = arith.addf %commit_sum21, %commit22 : tensor<f32>
    %commit_sum23 = arith.addf %commit_sum22, %commit23 : tensor<f32>
    %commit_sum24 = arith.addf %commit_sum23, %commit24 : tensor<f32>
    %commit_sum25 = arith.addf %commit_sum24, %commit25 : tensor<f32>
    %commit_sum26 = arith.addf %commit_sum25, %commit26 : tensor<f32>
    %commit_sum27 = arith.addf %commit_sum26, %commit27 : tensor<f32>
    %commit_sum28 = arith.addf %commit_sum27, %commit28 : tensor<f32>
    %commit_sum29 = arith.addf %commit_sum28, %commit29 : tensor<f32>
    %commit_sum30 = arith.addf %commit_sum29, %commit30 : tensor<f32>
    %commit_sum31 = arith.addf %commit_sum30, %commit31 : tensor<f32>
    %commit_sum32 = arith.addf %commit_sum31, %commit32 : tensor<f32>
    %commit_sum33 = arith.addf %commit_sum32, %commit33 : tensor<f32>
    %commit_sum34 = arith.addf %commit_sum33, %commit34 : tensor<f32>
    %commit_sum35 = arith.addf %commit_sum34, %commit35 : tensor<f32>
    %commit_sum36 = arith.addf %commit_sum35, %commit36 : tensor<f32>
    %commit_sum37 = arith.addf %commit_sum36, %commit37 : tensor<f32>
    %commit_sum38 = arith.addf %commit_sum37, %commit38 : tensor<f32>
    %commit_sum39 = arith.addf %commit_sum38, %commit39 : tensor<f32>
    %commit_sum40 = arith.addf %commit_sum39, %commit40 : tensor<f32>
    %commit_sum41 = arith.addf %commit_sum40, %commit41 : tensor<f32>
    %commit_sum42 = arith.addf %commit_sum41, %commit42 : tensor<f32>
    %commit_sum43 = arith.addf %commit_sum42, %commit43 : tensor<f32>
    %commit_sum44 = arith.addf %commit_sum43, %commit44 : tensor<f32>
    %commit_sum45 = arith.addf %commit_sum44, %commit45 : tensor<f32>
    %commit_sum46 = arith.addf %commit_sum45, %commit46 : tensor<f32>
    %commit_sum47 = arith.addf %commit_sum46, %commit47 : tensor<f32>
    %commit_sum48 = arith.addf %commit_sum47, %commit48 : tensor<f32>
    %commit_term = tvq.scale %commit_sum48 {factor = 1.000000e-04 : f64} : tensor<f32>
    %loss = arith.addf %ce, %commit_term : tensor<f32>
    return %loss, %ce : tensor<f32>, tensor<f32>
  }
}
