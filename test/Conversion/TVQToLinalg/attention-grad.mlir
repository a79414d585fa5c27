// RUN: tvq-opt %s -convert-tvq-to-linalg | FileCheck %s

// Gradients of VQ attention over a whole sequence (L = 4, M = 2, S = 5, K = 4,
// V = 6, B and T dynamic): a forward loop over the T / L blocks recording the
// cache each block starts from, then a backward loop, last block first.

// CHECK-LABEL: func.func @grad(
// CHECK-NOT: tvq.
// ext = [window ; sequence] (M + T slots) for codes, keys and values.
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 0] [%{{.+}}, 2] [1, 1] : tensor<?x2xi32> into tensor<?x?xi32>
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 2] [%{{.+}}, %{{.+}}] [1, 1] : tensor<?x?xi32> into tensor<?x?xi32>
// CHECK: %[[NB:.+]] = arith.divui %{{.+}}, %c4 : index
// 1. Forward: the cache (count [B,S], mean [B,S,V]) is stacked per block, then
//    the L oldest slots of the block's buffer leave into it.
// CHECK: %[[FWD:.+]]:4 = scf.for %[[R:.+]] = %{{.+}} to %[[NB]] step %{{.+}} iter_args({{.+}}) -> (tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x?x5xf32>, tensor<?x?x5x6xf32>)
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[%[[R]], 0, 0] [1, %{{.+}}, 5] [1, 1, 1] : tensor<?x5xf32> into tensor<?x?x5xf32>
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[%[[R]], 0, 0, 0] [1, %{{.+}}, 5, 6] [1, 1, 1, 1] : tensor<?x5x6xf32> into tensor<?x?x5x6xf32>
// CHECK: tensor.extract_slice %{{.+}}[0, %{{.+}}] [%{{.+}}, 4] [1, 1] : tensor<?x?xi32> to tensor<?x4xi32>
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x5x6xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x5xf32>)
// CHECK: scf.yield
// 2. Backward over block NB - 1 - i; carried: d ext keys, d ext values, dq,
//    du, dw, dr and G (dmean / count summed over the later blocks).
// CHECK: %[[BWD:.+]]:7 = scf.for %[[I:.+]] = %{{.+}} to %[[NB]] step %{{.+}} iter_args({{.+}}) -> (tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<?x?x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<?x5x6xf32>)
// CHECK: %[[LAST:.+]] = arith.subi %[[NB]], %{{.+}} : index
// CHECK: %[[BLK:.+]] = arith.subi %[[LAST]], %[[I]] : index
// The L slots that enter the cache at the next block read G at their code.
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<?x4xi32>) outs(%{{.+}} : tensor<?x4x6xf32>)
// CHECK: tensor.extract %{{.+}} : tensor<?x5x6xf32>
// The recorded cache of this block.
// CHECK: tensor.extract_slice %[[FWD]]#2[%[[BLK]], 0, 0] [1, %{{.+}}, 5] [1, 1, 1] : tensor<?x?x5xf32> to tensor<?x5xf32>
// CHECK: tensor.extract_slice %[[FWD]]#3[%[[BLK]], 0, 0, 0] [1, %{{.+}}, 5, 6] [1, 1, 1, 1] : tensor<?x?x5x6xf32> to tensor<?x5x6xf32>
// Recomputed dot products with the relative table, the scores against the
// codebook and the buffer, the softmax over both parts.
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x3xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x5xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x6xf32>)
// CHECK: math.log
// CHECK: math.exp
// CHECK: math.exp
// D = dO·o, then ds = a (dP - D) for the cache and the buffer.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<?x4x5xf32>, tensor<?x4x5xf32>) outs(%{{.+}} : tensor<?x4xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<?x4x6xf32>, tensor<?x4x6xf32>) outs(%{{.+}} : tensor<?x4xf32>)
// CHECK: arith.subf
// CHECK: arith.subf
// The band of ds at distance d = i + M - j', read into [B, L, M + 1].
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x4x3xf32>)
// CHECK: tensor.extract %{{.+}} : tensor<?x4x6xf32>
// dq through q + u (codebook, buffer keys) and q + w (relative table).
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x4x5xf32>, tensor<5x4xf32>) outs(%{{.+}} : tensor<?x4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x4x6xf32>, tensor<?x6x4xf32>) outs(%{{.+}} : tensor<?x4x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x4x3xf32>, tensor<3x4xf32>) outs(%{{.+}} : tensor<?x4x4xf32>)
// du, dw and dr.
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%{{.+}} : tensor<?x4x4xf32>) outs(%{{.+}} : tensor<4xf32>)
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]} ins(%{{.+}} : tensor<?x4x4xf32>) outs(%{{.+}} : tensor<4xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x4x3xf32>, tensor<?x4x4xf32>) outs(%{{.+}} : tensor<3x4xf32>)
// Buffer keys and values (accumulated into slices of the ext gradients),
// dmean; then the slices go back into the ext gradients, and
// G += dmean / max(count, 1).
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x6x4xf32>)
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<?x6x6xf32>)
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<?x4x5xf32>, tensor<?x4x6xf32>) outs(%{{.+}} : tensor<?x5x6xf32>)
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, %{{.+}}, 0] [%{{.+}}, 6, 4] [1, 1, 1] : tensor<?x6x4xf32> into tensor<?x?x4xf32>
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, %{{.+}}, 0] [%{{.+}}, 6, 6] [1, 1, 1] : tensor<?x6x6xf32> into tensor<?x?x6xf32>
// CHECK: arith.divf
// CHECK: scf.yield
// dk_hat and dv are the call's part of the ext gradients.
// CHECK: %[[DK:.+]] = tensor.extract_slice %[[BWD]]#0[0, 2, 0] [%{{.+}}, %{{.+}}, 4] [1, 1, 1]
// CHECK: %[[DV:.+]] = tensor.extract_slice %[[BWD]]#1[0, 2, 0] [%{{.+}}, %{{.+}}, 6] [1, 1, 1]
// CHECK: return %[[BWD]]#2, %[[DK]], %[[DV]], %[[BWD]]#3, %[[BWD]]#4, %[[BWD]]#5
func.func @grad(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
                %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                %w: tensor<4xf32>, %r: tensor<3x4xf32>, %do: tensor<?x?x6xf32>)
    -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<3x4xf32>) {
  %dq, %dk, %dv, %du, %dw, %dr = tvq.vq_attention_grad %q, %kh, %z, %v, %c, %u, %w, %r
      grad %do {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<?x?x6xf32>)
      -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
          tensor<4xf32>, tensor<3x4xf32>)
  return %dq, %dk, %dv, %du, %dw, %dr
      : tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<3x4xf32>
}

