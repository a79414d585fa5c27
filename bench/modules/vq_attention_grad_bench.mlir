// Gradients of VQ attention at benchmark widths (K=128, V=256, S=512, L=M=512), from the empty
// state: tvq.vq_attention_grad (dq, dk_hat, dv, du, dw, dr from d_out). Used by bench/run.py.
func.func @attention_grad(%q: tensor<?x?x128xf32>, %k_hat: tensor<?x?x128xf32>,
                          %codes: tensor<?x?xi32>, %v: tensor<?x?x256xf32>,
                          %codebook: tensor<512x128xf32>, %u: tensor<128xf32>, %w: tensor<128xf32>,
                          %r: tensor<513x128xf32>, %d_out: tensor<?x?x256xf32>)
    -> (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x256xf32>, tensor<128xf32>,
        tensor<128xf32>, tensor<513x128xf32>) {
  %dq, %dk_hat, %dv, %du, %dw, %dr =
      tvq.vq_attention_grad %q, %k_hat, %codes, %v, %codebook, %u, %w, %r grad %d_out
      {block_len = 512 : i64, mem_len = 512 : i64}
      : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?xi32>, tensor<?x?x256xf32>,
         tensor<512x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<513x128xf32>,
         tensor<?x?x256xf32>)
      -> (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x256xf32>, tensor<128xf32>,
          tensor<128xf32>, tensor<513x128xf32>)
  return %dq, %dk_hat, %dv, %du, %dw, %dr
      : tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?x256xf32>, tensor<128xf32>,
        tensor<128xf32>, tensor<513x128xf32>
}

