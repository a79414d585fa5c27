// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-fused-attention-to-gpu),canonicalize,cse)' -split-input-file -verify-diagnostics | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-fused-attention-to-gpu{math=bf16}),canonicalize,cse)' -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=MMA
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-fused-attention-to-gpu{math=bf16 mma=false}),canonicalize,cse)' -split-input-file -verify-diagnostics | FileCheck %s --check-prefix=LANES
// RUN: not tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-fused-attention-to-gpu{math=f16}))' -split-input-file 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: tvq-fused-attention-to-gpu: unknown math 'f16' (f32 or bf16)

// math=bf16: both products on tensor cores, per stage four mma.sync per warp
// (the scores' stages over the key dimensions, then the probabilities times
// the values over the chunk's keys), operands rounded to bf16.
// MMA-LABEL: func.func @block(
// MMA: gpu.launch
// MMA: scf.for
// MMA: arith.truncf %{{.*}} : f32 to bf16
// MMA-COUNT-4: nvvm.mma.sync
// MMA: math.exp
// MMA: arith.truncf %{{.*}} : f32 to bf16
// MMA-COUNT-4: nvvm.mma.sync
// MMA: arith.divf
// mma=false (cuda-sim): the same layout lane by lane, rounding by integer
// arithmetic, no tensor-core op.
// LANES-LABEL: func.func @block(
// LANES-NOT: nvvm.mma.sync
// LANES: arith.constant 32767 : i32
// LANES-COUNT-16: arith.mulf

// One launch of 256 threads per (attention block, 64 queries, 64 value
// columns): N x 1 x 3 blocks for L = 32, V = 130. Shared: two 16 x 65
// stages, the 64 x 65 score tile, the rows' running max, sum and factor,
// the rows' quarters' maxima and sums; private: the thread's 16 scores and
// 16 outputs.
// CHECK-LABEL: func.func @block(
// CHECK: %[[N:.+]] = memref.dim %{{.+}}, %c0 : memref<?x32x40xf32>
// CHECK: %[[GRID:.+]] = arith.muli %[[N]], %c3 : index
// CHECK: scf.if
// CHECK: gpu.launch blocks({{.*}}) in (%{{.+}} = %[[GRID]], %{{.+}} = %c1, %{{.+}} = %c1) threads(%[[T:[a-z0-9]+]], {{.*}}) in (%{{.+}} = %c256, %{{.+}} = %c1, %{{.+}} = %c1)
// CHECK-SAME: workgroup(%[[QS:.+]] : memref<16x65xf32, #gpu.address_space<workgroup>>, %[[KS:.+]] : memref<16x65xf32, #gpu.address_space<workgroup>>, %[[P:.+]] : memref<64x65xf32, #gpu.address_space<workgroup>>, %[[MAX:.+]] : memref<64xf32, #gpu.address_space<workgroup>>, %[[SUM:.+]] : memref<64xf32, #gpu.address_space<workgroup>>, %[[SCALE:.+]] : memref<64xf32, #gpu.address_space<workgroup>>, %[[QMAX:.+]] : memref<64x4xf32, #gpu.address_space<workgroup>>, %[[QSUM:.+]] : memref<64x4xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: private(%[[S:.+]] : memref<16xf32, #gpu.address_space<private>>, %[[ACC:.+]] : memref<16xf32, #gpu.address_space<private>>)
// The running max starts at -inf, the sum at 0 (one thread per row).
// CHECK: %[[ROWT:.+]] = arith.cmpi ult, %[[T]], %c64 : index
// CHECK: scf.if %[[ROWT]] {
// CHECK: memref.store %cst{{.*}}, %[[MAX]][%[[T]]]
// CHECK: gpu.barrier
// Chunks of 64 keys over the S = 64 codes and the M + L = 64 buffer slots.
// CHECK: scf.for %[[C0:.+]] = %c0 to %c128 step %c64 {
// Step 1: the raw scores in stages of 16 of the K = 40 key dimensions.
// CHECK: scf.for %{{.+}} = %c0 to %c40 step %c16 {
// CHECK: memref.store %{{.+}}, %[[QS]]
// CHECK: memref.store %{{.+}}, %[[KS]]
// CHECK: gpu.barrier
// CHECK: scf.for {{.*}} iter_args(
// CHECK: gpu.barrier
// Biases and masks into the score tile: the codes' log counts, the
// relative table for the buffer slots.
// CHECK: math.log
// CHECK: memref.load %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] : memref<?x32x33xf32>
// CHECK: memref.store %{{.+}}, %[[P]]
// CHECK: gpu.barrier
// Step 2: four threads per row, each a quarter of the chunk's keys: the
// quarter's max; then the row's new max, the quarter's probabilities in
// place and their sum; then one thread per row: the factor for the old sum,
// the new sum and max.
// CHECK: %[[ROW:.+]] = arith.divui %[[T]], %c4 : index
// CHECK: %[[QUARTER:.+]] = arith.remui %[[T]], %c4 : index
// CHECK: scf.for {{.*}} iter_args
// CHECK: arith.maximumf
// CHECK: memref.store %{{.+}}, %[[QMAX]][%[[ROW]], %[[QUARTER]]]
// CHECK: gpu.barrier
// CHECK: scf.for {{.*}} iter_args
// CHECK: math.exp
// CHECK: memref.store %{{.+}}, %[[P]]
// CHECK: memref.store %{{.+}}, %[[QSUM]][%[[ROW]], %[[QUARTER]]]
// CHECK: gpu.barrier
// CHECK: %[[FIRST:.+]] = arith.cmpi eq, %[[QUARTER]], %c0 : index
// CHECK: scf.if %[[FIRST]] {
// CHECK: math.exp
// CHECK: memref.store %{{.+}}, %[[SUM]][%[[ROW]]]
// CHECK: memref.store %{{.+}}, %[[MAX]][%[[ROW]]]
// CHECK: memref.store %{{.+}}, %[[SCALE]][%[[ROW]]]
// CHECK: gpu.barrier
// Step 3: outputs rescaled, then probabilities x (means ; values) in
// stages of 16 keys.
// CHECK: memref.load %[[SCALE]]
// CHECK: scf.for %{{.+}} = %c0 to %c64 step %c16 {
// CHECK: memref.load %{{.+}} : memref<?x64x130xf32>
// CHECK: memref.store %{{.+}}, %[[KS]]
// CHECK: gpu.barrier
// CHECK: memref.load %[[P]]
// CHECK: gpu.barrier
// The outputs divided by the row sums, stored inside the output only.
// CHECK: memref.load %[[SUM]]
// CHECK: arith.divf
// CHECK: memref.store %{{.+}}, %{{.+}}[%{{.+}}, %{{.+}}, %{{.+}}] : memref<?x32x130xf32>
// CHECK-NOT: tvq.fused_block_attention
func.func @block(%q: memref<?x32x40xf32>, %c: memref<64x40xf32>, %n: memref<?x64xf32>, %mu: memref<?x64x130xf32>,
                 %k: memref<?x64x40xf32>, %v: memref<?x64x130xf32>, %rel: memref<?x32x33xf32>, %seen: memref<?xi64>,
                 %out: memref<?x32x130xf32>) {
  tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : memref<?x32x40xf32>, memref<64x40xf32>, memref<?x64xf32>,
          memref<?x64x130xf32>, memref<?x64x40xf32>, memref<?x64x130xf32>, memref<?x32x33xf32>, memref<?xi64>)
      outs(%out : memref<?x32x130xf32>)
  return
}

