// RUN: tvq-opt %s -tvq-split-attention-blocks='parallel=true' | FileCheck %s

// M = L: every block at once. Each block's window is the block before it
// (the incoming window for block 0), its position count seen + n L, its
// cache the incoming one plus the started window slots that left before it
// (one-hot counts and value sums per block, then a prefix sum over the
// blocks m < n); one one-block op runs over the B x T / L blocks.
// CHECK-LABEL: func.func @parallel(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x?x4xf32>, %[[KH:[^:]+]]: tensor<?x?x4xf32>, %[[Z:[^:]+]]: tensor<?x?xi32>
// CHECK-NOT: scf.for
// Block 0's window is the incoming one, blocks 1.. the blocks before them:
// min(nb, 1) and nb - min(nb, 1) blocks, so that T = 0 (no blocks) reads and
// writes nothing.
// CHECK: %[[NB:.+]] = arith.divui %{{.+}}, %c8 : index
// CHECK: %[[ZB:.+]] = tensor.expand_shape %[[Z]] {{\[\[}}0], [1, 2]] output_shape [%{{.+}}, %[[NB]], 8] : tensor<?x?xi32> into tensor<?x?x8xi32>
// CHECK: %[[FIRST:.+]] = arith.minui %[[NB]], %c1 : index
// CHECK: %[[IN0:.+]] = tensor.extract_slice %{{.+}}[0, 0, 0] [%{{.+}}, %[[FIRST]], 8] [1, 1, 1] : tensor<?x1x8xi32> to tensor<?x?x8xi32>
// CHECK: %[[W0:.+]] = tensor.insert_slice %[[IN0]] into %{{.+}}[0, 0, 0] [%{{.+}}, %[[FIRST]], 8] [1, 1, 1]
// CHECK: %[[REST:.+]] = arith.subi %[[NB]], %{{.+}} : index
// CHECK: %[[PREV:.+]] = tensor.extract_slice %[[ZB]][0, 0, 0] [%{{.+}}, %[[REST]], 8]
// CHECK: %[[W:.+]] = tensor.insert_slice %[[PREV]] into %[[W0]][0, %[[FIRST]], 0] [%{{.+}}, %[[REST]], 8]
// CHECK: %[[WCODES:.+]] = tensor.collapse_shape %[[W]] {{\[\[}}0, 1], [2]] : tensor<?x?x8xi32> into tensor<?x8xi32>
// The slots that leave, one-hot by code (started ones only), per block:
// CHECK: linalg.generic {{.*}} ins(%[[WCODES]], %[[SEEN:.+]] : tensor<?x8xi32>, tensor<?xi64>) outs(%{{.+}} : tensor<?x8x5xf32>)
// CHECK:   arith.cmpi sge
// CHECK:   arith.cmpi eq
// counts and value sums per block, then prefix sums across the blocks:
// CHECK: %[[LSUM:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%{{.+}}, %{{.+}} : tensor<?x8x5xf32>, tensor<?x8x6xf32>) outs(%{{.+}} : tensor<?x5x6xf32>)
// CHECK:   arith.mulf
// CHECK: %[[LCOUNT4:.+]] = tensor.expand_shape %{{.+}} {{\[\[}}0, 1], [2]]
// CHECK: %[[LSUM4:.+]] = tensor.expand_shape %[[LSUM]]
// CHECK: %[[COUNT:.+]] = tvq.block_scan {distance = 1 : i64} ins(%[[LCOUNT4]] : tensor<?x?x5xf32>) outs(%{{.+}} : tensor<?x?x5xf32>) -> tensor<?x?x5xf32>
// CHECK: %[[SUM:.+]] = tvq.block_scan {distance = 1 : i64} ins(%[[LSUM4]] : tensor<?x?x5x6xf32>) outs(%{{.+}} : tensor<?x?x5x6xf32>) -> tensor<?x?x5x6xf32>
// means = sums / max(count, 1):
// CHECK: linalg.generic {{.*}} ins(%[[COUNT]], %[[SUM]] : tensor<?x?x5xf32>, tensor<?x?x5x6xf32>)
// CHECK:   arith.maximumf
// CHECK:   arith.divf
// One one-block op over all blocks, its output back in sequence order, not
// under the scf.if (at T = 0 it is empty):
// CHECK: %[[O:.+]], %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} = tvq.vq_attention {{.*}} state({{.*}}, %[[WCODES]], {{.*}}) {block_len = 8 : i64, mem_len = 8 : i64} : (tensor<?x8x4xf32>
// CHECK: %[[O4:.+]] = tensor.expand_shape %[[O]] {{\[\[}}0, 1], [2], [3]] output_shape [%{{.+}}, %[[NB]], 8, 6]
// CHECK: %[[OUT:.+]] = tensor.collapse_shape %[[O4]] {{\[\[}}0], [1, 2], [3]] : tensor<?x?x8x6xf32> into tensor<?x?x6xf32>
// The state after the last block; T = 0 has none: the incoming state.
// CHECK: %[[NONE:.+]] = arith.cmpi eq, %{{.+}}, %c0 : index
// CHECK: %[[STATE:.+]]:6 = scf.if %[[NONE]]
// CHECK:   scf.yield %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}, %{{.+}} :
// CHECK: } else {
// The cache after the last block: its prefix plus its own terms.
// CHECK:   %[[L1:.+]] = arith.subi %[[NB]], %c1 : index
// CHECK:   %[[CLAST:.+]] = tensor.extract_slice %[[COUNT]][0, %[[L1]], 0] [%{{.+}}, 1, 5] [1, 1, 1] : tensor<?x?x5xf32> to tensor<?x5xf32>
// CHECK:   %[[TLAST:.+]] = tensor.extract_slice %[[LCOUNT4]][0, %[[L1]], 0] [%{{.+}}, 1, 5] [1, 1, 1] : tensor<?x?x5xf32> to tensor<?x5xf32>
// CHECK:   %[[FCOUNT:.+]] = linalg.generic {{.*}} ins(%[[CLAST]], %[[TLAST]] : tensor<?x5xf32>, tensor<?x5xf32>)
// CHECK:     arith.addf
// CHECK:   %[[SLAST:.+]] = tensor.extract_slice %[[SUM]][0, %{{.+}}, 0, 0] [%{{.+}}, 1, 5, 6]
// CHECK:   %[[LSLAST:.+]] = tensor.extract_slice %[[LSUM4]][0, %{{.+}}, 0, 0] [%{{.+}}, 1, 5, 6]
// CHECK:   %[[FSUM:.+]] = linalg.generic {{.*}} ins(%[[SLAST]], %[[LSLAST]] : tensor<?x5x6xf32>, tensor<?x5x6xf32>)
// CHECK:   %[[FMEAN:.+]] = linalg.generic {{.*}} ins(%[[FCOUNT]], %[[FSUM]] : tensor<?x5xf32>, tensor<?x5x6xf32>)
// CHECK:     arith.maximumf
// CHECK:     arith.divf
// The window and the count of positions from the last block, copied out:
// CHECK:   %[[LAST:.+]] = arith.subi %[[NB]], %c1 : index
// CHECK:   %[[WLAST:.+]] = tensor.extract_slice %{{.+}}[0, %[[LAST]], 0] [%{{.+}}, 1, 8] [1, 1, 1] : tensor<?x?x8xi32> to tensor<?x8xi32>
// CHECK:   %[[WEMPTY:.+]] = tensor.empty(%{{.+}}) : tensor<?x8xi32>
// CHECK:   %[[WCOPY:.+]] = linalg.copy ins(%[[WLAST]] : tensor<?x8xi32>) outs(%[[WEMPTY]] : tensor<?x8xi32>)
// CHECK:   scf.yield %[[FCOUNT]], %[[FMEAN]], %[[WCOPY]],
// CHECK: return %[[OUT]], %[[STATE]]#0, %[[STATE]]#1, %[[STATE]]#2, %[[STATE]]#3, %[[STATE]]#4, %[[STATE]]#5
func.func @parallel(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
                    %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                    %w: tensor<4xf32>, %r: tensor<9x4xf32>)
    -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x8xi32>,
        tensor<?x8x4xf32>, tensor<?x8x6xf32>, tensor<?xi64>) {
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 8 : i64, mem_len = 8 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<9x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x8xi32>,
          tensor<?x8x4xf32>, tensor<?x8x6xf32>, tensor<?xi64>)
  return %o, %n, %mu, %wc, %wk, %wv, %seen
      : tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x8xi32>,
        tensor<?x8x4xf32>, tensor<?x8x6xf32>, tensor<?xi64>
}

// M != L keeps the block loop.
// CHECK-LABEL: func.func @loop_when_m_differs(
// CHECK: scf.for
// CHECK: tvq.vq_attention
func.func @loop_when_m_differs(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
                               %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                               %w: tensor<4xf32>, %r: tensor<3x4xf32>) -> tensor<?x?x6xf32> {
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 8 : i64, mem_len = 2 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x2xi32>,
          tensor<?x2x4xf32>, tensor<?x2x6xf32>, tensor<?xi64>)
  return %o : tensor<?x?x6xf32>
}
