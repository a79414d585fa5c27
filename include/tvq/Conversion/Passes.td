//===- Passes.td - Conversions out of the tvq dialect ------*- tablegen -*-===//
#ifndef TVQ_CONVERSION_PASSES_TD
#define TVQ_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertTVQToLinalg : Pass<"convert-tvq-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Lower tvq ops to linalg, tensor, arith and math on tensors";
  let description = [{
    - `tvq.vq_quantize`: squared distances to every code (a contraction),
      an argmin that keeps the lowest index on ties, a gather of the chosen
      codes.
    - `tvq.codebook_ema`: one-hot sums of keys and counts, blended with
      gamma.
    - `tvq.vq_attention` of exactly one block (T = block_len; run
      `tvq-split-attention-blocks` first): the block attends to the
      compressed cache (`(q+u)·C^T + log count`, masked where a count is 0)
      and to the window buffer `[win ; block]` of M + L uncompressed keys
      with the relative-position bias for distance <= M and the causal mask;
      one running max and one sum over both; values from the cache means
      and the buffer. Then the L oldest buffer positions move into the cache
      (counts and means, never raw sums) and the newest M become the window.

    Before:
    ```mlir
    %o, %s:6 = tvq.vq_attention %qb, ... state(...)
        {block_len = 16 : i64, mem_len = 16 : i64} : (tensor<?x16x32xf32>, ...)
    ```
    After: `linalg.generic` contractions and elementwise ops, e.g.
    ```mlir
    %scores = linalg.generic {iterator_types = ["parallel", "parallel",
        "parallel", "reduction"]} ins(%qu, %codebook ...) outs(%zero ...) ...
    ```
  }];
  let options = [
    Option<"parallelBlocks", "parallel-blocks", "bool", "false",
           "Lower tvq.vq_attention_grad with mem_len = block_len over all "
           "blocks at once (each block's state from per-block statistics "
           "and prefix sums, the block-to-block gradient flows as shifts "
           "and a suffix sum) instead of block loops">,
    Option<"attention", "attention", "std::string", "\"generic\"",
           "How each one-block tvq.vq_attention's output is computed: "
           "generic (scores, softmax and weighted sums as generics), "
           "softmax (the softmax weights as one tvq.fused_block_softmax, "
           "then the weighted sums as products) or fused (one "
           "tvq.fused_block_attention); with softmax or fused and "
           "parallel-blocks, the weights that tvq.vq_attention_grad "
           "recomputes are one tvq.fused_block_softmax too; "
           "tvq-fused-attention-to-gpu makes each fused op one kernel">,
    Option<"oneHotProducts", "onehot-products", "bool", "false",
           "Compute the codebook statistics' key sums (codebook_ema, "
           "codebook_stats) as a product of a one-hot tensor of the codes "
           "[B, T, S] and the keys, and the embedding gradient as a product "
           "of a one-hot tensor of the ids [B, T, V] and the output "
           "gradient (contractions: cuBLAS on CUDA), instead of one loop "
           "over all B x T positions per element, each comparing the "
           "position's code or id and selecting its key or gradient">,
    Option<"transposedCodebook", "transposed-codebook", "bool", "false",
           "Compute tvq.vq_quantize's distances from the codebook "
           "transposed to [K, S] (a linalg.transpose): with a thread per "
           "code, neighbouring threads then read neighbouring elements. "
           "The same arithmetic in the same order">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect"];
}

