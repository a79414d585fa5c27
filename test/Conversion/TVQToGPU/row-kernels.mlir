// RUN: tvq-opt %s -split-input-file -tvq-row-kernels -canonicalize | FileCheck %s

// rmsnorm after the fusion: an elementwise loop writing the row, the row loop
// (fill, then the sum of squares over D), and the normalization. One launch
// of a 128-thread block per row: the stages in order with barriers between,
// the sum as strided partial sums, five xor shuffles within each warp, lane
// 0 of each of the 4 warps writing its total to shared memory, and thread 0
// adding the 4 totals in order, then the accumulator.
// CHECK-LABEL: func.func @rmsnorm(
// CHECK-SAME: %[[X:[^:]+]]: memref<?x128xf32>, %[[G:[^:]+]]: memref<128xf32>, %[[N:[^:]+]]: index)
// CHECK-DAG: %[[Y:.+]] = memref.alloc(%[[N]]) : memref<?x128xf32>
// CHECK-DAG: %[[T:.+]] = memref.alloc(%[[N]]) : memref<?x128xf32>
// CHECK-DAG: %[[S:.+]] = memref.alloc(%[[N]]) : memref<?xf32>
// CHECK: scf.if
// CHECK-NEXT: gpu.launch blocks(%[[ROW:[^,]+]], {{.*}}) in ({{[^=]+}}= %[[N]], {{.*}}) threads(%[[TID:[^,]+]], {{.*}}) in ({{[^=]+}}= %c128, {{.*}}) workgroup(%[[SH:[^ ]+]] : memref<1x4xf32, #gpu.address_space<workgroup>>)
// CHECK: scf.for %[[K:.+]] = %[[TID]] to %c128 step %c128 {
// CHECK:   %[[V:.+]] = memref.load %[[X]][%[[ROW]], %[[K]]]
// CHECK:   arith.mulf %[[V]], %{{.+}}
// CHECK:   memref.store %{{.+}}, %[[T]][%[[ROW]], %[[K]]]
// CHECK: gpu.barrier
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[TID]], %c0
// CHECK: scf.if %[[FIRST]] {
// CHECK-NEXT: memref.store %cst{{.*}}, %[[S]][%[[ROW]]]
// CHECK: gpu.barrier
// CHECK: %[[P:.+]] = scf.for %[[K2:.+]] = %[[TID]] to %c128 step %c128 iter_args(%[[ACC:.+]] = %cst{{.*}}) -> (f32) {
// CHECK:   %[[W:.+]] = memref.load %[[T]][%[[ROW]], %[[K2]]]
// CHECK:   %[[SQ:.+]] = arith.mulf %[[W]], %[[W]]
// CHECK:   %[[NEW:.+]] = arith.addf %[[ACC]], %[[SQ]]
// CHECK:   scf.yield %[[NEW]]
// CHECK: %[[R16:.+]], %{{.+}} = gpu.shuffle xor %[[P]], %c16_i32, %c32_i32 : f32
// CHECK: %[[S16:.+]] = arith.addf %[[P]], %[[R16]]
// CHECK: %[[R8:.+]], %{{.+}} = gpu.shuffle xor %[[S16]], %c8_i32, %c32_i32 : f32
// CHECK: %[[S8:.+]] = arith.addf %[[S16]], %[[R8]]
// CHECK: %[[R4:.+]], %{{.+}} = gpu.shuffle xor %[[S8]], %c4_i32, %c32_i32 : f32
// CHECK: %[[S4:.+]] = arith.addf %[[S8]], %[[R4]]
// CHECK: %[[R2:.+]], %{{.+}} = gpu.shuffle xor %[[S4]], %c2_i32, %c32_i32 : f32
// CHECK: %[[S2:.+]] = arith.addf %[[S4]], %[[R2]]
// CHECK: %[[R1:.+]], %{{.+}} = gpu.shuffle xor %[[S2]], %c1_i32, %c32_i32 : f32
// CHECK: %[[WARP:.+]] = arith.addf %[[S2]], %[[R1]]
// CHECK: %[[LANE:.+]] = arith.remui %[[TID]], %c32
// CHECK: %[[LANE0:.+]] = arith.cmpi eq, %[[LANE]], %c0
// CHECK: scf.if %[[LANE0]] {
// CHECK:   %[[W:.+]] = arith.divui %[[TID]], %c32
// CHECK:   memref.store %[[WARP]], %[[SH]][%c0, %[[W]]]
// CHECK: gpu.barrier
// CHECK: %[[FIRST2:.+]] = arith.cmpi eq, %[[TID]], %c0
// CHECK: scf.if %[[FIRST2]] {
// CHECK:   %[[W0:.+]] = memref.load %[[SH]][%c0, %c0]
// CHECK:   %[[W1:.+]] = memref.load %[[SH]][%c0, %c1]
// CHECK:   %[[T01:.+]] = arith.addf %[[W0]], %[[W1]]
// CHECK:   %[[W2:.+]] = memref.load %[[SH]][%c0, %c2]
// CHECK:   %[[T012:.+]] = arith.addf %[[T01]], %[[W2]]
// CHECK:   %[[W3:.+]] = memref.load %[[SH]][%c0, %c3]
// CHECK:   %[[TOTAL:.+]] = arith.addf %[[T012]], %[[W3]]
// CHECK:   %[[INIT:.+]] = memref.load %[[S]][%[[ROW]]]
// CHECK:   %[[SUM:.+]] = arith.addf %[[INIT]], %[[TOTAL]]
// CHECK:   memref.store %[[SUM]], %[[S]][%[[ROW]]]
// CHECK: gpu.barrier
// CHECK: scf.for %[[K3:.+]] = %[[TID]] to %c128 step %c128 {
// CHECK:   memref.load %[[S]][%[[ROW]]]
// CHECK:   memref.load %[[G]][%[[K3]]]
// CHECK:   math.rsqrt
// CHECK:   memref.store %{{.+}}, %[[Y]][%[[ROW]], %[[K3]]]
// CHECK: gpu.terminator
// CHECK-NOT: scf.parallel
// CHECK: return %[[Y]]
func.func @rmsnorm(%x: memref<?x128xf32>, %g: memref<128xf32>, %n: index) -> memref<?x128xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c128 = arith.constant 128 : index
  %zero = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %scale = arith.constant 7.8125e-03 : f32
  %y = memref.alloc(%n) : memref<?x128xf32>
  %t = memref.alloc(%n) : memref<?x128xf32>
  %sums = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i, %k) = (%c0, %c0) to (%n, %c128) step (%c1, %c1) {
    %v = memref.load %x[%i, %k] : memref<?x128xf32>
    %d = arith.mulf %v, %two : f32
    memref.store %d, %t[%i, %k] : memref<?x128xf32>
    scf.reduce
  }
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %zero, %sums[%i] : memref<?xf32>
    scf.for %k = %c0 to %c128 step %c1 {
      %v = memref.load %t[%i, %k] : memref<?x128xf32>
      %acc = memref.load %sums[%i] : memref<?xf32>
      %sq = arith.mulf %v, %v : f32
      %new = arith.addf %acc, %sq : f32
      memref.store %new, %sums[%i] : memref<?xf32>
    }
    scf.reduce
  }
  scf.parallel (%i, %k) = (%c0, %c0) to (%n, %c128) step (%c1, %c1) {
    %v = memref.load %t[%i, %k] : memref<?x128xf32>
    %s = memref.load %sums[%i] : memref<?xf32>
    %w = memref.load %g[%k] : memref<128xf32>
    %m = arith.mulf %s, %scale : f32
    %r = math.rsqrt %m : f32
    %a = arith.mulf %v, %r : f32
    %b = arith.mulf %a, %w : f32
    memref.store %b, %y[%i, %k] : memref<?x128xf32>
    scf.reduce
  }
  memref.dealloc %t : memref<?x128xf32>
  memref.dealloc %sums : memref<?xf32>
  return %y : memref<?x128xf32>
}

