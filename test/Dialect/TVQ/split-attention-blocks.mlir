// RUN: tvq-opt %s -tvq-split-attention-blocks | FileCheck %s

// CHECK-LABEL: func.func @split(
// CHECK-SAME: %[[Q:[^:]+]]: tensor<?x?x4xf32>
// CHECK-DAG: %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG: %[[C1:.+]] = arith.constant 1 : index
// CHECK-DAG: %[[C8:.+]] = arith.constant 8 : index
// The empty state: zero counts, means, window and position.
// CHECK: %[[N0:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%{{.+}} : tensor<?x5xf32>)
// CHECK: %[[SEEN0:.+]] = linalg.fill ins(%{{.+}} : i64) outs(%{{.+}} : tensor<?xi64>)
// CHECK: %[[NB:.+]] = arith.divui %{{.+}}, %[[C8]]
// CHECK: %[[LOOP:.+]]:7 = scf.for %[[I:.+]] = %[[C0]] to %[[NB]] step %[[C1]] iter_args(%[[OUT:.+]] = %{{.+}}, %[[N:.+]] = %[[N0]], {{.*}}, %[[SEEN:.+]] = %[[SEEN0]])
// CHECK:   %[[OFF:.+]] = arith.muli %[[I]], %[[C8]]
// CHECK:   tensor.extract_slice %[[Q]][0, %[[OFF]], 0] [%{{.+}}, 8, 4] [1, 1, 1] : tensor<?x?x4xf32> to tensor<?x8x4xf32>
// CHECK:   %[[O:[^,]+]], %[[N2:[^,]+]], {{.*}}, %[[SEEN2:[^ ]+]] = tvq.vq_attention {{.*}} state(%[[N]], {{.*}}, %[[SEEN]]) {block_len = 8 : i64, mem_len = 2 : i64} : (tensor<?x8x4xf32>
// CHECK:   %[[INS:.+]] = tensor.insert_slice %[[O]] into %[[OUT]][0, %[[OFF]], 0]
// CHECK:   scf.yield %[[INS]], %[[N2]], {{.*}}, %[[SEEN2]] :
// CHECK: return %[[LOOP]]#0
func.func @split(%q: tensor<?x?x4xf32>, %kh: tensor<?x?x4xf32>, %z: tensor<?x?xi32>,
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

// A single block is left alone.
// CHECK-LABEL: func.func @one_block(
// CHECK-NOT: scf.for
// CHECK: tvq.vq_attention
func.func @one_block(%q: tensor<2x8x4xf32>, %kh: tensor<2x8x4xf32>, %z: tensor<2x8xi32>,
                     %v: tensor<2x8x6xf32>, %c: tensor<5x4xf32>, %u: tensor<4xf32>,
                     %w: tensor<4xf32>, %r: tensor<3x4xf32>) -> tensor<2x8x6xf32> {
  %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
      {block_len = 8 : i64, mem_len = 2 : i64}
      : (tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x8xi32>, tensor<2x8x6xf32>,
         tensor<5x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<3x4xf32>)
      -> (tensor<2x8x6xf32>, tensor<2x5xf32>, tensor<2x5x6xf32>, tensor<2x2xi32>,
          tensor<2x2x4xf32>, tensor<2x2x6xf32>, tensor<2xi64>)
  return %o : tensor<2x8x6xf32>
}
