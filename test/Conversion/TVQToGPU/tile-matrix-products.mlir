// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-tile-matrix-products),canonicalize,cse)' | FileCheck %s
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-tile-matrix-products{math=bf16}),canonicalize,cse)' | FileCheck %s --check-prefix=MMA
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-tile-matrix-products{math=bf16 mma=false}),canonicalize,cse)' | FileCheck %s --check-prefix=LANES
// RUN: not tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-tile-matrix-products{math=f16}))' 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: tvq-tile-matrix-products: unknown math 'f16' (f32 or bf16)
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-tile-matrix-products{math=bf16 wgmma=true}),canonicalize,cse)' | FileCheck %s --check-prefix=WGMMA
// RUN: tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-tile-matrix-products{math=bf16 mma=false wgmma=true}),canonicalize,cse)' | FileCheck %s --check-prefix=WGLANES
// RUN: not tvq-opt %s --pass-pipeline='builtin.module(func.func(tvq-tile-matrix-products{wgmma=true}))' 2>&1 | FileCheck %s --check-prefix=BAD-WGMMA
// BAD-WGMMA: error: tvq-tile-matrix-products: wgmma needs math=bf16

// bf16 on tensor cores: the same tiles and stages; eight warps, each 16
// rows x 32 columns: per stage the warp's A fragment (four registers, each
// two bf16 rounded from shared f32 and packed: k in the low half), then per
// 8-column tile two B registers and one mma.sync m16n8k16 on four of the
// thread's accumulators.
// MMA-LABEL: func.func @dynamic_rows
// MMA: gpu.launch
// MMA: scf.for
// MMA: gpu.barrier
// MMA-COUNT-4: arith.truncf %{{.*}} : f32 to bf16
// MMA: arith.bitcast %{{.*}} : bf16 to i16
// MMA: arith.shli
// MMA: arith.ori
// MMA: nvvm.mma.sync A[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]  B[%{{.*}}, %{{.*}}]  C[%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}]
// MMA-SAME: layoutA = #nvvm.mma_layout<row>, layoutB = #nvvm.mma_layout<col>
// MMA-SAME: multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>
// MMA-SAME: shape = #nvvm.shape<m = 16, n = 8, k = 16>
// MMA-SAME: (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// MMA-COUNT-4: llvm.extractvalue
// MMA-COUNT-3: nvvm.mma.sync
// MMA: gpu.barrier
// MMA-NOT: arith.mulf
// MMA: gpu.terminator
// The simulation's form: no tensor-core op; each thread multiplies its slots'
// bf16-rounded operands (bits rounded to nearest even, NaN kept).
// LANES-LABEL: func.func @dynamic_rows
// LANES-NOT: nvvm.mma.sync
// LANES: arith.constant 32767 : i32
// LANES: arith.constant -65536 : i32
// LANES: arith.cmpf uno
// LANES-COUNT-16: arith.mulf