// -----

// Two accumulators in one loop (a maximum and a sum) over a dynamic D: 256
// threads (8 warps), a 2 x 8 shared array, -inf and 0 to start; each
// shuffle level moves both.
// CHECK-LABEL: func.func @two_accumulators(
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{[^=]+}}= %c256, {{.*}}) workgroup(%[[SH:.+]] : memref<2x8xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[P:.+]]:2 = scf.for {{.*}} iter_args(%{{.+}} = %cst{{.*}}, %{{.+}} = %cst{{.*}}) -> (f32, f32)
// CHECK:   arith.maximumf
// CHECK:   arith.addf
// CHECK: %[[M:.+]], %{{.+}} = gpu.shuffle xor %[[P]]#0, %c16_i32, %c32_i32
// CHECK: %[[A:.+]], %{{.+}} = gpu.shuffle xor %[[P]]#1, %c16_i32, %c32_i32
// CHECK: arith.maximumf %[[P]]#0, %[[M]]
// CHECK: arith.addf %[[P]]#1, %[[A]]
// CHECK-COUNT-8: gpu.shuffle xor
// CHECK: memref.store %{{.+}}, %[[SH]][%c0, %{{.+}}]
// CHECK: memref.store %{{.+}}, %[[SH]][%c1, %{{.+}}]
// CHECK: gpu.barrier
// CHECK-COUNT-7: arith.maximumf
// CHECK-NOT: scf.parallel
func.func @two_accumulators(%x: memref<?x?xf32>, %n: index, %d: index) -> (memref<?xf32>, memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = memref.alloc(%n) : memref<?xf32>
  %s = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %d step %c1 {
      %v = memref.load %x[%i, %k] : memref<?x?xf32>
      %a = memref.load %m[%i] : memref<?xf32>
      %b = memref.load %s[%i] : memref<?xf32>
      %mx = arith.maximumf %a, %v : f32
      %sm = arith.addf %v, %b : f32
      memref.store %mx, %m[%i] : memref<?xf32>
      memref.store %sm, %s[%i] : memref<?xf32>
    }
    scf.reduce
  }
  return %m, %s : memref<?xf32>, memref<?xf32>
}

