// RUN: tvq-opt %s -convert-tvq-to-linalg -split-input-file -verify-diagnostics | FileCheck %s
// RUN: tvq-opt %s -convert-tvq-to-linalg="attention=fused" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=FUSED
// RUN: tvq-opt %s -convert-tvq-to-linalg="attention=softmax" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=SOFTMAX
// RUN: tvq-opt %s -convert-tvq-to-linalg="onehot-products=true" -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=ONEHOT
// RUN: not tvq-opt %s -convert-tvq-to-linalg="attention=flash" -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: convert-tvq-to-linalg: unknown attention 'flash' (generic, softmax or fused)

// With fused-attention the output is one tvq.fused_block_attention on the
// queries plus u, the codebook, the cache, the buffer, the relative dot
// products and seen: no score tensor, max or exp; the cache update follows.
// FUSED-LABEL: func.func @block(
// FUSED: %[[REL:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x3xf32>)
// FUSED-NOT: math.exp
// FUSED: tvq.fused_block_attention {mem_len = 2 : i64} ins(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %[[REL]], %{{.+}} : tensor<?x4x4xf32>, tensor<5x4xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x6x4xf32>, tensor<?x6x6xf32>, tensor<?x4x3xf32>, tensor<?xi64>) outs(%{{.+}} : tensor<?x4x6xf32>) -> tensor<?x4x6xf32>
// FUSED-NOT: math.exp
// FUSED: tensor.extract_slice %{{.+}}[0, 0, 0] [%{{.+}}, 4, 6] [1, 1, 1]

// With attention=softmax one tvq.fused_block_softmax gives the normalized
// weights over the cache [B, 4, 5] and the buffer [B, 4, 6]; the output is
// their products with the cache means and the buffer values (no division).
// SOFTMAX-LABEL: func.func @block(
// SOFTMAX: %[[REL:.+]] = linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x3xf32>)
// SOFTMAX-NOT: math.exp
// SOFTMAX: %[[P:.+]]:2 = tvq.fused_block_softmax {mem_len = 2 : i64} ins(%{{.+}}, %{{.+}}, %{{.+}}, %[[BUFK:.+]], %[[REL]], %{{.+}} : tensor<?x4x4xf32>, tensor<5x4xf32>, tensor<?x5xf32>, tensor<?x6x4xf32>, tensor<?x4x3xf32>, tensor<?xi64>) outs(%{{.+}}, %{{.+}} : tensor<?x4x5xf32>, tensor<?x4x6xf32>)
// SOFTMAX: %[[CACHE:.+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[P]]#0, %{{.+}} : tensor<?x4x5xf32>, tensor<?x5x6xf32>)
// SOFTMAX: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[P]]#1, %{{.+}} : tensor<?x4x6xf32>, tensor<?x6x6xf32>) outs(%[[CACHE]] : tensor<?x4x6xf32>)
// SOFTMAX-NOT: arith.divf
// SOFTMAX-NOT: math.exp
// SOFTMAX: tensor.extract_slice %{{.+}}[0, 0, 0] [%{{.+}}, 4, 6] [1, 1, 1]

// One block (T = L = 4, M = 2, S = 5): buffer of M + L = 6 slots, cache and
// window scores, one max, exp, one sum, values, then the cache update.

// CHECK-LABEL: func.func @block(
// CHECK-NOT: tvq.vq_attention
// The buffer [window ; block] of keys.
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0, 0] [%{{.+}}, 2, 4]
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 2, 0] [%{{.+}}, 4, 4]
// Dot products with the relative table [B, L, M+1], then the scores against
// the codebook [B, L, S] and the buffer [B, L, M+L].
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x3xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x5xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x6xf32>)
// The cache mask: -inf where a count is <= 0, else + log(max(count, 1)).
// CHECK: math.log
// CHECK: arith.cmpf ole
// Window mask and band: the relative term is read at distance i + M - j.
// CHECK: linalg.index 1
// CHECK: linalg.index 2
// CHECK: tensor.extract
// Softmax over both parts.
// CHECK: arith.maximumf
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: math.exp
// CHECK: arith.divf
// Cache update: the L oldest slots leave, new window is the newest M.
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 0] [%{{.+}}, 4, 6] [1, 1, 1]
// CHECK: tensor.extract_slice %{{.+}}[0, 4] [%{{.+}}, 2] [1, 1]
// CHECK: tensor.extract_slice %{{.+}}[0, 4, 0] [%{{.+}}, 2, 4] [1, 1, 1]
// With onehot-products (the CUDA pipeline): the sums of the leaving values
// per code are a batched product (out + in0 * in1, no compare left, which
// tvq-contractions-to-library hands to cuBLAS) of the leaving slots as
// one-hot rows [B, L, S] (1 where the slot's position is >= 0 and its code
// is s) and their values [B, L, V].
// ONEHOT-LABEL: func.func @block(
// ONEHOT: %[[LEAVING:[0-9a-z_]+]] = tensor.extract_slice %{{.+}}[0, 0, 0] [%{{.+}}, 4, 6] [1, 1, 1]
// ONEHOT: %[[HOT:[0-9a-z_]+]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]{{.*}} outs(%{{.+}} : tensor<?x4x5xf32>)
// ONEHOT:   arith.cmpi sge
// ONEHOT:   arith.cmpi eq
// ONEHOT:   arith.andi
// ONEHOT:   arith.select
// ONEHOT: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]{{.*}} ins(%[[HOT]], %[[LEAVING]] : tensor<?x4x5xf32>, tensor<?x4x6xf32>) outs(%{{.+}} : tensor<?x5x6xf32>)
// ONEHOT-NEXT: ^bb0
// ONEHOT-NEXT: arith.mulf
// ONEHOT-NEXT: arith.addf
// ONEHOT-NEXT: linalg.yield
func.func @block(%q: tensor<?x4x4xf32>, %kh: tensor<?x4x4xf32>, %z: tensor<?x4xi32>,
                 %v: tensor<?x4x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                 %w: tensor<4xf32>, %r: tensor<3x4xf32>) -> tensor<?x4x6xf32> {
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x4x4xf32>, tensor<?x4x4xf32>, tensor<?x4xi32>, tensor<?x4x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x4x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return %o : tensor<?x4x6xf32>
}

// -----

// More than one block is an error here: the block loop comes first.
func.func @many_blocks(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
                       %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                       %w: tensor<4xf32>, %r: tensor<3x4xf32>) -> tensor<?x?x6xf32> {
  // expected-error @+1 {{failed to legalize operation 'tvq.vq_attention'}}
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return %o : tensor<?x?x6xf32>
}