// wgmma (sm_90a): the stages are two 1024-element bf16 arrays in wgmma's
// no-swizzle K-major layout; each thread's copies round to bf16 and store at
// (row / 8) * 128 + (k / 8) * 64 + (row % 8) * 8 + k % 8; the descriptors are
// the stages' addresses >> 4 (14 bits) or'ed with the leading (128 B) and
// stride (256 B) byte offsets, 8 << 16 | 16 << 32 = 68720001024, B's moved
// 1024 B per warpgroup (warp / 4); after the copies a proxy fence and a
// barrier, then the warpgroup's one m64n32k16 on the 16 accumulators.
// WGMMA-LABEL: func.func @dynamic_rows
// WGMMA-DAG: %[[FIELDS:.*]] = arith.constant 68720001024 : i64
// WGMMA-DAG: %[[MASK:.*]] = arith.constant 262143 : i64
// WGMMA: gpu.launch
// WGMMA-SAME: workgroup(%[[SA:.*]] : memref<1024xbf16, #gpu.address_space<workgroup>>, %[[SB:.*]] : memref<1024xbf16, #gpu.address_space<workgroup>>)
// WGMMA: %[[PA:.*]] = memref.extract_aligned_pointer_as_index %[[SA]]
// WGMMA: %[[IA:.*]] = arith.index_castui %[[PA]] : index to i64
// WGMMA: %[[MA:.*]] = arith.andi %[[IA]], %[[MASK]] : i64
// WGMMA: %[[EA:.*]] = arith.shrui %[[MA]], %{{.*}} : i64
// WGMMA: %[[DA:.*]] = arith.ori %[[EA]], %[[FIELDS]] : i64
// WGMMA: %[[PB:.*]] = memref.extract_aligned_pointer_as_index %[[SB]]
// WGMMA: arith.addi %[[PB]], %{{.*}} : index
// WGMMA: %[[DB:.*]] = arith.ori %{{.*}}, %[[FIELDS]] : i64
// WGMMA: scf.for
// WGMMA: arith.truncf %{{.*}} : f32 to bf16
// WGMMA: memref.store %{{.*}}, %[[SA]][%{{.*}}] : memref<1024xbf16, #gpu.address_space<workgroup>>
// WGMMA: memref.store %{{.*}}, %[[SB]][%{{.*}}] : memref<1024xbf16, #gpu.address_space<workgroup>>
// WGMMA: nvvm.fence.proxy {kind = #nvvm.proxy_kind<async.shared>, space = #nvvm.shared_space<cta>}
// WGMMA-NEXT: gpu.barrier
// WGMMA-COUNT-16: llvm.insertvalue
// WGMMA: nvvm.wgmma.fence.aligned
// WGMMA-NEXT: nvvm.wgmma.mma_async %[[DA]], %[[DB]], %{{.*}}, <m = 64, n = 32, k = 16>, D[<f32>, <one>], A[<bf16>, <one>, <row>], B[<bf16>, <one>, <col>]
// WGMMA-NEXT: nvvm.wgmma.commit.group.sync.aligned
// WGMMA-NEXT: nvvm.wgmma.wait.group.sync.aligned 0
// WGMMA-COUNT-16: llvm.extractvalue
// WGMMA: gpu.barrier
// WGMMA-NOT: nvvm.mma.sync
// WGMMA: gpu.terminator
// The simulation's form: the same stages and descriptors (the stages'
// offsets, 0 and 1024 B per warpgroup, as start addresses), each thread
// reading its slots' bf16 operands at the bytes the descriptors' decoded
// fields give, no tensor-core op.
// WGLANES-LABEL: func.func @dynamic_rows
// WGLANES-NOT: extract_aligned_pointer
// WGLANES: gpu.launch
// WGLANES: memref.store %{{.*}} : memref<1024xbf16, #gpu.address_space<workgroup>>
// WGLANES-NOT: nvvm.fence.proxy
// WGLANES: gpu.barrier
// WGLANES: arith.shrui %{{.*}}, %{{.*}} : i64
// WGLANES: memref.load %{{.*}} : memref<1024xbf16, #gpu.address_space<workgroup>>
// WGLANES: arith.extf %{{.*}} : bf16 to f32
// WGLANES-NOT: nvvm.wgmma
// WGLANES: gpu.terminator

#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (k, n)>
#y = affine_map<(m, n, k) -> (m, n)>