// -----

// Not a reduction the threads may split: the accumulator is scaled at each
// step (acc * 0.5 + v), so the loop stays one thread per row.
// CHECK-LABEL: func.func @not_associative(
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
func.func @not_associative(%x: memref<?x64xf32>, %n: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %half = arith.constant 0.5 : f32
  %s = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %x[%i, %k] : memref<?x64xf32>
      %a = memref.load %s[%i] : memref<?xf32>
      %h = arith.mulf %a, %half : f32
      %new = arith.addf %h, %v : f32
      memref.store %new, %s[%i] : memref<?xf32>
    }
    scf.reduce
  }
  return %s : memref<?xf32>
}

// -----

// The elementwise loop after the reduction reads the next row's sum, which
// another block computes: it is not part of the row kernel (its own launch
// stays a parallel loop), the reduction alone is.
// CHECK-LABEL: func.func @neighbour_row(
// CHECK: gpu.launch
// CHECK: gpu.terminator
// CHECK: scf.parallel
// CHECK: memref.load %{{.+}}[%{{.+}}] : memref<?xf32>
func.func @neighbour_row(%x: memref<?x64xf32>, %n: index) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %s = memref.alloc(%n) : memref<?xf32>
  %y = memref.alloc(%n) : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %x[%i, %k] : memref<?x64xf32>
      %a = memref.load %s[%i] : memref<?xf32>
      %new = arith.addf %a, %v : f32
      memref.store %new, %s[%i] : memref<?xf32>
    }
    scf.reduce
  }
  scf.parallel (%i, %k) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
    %j = arith.addi %i, %c1 : index
    %a = memref.load %s[%j] : memref<?xf32>
    memref.store %a, %y[%i, %k] : memref<?x64xf32>
    scf.reduce
  }
  return %y : memref<?x64xf32>
}

// -----

// Rows of 8 columns (below min-depth 32) stay one thread per row.
// CHECK-LABEL: func.func @short_rows(
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
func.func @short_rows(%x: memref<?x8xf32>, %n: index) -> memref<?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %s = memref.alloc(%n) : memref<?xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %v = memref.load %x[%i, %k] : memref<?x8xf32>
      %a = memref.load %s[%i] : memref<?xf32>
      %new = arith.addf %a, %v : f32
      memref.store %new, %s[%i] : memref<?xf32>
    }
    scf.reduce
  }
  return %s : memref<?xf32>
}

// -----

