// The contract example: VQ attention over keys quantized against a codebook.
//
//   @vq_attention(q[B,T,32], k[B,T,32], v[B,T,48], codebook[64,32], u[32], w[32], r[17,32])
//       -> (o[B,T,48], codes[B,T] i32)
//
// Block length L = 16, uncompressed window M = 16, codebook size S = 64; B and T are dynamic and T
// must be a multiple of L. Row d of r is the relative-position vector for distance d. No scaling
// is applied inside. Semantics: docs/transformer-vq.md section 3 (see also docs/design.md).
func.func @vq_attention(%q: tensor<?x?x32xf32> {tvq.name = "q"},
                        %k: tensor<?x?x32xf32> {tvq.name = "k"},
                        %v: tensor<?x?x48xf32> {tvq.name = "v"},
                        %codebook: tensor<64x32xf32> {tvq.name = "codebook"},
                        %u: tensor<32xf32> {tvq.name = "u"},
                        %w: tensor<32xf32> {tvq.name = "w"},
                        %r: tensor<17x32xf32> {tvq.name = "r"})
    -> (tensor<?x?x48xf32> {tvq.name = "o"}, tensor<?x?xi32> {tvq.name = "codes"}) {
  %k_hat, %codes, %err2 = tvq.vq_quantize %k, %codebook
      : (tensor<?x?x32xf32>, tensor<64x32xf32>)
      -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %o, %count, %mean, %win_codes, %win_keys, %win_values, %seen =
      tvq.vq_attention %q, %k_hat, %codes, %v, %codebook, %u, %w, %r
      {block_len = 16 : i64, mem_len = 16 : i64}
      : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?x48xf32>,
         tensor<64x32xf32>, tensor<32xf32>, tensor<32xf32>, tensor<17x32xf32>)
      -> (tensor<?x?x48xf32>, tensor<?x64xf32>, tensor<?x64x48xf32>, tensor<?x16xi32>,
          tensor<?x16x32xf32>, tensor<?x16x48xf32>, tensor<?xi64>)
  return %o, %codes : tensor<?x?x48xf32>, tensor<?x?xi32>
}
