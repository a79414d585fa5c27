// RUN: tvq-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// tvq.codebook_stats and tvq.codebook_blend, the two halves of
// tvq.codebook_ema that data-parallel training sums between: round trip and
// verifier messages.

// CHECK-LABEL: func.func @halves
// CHECK: %[[S:.+]], %[[N:.+]] = tvq.codebook_stats %{{.+}}, %{{.+}} : (tensor<?x?x32xf32>, tensor<?x?xi32>) -> (tensor<64x32xf32>, tensor<64xf32>)
// CHECK: tvq.codebook_blend %{{.+}}, %{{.+}}, %[[S]], %[[N]] {gamma = 0.98999999999999999 : f64}
func.func @halves(%s: tensor<64x32xf32>, %n: tensor<64xf32>, %k: tensor<?x?x32xf32>,
                  %z: tensor<?x?xi32>) -> (tensor<64x32xf32>, tensor<64xf32>) {
  %sums, %counts = tvq.codebook_stats %k, %z
      : (tensor<?x?x32xf32>, tensor<?x?xi32>) -> (tensor<64x32xf32>, tensor<64xf32>)
  %s2, %n2 = tvq.codebook_blend %s, %n, %sums, %counts {gamma = 0.99 : f64}
      : (tensor<64x32xf32>, tensor<64xf32>, tensor<64x32xf32>, tensor<64xf32>)
      -> (tensor<64x32xf32>, tensor<64xf32>)
  return %s2, %n2 : tensor<64x32xf32>, tensor<64xf32>
}

// -----

func.func @stats_width(%k: tensor<?x?x16xf32>, %z: tensor<?x?xi32>) {
  // expected-error @+1 {{result 'sums' must have shape [64, K] with K = 16 (from operand 'keys'), but dimension 1 is 32 in type tensor<64x32xf32>}}
  %sums, %counts = tvq.codebook_stats %k, %z
      : (tensor<?x?x16xf32>, tensor<?x?xi32>) -> (tensor<64x32xf32>, tensor<64xf32>)
  return
}

// -----

func.func @stats_codes(%k: tensor<2x8x16xf32>, %z: tensor<2x9xi32>) {
  // expected-error @+1 {{operand 'codes' must have shape [B, T] with T = 8 (from operand 'keys'), but dimension 1 is 9 in type tensor<2x9xi32>}}
  %sums, %counts = tvq.codebook_stats %k, %z
      : (tensor<2x8x16xf32>, tensor<2x9xi32>) -> (tensor<64x16xf32>, tensor<64xf32>)
  return
}

// -----

func.func @stats_counts(%k: tensor<?x?x16xf32>, %z: tensor<?x?xi32>) {
  // expected-error @+1 {{result 'sums' must have shape [32, K], but dimension 0 is 64 in type tensor<64x16xf32>}}
  %sums, %counts = tvq.codebook_stats %k, %z
      : (tensor<?x?x16xf32>, tensor<?x?xi32>) -> (tensor<64x16xf32>, tensor<32xf32>)
  return
}

// -----

func.func @stats_dynamic(%k: tensor<?x?x16xf32>, %z: tensor<?x?xi32>) {
  // expected-error @+1 {{result 'counts' must have a static size S}}
  %sums, %counts = tvq.codebook_stats %k, %z
      : (tensor<?x?x16xf32>, tensor<?x?xi32>) -> (tensor<?x16xf32>, tensor<?xf32>)
  return
}

// -----

func.func @blend_gamma(%s: tensor<8x4xf32>, %n: tensor<8xf32>) {
  // expected-error @+1 {{gamma must lie in (0, 1), but is 1}}
  %s2, %n2 = tvq.codebook_blend %s, %n, %s, %n {gamma = 1.0 : f64}
      : (tensor<8x4xf32>, tensor<8xf32>, tensor<8x4xf32>, tensor<8xf32>) -> (tensor<8x4xf32>, tensor<8xf32>)
  return
}

// -----

func.func @blend_shape(%s: tensor<8x4xf32>, %n: tensor<8xf32>, %sums: tensor<9x4xf32>) {
  // expected-error @+1 {{operand 'sums' must have shape [S, K] with S = 8 (from operand 'c_sum'), but dimension 0 is 9 in type tensor<9x4xf32>}}
  %s2, %n2 = tvq.codebook_blend %s, %n, %sums, %n {gamma = 0.5 : f64}
      : (tensor<8x4xf32>, tensor<8xf32>, tensor<9x4xf32>, tensor<8xf32>) -> (tensor<8x4xf32>, tensor<8xf32>)
  return
}
