// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-unshare-fresh-tensors))' | FileCheck %s
// Bufferized: two buffers with the pass, one written twice without it.
// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-unshare-fresh-tensors),one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops})' | FileCheck %s --check-prefix=BUF
// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops})' | FileCheck %s --check-prefix=SHARED

// A tensor.empty that two fills write into, the first one's result dead
// (read once) before the second writes: the second fill gets its own copy,
// made right before it with the same size operand.
// CHECK-LABEL: func.func @two_uses(
// CHECK-SAME: %[[N:[^:]+]]: index
// CHECK: %[[E:.+]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: %[[A:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E]] : tensor<?x4xf32>)
// CHECK-NEXT: %[[X:.+]] = tensor.extract %[[A]]
// CHECK-NEXT: %[[E2:.+]] = tensor.empty(%[[N]]) : tensor<?x4xf32>
// CHECK-NEXT: %[[B:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<?x4xf32>)
// CHECK-NEXT: return %[[X]], %[[B]]
// BUF-LABEL: func.func @two_uses(
// BUF-COUNT-2: memref.alloc(
// BUF-NOT: memref.alloc(
// BUF: return
// SHARED-LABEL: func.func @two_uses(
// SHARED-COUNT-1: memref.alloc(
// SHARED-NOT: memref.alloc(
// SHARED: return
func.func @two_uses(%n: index) -> (f32, tensor<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %one = arith.constant 1.0 : f32
  %e = tensor.empty(%n) : tensor<?x4xf32>
  %a = linalg.fill ins(%zero : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  %x = tensor.extract %a[%c0, %c0] : tensor<?x4xf32>
  %b = linalg.fill ins(%one : f32) outs(%e : tensor<?x4xf32>) -> tensor<?x4xf32>
  return %x, %b : f32, tensor<?x4xf32>
}

// -----

// A use inside a loop: the copy goes before the loop (one buffer for all
// iterations, not one per iteration). A single use is left alone.
// CHECK-LABEL: func.func @use_in_loop(
// CHECK: %[[E:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[A:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E]] : tensor<8xf32>)
// CHECK-NEXT: %[[E2:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[R:.+]] = scf.for
// CHECK-NEXT:   linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<8xf32>)
// CHECK: %[[ONLY:.+]] = tensor.empty() : tensor<2xf32>
// CHECK-NOT: tensor.empty
// CHECK: return
func.func @use_in_loop(%lb: index, %ub: index, %x: f32, %init: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<2xf32>) {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %a = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = scf.for %i = %lb to %ub step %c1 iter_args(%acc = %init) -> tensor<8xf32> {
    %f = linalg.fill ins(%x : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
    scf.yield %f : tensor<8xf32>
  }
  %only = tensor.empty() : tensor<2xf32>
  %c = linalg.fill ins(%x : f32) outs(%only : tensor<2xf32>) -> tensor<2xf32>
  return %a, %r, %c : tensor<8xf32>, tensor<8xf32>, tensor<2xf32>
}

// -----

// Zeros that two running sums each update in place, from a linalg.fill and
// from a linalg.generic without inputs (as canonicalization leaves a product
// of zeros): every sum gets its own empty and fill right before it, no copy.
// Shared, one-shot bufferization copies the zeros for all but one sum
// (memref.copy), and the zeros live until the last copy.
// CHECK-LABEL: func.func @shared_fills(
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[Z1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<8xf32>)
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[Z1]] : tensor<8xf32>)
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[Z2:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E2]] : tensor<8xf32>)
// CHECK-NEXT: linalg.generic {{.*}} outs(%[[Z2]] : tensor<8xf32>)
// CHECK: %[[E3:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[Z3:.+]] = linalg.generic {{.*}} outs(%[[E3]] : tensor<8xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[Z3]] : tensor<8xf32>)
// CHECK: %[[E4:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[Z4:.+]] = linalg.generic {{.*}} outs(%[[E4]] : tensor<8xf32>)
// CHECK: linalg.generic {{.*}} outs(%[[Z4]] : tensor<8xf32>)
// CHECK-NOT: tensor.empty
// CHECK: return
// BUF-LABEL: func.func @shared_fills(
// BUF-NOT: memref.copy
// BUF: return
// SHARED-LABEL: func.func @shared_fills(
// SHARED-COUNT-2: memref.copy
// SHARED: return
#id = affine_map<(d0) -> (d0)>
func.func @shared_fills(%x: tensor<8xf32>, %y: tensor<8xf32>)
    -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8xf32>
  %z2 = linalg.generic {indexing_maps = [#id], iterator_types = ["parallel"]}
      outs(%e2 : tensor<8xf32>) {
  ^bb0(%out: f32):
    linalg.yield %zero : f32
  } -> tensor<8xf32>
  %a = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %b = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%y : tensor<8xf32>) outs(%z : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %c = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<8xf32>) outs(%z2 : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  %d = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%y : tensor<8xf32>) outs(%z2 : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<8xf32>
  return %a, %b, %c, %d : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}