// A matrix product's loop (w[k, j] is shared by every row i): a thread per
// output reads w coalesced, so it stays as it is (and belongs to cuBLAS).
// CHECK-LABEL: func.func @product(
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
func.func @product(%x: memref<?x256xf32>, %w: memref<256x64xf32>, %n: index) -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c256 = arith.constant 256 : index
  %y = memref.alloc(%n) : memref<?x64xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
    scf.for %k = %c0 to %c256 step %c1 {
      %a = memref.load %x[%i, %k] : memref<?x256xf32>
      %b = memref.load %w[%k, %j] : memref<256x64xf32>
      %acc = memref.load %y[%i, %j] : memref<?x64xf32>
      %p = arith.mulf %a, %b : f32
      %new = arith.addf %acc, %p : f32
      memref.store %new, %y[%i, %j] : memref<?x64xf32>
    }
    scf.reduce
  }
  return %y : memref<?x64xf32>
}

// -----

// vq_quantize's argmin over 512 codes: the smallest distance, on equal
// distances the smallest code. Each thread keeps its own (distance, code)
// from (+inf, INT32_MAX); the shuffles (value and code each) and thread 0
// combine pairs with the same rule; the warps' codes travel through the
// shared f32 array as their bits.
// CHECK-LABEL: func.func @argmin(
// CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{[^=]+}}= %c256, {{.*}}) workgroup(%[[SH:.+]] : memref<2x8xf32, #gpu.address_space<workgroup>>)
// CHECK: %[[P:.+]]:2 = scf.for {{.*}} iter_args(%{{.+}} = %cst{{.*}}, %{{.+}} = %c2147483647_i32) -> (f32, i32)
// CHECK:   arith.cmpf olt
// CHECK:   arith.select
// CHECK: %[[V:.+]], %{{.+}} = gpu.shuffle xor %[[P]]#0, %c16_i32, %c32_i32 : f32
// CHECK: %[[I:.+]], %{{.+}} = gpu.shuffle xor %[[P]]#1, %c16_i32, %c32_i32 : i32
// CHECK: %[[LESS:.+]] = arith.cmpf olt, %[[V]], %[[P]]#0
// CHECK: %[[EQ:.+]] = arith.cmpf oeq, %[[V]], %[[P]]#0
// CHECK: %[[FIRST:.+]] = arith.cmpi slt, %[[I]], %[[P]]#1
// CHECK: %[[TIE:.+]] = arith.andi %[[EQ]], %[[FIRST]]
// CHECK: %[[TAKE:.+]] = arith.ori %[[LESS]], %[[TIE]]
// CHECK: arith.select %[[TAKE]], %[[V]], %[[P]]#0
// CHECK: arith.select %[[TAKE]], %[[I]], %[[P]]#1
// CHECK-COUNT-8: gpu.shuffle xor
// CHECK: arith.bitcast %{{.+}} : i32 to f32
// CHECK: gpu.barrier
// CHECK: arith.bitcast %{{.+}} : f32 to i32
// CHECK: arith.cmpf olt
// CHECK: arith.cmpf oeq
// CHECK: arith.cmpi slt
// CHECK: arith.select
// CHECK: arith.select
// CHECK-NOT: scf.parallel
func.func @argmin(%d: memref<?x512xf32>, %n: index) -> (memref<?xf32>, memref<?xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c512 = arith.constant 512 : index
  %inf = arith.constant 0x7F800000 : f32
  %zero = arith.constant 0 : i32
  %m = memref.alloc(%n) : memref<?xf32>
  %z = memref.alloc(%n) : memref<?xi32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %inf, %m[%i] : memref<?xf32>
    memref.store %zero, %z[%i] : memref<?xi32>
    scf.for %k = %c0 to %c512 step %c1 {
      %v = memref.load %d[%i, %k] : memref<?x512xf32>
      %best = memref.load %m[%i] : memref<?xf32>
      %code = memref.load %z[%i] : memref<?xi32>
      %kk = arith.index_cast %k : index to i32
      %lt = arith.cmpf olt, %v, %best : f32
      %eq = arith.cmpf oeq, %v, %best : f32
      %first = arith.cmpi slt, %kk, %code : i32
      %tie = arith.andi %eq, %first : i1
      %take = arith.ori %lt, %tie : i1
      %nb = arith.select %take, %v, %best : f32
      %nc = arith.select %take, %kk, %code : i32
      memref.store %nb, %m[%i] : memref<?xf32>
      memref.store %nc, %z[%i] : memref<?xi32>
    }
    scf.reduce
  }
  return %m, %z : memref<?xf32>, memref<?xi32>
}

// -----

