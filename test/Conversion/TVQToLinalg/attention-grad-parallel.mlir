// RUN: tvq-opt %s -convert-tvq-to-linalg='parallel-blocks=true' | FileCheck %s
// RUN: tvq-opt %s -convert-tvq-to-linalg='parallel-blocks=true attention=fused' | FileCheck %s --check-prefix=FUSED
// RUN: tvq-opt %s -convert-tvq-to-linalg='parallel-blocks=true attention=softmax' | FileCheck %s --check-prefix=FUSED

// With attention=fused or softmax the blocks' softmax weights (cache [B', L, S] and
// buffer [B', L, M + L]) come from one tvq.fused_block_softmax on q + u, the
// codebook, the blocks' counts, their buffers of keys, the relative dot
// products and seen: no exp or log is left in the function.
// FUSED-LABEL: func.func @grad_parallel(
// FUSED-NOT: math.exp
// FUSED: tvq.fused_block_softmax {mem_len = 4 : i64} ins({{.*}} : tensor<?x4x4xf32>, tensor<5x4xf32>, tensor<?x5xf32>, tensor<?x8x4xf32>, tensor<?x4x5xf32>, tensor<?xi64>) outs({{.*}} : tensor<?x4x5xf32>, tensor<?x4x8xf32>) -> tensor<?x4x5xf32>, tensor<?x4x8xf32>
// FUSED-NOT: math.exp
// FUSED-NOT: math.log

// The backward over every block at once (M = L = 4, S = 5, K = 4, V = 6):
// no block loop; the blocks' states as in the parallel forward; a batch of
// B x T / L blocks; then the flows between blocks: a position's gradient is
// its block's buffer half plus the next block's window half, and a value
// entering the cache gets the sum of dmean / max(count, 1) over the blocks
// n >= m + 2 (a running sum from the last block down, tvq.block_scan).
// No scf.if for T = 0: with B x 0 blocks the gradients come out empty or zero.
// Everything is computed from q, k_hat, codes, v and the incoming state's six
// tensors renamed by tvq.recompute_input, so that cse cannot merge the block
// states and scores with the parallel forward's.
// CHECK-LABEL: func.func @grad_parallel(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x?x4xf32>, %[[KH:[^:]+]]: tensor<?x?x4xf32>, %[[Z:[^:]+]]: tensor<?x?xi32>, %[[V:[^:]+]]: tensor<?x?x6xf32>
// CHECK-NOT: scf.for
// CHECK-NOT: scf.if
// CHECK-NOT: tvq.vq_
// CHECK: %[[FQ:.+]] = tvq.recompute_input %[[Q]] : tensor<?x?x4xf32>
// CHECK-NEXT: %[[FK:.+]] = tvq.recompute_input %[[KH]] : tensor<?x?x4xf32>
// CHECK-NEXT: %[[FZ:.+]] = tvq.recompute_input %[[Z]] : tensor<?x?xi32>
// CHECK-NEXT: %[[FV:.+]] = tvq.recompute_input %[[V]] : tensor<?x?x6xf32>
// CHECK-COUNT-6: tvq.recompute_input
// CHECK-NOT: tvq.recompute_input
// The windows: block n - 1's keys for block n, after the min(nb, 1) first.
// CHECK: tensor.expand_shape %[[FZ]]
// CHECK: %[[FIRST:.+]] = arith.minui
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, %[[FIRST]], 0]
// Block n's cache: running sums over the blocks m < n.
// CHECK: tvq.block_scan {distance = 1 : i64} ins(%{{.+}} : tensor<?x?x5xf32>) outs(%{{.+}} : tensor<?x?x5xf32>)
// CHECK: tvq.block_scan {distance = 1 : i64} ins(%{{.+}} : tensor<?x?x5x6xf32>) outs(%{{.+}} : tensor<?x?x5x6xf32>)
// Each block's buffer [window ; block] as one batch.
// CHECK: tensor.insert_slice %{{.+}} into %{{.+}}[0, 4, 0] [%{{.+}}, 4, 4] [1, 1, 1] : tensor<?x4x4xf32> into tensor<?x8x4xf32>
// The next block's window half, shifted back one block (none where T = 0).
// CHECK: %[[SHIFT:.+]] = arith.minui
// CHECK: tensor.extract_slice %{{.+}}[0, %[[SHIFT]], 0, 0] [%{{.+}}, %{{.+}}, 4, 4] [1, 1, 1, 1]
// The cache's value gradient: blocks n >= m + 2, at the position's code.
// CHECK: %[[LATER:.+]] = tvq.block_scan {distance = 2 : i64, reverse} ins(%{{.+}} : tensor<?x?x5x6xf32>) outs(%{{.+}} : tensor<?x?x5x6xf32>)
// CHECK: tensor.extract %[[LATER]]
// CHECK-NOT: scf.if
// CHECK: return
func.func @grad_parallel(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
                         %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                         %w: tensor<4xf32>, %r: tensor<5x4xf32>, %do: tensor<?x?x6xf32>)
    -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<5x4xf32>) {
  %dq, %dk, %dv, %du, %dw, %dr = tvq.vq_attention_grad %q, %kh, %z, %v, %c, %u, %w, %r
      grad %do {block_len = 4 : i64, mem_len = 4 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<5x4xf32>, tensor<?x?x6xf32>)
      -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
          tensor<4xf32>, tensor<5x4xf32>)
  return %dq, %dk, %dv, %du, %dw, %dr
      : tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
        tensor<4xf32>, tensor<5x4xf32>
}
