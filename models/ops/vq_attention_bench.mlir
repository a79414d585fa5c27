// VQ attention at benchmark widths: the contract example (vq_attention.mlir), same signature and
// semantics, at the widths of the published models.
//
//   @vq_attention(q[B,T,128], k[B,T,128], v[B,T,256], codebook[512,128], u[128], w[128],
//                 r[513,128]) -> (o[B,T,256], codes[B,T] i32)
//
// K = 128, V = 256, codebook size S = 512, block length L = 512, uncompressed window M = 512;
// B and T are dynamic and T must be a multiple of L. Row d of r is the relative-position vector
// for distance d (0..M). No scaling is applied inside. Semantics: transformer-vq.md section 3.
// Used by `make bench` (bench/run.py).
func.func @vq_attention(%q: tensor<?x?x128xf32> {tvq.name = "q"},
                        %k: tensor<?x?x128xf32> {tvq.name = "k"},
                        %v: tensor<?x?x256xf32> {tvq.name = "v"},
                        %codebook: tensor<512x128xf32> {tvq.name = "codebook"},
                        %u: tensor<128xf32> {tvq.name = "u"},
                        %w: tensor<128xf32> {tvq.name = "w"},
                        %r: tensor<513x128xf32> {tvq.name = "r"})
    -> (tensor<?x?x256xf32> {tvq.name = "o"}, tensor<?x?xi32> {tvq.name = "codes"}) {
  %k_hat, %codes, %err2 = tvq.vq_quantize %k, %codebook
      : (tensor<?x?x128xf32>, tensor<512x128xf32>)
      -> (tensor<?x?x128xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
  %o, %count, %mean, %win_codes, %win_keys, %win_values, %seen =
      tvq.vq_attention %q, %k_hat, %codes, %v, %codebook, %u, %w, %r
      {block_len = 512 : i64, mem_len = 512 : i64}
      : (tensor<?x?x128xf32>, tensor<?x?x128xf32>, tensor<?x?xi32>, tensor<?x?x256xf32>,
         tensor<512x128xf32>, tensor<128xf32>, tensor<128xf32>, tensor<513x128xf32>)
      -> (tensor<?x?x256xf32>, tensor<?x512xf32>, tensor<?x512x256xf32>, tensor<?x512xi32>,
          tensor<?x512x128xf32>, tensor<?x512x256xf32>, tensor<?xi64>)
  return %o, %codes : tensor<?x?x256xf32>, tensor<?x?xi32>
}
