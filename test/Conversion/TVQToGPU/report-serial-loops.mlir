// RUN: tvq-opt %s --tvq-report-serial-loops -verify-diagnostics -o /dev/null
// RUN: tvq-opt %s --tvq-report-serial-loops=report-unknown=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN
// RUN: tvq-opt %s --tvq-report-serial-loops=skip-library-fallbacks=false -o /dev/null 2>&1 | FileCheck %s --check-prefix=FALLBACK

// The iterations one thread runs of each outermost loop nest of a kernel:
// trips times the sum of the nests directly inside (1 if none). A remark
// at 256 or more (the default min-iterations).

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // A thread per output, a dot product of 1024: one loop of 1024 trips.
    gpu.func @dot(%a: memref<?x1024xf32>, %out: memref<?xf32>)
        kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c1024 = arith.constant 1024 : index
      %zero = arith.constant 0.0 : f32
      %row = gpu.block_id x
      // expected-remark @below {{serial loops in @dot: up to 1024 iterations per thread (trips 1024)}}
      %sum = scf.for %k = %c0 to %c1024 step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = memref.load %a[%row, %k] : memref<?x1024xf32>
        %t = arith.addf %acc, %v : f32
        scf.yield %t : f32
      }
      memref.store %sum, %out[%row] : memref<?xf32>
      gpu.return
    }

    // Threads striding from their own offset (at most ceil(4096 / 256) =
    // 16 trips), each over two inner loops in sequence, one inside an
    // scf.if: 16 x (64 + 32) = 1536.
    gpu.func @strided(%a: memref<4096x64xf32>, %flag: i1)
        kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2 = arith.constant 2 : index
      %c64 = arith.constant 64 : index
      %c256 = arith.constant 256 : index
      %c4096 = arith.constant 4096 : index
      %one = arith.constant 1.0 : f32
      %thread = gpu.thread_id x
      // expected-remark @below {{serial loops in @strided: up to 1536 iterations per thread (trips 16 x (64 + 32))}}
      scf.for %r = %thread to %c4096 step %c256 {
        scf.for %c = %c0 to %c64 step %c1 {
          memref.store %one, %a[%r, %c] : memref<4096x64xf32>
        }
        scf.if %flag {
          scf.for %c = %c0 to %c64 step %c2 {
            memref.store %one, %a[%r, %c] : memref<4096x64xf32>
          }
        }
      }
      gpu.return
    }

    // Short loops (8 x 8 = 64 iterations) and a loop over a run-time size:
    // neither is reported by default.
    gpu.func @short(%a: memref<8x8xf32>, %b: memref<?xf32>, %n: index)
        kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c8 = arith.constant 8 : index
      %one = arith.constant 1.0 : f32
      scf.for %i = %c0 to %c8 step %c1 {
        scf.for %j = %c0 to %c8 step %c1 {
          memref.store %one, %a[%i, %j] : memref<8x8xf32>
        }
      }
      scf.for %i = %c0 to %n step %c1 {
        scf.for %j = %c0 to %c8 step %c1 {
          memref.store %one, %b[%i] : memref<?xf32>
        }
      }
      gpu.return
    }

    // A count past 2^63 saturates.
    gpu.func @huge(%a: memref<f32>)
        kernel attributes {known_block_size = array<i32: 32, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %big = arith.constant 1099511627776 : index
      %one = arith.constant 1.0 : f32
      // expected-remark @below {{serial loops in @huge: up to 9223372036854775807 iterations per thread (trips 1099511627776 x 1099511627776)}}
      scf.for %i = %c0 to %big step %c1 {
        scf.for %j = %c0 to %big step %c1 {
          memref.store %one, %a[] : memref<f32>
        }
      }
      gpu.return
    }

    // The product a cuBLAS call declined (launched inside the scf.if that
    // tvq-contractions-to-library marks): skipped unless
    // skip-library-fallbacks=false.
    gpu.func @fallback_dot(%a: memref<?x2048xf32>, %out: memref<?xf32>)
        kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c2048 = arith.constant 2048 : index
      %zero = arith.constant 0.0 : f32
      %row = gpu.block_id x
      %sum = scf.for %k = %c0 to %c2048 step %c1 iter_args(%acc = %zero) -> (f32) {
        %v = memref.load %a[%row, %k] : memref<?x2048xf32>
        %t = arith.addf %acc, %v : f32
        scf.yield %t : f32
      }
      memref.store %sum, %out[%row] : memref<?xf32>
      gpu.return
    }

    // Not a kernel: not looked at.
    gpu.func @helper(%a: memref<4096xf32>) {
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      %c4096 = arith.constant 4096 : index
      %one = arith.constant 1.0 : f32
      scf.for %i = %c0 to %c4096 step %c1 {
        memref.store %one, %a[%i] : memref<4096xf32>
      }
      gpu.return
    }
  }

  func.func @host(%a: memref<?x2048xf32>, %out: memref<?xf32>, %declined: i1) {
    %c1 = arith.constant 1 : index
    %c256 = arith.constant 256 : index
    scf.if %declined {
      gpu.launch_func @kernels::@fallback_dot blocks in (%c1, %c1, %c1)
          threads in (%c256, %c1, %c1)
          args(%a : memref<?x2048xf32>, %out : memref<?xf32>)
    } {tvq.library_fallback}
    return
  }
}

// FALLBACK: remark: serial loops in @fallback_dot: up to 2048 iterations per thread (trips 2048)

// With report-unknown, also every nest with a run-time trip count, whatever
// its size; the known ones under min-iterations (@short's 8 x 8) still are
// not.
// UNKNOWN-NOT: trips 8 x 8
// UNKNOWN-NOT: trips 4096
// UNKNOWN: remark: serial loops in @short: up to 8 iterations per thread times trip counts known only at run time (trips ? x 8)
// UNKNOWN-NOT: trips 8 x 8
// UNKNOWN-NOT: trips 4096
