// RUN: tvq-opt %s --split-input-file --verify-diagnostics --tvq-instrument-races

// A copy between shared buffers in a kernel: the check follows only loads
// and stores, so it refuses rather than miss the copy's accesses.
func.func @copy(%in: memref<64xf32>, %out: memref<64xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    // expected-error@+1 {{'memref.copy' op touches memory in a kernel in a way the race check does not follow (only memref.load and memref.store)}}
    memref.copy %in, %out : memref<64xf32> to memref<64xf32>
    gpu.terminator
  }
  return
}

// -----

// A copy into the thread's own memory is fine only if both sides are its
// own; reading a shared buffer this way is refused too.
func.func @copy_to_private(%in: memref<2xf32>) {
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c64, %sy = %c1, %sz = %c1) {
    %own = memref.alloca() : memref<2xf32>
    // expected-error@+1 {{'memref.copy' op touches memory in a kernel}}
    memref.copy %in, %own : memref<2xf32> to memref<2xf32>
    gpu.terminator
  }
  return
}