// With an incoming state: the state is used as given (no zero-filled state),
// and the window's slots are the first M of ext.
// CHECK-LABEL: func.func @grad_state(
// CHECK-SAME: %[[WC:[a-z0-9]+]]: tensor<?x2xi32>, %[[WK:[a-z0-9]+]]: tensor<?x2x4xf32>
// CHECK-NOT: linalg.fill ins(%{{.+}} : i64)
// CHECK: tensor.insert_slice %[[WC]] into %{{.+}}[0, 0] [%{{.+}}, 2] [1, 1]
// CHECK: tensor.insert_slice %[[WK]] into %{{.+}}[0, 0, 0] [%{{.+}}, 2, 4] [1, 1, 1]
// CHECK: scf.for
// CHECK: scf.for
// CHECK-NOT: tvq.
func.func @grad_state(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
                      %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                      %w: tensor<4xf32>, %r: tensor<3x4xf32>, %n: tensor<?x5xf32>,
                      %mu: tensor<?x5x6xf32>, %wc: tensor<?x2xi32>, %wk: tensor<?x2x4xf32>,
                      %wv: tensor<?x2x6xf32>, %seen: tensor<?xi64>, %do: tensor<?x?x6xf32>)
    -> tensor<?x?x4xf32> {
  %dq, %dk, %dv, %du, %dw, %dr = tvq.vq_attention_grad %q, %kh, %z, %v, %c, %u, %w, %r
      state(%n, %mu, %wc, %wk, %wv, %seen) grad %do {block_len = 4 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>, tensor<?x5xf32>,
         tensor<?x5x6xf32>, tensor<?x2xi32>, tensor<?x2x4xf32>, tensor<?x2x6xf32>,
         tensor<?xi64>, tensor<?x?x6xf32>)
      -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
          tensor<4xf32>, tensor<3x4xf32>)
  return %dq : tensor<?x?x4xf32>
}
