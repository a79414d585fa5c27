// RUN: tvq-opt %s --one-shot-bufferize="bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map" | FileCheck %s

// tvq.fused_block_attention bufferizes in destination style: the inputs are
// read, the output is written in place of a fresh buffer for tensor.empty,
// and the result is that buffer.
// CHECK-LABEL: func.func @attention(
// CHECK-SAME: %[[Q:[a-z0-9]+]]: memref<?x32x16xf32>
// CHECK: %[[OUT:.+]] = memref.alloc(%{{.+}}) {{.*}}: memref<?x32x48xf32>
// CHECK: tvq.fused_block_attention {mem_len = 32 : i64} ins(%[[Q]], {{.*}} : memref<?x32x16xf32>, memref<64x16xf32>, memref<?x64xf32>, memref<?x64x48xf32>, memref<?x64x16xf32>, memref<?x64x48xf32>, memref<?x32x33xf32>, memref<?xi64>) outs(%[[OUT]] : memref<?x32x48xf32>)
// CHECK-NOT: ->
// CHECK: return %[[OUT]] : memref<?x32x48xf32>
func.func @attention(%q: tensor<?x32x16xf32>, %c: tensor<64x16xf32>, %n: tensor<?x64xf32>, %mu: tensor<?x64x48xf32>,
                     %k: tensor<?x64x16xf32>, %v: tensor<?x64x48xf32>, %rel: tensor<?x32x33xf32>,
                     %seen: tensor<?xi64>) -> tensor<?x32x48xf32> {
  %c0 = arith.constant 0 : index
  %b = tensor.dim %q, %c0 : tensor<?x32x16xf32>
  %empty = tensor.empty(%b) : tensor<?x32x48xf32>
  %o = tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : tensor<?x32x16xf32>, tensor<64x16xf32>, tensor<?x64xf32>,
          tensor<?x64x48xf32>, tensor<?x64x16xf32>, tensor<?x64x48xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%empty : tensor<?x32x48xf32>) -> tensor<?x32x48xf32>
  return %o : tensor<?x32x48xf32>
}
