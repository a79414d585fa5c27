// RUN: tvq-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(tvq-gpu-launch-to-loops))'

// A value loaded before a barrier and used after it would need per-thread
// storage the simulation does not make: refused, naming the user.
func.func @crosses_barrier(%in: memref<?xf32>, %out: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %v = memref.load %in[%tx] : memref<?xf32>
    gpu.barrier
    // expected-error@+1 {{'memref.store' op uses a value that crosses a barrier, or the thread id where all threads run together: not simulated}}
    memref.store %v, %out[%tx] : memref<?xf32>
    gpu.terminator
  }
  return
}

// -----

// A barrier under a condition.
func.func @conditional_barrier(%out: memref<?xf32>, %n: index, %c: i1) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    // expected-error@+1 {{'scf.if' op holds a barrier: not simulated (only scf.for without results may hold barriers)}}
    scf.if %c {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

// A loop holding barriers whose trip count depends on the thread.
func.func @thread_dependent_loop(%out: memref<?xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    // expected-error@+1 {{'scf.for' op uses a value that crosses a barrier, or the thread id where all threads run together: not simulated}}
    scf.for %i = %c0 to %tx step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}

// -----

// Barriers with a block size known only at run time.
func.func @dynamic_block(%n: index, %threads: index) {
  %c1 = arith.constant 1 : index
  // expected-error@+1 {{'gpu.launch' op with barriers or attributions and a dynamic block size is not simulated}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    gpu.barrier
    gpu.terminator
  }
  return
}