def TVQParallelLoopsToGPU
    : Pass<"tvq-parallel-loops-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Map each outermost scf.parallel to a flat 1-D gpu.launch";
  let description = [{
    Every outermost `scf.parallel` (without reductions) of a host function
    becomes one `gpu.launch` of `ceil(N / block-size)` blocks of
    `block-size` threads, N the product of the loop's trip counts. Thread
    `g = block_id.x * block-size + thread_id.x` runs iteration `g` of the
    row-major flattened iteration space, when `g < N`; the launch is skipped
    when N is 0. Host `scf.for` nests that only load and store memory (no
    allocation, call or parallel loop inside: the sequential loops of a
    reduction to a scalar) become a one-thread launch, so their operands
    stay in device memory. Private functions (the deallocation pipeline's
    `dealloc_helper`) and loops over `memref.alloca` buffers (its ownership
    lists on the host stack) stay on the host.

    Before:
    ```mlir
    scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c64) step (%c1, %c1) {
      %v = memref.load %a[%i, %j] : memref<?x64xf32>
      memref.store %v, %b[%i, %j] : memref<?x64xf32>
      scf.reduce
    }
    ```
    After:
    ```mlir
    %total = arith.muli %n, %c64 : index
    scf.if %nonempty {
      %blocks = arith.ceildivsi %total, %c256 : index
      gpu.launch blocks(%bx, %by, %bz) in (%gx = %blocks, ...)
                 threads(%tx, %ty, %tz) in (%sx = %c256, ...) {
        %g = ... %bx * 256 + %tx
        scf.if %in_range {
          %j = arith.remsi %g, %c64 ; %i = arith.divsi %g, %c64 ...
          %v = memref.load %a[%i, %j] ...
        }
        gpu.terminator
      }
    }
    ```
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", "256",
           "Threads per block">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def TVQMergeGPUModules : Pass<"tvq-merge-gpu-modules", "::mlir::ModuleOp"> {
  let summary = "Move every outlined kernel into one gpu.module";
  let description = [{
    `gpu-kernel-outlining` makes one `gpu.module` per kernel. This pass
    moves all kernels into one module `@tvq_kernels`, each renamed after the
    module it came from, and retargets the `gpu.launch_func` ops, so that
    the NVPTX backend runs once and the host loads one PTX image. Kernels
    with identical code (each layer of a model launches the same ones) are
    kept once: enwik8's eval_loss and decode_step go from 7,699 kernels to
    a few hundred.

    Before:
    ```mlir
    gpu.module @f_kernel { gpu.func @f_kernel(...) kernel { ... } }
    gpu.module @f_kernel_0 { gpu.func @f_kernel(...) kernel { ... } }
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (...) threads in (...)
    ```
    After:
    ```mlir
    gpu.module @tvq_kernels {
      gpu.func @f_kernel(...) kernel { ... }
      gpu.func @f_kernel_0(...) kernel { ... }
    }
    gpu.launch_func @tvq_kernels::@f_kernel_0 blocks in (...) ...
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::func::FuncDialect"];
}

def TVQGPUMathToIntrinsics
    : Pass<"tvq-gpu-math-to-intrinsics", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Lower math ops in kernels to LLVM intrinsics, not libdevice";
  let description = [{
    `convert-gpu-to-nvvm` lowers `math.sqrt`, `math.fma`, `math.floor`,
    `math.ceil` and `math.absf` to calls of libdevice (`__nv_sqrtf`,
    `__nv_fmaf`, ...), which exists only in CUDA's toolkit; ptxas then stops
    with "Unresolved extern function". This pass, run on each `gpu.module`
    before it, calls LLVM's intrinsics instead, which the NVPTX backend
    emits as single correctly rounded instructions (`sqrt.rn.f32`,
    `fma.rn.f32`, `cvt.rmi.f32.f32`, ...). exp, log and tanh never reach it:
    `tvq-approximate-math` replaced them by polynomials, as on the CPU.

    Before:
    ```mlir
    %r = math.sqrt %x : f32
    ```
    After:
    ```mlir
    %r = llvm.call_intrinsic "llvm.sqrt.f32"(%x) : (f32) -> f32
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TVQContractionsToLibrary
    : Pass<"tvq-contractions-to-library", "::mlir::ModuleOp"> {
  let summary = "Call a GEMM library for f32 matrix-product linalg.generic ops";
  let description = [{
    Every `linalg.generic` on buffers that is a (batched) f32 matrix product
    `C[b, m, n] += sum_k A[b, m, k] * B[b, k, n]` becomes a call of
    `callee` (the runtime's cuBLAS wrapper for `--target=cuda`, its host
    reference for `--target=cuda-sim`), given each operand's aligned
    pointer, offset and the strides of its batch, row, column and reduction
    dimensions (0 for a dimension it lacks: a broadcast operand). The
    runtime answers 1 when it computed the product, 0 when it cannot (no
    library, or a layout BLAS does not take); the original op then runs, as
    generated kernels, in an `scf.if`.

    Matched: two f32 inputs and one f32 output; the body `out + in0 * in1`;
    every indexing map a projected permutation; the output (b?, m, n) of
    rank 2 or 3 with exactly the parallel loops; one or two reduction loops,
    used by both inputs (two are collapsed at run time when their strides
    allow); one input has m and not n, the other n and not m; an input may
    lack b.

    Before:
    ```mlir
    linalg.generic {indexing_maps = [(d0, d1, d2, d3) -> (d0, d1, d3),
                                     (d0, d1, d2, d3) -> (d2, d3),
                                     (d0, d1, d2, d3) -> (d0, d1, d2)], ...}
        ins(%x, %w : memref<?x?x64xf32>, memref<96x64xf32>)
        outs(%y : memref<?x?x96xf32>) { mulf, addf }
    ```
    After:
    ```mlir
    %done = func.call @_tvq_cublas_gemm_f32(%batch, %m, %n, %k1, %k2,
        %x_ptr, %x_off, %x_sb, %x_sm, %c0, %x_sk, %w_ptr, ..., %y_sn)
        : (index, ...) -> i32
    %fallback = arith.cmpi eq, %done, %c0_i32 : i32
    scf.if %fallback { linalg.generic ... (the original op) }
    ```
  }];
  let options = [
    Option<"callee", "callee", "std::string", "\"_tvq_cublas_gemm_f32\"",
           "The runtime function to call (docs/abi.md)">,
  ];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def TVQFusedAttentionToGPU
    : Pass<"tvq-fused-attention-to-gpu", "::mlir::func::FuncOp"> {
  let summary = "Each fused block attention or softmax op on buffers as one kernel";
  let description = [{
    Each `tvq.fused_block_attention` on buffers (made by
    `convert-tvq-to-linalg{attention=fused}`, then bufferized) becomes
    one `gpu.launch`: a block of 256 threads per attention block, 64 queries
    and 64 value columns. It walks the keys (the S codes, then the M + L
    buffer slots) in chunks of 64: the chunk's 64 x 64 scores in stages of 16
    key dimensions through shared memory (each thread 4 x 4, accumulated in a
    private attribution), the log-count bias, relative bias and masks into a
    shared score tile; four threads per query row (a quarter of the keys
    each, partial maxima and sums through shared memory) update the running
    max, rescale what was summed so far by exp(old max - new max), turn the
    row's scores into probabilities and add them to the running sum; each
    thread rescales its 4 x 4 outputs and adds probabilities x (means ;
    values) in stages of 16 keys. Outputs are divided by the row sums at the
    end. Scores never leave the block.

    Each `tvq.fused_block_softmax` (the softmax weights the backward of the
    parallel blocks recomputes) becomes one launch per (attention block, 64
    queries) with the same attributions: a first walk over the key chunks
    keeps the rows' running max and sum, a second recomputes each chunk's
    scores and writes exp(score - max) / sum to the cache weights (codes) or
    the buffer weights (slots).

    Before:
    ```mlir
    tvq.fused_block_attention {mem_len = 32 : i64}
        ins(%qu, %c, %count, %mean, %keys, %values, %rel, %seen : ...)
        outs(%out : memref<?x32x256xf32>)
    ```
    After:
    ```mlir
    scf.if %work {
      gpu.launch blocks(...) in (%gx = %grid, ...) threads(...) in (%sx = %c256, ...)
          workgroup(%qs : memref<16x65xf32, #gpu.address_space<workgroup>>,
                    %ks : memref<16x65xf32, ...>, %p : memref<64x65xf32, ...>,
                    %max : memref<64xf32, ...>, %sum : memref<64xf32, ...>,
                    %scale : memref<64xf32, ...>)
          private(%s : memref<16xf32, ...>, %acc : memref<16xf32, ...>) {
        scf.for %c0 = %c0 to %keys step %c64 {
          scf.for %d0 ... { copies; gpu.barrier; %s += ...; gpu.barrier }
          ... %p[row, key] = masked, biased score ...; gpu.barrier
          scf.if %row_thread { running max, exp, running sum }
          gpu.barrier
          ... %acc *= %scale[row]; scf.for %k0 ... { copy; gpu.barrier; %acc += %p * ...; gpu.barrier }
        }
        ... %out[...] = %acc / %sum[row] ...
      }
    }
    ```
  }];
  let options = [
    Option<"math", "math", "std::string", "\"f32\"",
           "The kernels' two products (scores, probabilities x values): f32 "
           "(FMAs) or bf16 (operands rounded to bf16, f32 sums, on tensor "
           "cores: mma.sync m16n8k16 in the layout of the matrix-product "
           "tiles)">,
    Option<"mma", "mma", "bool", "true",
           "With math=bf16: use nvvm.mma.sync (false: each thread computes "
           "its slots of the same layout, for --target=cuda-sim)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

def TVQTileMatrixProducts
    : Pass<"tvq-tile-matrix-products", "::mlir::func::FuncOp"> {
  let summary = "Matrix products as kernels with shared-memory tiles";
  let description = [{
    Each `linalg.generic` on buffers that is an f32 matrix product (what
    `tvq-contractions-to-library` matches, including the fallbacks it leaves
    in an `scf.if`) becomes a `gpu.launch` of 256-thread blocks, one per
    64 x 64 tile of C (and batch). Per stage of 16 k values, the block copies
    its A and B tiles into two workgroup attributions (`16 x 65` f32: the odd
    row length spreads a column over all 32 banks), each thread four elements
    of each, zero outside the operands; a `gpu.barrier`; then each thread
    adds the stage to its 4 x 4 outputs (rows `ty + 16 i`, columns
    `tx + 16 j`), kept in a private attribution that LLVM promotes to
    registers; a second barrier. With two reductions, k1 runs outside the
    stages of k2 (the order one thread per output would add the terms).
    C's values start the accumulators; only outputs inside C are stored.
    Products whose M or N is below 32 keep the original op (one thread per
    output): decided here for static sizes, by an `scf.if` at run time for
    dynamic ones.

    Before:
    ```mlir
    linalg.generic {... matrix product ...}
        ins(%a, %b : memref<?x64xf32>, memref<64x96xf32>)
        outs(%c : memref<?x96xf32>)
    ```
    After:
    ```mlir
    scf.if %large {
      gpu.launch blocks(%bx, ...) in (%gx = %tiles, ...)
                 threads(%tx, ...) in (%sx = %c256, ...)
          workgroup(%sa : memref<16x65xf32, #gpu.address_space<workgroup>>,
                    %sb : memref<16x65xf32, #gpu.address_space<workgroup>>)
          private(%acc : memref<16xf32, #gpu.address_space<private>>) {
        ... %acc[4 i + j] = %c[row, col] (0 outside) ...
        scf.for %k0 = %c0 to %k step %c16 {
          ... %sa[kk, r] = %a[row0 + r, k0 + kk], %sb likewise ...
          gpu.barrier
          ... %acc[4 i + j] += %sa[kk, ty + 16 i] * %sb[kk, tx + 16 j] ...
          gpu.barrier
        }
        ... %c[row, col] = %acc[4 i + j] inside C ...
        gpu.terminator
      }
    } else {
      linalg.generic ... (the original op)
    }
    ```
  }];
  let options = [
    Option<"math", "math", "std::string", "\"f32\"",
           "f32 (FMAs) or bf16 (operands rounded to bf16, f32 sums, on "
           "tensor cores: mma.sync m16n8k16, sm_80 and later)">,
    Option<"mma", "mma", "bool", "true",
           "With math=bf16: use nvvm.mma.sync (false: each thread computes "
           "its slots of the same layout, for --target=cuda-sim)">,
    Option<"wgmma", "wgmma", "bool", "false",
           "With math=bf16: the stages are bf16 in wgmma's no-swizzle "
           "K-major shared layout and each warpgroup multiplies them with "
           "one nvvm.wgmma.mma_async m64n32k16 (sm_90a; with mma=false each "
           "thread computes its slots through the same descriptors)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

def TVQAlignWorkgroupMemory
    : Pass<"tvq-align-workgroup-memory", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Align every kernel's workgroup attributions";
  let description = [{
    `convert-gpu-to-nvvm` gives a workgroup attribution the alignment of its
    `llvm.align` attribute, else its element type's (2 bytes for bf16), and
    `gpu-kernel-outlining` cannot set the attribute (a `gpu.launch` has no
    attribution attributes). wgmma's matrix descriptors address shared
    memory in 16-byte units, so this pass gives each workgroup attribution of
    every `gpu.func` without one `{llvm.align = alignment}`.

    Before: `gpu.func @k() workgroup(%s : memref<1024xbf16, 3>) kernel`.
    After: `gpu.func @k() workgroup(%s : memref<1024xbf16, 3>
    {llvm.align = 16 : i64}) kernel`, which lowers to
    `.shared .align 16 .b8 __wg_k_0[2048]`.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", "16",
           "Bytes (a power of two)">,
  ];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def TVQFuseParallelLoops
    : Pass<"tvq-fuse-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Fuse neighbouring scf.parallel loops of one iteration space";
  let description = [{
    Each outermost `scf.parallel` becomes one kernel launch. Two neighbouring
    loops (only side-effect-free ops between them) with the same bounds and
    steps (the same SSA values) become one loop running the first body, then
    the second, in each iteration, when that cannot change memory: for every
    load or store of one body and load or store of the other, at least one a
    store, on buffers that may overlap (tvq::buffersMayOverlap: MLIR's
    alias analysis, except subviews of one buffer with static offsets
    that cannot overlap), both are the
    same buffer value, indexed in the same places by every induction
    variable once (other indices equal constants). A body with another op with
    memory effects on outside buffers, a loop with results and a loop with a
    nested `scf.parallel` are left alone. Upstream's
    `scf-parallel-loop-fusion` checks loads against stores only (it fuses
    two loops that both store to element 0).

    Bufferization leaves a `memref.alloc` before most loops, which would
    separate them, so each allocation first moves up past the loops and
    side-effect-free ops before it, stopping at its operands' definitions
    and at any other op (a `memref.dealloc`, a call, an `scf.if`: a buffer
    freed there stays reusable by the allocation).

    Before:
    ```mlir
    %a = memref.alloc(%n) : memref<?xf32>
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %x, %a[%i] : memref<?xf32>
    }
    %b = memref.alloc(%n) : memref<?xf32>
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      %v = memref.load %a[%i] : memref<?xf32>
      memref.store %v, %b[%i] : memref<?xf32>
    }
    ```
    After:
    ```mlir
    %a = memref.alloc(%n) : memref<?xf32>
    %b = memref.alloc(%n) : memref<?xf32>
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %x, %a[%i] : memref<?xf32>
      %v = memref.load %a[%i] : memref<?xf32>
      memref.store %v, %b[%i] : memref<?xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect"];
}

def TVQJoinIndependentLoops
    : Pass<"tvq-join-independent-loops", "::mlir::func::FuncOp"> {
  let summary = "One launch for neighbouring scf.parallel loops that do not "
                "depend on each other, over any iteration spaces";
  let description = [{
    Each outermost `scf.parallel` becomes one kernel launch. A run of
    neighbouring loops of which none reads or writes a buffer that another
    writes (tvq::buffersMayOverlap: MLIR's alias analysis, may-alias
    counts, except two subviews of one buffer that cannot overlap: unit
    strides and static offsets in some dimension, where the first ends, by
    its static size, at or before the second's start), each with lower bounds
    0, steps 1, no results, no nested `scf.parallel` and only loads and
    stores on outside buffers, becomes one 1-D loop over the sum of their
    iteration counts: iteration `g` runs loop `i`'s body at the row-major
    position `g - offset_i` when that is below loop `i`'s count (unsigned,
    so it is false below the offset). Each loop starts at a multiple of 32
    (a warp runs one body): the offsets are counted in warps and multiplied
    by 32 in the body, so the kernel knows they are multiples of 32. The
    joined loop takes the last loop's
    place; between the loops may stand ops without effects or regions,
    allocations, and deallocations of buffers the loops before them do not
    touch. At most `max-loops` loops join, taking at most 4096 bytes of
    kernel arguments (ptxas's limit below PTX 8.1 is 4352). Runs after
    tvq-row-kernels (whose
    launches it leaves alone) and tvq-fuse-parallel-loops (which joins
    dependent loops over one space element by element).

    Before:
    ```mlir
    scf.parallel (%i) = (%c0) to (%n) step (%c1) {
      memref.store %x, %a[%i] : memref<?xf32>
    }
    scf.parallel (%i, %j) = (%c0, %c0) to (%m, %c4) step (%c1, %c1) {
      memref.store %y, %b[%i, %j] : memref<?x4xf32>
    }
    ```
    After:
    ```mlir
    %w = arith.ceildivui %n, %c32 : index
    %mc = arith.muli %m, %c4 : index
    %start = arith.muli %w, %c32 : index
    %total = arith.addi %start, %mc : index
    scf.parallel (%g) = (%c0) to (%total) step (%c1) {
      scf.if (%g ult %n) { memref.store %x, %a[%g] }
      %o1 = arith.muli %w, %c32 : index
      %l1 = arith.subi %g, %o1 : index
      scf.if (%l1 ult %mc) {
        %j = arith.remui %l1, %c4 ; %i = arith.divui %l1, %c4
        memref.store %y, %b[%i, %j]
      }
    }
    ```
  }];
  let options = [
    Option<"maxLoops", "max-loops", "int64_t", "16",
           "Loops joined into one at most (>= 2)">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQRowKernels : Pass<"tvq-row-kernels", "::mlir::func::FuncOp"> {
  let summary = "One launch of a thread block per row for a chain of row "
                "reductions and the elementwise loops around them";
  let description = [{
    After `convert-linalg-to-parallel-loops` a reduction over the last
    dimension D of a [rows..., D] buffer is an `scf.parallel` over the rows
    whose body loops over D in an `scf.for` (one thread per row, neighbouring
    threads D elements apart), and the elementwise loops over [rows..., D]
    that produce its input or use its result are launches of their own.
    Neighbouring loops (only side-effect-free ops between them) over the
    same rows, each either a row loop or an elementwise loop over the rows
    and D, with at least one row loop holding such a reduction, become one
    `gpu.launch` of a block per row (row-major block ids), in order, with a
    barrier between stages: an elementwise loop runs as `for k = tid; k < D;
    k += threads`; a row loop's other ops run on thread 0; a reduction loop
    gives each thread a partial result over its columns (starting at the
    combiner's neutral element), combines them within each warp by five
    xor shuffles (`gpu.shuffle xor`, 16 to 1 lanes apart), lane 0 of each
    warp writes its warp's total to shared memory, and after a barrier
    thread 0 combines the warps' totals in order and then the accumulator
    (one warp: no shared memory, no barrier). A reduction qualifies when each store in its body writes
    `addf/maximumf/maxnumf/minimumf/minnumf(load, x)` (f32) back to the
    element it loaded, indexed by the row's induction variables, or two
    stores form an argmin (`select(x < v || (x == v && i < c), (x, i),
    (v, c))`, f32 value, i32 index: vq_quantize's nearest code), `x`
    independent of every accumulator, the body reads no other stored
    buffer, and each load that walks D names every row induction variable
    (a matrix product's loop stays); sums are reassociated (float rounding differs from the serial
    loop). Every two accesses of the chain with a store, on buffers that
    may overlap (tvq::buffersMayOverlap), must name the same buffer with every row induction variable
    once at the same indices, so that blocks touch disjoint rows; failing
    that, stages are dropped from the chain's ends. Threads: the power of
    two >= D, between 32 and `max-threads` (D static), else `max-threads`;
    rows of a static D below `min-depth` stay one thread per row.
  }];
  let options = [
    Option<"maxThreads", "max-threads", "int64_t", "256",
           "Threads per block at most (a power of two >= 32)">,
    Option<"minDepth", "min-depth", "int64_t", "32",
           "Rows of fewer columns (static D) stay one thread per row">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQPromoteLoopAccumulators
    : Pass<"tvq-promote-loop-accumulators", "::mlir::func::FuncOp"> {
  let summary = "Keep the element a kernel's scf.for loads and stores back "
                "in every iteration in a register (an iter_args value)";
  let description = [{
    Runs after tvq-parallel-loops-to-gpu, before outlining (the launch
    bodies still use the host's buffers, whose allocations alias analysis
    sees). In the kernels' code (scf.for loops under a `gpu.launch` or an
    `scf.parallel`), a load directly in a loop's body, of a buffer and at
    indices defined outside the loop, followed directly in the body by a
    store to the same buffer at the same indices, becomes an iter_args
    value: loaded once before the loop, the stored value yielded, stored
    once after the loop. Only when no other load or store in the body (at
    any depth) may touch the buffer (tvq::buffersMayOverlap) and the body
    has no barrier, no shuffle and no other op with effects on outside
    buffers. When the loop's constant bounds do not show that it runs, the
    load and the store are under `lb < ub` (signed, or unsigned as the
    loop compares), unless the thread stored to the element earlier in the
    kernel (in the loop's block or one around it) with no barrier between.
    Inner loops first, so an element summed over two nested
    loops ends up outside both. The order of the arithmetic is unchanged:
    the same results, bit for bit.

    LLVM's promotion of such a location cannot do it in the kernel: the
    other buffers are pointer arguments that may alias the element, so
    every iteration stored it to global memory (a thread-per-output
    product: one store per multiply-add).

    Before:
    ```mlir
    scf.for %k = %c0 to %c128 step %c1 {
      %a = memref.load %x[%i, %k] : memref<?x128xf32>
      %s = memref.load %out[%i] : memref<?xf32>
      %t = arith.addf %s, %a : f32
      memref.store %t, %out[%i] : memref<?xf32>
    }
    ```
    After:
    ```mlir
    %s0 = memref.load %out[%i] : memref<?xf32>
    %r = scf.for %k = %c0 to %c128 step %c1 iter_args(%s = %s0) -> (f32) {
      %a = memref.load %x[%i, %k] : memref<?x128xf32>
      %t = arith.addf %s, %a : f32
      scf.yield %t : f32
    }
    memref.store %r, %out[%i] : memref<?xf32>
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQReportUncoalescedAccesses
    : Pass<"tvq-report-uncoalesced-accesses", "::mlir::ModuleOp"> {
  let summary = "Remark at each kernel access whose neighbouring threads "
                "touch global memory more than one element apart";
  let description = [{
    A diagnostic, the IR unchanged: for each `gpu.func` kernel, how every
    integer value varies across the 32 threads of a warp (the same in all,
    `base + stride * lane`, or not known; `thread_id x` is the lane when
    the kernel's `known_block_size` x is a multiple of 32), through adds,
    multiplications by constants, divisions and remainders by constants
    that keep a warp within one multiple, casts, loads at uniform indices
    and loop induction variables. A global `memref.load` or `memref.store`
    whose indices give neighbouring lanes elements more than one apart (by
    the memref's strides) gets a remark:
    ```
    remark: uncoalesced load in @k: neighbouring threads 128 elements
    apart; a warp touches 32 sectors of 32 bytes (4 if contiguous)
    ```
    Accesses with an unknown lane pattern (a gather at loaded indices) and
    workgroup or private memory are not reported. Run it on the kernels
    after outlining: `tvq-compile M --target=cuda --compile-to=gpu -o F;
    tvq-opt F --tvq-report-uncoalesced-accesses -o /dev/null`.
  }];
  let options = [
    Option<"reportUnknown", "report-unknown", "bool", "false",
           "Also remark at global accesses whose lane pattern is not known">,
  ];
}

def TVQReportSerialLoops
    : Pass<"tvq-report-serial-loops", "::mlir::ModuleOp"> {
  let summary = "Remark at each kernel loop nest that one thread runs for "
                "many iterations";
  let description = [{
    A diagnostic, the IR unchanged: for each outermost `scf.for` nest of a
    `gpu.func` kernel, the iterations one thread runs: the loop's trips
    times the sum of the iterations of the nests directly inside it (1 if
    none). A loop's trips are exact with constant bounds and step, at most
    ceil(ub / step) with a non-constant lower bound (a thread offset), and
    unknown with an upper bound known only at run time (counted as 1). A
    nest of at least `min-iterations` gets a remark:
    ```
    remark: serial loops in @k: up to 8192 iterations per thread
    (trips 64 x (64 + 64))
    ```
    With `report-unknown`, so does every nest with a run-time trip count
    (`... times trip counts known only at run time (trips ? x 8)`). The
    kernels launched inside an `scf.if` marked `tvq.library_fallback` (a
    product that runs only where the cuBLAS call declined it) are skipped
    unless `skip-library-fallbacks=false`. Run it
    on the kernels after outlining: `tvq-compile M --target=cuda
    --compile-to=gpu -o F; tvq-opt F --tvq-report-serial-loops -o
    /dev/null`.
  }];
  let options = [
    Option<"minIterations", "min-iterations", "int64_t", "256",
           "Remark at nests of at least this many iterations per thread">,
    Option<"reportUnknown", "report-unknown", "bool", "false",
           "Also remark at every nest with a trip count known only at run "
           "time">,
    Option<"skipLibraryFallbacks", "skip-library-fallbacks", "bool", "true",
           "Skip the kernels that run only where a library call declined "
           "a product (tvq-contractions-to-library's fallback)">,
  ];
}

def TVQScalarOpsToKernels
    : Pass<"tvq-scalar-ops-to-kernels", "::mlir::func::FuncOp"> {
  let summary = "Host linalg ops and copies over rank-0 buffers as "
                "one-thread launches";
  let description = [{
    A linalg op with no loops on buffers (the optimizer's scalars: the
    gradient norm's square root, the step counter plus one, a loss divided
    by its count) would become host code under
    convert-linalg-to-parallel-loops, and so would a `memref.copy` of a
    rank-0 buffer (a sum's zero copied into its accumulator): the host
    then waits for the GPU before each of their loads and stores of device
    buffers (`_tvq_cuda_wait`). Each such op outside any `scf.parallel` or
    `gpu.launch` (named ops generalized first), unless it touches a
    `memref.alloca` buffer of the host's stack, becomes a `gpu.launch` of
    one block of one thread around its body: buffer inputs loaded at `[]`,
    yielded values stored to the outputs. It runs in stream order with the
    kernels around it. The CUDA (and cuda-sim) pipeline runs this right
    before convert-linalg-to-parallel-loops.

    Before:
    ```mlir
    linalg.generic {indexing_maps = [affine_map<() -> ()>, affine_map<() -> ()>],
                    iterator_types = []}
        ins(%s : memref<f32>) outs(%n : memref<f32>) {
    ^bb0(%in: f32, %out: f32):
      %r = math.sqrt %in : f32
      linalg.yield %r : f32
    }
    ```
    After:
    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c1, %sy = %c1, %sz = %c1) {
      %in = memref.load %s[] : memref<f32>
      %r = math.sqrt %in : f32
      memref.store %r, %n[] : memref<f32>
      gpu.terminator
    }
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQSinkConstantsIntoLaunches
    : Pass<"tvq-sink-constants-into-launches", "::mlir::func::FuncOp"> {
  let summary = "Clone the constants a gpu.launch uses into its body";
  let description = [{
    A constant defined outside a `gpu.launch` and used inside it is cloned
    into the launch body, so that `gpu-kernel-outlining` does not pass it as
    a kernel argument: kernels then divide by known constants, know their
    loop bounds and index their private arrays with constants. Upstream's
    `gpu-launch-sink-index-computations` also does this but took 387 s on
    the enwik8-size module; this is one walk per launch.

    Before:
    ```mlir
    %c16 = arith.constant 16 : index
    gpu.launch ... threads(%tx, ...) ... {
      %x = arith.remui %tx, %c16 : index
    ```
    After:
    ```mlir
    gpu.launch ... threads(%tx, ...) ... {
      %c16 = arith.constant 16 : index
      %x = arith.remui %tx, %c16 : index
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def TVQSplitReductions
    : Pass<"tvq-split-reductions", "::mlir::func::FuncOp"> {
  let summary = "Split long reductions over few outputs into stages";
  let description = [{
    A kernel runs one thread per parallel iteration of a linalg op, and each
    thread loops over the op's reduction serially. A reduction of a whole
    tensor (the gradient norm: 2.5 million elements) becomes a one-thread
    kernel, and a row reduction of a 512 x 1024 block uses 512 threads.
    A serial f32 sum of millions of terms is also inaccurate: the gradient
    norm's squares, added one by one to a growing total, lost 1% of the
    enwik8-size model's norm. Both pipelines run this pass (the CPU one
    before tiling), so their stages add partial sums of short runs.
    This pass, run on tensors before bufferization, rewrites such ops as
    upstream's `linalg::splitReduction` with innerParallel would (innermost
    part parallel, so that neighbouring threads read neighbouring elements),
    but also with dynamic sizes, which upstream's leaves out of its
    intermediate tensor, until each stage has
    `min-threads` threads or its reduction is short; a reduction over several
    contiguous dimensions of identity-indexed inputs is first collapsed into
    one. Matrix products (an input that lacks a parallel dimension) are left
    to `tvq-contractions-to-library`. With `allow-dynamic` (the CUDA
    pipeline), ops with dynamic sizes (the attention blocks' row maxima and
    sums, whose batch is dynamic) are split too, counting only their static
    parallel sizes; so are ops with several reduction loops (the innermost
    long static one is split, else the innermost dynamic one) and
    reductions of dynamic length (a loss summed over B x T tokens, a norm
    gain's gradient over (B, T)): every input that reads the split
    dimension is padded with zeros (`tensor.pad`) to a multiple of the
    ratio, and the split op keeps its accumulator where
    `outer * ratio + inner` is past the length (`linalg.index`, `select`).
    A full reduction of dynamic identity-indexed inputs is first collapsed
    to 1-D. With allow-dynamic, ops with several results (outputs indexed
    alike) and bodies that read their indices (renumbered; the split loop's
    position clamped to the last one, so that the body's own reads stay in
    bounds) are split as well, and only matrix products are left whole. The CPU pipeline leaves all of these whole: its row-chain
    fusion wants each block's row reductions as they are.

    Before:
    ```mlir
    %s = linalg.generic {indexing_maps = [(d0, d1) -> (d0, d1), (d0, d1) -> ()],
                         iterator_types = ["reduction", "reduction"]}
        ins(%g : tensor<768x3200xf32>) outs(%acc : tensor<f32>) { mulf, addf }
    ```
    After:
    ```mlir
    %flat = tensor.collapse_shape %g [[0, 1]] : ... into tensor<2457600xf32>
    %parts = tensor.expand_shape %flat [[0, 1]] ... into tensor<150x16384xf32>
    %p = linalg.generic {..., iterator_types = ["reduction", "parallel"]}
        ins(%parts) outs(%zeros : tensor<16384xf32>) { mulf, addf }
    ... (%p split again the same way, down to a short final reduction)
    ```
  }];
  let options = [
    Option<"minThreads", "min-threads", "int64_t", "16384",
           "Split while a stage has fewer parallel iterations than this">,
    Option<"allowDynamic", "allow-dynamic", "bool", "false",
           "Also split ops with dynamic sizes (their static parallel sizes "
           "count; dynamic ones count as 1)">,
    Option<"parallelFirst", "parallel-first", "bool", "false",
           "Order the split stage's loops with the new parallel part before "
           "the remaining reduction (loops then nest as scf.parallel over "
           "scf.for: one GPU launch, each thread summing its elements), "
           "instead of after it (the CPU's order)">,
    Option<"rowReductionDepth", "row-reduction-depth", "int64_t", "0",
           "When > 0, leave whole the reductions that tvq-row-kernels runs "
           "as a thread block per row: one innermost reduction loop of a "
           "static length >= this over rows with a dynamic size, f32 "
           "results combined by addf / maximumf / maxnumf / minimumf / "
           "minnumf, every input that reads the reduced dimension reading "
           "all loops">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQGPULaunchToLoops
    : Pass<"tvq-gpu-launch-to-loops", "::mlir::func::FuncOp"> {
  let summary = "Run gpu.launch bodies as CPU loops (checks the GPU mapping)";
  let description = [{
    Each 1-D `gpu.launch` without barriers or attributions (what
    `tvq-parallel-loops-to-gpu` makes) becomes an `scf.parallel` over
    (block x, thread x) whose body is the launch body with the block and
    thread ids replaced by the loop's indices. `tvq-compile
    --target=cuda-sim` runs the CUDA pipeline's mapping this way on the CPU,
    so tests can check it numerically against the CPU pipeline without a
    GPU.

    A launch with barriers or workgroup/private attributions (the tiles of
    `tvq-tile-matrix-products`) needs a static block size and becomes an
    `scf.parallel` over the blocks. Each block allocates its workgroup
    buffers and one row per thread of each private buffer (the thread sees
    its row through a `memref.subview`); the stretches of the body between
    barriers become `scf.for` loops over the threads, and an `scf.for`
    without results that holds barriers runs once per block around them.
    A value used in a later stretch is recomputed there when its definition
    has no side effects (ids, index arithmetic); anything else crossing a
    barrier, a barrier under another op, or loop bounds that depend on the
    thread is refused with a located error.

    Before:
    ```mlir
    gpu.launch blocks(%bx, %by, %bz) in (%gx = %n, %gy = %c1, %gz = %c1)
               threads(%tx, %ty, %tz) in (%sx = %c256, %sy = %c1, %sz = %c1) {
      %g = ... %bx * 256 + %tx ...
      gpu.terminator
    }
    ```
    After:
    ```mlir
    scf.parallel (%bx, %tx) = (%c0, %c0) to (%n, %c256) step (%c1, %c1) {
      %g = ... %bx * 256 + %tx ...
    }
    ```
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQInstrumentRaces : Pass<"tvq-instrument-races", "::mlir::ModuleOp"> {
  let summary = "Let cuda-sim's launches report data races to the runtime";
  let description = [{
    For `tvq-compile --target=cuda-sim --cuda-sim-race-check`, before
    `tvq-gpu-launch-to-loops`. cuda-sim runs a block's threads one after
    another between barriers, so threads that share an element with no
    barrier between (one of them storing) get a definite result there,
    while a GPU races. This pass adds calls the runtime's race check
    (`runtime/lib/RaceCheck.cpp`) follows: `_tvq_race_launch(name)` before
    each `gpu.launch`, `_tvq_race_barrier(block, thread)` before each
    `gpu.barrier`, and `_tvq_race_access(address, block, thread, kind,
    what)` before each `memref.load` and `memref.store` of global or
    workgroup memory (kind: 1 for a store, + 2 for workgroup memory;
    `name` and `what` point to NUL-terminated texts in `memref.global`s).
    The runtime then stops at the first element that two threads of one
    launch touch, one of them storing, without a barrier of their block
    between. Private attributions and allocas in the body are the thread's
    own and not checked; any other operation touching memory in a launch
    is refused with a located error.

    Before:
    ```mlir
    gpu.launch blocks(%bx, ...) ... threads(%tx, ...) ... {
      memref.store %v, %out[%i] : memref<?xf32>
    ```
    After:
    ```mlir
    %name = memref.get_global @__tvq_text : memref<54xi8>
    call @_tvq_race_launch(%name_address) : (index) -> ()
    gpu.launch blocks(%bx, ...) ... threads(%tx, ...) ... {
      %address = ... aligned pointer of %out + %i * 4 ...
      call @_tvq_race_access(%address, %bx, %tx, %c1, %what) : (...) -> ()
      memref.store %v, %out[%i] : memref<?xf32>
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQAssertsToRuntimeErrors
    : Pass<"tvq-asserts-to-runtime-errors", "::mlir::ModuleOp"> {
  let summary = "Failed cf.assert checks report through the runtime";
  let description = [{
    For `tvq-compile --target=cuda-sim --cuda-sim-bounds-check`, right
    after upstream `generate-runtime-verification{verbose-level=0}`, which
    puts a `cf.assert` before each load, store and view it can check.
    Upstream's lowering of a failed `cf.assert` prints its message with
    `puts` and calls `abort`, so the message sits in stdout's buffer and is
    lost. This pass makes each `cf.assert` an `scf.if` on the negated
    condition around a call `_tvq_check_failed(text)` to the runtime, which
    prints `tvq runtime: <what> at <file:line:col>` to stderr and exits
    with status 1 (the what from the assert's "^ ..." line, the position
    from its location).

    Before:
    ```mlir
    cf.assert %ok, "ERROR: Runtime op verification failed\0A^ out-of-bounds access\0ALocation: loc(...)"
    ```
    After:
    ```mlir
    %bad = arith.xori %ok, %true : i1
    scf.if %bad {
      %text = memref.get_global @__tvq_text : memref<40xi8>
      %address = memref.extract_aligned_pointer_as_index %text : memref<40xi8> -> index
      func.call @_tvq_check_failed(%address) : (index) -> ()
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // TVQ_CONVERSION_PASSES_TD

def TVQAsyncLaunches : Pass<"tvq-async-launches", "::mlir::ModuleOp"> {
  let summary = "Queue kernel launches on one stream without a wait after "
                "each; wait only before host code touches device buffers";
  let description = [{
    A synchronous `gpu.launch_func` becomes, through `gpu-to-llvm` and the
    LLVM translation, stream create, launch, stream synchronize and stream
    destroy: the host waits for every kernel before it launches the next
    (about 7,000 waits per enwik8-size training step). This pass gives each
    host function that launches kernels one stream token, `%s = gpu.wait
    async` at its entry, and makes every launch `async [%s]`: the launches
    are queued in order on that stream and the host does not wait.

    Host code that reads or writes a buffer the device uses (a kernel
    operand, or a buffer whose pointer a call such as the GEMM call takes:
    the scalar arithmetic that stays on the host, like a loss's last
    division) first calls `_tvq_cuda_wait()`, which the runtime defines: it
    waits for the device when work is queued. One wait serves the accesses
    that follow it in the same block until the next launch, call or region.
    The deallocation pipeline's ownership lists are host data: no wait.
    The runtime also waits at the end of the call, before an output
    announcement, and before reusing a freed block (docs/abi.md).

    Before:
    ```mlir
    gpu.launch_func @tvq_kernels::@k blocks in (%g, %c1, %c1)
        threads in (%c256, %c1, %c1) args(%n : index, %x : memref<f32>)
    %v = memref.load %x[] : memref<f32>
    ```
    After:
    ```mlir
    %s = gpu.wait async
    ...
    %t = gpu.launch_func async [%s] @tvq_kernels::@k blocks in (%g, %c1, %c1)
        threads in (%c256, %c1, %c1) args(%n : index, %x : memref<f32>)
    call @_tvq_cuda_wait() : () -> ()
    %v = memref.load %x[] : memref<f32>
    ```
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect", "::mlir::func::FuncDialect"];
}

def TVQBF16Activations
    : Pass<"tvq-bf16-activations", "::mlir::func::FuncOp"> {
  let summary = "Stores elementwise kernels' activations as bf16";
  let description = [{
    The CUDA pipeline's `--cuda-activations=bf16`: an activation that one
    kernel writes and others read is stored as bf16, halving its memory and
    traffic, while every computation stays f32. An activation is the result
    of an elementwise `linalg.generic` (every loop parallel, its output only
    written) that is an f32 tensor with a dynamic dimension (batch or
    sequence: parameters, optimizer states and codebook statistics have
    static shapes and stay f32), is not returned, and is read only as an
    input of other `linalg.generic` ops. Reductions (softmax maxima and
    sums, counts, means, the cache) and matrix products accumulate in f32
    and store f32. The producer rounds its yield to bf16 (`arith.truncf`,
    to nearest even); each consumer widens it back (`arith.extf`) as the
    first operation of its body. Matrix products whose operand is widened
    stay recognizable (MatrixProducts.h): the generated tiles load bf16 and
    widen; they are not handed to a GEMM library.

    Before:
    ```mlir
    %x = linalg.generic ins(%a : tensor<?x64xf32>) outs(%e : tensor<?x64xf32>) {
      ^bb0(%in: f32, %out: f32):  %n = arith.mulf %in, %in : f32
                                  linalg.yield %n : f32 }
    %y = linalg.generic ins(%x, %w : tensor<?x64xf32>, tensor<64x32xf32>) ...
      ^bb0(%in: f32, %in_0: f32, %out: f32): %p = arith.mulf %in, %in_0 ...
    ```
    After:
    ```mlir
    %e16 = tensor.empty(%d) : tensor<?x64xbf16>
    %x = linalg.generic ins(%a : tensor<?x64xf32>) outs(%e16 : tensor<?x64xbf16>) {
      ^bb0(%in: f32, %out: bf16): %n = arith.mulf %in, %in : f32
                                  %t = arith.truncf %n : f32 to bf16
                                  linalg.yield %t : bf16 }
    %y = linalg.generic ins(%x, %w : tensor<?x64xbf16>, tensor<64x32xf32>) ...
      ^bb0(%in: bf16, %in_0: f32, %out: f32): %w = arith.extf %in : bf16 to f32
                                              %p = arith.mulf %w, %in_0 ...
    ```
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQFuseElementwiseOps
    : Pass<"tvq-fuse-elementwise-ops", "::mlir::func::FuncOp"> {
  let summary = "Upstream's linalg-fuse-elementwise-ops, keeping matrix "
                "products as they are";
  let description = [{
    The same patterns as `linalg-fuse-elementwise-ops` (elementwise
    producer-consumer fusion, reshapes folded by expansion, constant
    folding), except that a producer is not fused into a consumer that is
    an f32 matrix product of the kind `tvq-contractions-to-library` hands to
    a GEMM library: fused, the product would read `q + w` instead of `q`
    and run as a naive kernel instead of a cuBLAS call.

    Before:
    ```mlir
    %qw = linalg.generic ... ins(%q, %w) { addf }        // q + w
    %s = linalg.generic ... ins(%qw, %r) { mulf, addf }  // (q + w) r^T
    ```
    After: unchanged (`linalg-fuse-elementwise-ops` would fold the add into
    the product's body, which then has three inputs).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect"];
}
