// RUN: tvq-opt %s -pass-pipeline='builtin.module(func.func(tvq-split-attention-blocks{parallel=true}),canonicalize,cse,func.func(convert-tvq-to-linalg{parallel-blocks=true}),canonicalize,cse)' | FileCheck %s

// A training step's attention: the forward and its backward in one function
// (the CUDA pipeline's blocks and linalg phases). Both build the block states
// (windows, one-hot products, running sums across the blocks) before their
// T = 0 branches and in the same way, so CSE leaves one copy: two running
// sums for the caches (counts, value sums), not four, and the backward's
// own running sum from the last block down.
// CHECK-LABEL: func.func @train(
// CHECK-COUNT-2: tvq.block_scan {distance = 1 : i64}
// CHECK-NOT: tvq.block_scan {distance = 1 : i64}
// CHECK: tvq.block_scan {distance = 2 : i64, reverse}
// CHECK-NOT: tvq.block_scan
func.func @train(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
                 %v: tensor<?x?x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                 %w: tensor<4xf32>, %r: tensor<9x4xf32>, %do: tensor<?x?x6xf32>)
    -> (tensor<?x?x6xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>) {
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 8 : i64, mem_len = 8 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<9x4xf32>)
      -> (tensor<?x?x6xf32>, tensor<?x5xf32>, tensor<?x5x6xf32>, tensor<?x8xi32>,
          tensor<?x8x4xf32>, tensor<?x8x6xf32>, tensor<?xi64>)
  %dq, %dk, %dv, %du, %dw, %dr = tvq.vq_attention_grad %q, %kh, %z, %v, %c, %u, %w, %r
      grad %do {block_len = 8 : i64, mem_len = 8 : i64}
      : (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?xi32>, tensor<?x?x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<9x4xf32>, tensor<?x?x6xf32>)
      -> (tensor<?x?x4xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>, tensor<4xf32>,
          tensor<4xf32>, tensor<9x4xf32>)
  return %o, %dq, %dv : tensor<?x?x6xf32>, tensor<?x?x4xf32>, tensor<?x?x6xf32>
}
