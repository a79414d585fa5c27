// RUN: tvq-opt %s --tvq-report-uncoalesced-accesses -verify-diagnostics -o /dev/null
// RUN: tvq-opt %s --tvq-report-uncoalesced-accesses=report-unknown=true -o /dev/null 2>&1 | FileCheck %s --check-prefix=UNKNOWN

// How a warp's 32 threads spread over global memory, from thread_id x
// (the lane, with blocks of a multiple of 32 threads) through the index
// arithmetic. A remark where the warp fetches at least twice the 32-byte
// sectors its elements would fill if contiguous.

module attributes {gpu.container_module} {
  gpu.module @kernels {
    // A thread per element, delinearized: neighbouring threads read
    // neighbouring elements (no remark), and 128 apart when the thread
    // index picks the row (remark).
    gpu.func @delinearized(%n: index, %a: memref<?x64x128xf32>,
                           %b: memref<128x64xf32>, %out: memref<?x64x128xf32>)
        kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c64 = arith.constant 64 : index
      %c128 = arith.constant 128 : index
      %c256 = arith.constant 256 : index
      %block = gpu.block_id x
      %thread = gpu.thread_id x
      %0 = arith.muli %block, %c256 : index
      %1 = arith.addi %0, %thread : index
      %col = arith.remui %1, %c128 : index
      %2 = arith.divui %1, %c128 : index
      %row = arith.remui %2, %c64 : index
      %batch = arith.divui %2, %c64 : index
      %x = memref.load %a[%batch, %row, %col] : memref<?x64x128xf32>
      // expected-remark @below {{uncoalesced load in @delinearized: a warp touches 32 sectors of 32 bytes for 32 elements (4 if contiguous); neighbouring threads 64 elements apart}}
      %y = memref.load %b[%col, %row] : memref<128x64xf32>
      %s = arith.addf %x, %y : f32
      memref.store %s, %out[%batch, %row, %col] : memref<?x64x128xf32>
      gpu.return
    }

    // A block per column, its threads striding down the rows: each thread
    // reads a different row of the column.
    gpu.func @column_sum(%n: index, %in: memref<?x512x512xf32>,
                         %out: memref<?x512xf32>)
        kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c512 = arith.constant 512 : index
      %c256 = arith.constant 256 : index
      %zero = arith.constant 0.0 : f32
      %block = gpu.block_id x
      %thread = gpu.thread_id x
      %col = arith.remui %block, %c512 : index
      %batch = arith.divui %block, %c512 : index
      %sum = scf.for %r = %thread to %c512 step %c256
          iter_args(%acc = %zero) -> (f32) {
        // expected-remark @below {{uncoalesced load in @column_sum: a warp touches 32 sectors of 32 bytes for 32 elements (4 if contiguous); neighbouring threads 512 elements apart}}
        %v = memref.load %in[%batch, %r, %col] : memref<?x512x512xf32>
        %t = arith.addf %acc, %v : f32
        scf.yield %t : f32
      }
      memref.store %sum, %out[%batch, %col] : memref<?x512xf32>
      gpu.return
    }

    // A tile load: 16 threads per row of 16 elements, two rows per warp
    // (4 sectors: contiguous enough), and the transposed read of bf16 that
    // puts threads 0-15 a row (64 elements) apart, threads 16-31 one
    // element after them, in the same 16 sectors.
    gpu.func @tile_rows(%a: memref<64x64xf32>, %b: memref<64x64xbf16>,
                        %tile: memref<16x16xf32, #gpu.address_space<workgroup>>)
        kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c16 = arith.constant 16 : index
      %thread = gpu.thread_id x
      %col = arith.remui %thread, %c16 : index
      %row = arith.divui %thread, %c16 : index
      %x = memref.load %a[%row, %col] : memref<64x64xf32>
      memref.store %x, %tile[%row, %col] : memref<16x16xf32, #gpu.address_space<workgroup>>
      // expected-remark @below {{uncoalesced load in @tile_rows: a warp touches 16 sectors of 32 bytes for 32 elements (2 if contiguous)}}
      %y = memref.load %b[%col, %row] : memref<64x64xbf16>
      gpu.return
    }

    // Warp-uniform reads (a broadcast) and a gather at loaded indices (not
    // known: no remark unless asked).
    // UNKNOWN: remark: load in @gather: the threads' elements are not known
    gpu.func @gather(%ids: memref<256xi32>, %table: memref<1000x64xf32>,
                     %scale: memref<64xf32>, %out: memref<256xf32>)
        kernel attributes {known_block_size = array<i32: 256, 1, 1>} {
      %c3 = arith.constant 3 : index
      %thread = gpu.thread_id x
      %block = gpu.block_id x
      %id = memref.load %ids[%thread] : memref<256xi32>
      %i = arith.index_cast %id : i32 to index
      %row = memref.load %table[%i, %c3] : memref<1000x64xf32>
      %s = memref.load %scale[%block] : memref<64xf32>
      %p = arith.mulf %row, %s : f32
      memref.store %p, %out[%thread] : memref<256xf32>
      gpu.return
    }

    // Blocks of 16 threads: a warp spans two blocks, so thread_id x is not
    // the lane and nothing is said.
    // UNKNOWN: remark: load in @small_blocks: the threads' elements are not known
    gpu.func @small_blocks(%b: memref<128x64xf32>)
        kernel attributes {known_block_size = array<i32: 16, 1, 1>} {
      %c0 = arith.constant 0 : index
      %thread = gpu.thread_id x
      %y = memref.load %b[%thread, %c0] : memref<128x64xf32>
      gpu.return
    }
  }
}
