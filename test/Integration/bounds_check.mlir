// The cuda-sim bounds check (upstream generate-runtime-verification after
// tvq-gpu-launch-to-loops, then tvq-asserts-to-runtime-errors and the
// runtime's _tvq_check_failed) on small kernels run with mlir-runner: a
// launch whose guard keeps every thread inside its buffer runs; one whose
// last block's threads run past the end without a guard stops the run with
// the store's location, on stderr, exit status 1 (a GPU would write past
// the buffer; the simulation would overwrite a neighbouring allocation).
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-gpu-launch-to-loops),generate-runtime-verification{verbose-level=0},tvq-asserts-to-runtime-errors,expand-strided-metadata,lower-affine,convert-scf-to-cf,finalize-memref-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,reconcile-unrealized-casts)' -o %t.ll.mlir
// RUN: mlir-runner %t.ll.mlir -e guarded -entry-point-result=void -shared-libs=%libtvq_runtime 2>&1 | FileCheck %s --check-prefix=GUARDED --allow-empty
// RUN: not mlir-runner %t.ll.mlir -e unguarded -entry-point-result=void -shared-libs=%libtvq_runtime 2>&1 | FileCheck %s --check-prefix=UNGUARDED

// 100 elements, 2 blocks of 64 threads, threads past 100 do nothing.
// GUARDED-NOT: tvq runtime
func.func @guarded() {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %c100 = arith.constant 100 : index
  %out = memref.alloc() : memref<100xf32>
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c64 : index
    %i = arith.addi %base, %tx : index
    %inside = arith.cmpi slt, %i, %c100 : index
    scf.if %inside {
      memref.store %v, %out[%i] : memref<100xf32>
    }
    gpu.terminator
  }
  memref.dealloc %out : memref<100xf32>
  return
}

// The same without the guard: threads 100..127 store past the end.
// UNGUARDED: tvq runtime: out-of-bounds access at {{.*}}bounds_check.mlir:[[@LINE+11]]:5
func.func @unguarded() {
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c64 = arith.constant 64 : index
  %out = memref.alloc() : memref<100xf32>
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c2, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %base = arith.muli %bx, %c64 : index
    %i = arith.addi %base, %tx : index
    memref.store %v, %out[%i] : memref<100xf32>
    gpu.terminator
  }
  memref.dealloc %out : memref<100xf32>
  return
}
