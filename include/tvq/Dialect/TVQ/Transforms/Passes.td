//===- Passes.td - Passes on the tvq dialect ---------------*- tablegen -*-===//
#ifndef TVQ_TRANSFORMS_PASSES_TD
#define TVQ_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def TVQDeriveGradients : Pass<"tvq-derive-gradients", "ModuleOp"> {
  let summary = "Reverse-mode differentiation of a loss function";
  let description = [{
    For every function with a `tvq.gradient = "NAME"` attribute, adds the
    public function `@NAME`: the same arguments, the same results, then the
    gradient of the first result (a rank-0 f32 loss) with respect to every
    f32 argument that the loss depends on differentiably, named
    `d.<argument name>`. The function must be one block of tvq ops,
    elementwise arith ops on tensors and calls of one-block functions of
    the module.

    Calls are inlined into `@NAME`, except calls of a function marked
    `tvq.recompute` (activation recomputation, like `jax.checkpoint`): the
    forward keeps the call, and its backward is a copy of the callee's body
    on the call's inputs followed by that copy's backward. Only the call's
    inputs stay alive for the backward instead of every activation inside
    it; the price is the callee's forward computed twice. Computed inputs
    enter the copy through `tvq.recompute_input`, so that `cse` does not
    merge the copy back into the forward. Such a function must not call
    others. Run `inline` afterwards for the calls that remain.

    The backward is built op by op in reverse from each op's
    vector-Jacobian product, using the tvq gradient ops
    (`tvq.dense_weight_grad`, `tvq.vq_attention_grad`, ...); adjoints of a
    value used several times are summed. `tvq.vq_quantize` is
    straight-through; the codebook, its statistics, the sinusoid table and
    integer values get no gradient.

    Before:
    ```mlir
    func.func @f(%x: tensor<?x8xf32> {tvq.name = "x"}) -> tensor<f32>
        attributes {tvq.gradient = "f_grad"} {
      %y = tvq.silu %x : tensor<?x8xf32>
      %m = tvq.mean %y : (tensor<?x8xf32>) -> tensor<f32>
      return %m : tensor<f32>
    }
    ```
    After (added):
    ```mlir
    func.func @f_grad(%x: tensor<?x8xf32> {tvq.name = "x"})
        -> (tensor<f32>, tensor<?x8xf32> {tvq.name = "d.x"}) {
      %y = tvq.silu %x : tensor<?x8xf32>
      %m = tvq.mean %y : (tensor<?x8xf32>) -> tensor<f32>
      %one = arith.constant dense<1.0> : tensor<f32>
      %dy = tvq.mean_grad %y, %one : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
      %dx = tvq.silu_grad %x, %dy : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
      return %m, %dx : tensor<f32>, tensor<?x8xf32>
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def TVQDeriveTrainStep : Pass<"tvq-derive-train-step", "ModuleOp"> {
  let summary = "Build the training step: gradients, AdamW, codebook EMA";
  let description = [{
    For every function with a `tvq.train_step` dictionary (and a
    `tvq.gradient` function already derived by tvq-derive-gradients), adds
    the public function named by its `name` entry. It takes the gradient
    function's arguments, then `m.<p>` and `v.<p>` (AdamW moments) for every
    differentiated parameter `p`, then `step` (tensor<i64>, optimizer steps
    done). It runs the forward and backward, clips by the global gradient
    norm, applies AdamW with the warmup + cosine learning rate (weight decay
    `p -= wd * p` on matrices only, transformer-vq.md section 6), and updates
    each codebook's statistics by EMA k-means from the keys and codes of its
    quantizer. Results: `loss`, `ce`, `grad_norm`, `lr`, then the new value
    of every updated parameter, moment and `step`, each named like the
    argument it replaces, so a runtime can feed outputs back by name.

    Dictionary entries: `name`, `lr`, `beta1`, `beta2`, `epsilon`,
    `clip_norm` (0: none), `weight_decay`, `warmup`, `total_steps`,
    `final_lr_ratio`, `ema_gamma`.

    The same step split in two, for data-parallel training and gradient
    accumulation (unless `split = false`): `grads_name` (default
    `train_grads`) takes the gradient function's arguments and returns the
    loss results, `d.<p>` for every optimized parameter and the statistics
    of every updated codebook, `stats.<c_sum>` and `stats.<c_count>`
    (`tvq.codebook_stats`); `update_name` (default `apply_update`) takes the
    parameters, their gradients (averaged by the caller over micro-batches
    and workers), the codebook statistics `c_sum`, `c_count`, their step
    statistics (summed by the caller), the moments and `step`, and returns
    `grad_norm`, `lr` and the new parameters, statistics (`tvq.codebook_blend`),
    moments and `step`. With one micro-batch on one worker the two calls
    compute what the fused step computes.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def TVQSelectEntries : Pass<"tvq-select-entries", "ModuleOp"> {
  let summary = "Keep only the named entry points";
  let description = [{
    Makes every public function not listed in `entries` private, so that
    `symbol-dce` removes it. With no `entries`, nothing changes. A listed
    name that does not exist is an error naming the entry points there are.
    `tvq-compile --entries=train_step,eval_loss,decode_step` uses it to
    compile only what a run needs.
  }];
  let options = [ListOption<"entries", "entries", "std::string",
                            "Entry points to keep">];
}

def TVQInsertRuntimeChecks : Pass<"tvq-insert-runtime-checks", "ModuleOp"> {
  let summary = "Derive a shape-check function for every entry point";
  let description = [{
    Verifiers check static shapes; dynamic dimensions (batch, sequence
    length) are only known when the module is called. For every public
    function `@F` that uses tvq ops, this pass adds `@F__tvq_check` with the
    same arguments, returning an `i32`: 0 when every shape rule of every tvq
    op in `@F` holds for the actual sizes, otherwise the 1-based number of
    the first rule that fails. The rules come from each op's shape contract
    (equal symbolic dimensions, `T % block_len == 0`). The messages are kept
    in the `tvq.check_messages` attribute of the check function, each naming
    the op, its source location and the rule.

    Before:
    ```mlir
    func.func @f(%q: tensor<?x?x32xf32>, ...) -> ... {
      %o, ... = tvq.vq_attention %q, ... {block_len = 16 : i64, ...}
    ```
    After (added):
    ```mlir
    func.func @f__tvq_check(%q: tensor<?x?x32xf32>, ...) -> i32
        attributes {tvq.check_messages = ["tvq.vq_attention at f.mlir:3:9: ..."]} {
      %c1 = arith.constant 1 : index
      %t = tensor.dim %q, %c1 : tensor<?x?x32xf32>
      ... arith.remsi / arith.cmpi / arith.select ...
      return %code : i32
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::func::FuncDialect"];
}

def TVQBuildManifest : Pass<"tvq-build-manifest", "ModuleOp"> {
  let summary = "Describe the entry points in a manifest for the runtime";
  let description = [{
    Records, as the module attribute `tvq.manifest`, the text manifest of
    docs/abi.md: for every public function its inputs and outputs (name,
    element type, shape with `?` for dynamic sizes) and its check messages.
    Marks every public function and its check function with
    `llvm.emit_c_interface`, so that they get C-callable wrappers.
    Fails with a located error for signatures the runtime cannot call
    (non-tensor arguments, unsupported element types). `target` is the
    manifest's `target` line (cpu or cuda).
  }];
  let options = [
    Option<"target", "target", "std::string", "\"cpu\"",
           "What the module is compiled for: cpu or cuda">,
  ];
}

def TVQSplitAttentionBlocks
    : Pass<"tvq-split-attention-blocks", "::mlir::func::FuncOp"> {
  let summary = "Run tvq.vq_attention block by block, carrying the state";
  let description = [{
    Rewrites a `tvq.vq_attention` over T positions into an `scf.for` over the
    T / L blocks. Each iteration slices one block of queries, keys, codes and
    values, applies a `tvq.vq_attention` whose sequence length is exactly L
    to it and to the state carried from the previous block, and inserts the
    block's output. This is the cache recurrence of transformer-vq.md
    section 4 made explicit: the loop-carried values are the attention state.
    Ops whose T is statically equal to L are left alone.

    Before:
    ```mlir
    %o, %s:6 = tvq.vq_attention %q, %kh, %z, %v, %c, %u, %w, %r
        {block_len = 16 : i64, mem_len = 16 : i64} : (tensor<?x?x32xf32>, ...) -> ...
    ```
    After:
    ```mlir
    %res:7 = scf.for %i = %c0 to %nblocks step %c1
        iter_args(%out = %init, %n = ..., %mu = ..., ...) -> (...) {
      %qb = tensor.extract_slice %q[0, %off, 0] [%b, 16, 32] [1, 1, 1] ...
      %ob, %s2:6 = tvq.vq_attention %qb, ... state(%n, %mu, ...)
          : (tensor<?x16x32xf32>, ...) -> ...
      %out2 = tensor.insert_slice %ob into %out[0, %off, 0] ...
      scf.yield %out2, %s2#0, ...
    }
    ```
  }];
  let options = [
    Option<"parallel", "parallel", "bool", "false",
           "Where mem_len equals block_len, compute all blocks at once: each "
           "block's state (its window: the block before it; its cache: the "
           "incoming one plus per-block statistics summed over the blocks "
           "before it) is built first, then one one-block tvq.vq_attention "
           "runs over the B x T / L blocks">,
  ];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def TVQSplitDynamicExpandShapes
    : Pass<"tvq-split-dynamic-expand-shapes", "::mlir::ModuleOp"> {
  let summary = "Write memref.expand_shape ops that split a dimension into "
                "several dynamic ones as memref.reinterpret_cast";
  let description = [{
    MLIR 22's `expand-strided-metadata` crashes on a `memref.expand_shape`
    that splits one dimension into two or more dynamic ones (the parallel
    attention blocks, B x T / L, back into B and T / L). Each such op
    becomes the `memref.reinterpret_cast` it means: the source's base
    buffer and offset, the output sizes, and strides that multiply the
    source dimension's stride by the sizes inside it. Run before
    `expand-strided-metadata`; other expand_shapes are left to it.

    Before:
    ```mlir
    %e = memref.expand_shape %m [[0, 1], [2]] output_shape [%b, %n, 16]
        : memref<?x16xf32> into memref<?x?x16xf32>
    ```
    After:
    ```mlir
    %base, %offset, %sizes:2, %strides:2 = memref.extract_strided_metadata %m
    %s0 = arith.muli %n, %c16 : index
    %e = memref.reinterpret_cast %base to offset: [0],
        sizes: [%b, %n, 16], strides: [%s0, 16, 1]
        : memref<f32> to memref<?x?x16xf32>
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def TVQFoldCastsIntoGathers
    : Pass<"tvq-fold-casts-into-gathers", "::mlir::func::FuncOp"> {
  let summary = "Make vector.gather read the source of a memref.cast";
  let description = [{
    `vector.gather` has no folder for a `memref.cast` of its base, and
    `convert-vector-to-llvm` lowers a gather only from a memref whose
    innermost stride is known to be 1. One-shot bufferization may read a
    gathered tensor through a cast to a fully dynamic layout (in the CPU
    pipeline, a gather from an `scf.for` iteration argument); this pass makes
    each gather read the cast's source where the cast only forgets static
    layout information (`memref::CastOp::canFoldIntoConsumerOp`).

    Before:
    ```mlir
    %c = memref.cast %m : memref<?x64xf32> to memref<?x64xf32, strided<[?, ?], offset: ?>>
    %g = vector.gather %c[%c0, %c0] [%i], %k, %p : memref<?x64xf32, strided<[?, ?], offset: ?>>, ...
    ```
    After:
    ```mlir
    %g = vector.gather %m[%c0, %c0] [%i], %k, %p : memref<?x64xf32>, ...
    ```
  }];
}

def TVQStridedCopiesToLinalg
    : Pass<"tvq-strided-copies-to-linalg", "::mlir::func::FuncOp"> {
  let summary = "Turn memref.copy between strided views into linalg.copy";
  let description = [{
    `finalize-memref-to-llvm` lowers a copy between memrefs that are not
    both contiguous to a call of `memrefCopy` from MLIR's C runner
    library, which a compiled tvq module does not link. This pass rewrites
    those copies (the ones bufferization makes for `tensor.insert_slice`)
    into `linalg.copy`, which becomes plain loops. Copies between identity
    layouts stay `memref.copy` (a `memcpy`).

    Before:
    ```mlir
    memref.copy %a, %view : memref<?x16xi32> to memref<?x16xi32, strided<[32, 1]>>
    ```
    After:
    ```mlir
    linalg.copy ins(%a : memref<?x16xi32>) outs(%view : memref<?x16xi32, strided<[32, 1]>>)
    ```
    With `all`, every copy is rewritten (the CUDA pipeline: a copy between
    buffers in device memory must be a kernel, not a host `memcpy`).
  }];
  let options = [
    Option<"all", "all", "bool", "false",
           "Rewrite contiguous copies too">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def TVQLowerBlockScans
    : Pass<"tvq-lower-block-scans", "::mlir::func::FuncOp"> {
  let summary = "Turn tvq.block_scan on buffers into one running sum per "
                "element across the blocks";
  let description = [{
    Runs on bufferized IR. Each `tvq.block_scan` becomes an `scf.parallel`
    over every dimension but the block one (dimension 1) whose body walks
    the nb blocks with an `scf.for`, carrying the running sum of the terms
    and adding it to `init` in place: nb · |rest| adds instead of the
    nb² · |rest| of a reduction per block. On the GPU the parallel loop is
    one kernel with a thread per (b, rest...), reading and writing
    neighbouring elements of the last dimension side by side.

    Before:
    ```mlir
    tvq.block_scan {distance = 1 : i64}
        ins(%terms : memref<?x?x64xf32>) outs(%init : memref<?x?x64xf32>)
    ```
    After (forward; `reverse` walks n from nb - 1 down and reads the term
    at n + distance while it is < nb):
    ```mlir
    scf.parallel (%b, %s) = (%c0, %c0) to (%B, %c64) step (%c1, %c1) {
      %sum = scf.for %n = %c0 to %nb step %c1 iter_args(%acc = %zero) -> (f32) {
        // m = n - distance joins the sum at block n (none before: read n, add 0)
        %joins = arith.cmpi sge, %n, %c1 : index
        %m = arith.select %joins, %n_minus_1, %n : index
        %t = memref.load %terms[%b, %m, %s] : memref<?x?x64xf32>
        %add = arith.select %joins, %t, %zero : f32
        %acc2 = arith.addf %acc, %add : f32
        %i = memref.load %init[%b, %n, %s] : memref<?x?x64xf32>
        %o = arith.addf %i, %acc2 : f32
        memref.store %o, %init[%b, %n, %s] : memref<?x?x64xf32>
        scf.yield %acc2 : f32
      }
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def TVQLowerOutputReady : Pass<"tvq-lower-output-ready", "ModuleOp"> {
  let summary = "Turn tvq.output_ready into a call of the runtime's hook";
  let description = [{
    Runs on bufferized IR (the first pass of the `llvm` phase). Adds two
    exported pointer globals, `_tvq_output_hook` and
    `_tvq_output_hook_context` (null until a runtime sets them,
    docs/abi.md), and rewrites every `tvq.output_ready %buf {index = i}`
    into a call of the hook, when one is set, with the context, the result
    index, the buffer's data and its size in bytes:
    `void hook(void *context, int64_t index, const void *data, int64_t bytes)`.
    A buffer that is not an identity-layout memref cannot be passed as one
    contiguous block; its announcement is dropped, and the runtime gets
    that result when the function returns, as without a hook.

    Before:
    ```mlir
    tvq.output_ready %d_w {index = 5 : i64} : memref<128x256xf32>
    ```
    After:
    ```mlir
    llvm.mlir.global external @_tvq_output_hook() : !llvm.ptr { ... zero ... }
    ...
    %hook = llvm.load %hook_addr : !llvm.ptr -> !llvm.ptr
    %set = llvm.icmp "ne" %hook, %null : !llvm.ptr
    scf.if %set {
      %ptr = ... memref.extract_aligned_pointer_as_index %d_w ...
      llvm.call %hook(%context, %c5_i64, %ptr, %c131072_i64)
          : !llvm.ptr, (!llvm.ptr, i64, !llvm.ptr, i64) -> ()
    }
    ```
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQSplitFreshDeallocs
    : Pass<"tvq-split-fresh-deallocs", "::mlir::func::FuncOp"> {
  let summary = "Free the buffers no retained value can be with plain "
                "memref.dealloc";
  let description = [{
    Runs after `ownership-based-buffer-deallocation`, in the CUDA pipeline,
    which leaves out `buffer-deallocation-simplification` (too slow on its
    long functions): there each block ends in one `bufferization.dealloc` of
    all its buffers, lowered to a run-time check of each against the
    retained values (the results), and nothing can free them earlier.
    Takes out of each `bufferization.dealloc` every buffer `%m` that is a
    `memref.alloc` of its block, owned unconditionally (condition the
    constant true), listed once, not retained itself (nor a view of it), and
    that no view chain hands to an op through which it could become another
    value (a terminator, a call, a non-view op with buffer results, a store
    of the buffer itself, a pointer extraction, another deallocation): no
    retained value can alias `%m`, so the updated ownerships stay the same,
    and `%m` gets a plain `memref.dealloc`, which `tvq-free-after-last-use`
    moves up to its last use.

    Before:
    ```mlir
    %t = memref.alloc(%n) : memref<?x64xf32>
    %y = memref.alloc(%n) : memref<?x64xf32>
    ...
    %own = bufferization.dealloc (%t, %y : ...) if (%true, %true)
        retain (%y : memref<?x64xf32>)
    return %y : memref<?x64xf32>
    ```
    After:
    ```mlir
    memref.dealloc %t : memref<?x64xf32>
    %own = bufferization.dealloc (%y : ...) if (%true)
        retain (%y : memref<?x64xf32>)
    ```
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def TVQUnshareFreshTensors
    : Pass<"tvq-unshare-fresh-tensors", "::mlir::func::FuncOp"> {
  let summary = "Give each use of a tensor.empty or of a fill of one its own "
                "copy";
  let description = [{
    Runs right before `one-shot-bufferize` in the CUDA pipeline. A fresh
    tensor is a `tensor.empty`, or a fill of one: a `linalg.fill`, or a
    `linalg.generic` without inputs whose body does not read its output.
    `cse` merges equal fresh tensors (the same shape, the same zeros) and
    one-shot bufferization makes one buffer of each: the ops that write into
    a shared empty (where no conflict forces a copy) all write into that one
    buffer, which then lives from the first of them to the last, over a whole
    training step when the layers' forward and backward share it; the ops
    that update a shared fill in place (a running sum from zeros) each get a
    copy of it. This pass gives each use of a fresh tensor with several uses
    its own copy, made just before the use's ancestor in the fresh tensor's
    block (a use in a loop keeps one buffer for all iterations), and erases
    the original: each destination becomes a buffer of its own, written in
    place and freed after its own last use.

    Before:
    ```mlir
    %e = tensor.empty(%n) : tensor<?x64xf32>
    %a = linalg.fill ins(%x : f32) outs(%e : tensor<?x64xf32>) -> ...
    ...
    %b = linalg.fill ins(%y : f32) outs(%e : tensor<?x64xf32>) -> ...
    ```
    After:
    ```mlir
    %e0 = tensor.empty(%n) : tensor<?x64xf32>
    %a = linalg.fill ins(%x : f32) outs(%e0 : tensor<?x64xf32>) -> ...
    ...
    %e1 = tensor.empty(%n) : tensor<?x64xf32>
    %b = linalg.fill ins(%y : f32) outs(%e1 : tensor<?x64xf32>) -> ...
    ```
    With `at-writers` (the CPU pipeline, which runs it after tiling, right
    before `one-shot-bufferize`), a use that updates the fresh tensor in
    place (a destination-style op's destination, an `scf.for`'s initial
    iteration argument) gets its copy right before it even inside a loop: a
    fill or a new buffer per iteration instead of a `memref.copy` of the
    shared one per iteration. A fill here may also be tiled: an `scf.forall`
    or `scf.for` whose one output starts from a `tensor.empty` and whose body
    only writes tiles of it.
  }];
  let options = [
    Option<"atWriters", "at-writers", "bool", "false",
           "Copy right before each in-place update, inside loops too">,
  ];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def TVQFreeAfterLastUse : Pass<"tvq-free-after-last-use", "ModuleOp"> {
  let summary = "Free each buffer right after the last op that uses it";
  let description = [{
    Runs on bufferized IR after the deallocation pipeline, which frees each
    block's buffers at the block's end (so that a training step held nearly
    every temporary until it returned). Moves each `memref.dealloc %a` of a
    `memref.alloc` of the same block up to just after the last op of that
    block that uses `%a` or a view of it (subview, cast, expand_shape,
    collapse_shape, ...; a use nested in an op's regions counts as that op).
    A buffer stays freed where it was when a view of it reaches a terminator
    (scf.yield, func.return), a call, an op with buffer results that is not
    a view (an scf.for's initial value), a store of the buffer itself, or
    another deallocation, or when its pointer
    (`memref.extract_aligned_pointer_as_index`) goes anywhere but to calls of
    functions declared without a body; such a call (the CUDA pipeline's GEMM
    library calls) counts as a use, assumed not to keep the pointer past its
    return (the runtime reuses a block freed while GPU work is queued only
    after the next wait). A module pass, so that it may look callees up.

    Before:
    ```mlir
    %t = memref.alloc(%n) : memref<?x64xf32>
    %v = memref.subview %t[0, 0] [%n, 32] [1, 1] : ...
    linalg.generic ... ins(%v : ...) outs(%y : ...)
    %u = memref.alloc(%n) : memref<?x64xf32>
    linalg.generic ... ins(%y : ...) outs(%u : ...)
    ...
    memref.dealloc %t : memref<?x64xf32>
    ```
    After:
    ```mlir
    %t = memref.alloc(%n) : memref<?x64xf32>
    %v = memref.subview %t[0, 0] [%n, 32] [1, 1] : ...
    linalg.generic ... ins(%v : ...) outs(%y : ...)
    memref.dealloc %t : memref<?x64xf32>
    %u = memref.alloc(%n) : memref<?x64xf32>
    ...
    ```
  }];
}

def TVQEmitPeakBytes : Pass<"tvq-emit-peak-bytes", "ModuleOp"> {
  let summary = "Derive each entry point's estimate of its peak buffer bytes";
  let description = [{
    Runs on bufferized IR (last in the CPU's `bufferized` phase and the CUDA
    pipeline's `loops` phase, after `tvq-free-after-last-use`). For every
    entry point `@F` (a public function with a `@F__tvq_check`), adds `@F__tvq_peak_bytes` with `@F`'s arguments
    returning i64: the largest number of bytes `@F`'s `memref.alloc`s hold
    at once for those argument sizes (temporaries and outputs), or -1 when
    `@F` could not be followed. The runtime calls it (as
    `_tvq_peak_bytes_F`) before `@F` and refuses inputs whose buffers would
    not fit in the available memory.

    The estimate follows `@F` in order: an allocation adds its bytes, its
    deallocation subtracts them (also under the deallocation pipeline's
    ownership `scf.if`, assumed owned); an `scf.if` takes the larger branch;
    an `scf.for` adds its body's peak plus what earlier iterations left
    allocated (a buffer it carries and its body frees, the previous
    iteration's, counts as one more held around the body and one held after
    the loop, not once per iteration); a parallel loop's body counts once
    per iteration that may run
    at once, at most 256. Calls are followed only to the deallocation
    pipeline's `dealloc_helper` and to functions declared without a body
    that return no buffer (the GEMM library calls).

    Before (bufferized):
    ```mlir
    func.func @f(%x: memref<?x64xf32>) -> memref<?x64xf32> {
      %n = memref.dim %x, %c0 : memref<?x64xf32>
      %t = memref.alloc(%n) : memref<?x64xf32>
      %y = memref.alloc(%n) : memref<?x64xf32>
      ...
      memref.dealloc %t : memref<?x64xf32>
      return %y : memref<?x64xf32>
    }
    ```
    Added:
    ```mlir
    func.func @f__tvq_peak_bytes(%x: memref<?x64xf32>) -> i64 {
      %n = memref.dim %x, %c0 : memref<?x64xf32>
      %b = arith.muli %c256, %n : index     // bytes of %t
      ...                                   // live and peak: max, add, sub
      return %peak : i64                    // 512 * n
    }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

def TVQEmitEntryPoints : Pass<"tvq-emit-entry-points", "ModuleOp"> {
  let summary = "Emit the runtime's entry symbols and the manifest (LLVM dialect)";
  let description = [{
    Runs on the LLVM dialect, after the C-interface wrappers exist. For
    every entry `F` of the `tvq.manifest` module attribute it adds
    `_tvq_packed_F(ptr %args)` (loads the input descriptor pointers and the
    result pointer from `%args`, calls `_mlir_ciface_F`) and
    `_tvq_check_F(ptr %args) -> i32` (same for `_mlir_ciface_F__tvq_check`),
    and the NUL-terminated global `tvq_manifest`. docs/abi.md describes the
    ABI.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}


def TVQCPUFuseRowChains
    : Pass<"tvq-cpu-fuse-row-chains", "::mlir::func::FuncOp"> {
  let summary = "Fuse an attention block's row chain into one loop of row tasks";
  let description = [{
    Finds row chains: a linalg op (the root, e.g. the output `acc / sum` of
    an attention block) whose producers include a contraction, a row max
    and a row sum (scores GEMMs, masks, max, exp, sums, weights times
    values). The root is tiled by rows into one `scf.forall` (`threads`;
    otherwise one `scf.for`) of `rows`-row tasks, and the producers are
    fused into the task (`scf::tileAndFuseProducerOfSlice`), so that each
    task computes its rows' scores, max, exp, sums and value products while
    the score tile is in its cache. `tvq-cpu-tile-and-vectorize` then
    register-tiles and vectorizes the ops inside the task.

    A producer is fused only when the task needs a disjoint tile of it (its
    indexing maps keep the batch and row loops: no recomputation across
    tasks), every use of it is an operand of an op fused into the same task
    (none is left to compute outside) and all its uses read the same tile.
    Values read inside an op's body (`tensor.extract` of the relative-bias
    table) and non-linalg producers stay outside. Chains with less work than
    2^18 iterations (small widths, decoding) are left alone.

    Before (one block, each op its own loop nest later):
    ```mlir
    %s = linalg.generic ... ins(%qu, %codebook ...) -> tensor<?x512x512xf32>
    %m = linalg.generic {... "reduction"} ins(%s ...) -> tensor<?x512xf32>
    ...
    %o = linalg.generic ... ins(%acc, %sum ...) -> tensor<?x512x256xf32>
    ```
    After:
    ```mlir
    %o = scf.forall (%b, %i) = (0, 0) to (%B, 512) step (1, 32)
        shared_outs(%out = %e) -> (tensor<?x512x256xf32>) {
      %s = linalg.generic ... -> tensor<1x32x512xf32>
      %m = linalg.generic {... "reduction"} ins(%s ...) -> tensor<1x32xf32>
      ...
      %o1 = linalg.generic ... -> tensor<1x32x256xf32>
      scf.forall.in_parallel { tensor.parallel_insert_slice %o1 into %out ... }
    }
    ```
  }];
  let options = [
    Option<"rows", "rows", "int64_t", /*default=*/"32",
           "Rows per task (the score tile's height)">,
    Option<"threads", "threads", "bool", /*default=*/"true",
           "Tasks as scf.forall (OpenMP); otherwise one scf.for">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}

def TVQCPUTileAndVectorize
    : Pass<"tvq-cpu-tile-and-vectorize", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg ops into tasks and register tiles, and vectorize them";
  let description = [{
    The CPU code generation of the linalg ops on tensors. Each op is tiled
    twice: the parallel loops other than the vector loop into `scf.forall`
    tasks (turned into OpenMP by the `llvm` phase), then into register tiles
    of `register-rows` x (`register-vectors` x `vector-width`) elements with
    every reduction loop tiled to 1 and innermost; uneven loops are peeled,
    unit loops dropped and every static tile vectorized.

    Plans: *Lanes* (the vector runs along the output's innermost loop; a
    contraction becomes the outer-product kernel with its accumulators
    hoisted into registers; inputs reused across rows whose innermost
    dimension is a reduction are transposed first, e.g. a codebook [S,K]
    read as [K,S]; `acc + a*b` becomes `math.fma`) and *RowReduce* (a
    reduction of one tensor along its innermost dimension with an add/max/min
    combiner is split into `register-vectors` x `vector-width` partial lanes
    and one final horizontal reduction).

    Before:
    ```mlir
    %d = linalg.generic {iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
        ins(%qu, %codebook : tensor<?x512x128xf32>, tensor<512x128xf32>) outs(%zero ...)
    ```
    After (inside `scf.forall` over (b, 64 rows), `scf.for` over 64 lanes, 6 rows, k):
    ```mlir
    %acc = vector.transfer_read ... : tensor<6x64xf32>, vector<6x64xf32>
    %r = scf.for %k = %c0 to %c128 step %c1 iter_args(%a = %acc) -> (vector<6x64xf32>) {
      %x = vector.transfer_read %quT[...] {permutation_map = ...} : ..., vector<6x64xf32>
      %y = vector.transfer_read %codebookT[%k, %n] ... : ..., vector<6x64xf32>
      %f = math.fma %x, %y, %a : vector<6x64xf32>
      scf.yield %f : vector<6x64xf32>
    }
    ```
  }];
  let options = [
    Option<"vectorWidth", "vector-width", "int64_t", /*default=*/"16",
           "f32 lanes per vector register (16: AVX-512, 8: AVX2)">,
    Option<"registerRows", "register-rows", "int64_t", /*default=*/"0",
           "Rows of a contraction's register tile; 0: by the vector width "
           "(6 at 16 lanes: 24 of AVX-512's 32 vector registers hold "
           "accumulators; 4 otherwise)">,
    Option<"registerVectors", "register-vectors", "int64_t", /*default=*/"4",
           "Vector registers per row of a register tile">,
    Option<"reductionBlock", "reduction-block", "int64_t", /*default=*/"128",
           "Contractions: reduction loops longer than this are blocked "
           "(0: never); 128 keeps a [k-block x 64] f32 panel of b in a "
           "48 KB L1">,
    Option<"taskRows", "task-rows", "int64_t", /*default=*/"64",
           "Rows per scf.forall task">,
    Option<"threads", "threads", "bool", /*default=*/"true",
           "Tile into scf.forall tasks">,
    Option<"maxVectorElements", "max-vector-elements", "int64_t",
           /*default=*/"1024",
           "Largest tile (in elements) that is vectorized">,
    Option<"matmul", "matmul", "std::string", /*default=*/"\"f32\"",
           "f32, or bf16: contractions with a static reduction of at least "
           "64 that become the outer-product kernel round their operands to "
           "bf16 (B packed as [K/2, N, 2]) and accumulate in f32 with "
           "x86vector.avx512.dot (AVX512-BF16, vector-width 16)">,
  ];
  let dependentDialects = ["::mlir::linalg::LinalgDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect",
                           "::mlir::x86vector::X86VectorDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect"];
}


def TVQApproximateMath : Pass<"tvq-approximate-math", "::mlir::func::FuncOp"> {
  let summary = "Polynomial approximations of exp, log, tanh, ... (f32, vectors)";
  let description = [{
    Applies upstream MLIR's `populateMathPolynomialApproximationPatterns`
    (which 22 exposes only as patterns and a test pass) so that `math.exp`,
    `math.log` and friends on f32 and vectors of f32 become arithmetic that
    stays vectorized, instead of one libm call per lane. Accuracy: within a
    few ulp of libm for f32 (the numerics tests compare with a float64
    reference at 1e-4).

    Before:
    ```mlir
    %e = math.exp %x : vector<64xf32>
    ```
    After: `arith` and `vector` ops (range reduction, a polynomial,
    `math.ldexp`-style exponent insertion through integer bit casts).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::vector::VectorDialect"];
}

def TVQOpenMPSerialWhenOneTask
    : Pass<"tvq-openmp-serial-when-one-task", "::mlir::func::FuncOp"> {
  let summary = "Run an omp.parallel on the calling thread when its loop has "
                "one iteration";
  let description = [{
    After `convert-scf-to-openmp`, gives every `omp.parallel` whose body is
    one `omp.wsloop` an `if` clause: the product of the loop nest's trip
    counts, computed from its bounds before the region, is at least 2. A
    region with one task (one decoding step: batch 1, one row) then runs on
    the calling thread without waking the team, whose barrier costs more than
    the task when the machine is loaded (one decode step, bench widths:
    2.7 ms median on two threads against 0.15 ms on one).

    Before:
    ```mlir
    omp.parallel {
      omp.wsloop {
        omp.loop_nest (%i) : index = (%c0) to (%n) step (%c64) { ... }
      }
      omp.terminator
    }
    ```
    After:
    ```mlir
    %span = arith.subi %n, %c0 : index
    %trips = arith.ceildivsi %span, %c64 : index
    %many = arith.cmpi sge, %trips, %c2 : index
    omp.parallel if(%many) { ... }
    ```
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::omp::OpenMPDialect"];
}

def TVQOutlineParallelRegions
    : Pass<"tvq-outline-parallel-regions", "::mlir::ModuleOp"> {
  let summary = "Move each outermost omp.parallel into a function of its own";
  let description = [{
    Translating an `omp.parallel` to LLVM IR (`OpenMPIRBuilder::createParallel`)
    analyzes the whole function that holds it, so a function with thousands
    of parallel regions (a model's train_step with every layer inlined)
    took time quadratic in its size: 45 s of a 4-layer enwik8-size
    train_step's 100 s compile, most of half an hour at 24 layers. Each
    outermost `omp.parallel` becomes a call of a new internal function
    `@<function>__omp<N>` whose arguments are the values the region uses
    from outside (constants are cloned in instead), and which holds only
    the region. It is `always_inline`: LLVM inlines it back after the
    translation, so the optimized code is what it was.

    Before:
    ```mlir
    func.func @f(%a: memref<?xf32>, %n: index) {
      omp.parallel { ... %a ... %n ... omp.terminator }
      return
    }
    ```
    After:
    ```mlir
    func.func @f(%a: memref<?xf32>, %n: index) {
      call @f__omp0(%a, %n) : (memref<?xf32>, index) -> ()
      return
    }
    func.func private @f__omp0(%a: memref<?xf32>, %n: index)
        attributes {always_inline, llvm.linkage = #llvm.linkage<internal>} {
      omp.parallel { ... }
      return
    }
    ```
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

#endif // TVQ_TRANSFORMS_PASSES_TD
