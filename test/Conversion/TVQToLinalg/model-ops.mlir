// RUN: tvq-opt %s -convert-tvq-to-linalg | FileCheck %s

// CHECK-LABEL: func.func @embedding(
// Out-of-range ids read row 0.
// CHECK: linalg.generic
// CHECK-DAG:   arith.cmpi sge
// CHECK-DAG:   arith.cmpi slt
// CHECK:   arith.select
// CHECK:   tensor.extract %{{.+}}[%{{.+}}, %{{.+}}] : tensor<11x16xf32>
func.func @embedding(%ids: tensor<?x?xi32>, %table: tensor<11x16xf32>) -> tensor<?x?x16xf32> {
  %x = tvq.embedding %ids, %table : (tensor<?x?xi32>, tensor<11x16xf32>) -> tensor<?x?x16xf32>
  return %x : tensor<?x?x16xf32>
}

// CHECK-LABEL: func.func @rms_norm(
// Sum of squares over the last dimension, then x * rsqrt(sum / D + eps).
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "reduction"]
// CHECK:   arith.mulf
// CHECK:   arith.addf
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:   arith.divf
// CHECK:   math.rsqrt
func.func @rms_norm(%x: tensor<?x?x16xf32>) -> tensor<?x?x16xf32> {
  %y = tvq.rms_norm %x : tensor<?x?x16xf32>
  return %y : tensor<?x?x16xf32>
}

// CHECK-LABEL: func.func @dense(
// CHECK: linalg.generic {indexing_maps = [#[[X:.+]], #[[W:.+]], #[[O:.+]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
// The bias is a broadcast add.
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK:   arith.addf
func.func @dense(%x: tensor<?x?x16xf32>, %w: tensor<16x24xf32>, %b: tensor<24xf32>) -> tensor<?x?x24xf32> {
  %y = tvq.dense %x, %w bias %b : (tensor<?x?x16xf32>, tensor<16x24xf32>, tensor<24xf32>) -> tensor<?x?x24xf32>
  return %y : tensor<?x?x24xf32>
}

// CHECK-LABEL: func.func @split(
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 0] [%{{.+}}, %{{.+}}, 8] [1, 1, 1]
// CHECK: tensor.extract_slice %{{.+}}[0, 0, 8] [%{{.+}}, %{{.+}}, 16] [1, 1, 1]
func.func @split(%x: tensor<?x?x24xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x16xf32>) {
  %a, %b = tvq.split %x {sizes = array<i64: 8, 16>} : (tensor<?x?x24xf32>) -> (tensor<?x?x8xf32>, tensor<?x?x16xf32>)
  return %a, %b : tensor<?x?x8xf32>, tensor<?x?x16xf32>
}

// CHECK-LABEL: func.func @silu(
// CHECK: arith.negf
// CHECK: math.exp
// CHECK: arith.divf
func.func @silu(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %y = tvq.silu %x : tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}

// CHECK-LABEL: func.func @sinusoid(
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<5x16xf32>)
// The constant is -2 ln(100000) / 16: inv_j = exp(-2j ln(base) / dim).
// CHECK:   arith.constant -1.43911564 : f32
// CHECK:   math.exp
// CHECK-DAG:   %[[COS:.+]] = math.cos
// CHECK-DAG:   %[[SIN:.+]] = math.sin
// CHECK:   arith.select %{{.+}}, %[[SIN]], %[[COS]]
func.func @sinusoid() -> tensor<5x16xf32> {
  %t = tvq.sinusoid_table {rows = 5 : i64, dim = 16 : i64} : tensor<5x16xf32>
  return %t : tensor<5x16xf32>
}

// CHECK-LABEL: func.func @codebook(
// CHECK: arith.constant 0.00999999977 : f32
// CHECK: arith.maximumf
// CHECK: arith.divf
func.func @codebook(%s: tensor<4x8xf32>, %c: tensor<4xf32>) -> tensor<4x8xf32> {
  %cb = tvq.codebook %s, %c : (tensor<4x8xf32>, tensor<4xf32>) -> tensor<4x8xf32>
  return %cb : tensor<4x8xf32>
}

// CHECK-LABEL: func.func @cross_entropy(
// Row max, sum of exp(l - max), then max + log(sum) - l[target] summed and
// divided by B * T.
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK-DAG: math.log
// CHECK-DAG: tensor.extract
// CHECK: arith.divf
func.func @cross_entropy(%l: tensor<?x?x11xf32>, %t: tensor<?x?xi32>) -> tensor<f32> {
  %ce = tvq.cross_entropy %l, %t : (tensor<?x?x11xf32>, tensor<?x?xi32>) -> tensor<f32>
  return %ce : tensor<f32>
}

// Dropout: the seed and stream are hashed once outside the loops; each element
// mixes in its first mask_rank (here 2) loop indices, keeps (h >> 8) >=
// floor(0.25 * 2^24) and scales by 1 / (1 - 0.25).
// CHECK-LABEL: func.func @dropout(
// CHECK: %[[SEED:.+]] = tensor.extract %{{.+}}[] : tensor<i64>
// CHECK: arith.trunci %[[SEED]] : i64 to i32
// CHECK: %[[BASE:.+]] = arith.xori
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK: %[[I0:.+]] = linalg.index 0 : index
// CHECK: arith.index_castui %[[I0]] : index to i32
// CHECK: arith.muli %{{.+}}, %c-2048144789_i32
// CHECK: %[[I1:.+]] = linalg.index 1 : index
// CHECK-NOT: linalg.index 2
// CHECK: %[[TOP:.+]] = arith.shrui %{{.+}}, %c8_i32 : i32
// CHECK: %[[KEEP:.+]] = arith.cmpi uge, %[[TOP]], %c4194304_i32 : i32
// CHECK: %[[SCALED:.+]] = arith.mulf %{{.+}}, %cst{{.*}} : f32
// CHECK: arith.select %[[KEEP]], %[[SCALED]], %cst{{.*}} : f32
func.func @dropout(%x: tensor<?x?x8xf32>, %seed: tensor<i64>) -> tensor<?x?x8xf32> {
  %y = tvq.dropout %x, %seed {rate = 0.25 : f64, stream = 1 : i64, mask_rank = 2 : i64}
      : (tensor<?x?x8xf32>, tensor<i64>) -> tensor<?x?x8xf32>
  return %y : tensor<?x?x8xf32>
}

// A rate of 0 is the identity.
// CHECK-LABEL: func.func @no_dropout(
// CHECK-SAME: %[[X:[^:]+]]: tensor<?x8xf32>
// CHECK-NOT: linalg.generic
// CHECK: return %[[X]]
func.func @no_dropout(%x: tensor<?x8xf32>, %seed: tensor<i64>) -> tensor<?x8xf32> {
  %y = tvq.dropout %x, %seed {rate = 0.0 : f64, stream = 1 : i64, mask_rank = 2 : i64}
      : (tensor<?x8xf32>, tensor<i64>) -> tensor<?x8xf32>
  return %y : tensor<?x8xf32>
}
