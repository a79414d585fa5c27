// Decode step at benchmark widths (K=128, V=256, S=512, M=512) with block length L=1: one token
// through tvq.vq_quantize + tvq.vq_attention with the state in and out (transformer-vq.md §5).
// Used by bench/run.py for ms per generated token.
func.func @vq_attention_step(%q: tensor<?x?x128xf32>, %k: tensor<?x?x128xf32>,
                             %v: tensor<?x?x256xf32>, %codebook: tensor<512x128xf32>,
                             %u: tensor<128xf32>, %w: tensor<128xf32>, %r: tensor<513x128xf32>,
                             %count: tensor<?x512xf32>, %mean: tensor<?x512x256xf32>,
                             %win_codes: tensor<?x512xi32>, %win_keys: tensor<?x512x128xf32>,
                             %win_values: tensor<?x512x256xf32>, %seen: tensor<?xi64>)
    -> (tensor<?x?x256xf32>, tensor<?x?xi32>, tensor<?x512xf32>, tensor<?x512x256xf32>,
        tensor<?x512xi32>, tensor<?x512x128xf32>, tensor<?x512x256xf32>, tensor<?xi64>) {
  %k_hat, %codes, %err2 = tvq.vq_quantize %k, %codebook
      : (tensor<?x?x128xf32>, tensor<512x128xf32>)
      -> (tensor<?x?x128xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %o, %count2, %mean2, %win_codes2, %win_keys2, %win_values2, %seen2 =
      tvq.vq_attention %q, %k_hat, %codes, %v, %codebook, %u, %w, %r
      state(%count, %mean, %win_codes, %win_keys, %win_values, %seen)
      {block_len = 1 : i64, mem_len = 512 : i64}
      : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?xi32>, tensor<?x?x256xf32>,
         tensor<512x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<513x128xf32>,
         tensor<?x512xf32>, tensor<?x512x256xf32>, tensor<?x512xi32>, tensor<?x512x128xf32>,
         tensor<?x512x256xf32>, tensor<?xi64>)
      -> (tensor<?x?x256xf32>, tensor<?x512xf32>, tensor<?x512x256xf32>, tensor<?x512xi32>,
          tensor<?x512x128xf32>, tensor<?x512x256xf32>, tensor<?xi64>)
  return %o, %codes, %count2, %mean2, %win_codes2, %win_keys2, %win_values2, %seen2
      : tensor<?x?x256xf32>, tensor<?x?xi32>, tensor<?x512xf32>, tensor<?x512x256xf32>,
        tensor<?x512xi32>, tensor<?x512x128xf32>, tensor<?x512x256xf32>, tensor<?xi64>
}