// A select whose condition is not the argmin rule (the larger index wins
// ties): not recognized, left as it is.
// CHECK-LABEL: func.func @not_argmin(
// CHECK-NOT: gpu.launch
// CHECK: scf.parallel
func.func @not_argmin(%d: memref<?x512xf32>, %n: index) -> (memref<?xf32>, memref<?xi32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c512 = arith.constant 512 : index
  %m = memref.alloc(%n) : memref<?xf32>
  %z = memref.alloc(%n) : memref<?xi32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c512 step %c1 {
      %v = memref.load %d[%i, %k] : memref<?x512xf32>
      %best = memref.load %m[%i] : memref<?xf32>
      %code = memref.load %z[%i] : memref<?xi32>
      %kk = arith.index_cast %k : index to i32
      %lt = arith.cmpf olt, %v, %best : f32
      %eq = arith.cmpf oeq, %v, %best : f32
      %later = arith.cmpi sgt, %kk, %code : i32
      %tie = arith.andi %eq, %later : i1
      %take = arith.ori %lt, %tie : i1
      %nb = arith.select %take, %v, %best : f32
      %nc = arith.select %take, %kk, %code : i32
      memref.store %nb, %m[%i] : memref<?xf32>
      memref.store %nc, %z[%i] : memref<?xi32>
    }
    scf.reduce
  }
  return %m, %z : memref<?xf32>, memref<?xi32>
}

// -----

// A softmax row over two buffers of different widths (the codebook cache's
// 64 scores, then the window buffer's 96): one maximum over both, then an
// elementwise loop over the first buffer. One launch, 128 threads (the
// power of two covering the widest, 96), each loop striding over its own
// width; before, the reductions had to agree on one width and this stayed a
// thread per row, its threads reading rows 64 and 96 floats apart.
// CHECK-LABEL: func.func @two_widths(
// CHECK-SAME: %[[C:[^:]+]]: memref<?x64xf32>, %[[B:[^:]+]]: memref<?x96xf32>
// CHECK: gpu.launch blocks(%[[ROW:[^,]+]], {{.*}} threads(%[[TID:[^,]+]], {{.*}}) in ({{[^=]+}}= %c128,
// CHECK: scf.for %[[K1:.+]] = %[[TID]] to %c64 step %c128 iter_args
// CHECK:   memref.load %[[C]][%[[ROW]], %[[K1]]]
// CHECK:   arith.maximumf
// CHECK: gpu.barrier
// CHECK: scf.for %[[K2:.+]] = %[[TID]] to %c96 step %c128 iter_args
// CHECK:   memref.load %[[B]][%[[ROW]], %[[K2]]]
// CHECK:   arith.maximumf
// CHECK: gpu.barrier
// CHECK: scf.for %[[K3:.+]] = %[[TID]] to %c64 step %c128 {
// CHECK:   arith.subf
// CHECK-NOT: scf.parallel
func.func @two_widths(%c: memref<?x64xf32>, %b: memref<?x96xf32>, %n: index)
    -> memref<?x64xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c64 = arith.constant 64 : index
  %c96 = arith.constant 96 : index
  %ninf = arith.constant 0xFF800000 : f32
  %m = memref.alloc(%n) : memref<?xf32>
  %out = memref.alloc(%n) : memref<?x64xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    memref.store %ninf, %m[%i] : memref<?xf32>
    scf.for %k = %c0 to %c64 step %c1 {
      %v = memref.load %c[%i, %k] : memref<?x64xf32>
      %a = memref.load %m[%i] : memref<?xf32>
      %new = arith.maximumf %v, %a : f32
      memref.store %new, %m[%i] : memref<?xf32>
    }
    scf.for %k = %c0 to %c96 step %c1 {
      %v = memref.load %b[%i, %k] : memref<?x96xf32>
      %a = memref.load %m[%i] : memref<?xf32>
      %new = arith.maximumf %v, %a : f32
      memref.store %new, %m[%i] : memref<?xf32>
    }
    scf.reduce
  }
  scf.parallel (%i, %k) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
    %v = memref.load %c[%i, %k] : memref<?x64xf32>
    %a = memref.load %m[%i] : memref<?xf32>
    %d = arith.subf %v, %a : f32
    memref.store %d, %out[%i, %k] : memref<?x64xf32>
    scf.reduce
  }
  return %out : memref<?x64xf32>
}