// A dynamic M: tiles when M >= 32 (decided at run time), the original op
// otherwise. 96 columns are two 64-wide tiles. A's last dimension is k, so
// its copy walks k fastest; B's is n.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-SAME: (%[[X:.*]]: memref<?x64xf32>, %[[W:.*]]: memref<64x96xf32>, %[[Y:.*]]: memref<?x96xf32>)
// CHECK-DAG: %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG: %[[C2:.*]] = arith.constant 2 : index
// CHECK-DAG: %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG: %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG: %[[C64:.*]] = arith.constant 64 : index
// CHECK-DAG: %[[C256:.*]] = arith.constant 256 : index
// CHECK: %[[M:.*]] = memref.dim %[[X]], %[[C0]]
// CHECK: %[[TILES_M:.*]] = arith.ceildivui %[[M]], %[[C64]]
// CHECK: %[[BLOCKS:.*]] = arith.muli %[[TILES_M]], %[[C2]]
// CHECK: %[[LARGE:.*]] = arith.cmpi uge, %[[M]], %[[C32]]
// CHECK: scf.if
// CHECK-NEXT: gpu.launch blocks({{[^)]*}}) in ({{%[a-z0-9]+}} = %[[BLOCKS]],
// CHECK-SAME: threads({{[^)]*}}) in ({{%[a-z0-9]+}} = %[[C256]],
// CHECK-SAME: workgroup(%[[SA:[a-z0-9]+]] : memref<16x65xf32, #gpu.address_space<workgroup>>, %[[SB:[a-z0-9]+]] : memref<16x65xf32, #gpu.address_space<workgroup>>)
// CHECK-SAME: private(%[[ACC:[a-z0-9]+]] : memref<16xf32, #gpu.address_space<private>>)
// The thread's 16 accumulators start from C (0 outside it).
// CHECK-COUNT-16: memref.load %[[Y]]
// CHECK: scf.for %{{[a-z0-9]+}} = %[[C0]] to %[[C64]] step %[[C16]] {
// CHECK:   memref.load %[[X]]
// CHECK:   memref.store %{{.*}}, %[[SA]]
// CHECK:   memref.load %[[W]]
// CHECK:   memref.store %{{.*}}, %[[SB]]
// CHECK:   gpu.barrier
// CHECK-COUNT-16: memref.load %[[ACC]]
// CHECK:   %{{.*}}:16 = scf.for %{{.*}} = %[[C0]] to %[[C16]] step %{{.*}} iter_args(
// CHECK-COUNT-4: memref.load %[[SA]]
// CHECK-COUNT-4: memref.load %[[SB]]
// CHECK-COUNT-16: arith.mulf
// CHECK:     scf.yield
// CHECK-COUNT-16: memref.store %{{.*}}, %[[ACC]]
// CHECK:   gpu.barrier
// CHECK-NEXT: }
// Outputs inside C are stored.
// CHECK-COUNT-16: memref.store %{{.*}}, %[[Y]]
// CHECK: gpu.terminator
// CHECK: } else {
// CHECK-NEXT: linalg.generic
func.func @dynamic_rows(%x: memref<?x64xf32>, %w: memref<64x96xf32>, %y: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xf32>, memref<64x96xf32>) outs(%y : memref<?x96xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

#a2 = affine_map<(b, m, n, k1, k2) -> (b, m, k1, k2)>
#b2 = affine_map<(b, m, n, k1, k2) -> (k1, k2, n)>
#c2 = affine_map<(b, m, n, k1, k2) -> (b, m, n)>

// A batch of 3 (B lacks it) and two reductions: static sizes, so no run-time
// choice; 3 x 1 x 1 blocks; k1 loops outside the stages of k2 (20 values:
// stages at 0 and 16).
// CHECK-LABEL: func.func @batch_two_reductions
// CHECK-NOT: scf.if
// CHECK: gpu.launch blocks({{[^)]*}}) in ({{%[a-z0-9]+}} = %c3,
// CHECK-SAME: workgroup(
// CHECK: scf.for %[[K1:[a-z0-9]+]] = %c0 to %c5 step %c1 {
// CHECK-NEXT: scf.for %{{[a-z0-9]+}} = %c0 to %c20 step %c16 {
// CHECK: memref.load %{{.*}}[%{{.*}}, %{{.*}}, %[[K1]], %{{.*}}] : memref<3x40x5x20xf32>
// CHECK: memref.load %{{.*}}[%[[K1]], %{{.*}}, %{{.*}}] : memref<5x20x48xf32>
// CHECK-COUNT-2: gpu.barrier
// CHECK-NOT: linalg.generic
func.func @batch_two_reductions(%a: memref<3x40x5x20xf32>, %b: memref<5x20x48xf32>, %c: memref<3x40x48xf32>) {
  linalg.generic {indexing_maps = [#a2, #b2, #c2], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %b : memref<3x40x5x20xf32>, memref<5x20x48xf32>) outs(%c : memref<3x40x48xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// Eight static rows: most of a tile would idle; the op stays.
// CHECK-LABEL: func.func @few_rows
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @few_rows(%x: memref<8x64xf32>, %w: memref<64x96xf32>, %y: memref<8x96xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<8x64xf32>, memref<64x96xf32>) outs(%y : memref<8x96xf32>) {
  ^bb0(%i: f32, %j: f32, %o: f32):
    %p = arith.mulf %i, %j : f32
    %s = arith.addf %o, %p : f32
    linalg.yield %s : f32
  }
  return
}

// Not a matrix product (no reduction): untouched.
// A bf16 activation times an f32 weight (tvq-bf16-activations): the same
// tiles; the copy of A into the shared f32 stage loads bf16 and widens it.
// CHECK-LABEL: func.func @bf16_rows
// CHECK: gpu.launch
// CHECK: %[[V:.*]] = memref.load %{{.*}} : memref<?x64xbf16>
// CHECK-NEXT: %[[W:.*]] = arith.extf %[[V]] : bf16 to f32
// CHECK-NEXT: scf.yield %[[W]] : f32
// CHECK: gpu.barrier
func.func @bf16_rows(%x: memref<?x64xbf16>, %w: memref<64x96xf32>, %y: memref<?x96xf32>) {
  linalg.generic {indexing_maps = [#x, #w, #y], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : memref<?x64xbf16>, memref<64x96xf32>) outs(%y : memref<?x96xf32>) {
  ^bb0(%a: bf16, %b: f32, %c: f32):
    %wide = arith.extf %a : bf16 to f32
    %p = arith.mulf %wide, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  }
  return
}

// CHECK-LABEL: func.func @not_a_product
// CHECK-NOT: gpu.launch
// CHECK: linalg.generic
func.func @not_a_product(%x: memref<64x64xf32>, %y: memref<64x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<64x64xf32>) outs(%y : memref<64x64xf32>) {
  ^bb0(%i: f32, %o: f32):
    %s = arith.addf %o, %i : f32
    linalg.yield %s : f32
  }
  return
}
