// RUN: tvq-opt %s --split-input-file --verify-diagnostics --pass-pipeline='builtin.module(func.func(tvq-gpu-launch-to-loops))'

// A barrier under a condition.
func.func @conditional_barrier(%out: memref<?xf32>, %n: index, %c: i1) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    // expected-error@+1 {{'scf.if' op holds a barrier or a shuffle: not simulated (only scf.for without results may hold them)}}
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
    // expected-error@+1 {{'scf.for' op uses a thread's own value where all threads run together: not simulated}}
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
  // expected-error@+1 {{'gpu.launch' op with barriers, shuffles or attributions and a dynamic block size is not simulated}}
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %threads, %sy = %c1, %sz = %c1) {
    gpu.barrier
    gpu.terminator
  }
  return
}

// -----

// A shuffle under a condition (lanes would sit out).
func.func @conditional_shuffle(%out: memref<?xf32>, %n: index, %c: i1) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %one = arith.constant 1 : i32
  %w = arith.constant 32 : i32
  %v = arith.constant 1.0 : f32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    // expected-error@+1 {{'scf.if' op holds a barrier or a shuffle: not simulated (only scf.for without results may hold them)}}
    scf.if %c {
      %r, %ok = gpu.shuffle xor %v, %one, %w : f32
    }
    gpu.terminator
  }
  return
}

// -----

// A shuffle in a block that is not whole warps.
func.func @partial_warp(%out: memref<?xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %c48 = arith.constant 48 : index
  %one = arith.constant 1 : i32
  %w = arith.constant 32 : i32
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c48, %sy = %c1, %sz = %c1) {
    %v = memref.load %out[%tx] : memref<?xf32>
    // expected-error@+1 {{'gpu.shuffle' op in a block of 48 threads (not whole warps of 32) is not simulated}}
    %r, %ok = gpu.shuffle xor %v, %one, %w : f32
    memref.store %r, %out[%tx] : memref<?xf32>
    gpu.terminator
  }
  return
}

// -----

// A thread's loaded value as the bound of a loop that all threads run
// together.
func.func @thread_value_bound(%in: memref<?xindex>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %steps = memref.load %in[%tx] : memref<?xindex>
    gpu.barrier
    // expected-error@+1 {{'scf.for' op uses a thread's own value where all threads run together: not simulated}}
    scf.for %i = %c0 to %steps step %c1 {
      gpu.barrier
    }
    gpu.terminator
  }
  return
}
