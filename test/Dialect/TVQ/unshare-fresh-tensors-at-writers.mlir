// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-unshare-fresh-tensors{at-writers=true}))' | FileCheck %s
// Bufferized: no copy with at-writers, one copy per iteration without it
// (HOISTED), a copy of the shared tiled fill without the pass (SHARED).
// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-unshare-fresh-tensors{at-writers=true}),one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops},cse,canonicalize)' | FileCheck %s --check-prefix=BUF
// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(func.func(tvq-unshare-fresh-tensors),one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops},cse,canonicalize)' | FileCheck %s --check-prefix=HOISTED
// RUN: tvq-opt %s -split-input-file -pass-pipeline='builtin.module(one-shot-bufferize{bufferize-function-boundaries allow-return-allocs-from-loops},cse,canonicalize)' | FileCheck %s --check-prefix=SHARED

// Zeros that a sum in a loop updates in place every iteration, and that the
// loop also starts from: the sum gets its own fill inside the loop, right
// before it, the loop's initial value one before the loop. Without
// at-writers the sum's copy of the zeros is made before the loop, and
// bufferization copies it into a new buffer every iteration.
// CHECK-LABEL: func.func @sum_in_loop(
// CHECK: %[[E0:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[Z0:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E0]] : tensor<8xf32>)
// CHECK-NEXT: scf.for {{.*}} iter_args(%[[ACC:.+]] = %[[Z0]])
// CHECK-NEXT: %[[E1:.+]] = tensor.empty() : tensor<8xf32>
// CHECK-NEXT: %[[Z1:.+]] = linalg.fill ins(%{{.+}} : f32) outs(%[[E1]] : tensor<8xf32>)
// CHECK-NEXT: linalg.add ins(%{{.+}}, %[[ACC]] : tensor<8xf32>, tensor<8xf32>) outs(%[[Z1]] : tensor<8xf32>)
// CHECK: return
// BUF-LABEL: func.func @sum_in_loop(
// BUF-NOT: memref.copy
// BUF: return
// HOISTED-LABEL: func.func @sum_in_loop(
// HOISTED: scf.for
// HOISTED: memref.copy
// HOISTED: return
func.func @sum_in_loop(%lb: index, %ub: index, %x: tensor<8xf32>) -> tensor<8xf32> {
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<8xf32>) -> tensor<8xf32>
  %r = scf.for %i = %lb to %ub step %c1 iter_args(%acc = %z) -> tensor<8xf32> {
    %s = linalg.add ins(%x, %acc : tensor<8xf32>, tensor<8xf32>) outs(%z : tensor<8xf32>) -> tensor<8xf32>
    scf.yield %s : tensor<8xf32>
  }
  return %r : tensor<8xf32>
}

// -----

// A fill tiled by tvq-cpu-tile-and-vectorize (an scf.forall writing
// constant vectors into tiles of an empty) counts as a fill: each in-place
// update gets its own. A forall that also reads another tensor does not.
// CHECK-LABEL: func.func @tiled_fill(
// CHECK: %[[E1:.+]] = tensor.empty() : tensor<4x16xf32>
// CHECK-NEXT: %[[Z1:.+]] = scf.forall {{.*}} shared_outs(%{{.+}} = %[[E1]])
// CHECK: scf.forall {{.*}} shared_outs(%{{.+}} = %[[Z1]])
// CHECK: %[[E2:.+]] = tensor.empty() : tensor<4x16xf32>
// CHECK-NEXT: %[[Z2:.+]] = scf.forall {{.*}} shared_outs(%{{.+}} = %[[E2]])
// CHECK: scf.forall {{.*}} shared_outs(%{{.+}} = %[[Z2]])
// CHECK-NOT: = scf.forall
// CHECK: return
// BUF-LABEL: func.func @tiled_fill(
// BUF-NOT: memref.copy
// BUF: return
// SHARED-LABEL: func.func @tiled_fill(
// SHARED: memref.copy
// SHARED: return
func.func @tiled_fill(%x: tensor<4x16xf32>, %y: tensor<4x16xf32>)
    -> (tensor<4x16xf32>, tensor<4x16xf32>) {
  %e = tensor.empty() : tensor<4x16xf32>
  %z = scf.forall (%i) in (4) shared_outs(%o = %e) -> tensor<4x16xf32> {
    %zeros = arith.constant dense<0.0> : vector<1x16xf32>
    %c0 = arith.constant 0 : index
    %t = tensor.extract_slice %o[%i, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<1x16xf32>
    %w = vector.transfer_write %zeros, %t[%c0, %c0] {in_bounds = [true, true]} : vector<1x16xf32>, tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %w into %o[%i, 0] [1, 16] [1, 1] : tensor<1x16xf32> into tensor<4x16xf32>
    }
  }
  %a = scf.forall (%i) in (4) shared_outs(%o = %z) -> tensor<4x16xf32> {
    %c0 = arith.constant 0 : index
    %pad = arith.constant 0.0 : f32
    %xs = tensor.extract_slice %x[%i, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<1x16xf32>
    %t = tensor.extract_slice %o[%i, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<1x16xf32>
    %v = vector.transfer_read %xs[%c0, %c0], %pad {in_bounds = [true, true]} : tensor<1x16xf32>, vector<1x16xf32>
    %u = vector.transfer_read %t[%c0, %c0], %pad {in_bounds = [true, true]} : tensor<1x16xf32>, vector<1x16xf32>
    %s = arith.addf %v, %u : vector<1x16xf32>
    %w = vector.transfer_write %s, %t[%c0, %c0] {in_bounds = [true, true]} : vector<1x16xf32>, tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %w into %o[%i, 0] [1, 16] [1, 1] : tensor<1x16xf32> into tensor<4x16xf32>
    }
  }
  %b = scf.forall (%i) in (4) shared_outs(%o = %z) -> tensor<4x16xf32> {
    %c0 = arith.constant 0 : index
    %pad = arith.constant 0.0 : f32
    %ys = tensor.extract_slice %y[%i, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<1x16xf32>
    %t = tensor.extract_slice %o[%i, 0] [1, 16] [1, 1] : tensor<4x16xf32> to tensor<1x16xf32>
    %v = vector.transfer_read %ys[%c0, %c0], %pad {in_bounds = [true, true]} : tensor<1x16xf32>, vector<1x16xf32>
    %u = vector.transfer_read %t[%c0, %c0], %pad {in_bounds = [true, true]} : tensor<1x16xf32>, vector<1x16xf32>
    %s = arith.addf %v, %u : vector<1x16xf32>
    %w = vector.transfer_write %s, %t[%c0, %c0] {in_bounds = [true, true]} : vector<1x16xf32>, tensor<1x16xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %w into %o[%i, 0] [1, 16] [1, 1] : tensor<1x16xf32> into tensor<4x16xf32>
    }
  }
  return %a, %b : tensor<4x16xf32>, tensor<4x16xf32>
}