// -----

// On tensors the op must be bufferized first.
func.func @tensors(%q: tensor<?x32x40xf32>, %c: tensor<64x40xf32>, %n: tensor<?x64xf32>, %mu: tensor<?x64x130xf32>,
                   %k: tensor<?x64x40xf32>, %v: tensor<?x64x130xf32>, %rel: tensor<?x32x33xf32>, %seen: tensor<?xi64>,
                   %out: tensor<?x32x130xf32>) -> tensor<?x32x130xf32> {
  // expected-error @+1 {{'tvq.fused_block_attention' op must be on buffers for tvq-fused-attention-to-gpu (run one-shot-bufferize first)}}
  %o = tvq.fused_block_attention {mem_len = 32 : i64}
      ins(%q, %c, %n, %mu, %k, %v, %rel, %seen : tensor<?x32x40xf32>, tensor<64x40xf32>, tensor<?x64xf32>,
          tensor<?x64x130xf32>, tensor<?x64x40xf32>, tensor<?x64x130xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
      outs(%out : tensor<?x32x130xf32>) -> tensor<?x32x130xf32>
  return %o : tensor<?x32x130xf32>
}

// -----

// tvq.fused_block_softmax: one launch per (attention block, 64 queries),
// the same attributions; a first walk over the key chunks updates the rows'
// running max and sum, a second recomputes the scores and writes
// exp(score - max) / sum to the cache weights (codes) or the buffer weights.
// CHECK-LABEL: func.func @softmax(
// CHECK-SAME: %[[PC:[a-z0-9]+]]: memref<?x32x64xf32>, %[[PB:[a-z0-9]+]]: memref<?x32x64xf32>)
// CHECK: %[[N:.+]] = memref.dim %{{.+}}, %c0 : memref<?x32x40xf32>
// CHECK: gpu.launch blocks({{.*}}) in (%{{.+}} = %[[N]], %{{.+}} = %c1, %{{.+}} = %c1) threads({{.*}}) in (%{{.+}} = %c256, %{{.+}} = %c1, %{{.+}} = %c1)
// CHECK-SAME: workgroup({{.*}}memref<64x65xf32, #gpu.address_space<workgroup>>
// CHECK: scf.for %{{.+}} = %c0 to %c128 step %c64 {
// CHECK: gpu.barrier
// CHECK: math.exp
// CHECK: gpu.barrier
// CHECK: scf.for %{{.+}} = %c0 to %c128 step %c64 {
// CHECK: gpu.barrier
// CHECK: %[[W:.+]] = math.exp
// CHECK: %[[P:.+]] = arith.divf %[[W]], %{{.+}} : f32
// CHECK: scf.if
// CHECK: memref.store %[[P]], %[[PC]][
// CHECK: } else {
// CHECK: memref.store %[[P]], %[[PB]][
// CHECK-NOT: tvq.fused_block_softmax
func.func @softmax(%q: memref<?x32x40xf32>, %c: memref<64x40xf32>, %n: memref<?x64xf32>, %k: memref<?x64x40xf32>,
                   %rel: memref<?x32x33xf32>, %seen: memref<?xi64>, %pc: memref<?x32x64xf32>, %pb: memref<?x32x64xf32>) {
  tvq.fused_block_softmax {mem_len = 32 : i64}
      ins(%q, %c, %n, %k, %rel, %seen : memref<?x32x40xf32>, memref<64x40xf32>, memref<?x64xf32>,
          memref<?x64x40xf32>, memref<?x32x33xf32>, memref<?xi64>)
      outs(%pc, %pb : memref<?x32x64xf32>, memref<?x32x64xf32>)
  return
}
