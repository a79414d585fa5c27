//===- TVQOps.td - Operations of the tvq dialect -----------*- tablegen -*-===//
#ifndef TVQ_OPS_TD
#define TVQ_OPS_TD

include "tvq/Dialect/TVQ/IR/TVQDialect.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.td"

class TVQ_Op<string mnemonic, list<Trait> traits = []>
    : Op<TVQ_Dialect, mnemonic,
         !listconcat(traits, [Pure, DeclareOpInterfaceMethods<
                                        ReifyRankedShapedTypeOpInterface, ["reifyResultShapes"]>])> {
  code commonClassDeclaration = [{
    /// The shape rules of this op: every operand and result with its
    /// symbolic dimensions, and divisibility rules. The verifier, shape
    /// reification and the runtime checks are all derived from it.
    ::mlir::tvq::ShapeContract getShapeContract();
  }];
  let extraClassDeclaration = commonClassDeclaration;
  let hasVerifier = 1;
}

def TVQ_F32Tensor : RankedTensorOf<[F32]>;
def TVQ_I32Tensor : RankedTensorOf<[I32]>;
def TVQ_I64Tensor : RankedTensorOf<[I64]>;

//===----------------------------------------------------------------------===//
// vq_quantize
//===----------------------------------------------------------------------===//

def TVQ_VQQuantizeOp : TVQ_Op<"vq_quantize"> {
  let summary = "Quantizes keys to their nearest codebook entries";
  let description = [{
    For keys `k[B, T, K]` and a codebook `C[S, K]`, computes for every position
    ```
    z      = argmin_s |k - C_s|^2          (ties go to the lowest index)
    k_hat  = C[z]
    err2   = relu(min_s |k - C_s|^2)
    ```
    and returns `k_hat[B, T, K]`, the codes `z[B, T]` (i32) and the squared
    quantization errors `err2[B, T]`.

    Straight-through semantics: when differentiated, the gradient that
    reaches `k_hat` passes unchanged to `k` (the estimator of the paper), the
    codebook gets no gradient, and `err2` (the commitment loss term)
    differentiates to `k` only.

    Example:
    ```mlir
    %k_hat, %codes, %err2 = tvq.vq_quantize %k, %codebook
        : (tensor<?x?x32xf32>, tensor<64x32xf32>)
        -> (tensor<?x?x32xf32>, tensor<?x?xi32>, tensor<?x?xf32>)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$keys, TVQ_F32Tensor:$codebook);
  let results = (outs TVQ_F32Tensor:$quantized, TVQ_I32Tensor:$codes,
                      TVQ_F32Tensor:$errors);
  let assemblyFormat = [{
    $keys `,` $codebook attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// vq_attention
//===----------------------------------------------------------------------===//

def TVQ_VQAttentionOp : TVQ_Op<"vq_attention"> {
  let summary = "Exact causal softmax attention over quantized keys";
  let description = [{
    Operands: queries `q[B, T, K]`, quantized keys `k_hat[B, T, K]` and their
    codes `codes[B, T]` (i32), values `v[B, T, V]`, the codebook `C[S, K]`,
    the bias vectors `u[K]` and `w[K]`, the relative-position table
    `r[M + 1, K]` (row d for distance d), and optionally the incoming
    attention state. Attributes: `block_len` L (T must be a multiple of L)
    and `mem_len` M (the uncompressed window).

    Meaning (transformer-vq.md section 3): for a query at position t and
    every key s <= t since the state was reset
    ```
    score(t,s) = (q_t + u)·k_hat_s + [t-s <= M]·(q_t + w)·r[t-s]
    o_t        = sum_s softmax_s(score(t,.))·v_s
    ```
    No scaling is applied inside.

    It is lowered block by block in linear time (section 4): block r attends
    to its own L keys and the M keys before it uncompressed, and to all
    older keys through a compressed per-code cache of counts and value
    means.

    The attention state is six tensors, the same as operands (`state(...)`)
    and as results:
    - `count[B, S]` f32: per code, the number of positions in the cache,
    - `mean[B, S, V]` f32: per code, the mean of their values,
    - `win_codes[B, M]` i32, `win_keys[B, M, K]` f32,
      `win_values[B, M, V]` f32: the last M positions, oldest first,
    - `seen[B]` i64: the number of positions seen since the reset. Window
      entry j holds position seen - M + j; entries of negative positions are
      ignored.
    Without `state(...)` the op starts from the empty state (all zero).

    Example:
    ```mlir
    %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention
        %q, %k_hat, %codes, %v, %codebook, %u, %w, %r
        {block_len = 16 : i64, mem_len = 16 : i64}
        : (tensor<?x?x32xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>,
           tensor<?x?x48xf32>, tensor<64x32xf32>, tensor<32xf32>,
           tensor<32xf32>, tensor<17x32xf32>)
        -> (tensor<?x?x48xf32>, tensor<?x64xf32>, tensor<?x64x48xf32>,
            tensor<?x16xi32>, tensor<?x16x32xf32>, tensor<?x16x48xf32>,
            tensor<?xi64>)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$q, TVQ_F32Tensor:$k_hat, TVQ_I32Tensor:$codes,
                       TVQ_F32Tensor:$v, TVQ_F32Tensor:$codebook, TVQ_F32Tensor:$u,
                       TVQ_F32Tensor:$w, TVQ_F32Tensor:$r,
                       Variadic<AnyRankedTensor>:$state_in,
                       ConfinedAttr<I64Attr, [IntPositive]>:$block_len,
                       ConfinedAttr<I64Attr, [IntPositive]>:$mem_len);
  let results = (outs TVQ_F32Tensor:$output, TVQ_F32Tensor:$count, TVQ_F32Tensor:$mean,
                      TVQ_I32Tensor:$win_codes, TVQ_F32Tensor:$win_keys,
                      TVQ_F32Tensor:$win_values, TVQ_I64Tensor:$seen);
  let assemblyFormat = [{
    $q `,` $k_hat `,` $codes `,` $v `,` $codebook `,` $u `,` $w `,` $r
    (`state` `(` $state_in^ `)`)? attr-dict `:` functional-type(operands, results)
  }];
  let extraClassDeclaration = commonClassDeclaration # [{
    /// True when the op carries an incoming attention state.
    bool hasState() { return !getStateIn().empty(); }
    /// The incoming state, or a zero (empty) state built with `b`.
    ::llvm::SmallVector<::mlir::Value> getStateOrZeros(::mlir::OpBuilder &b);
    /// Number of state tensors (count, mean, win_codes, win_keys, win_values,
    /// seen).
    static constexpr unsigned kNumStateTensors = 6;
  }];
}

//===----------------------------------------------------------------------===//
// fused_block_attention: one block's attention output as one kernel (CUDA)
//===----------------------------------------------------------------------===//

def TVQ_FusedBlockAttentionOp : Op<TVQ_Dialect, "fused_block_attention", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>]> {
  let summary = "The output of one-block VQ attentions, scores never stored";
  let description = [{
    For N independent one-block attentions (the B·nb blocks of the parallel
    form) with L queries, S codes, a buffer of M + L uncompressed slots
    (M = `mem_len`), key width K and value width V:
    - `query[N, L, K]`: the queries plus the bias u (`q + u`),
    - `codebook[S, K]`, the cache's `count[N, S]` and `mean[N, S, V]`,
    - the buffer's `keys[N, M + L, K]` and `values[N, M + L, V]` (the window,
      then the block),
    - `relative[N, L, M + 1]`: `(q + w)·r[d]` for each query and distance d,
    - `seen[N]` (i64): positions seen before the block,
    writes `output[N, L, V]` = the softmax over the codes and the buffer
    slots of the scores below, times the means and values:
    ```
    code s:   (q_i + u)·C_s + log(max(count_s, 1)), -inf where count_s <= 0
    slot j:   (q_i + u)·k_j + [d <= M]·relative[i, d],  d = i + M - j,
              -inf unless j <= i + M and seen - M + j >= 0
    ```
    exactly what `convert-tvq-to-linalg` computes for the output of a
    one-block `tvq.vq_attention` with generics (scores, one row max, exp,
    one row sum, two weighted sums), which `convert-tvq-to-linalg
    {attention=fused}` replaces with this op. `tvq-fused-attention-to-gpu`
    lowers it to one kernel that keeps a running row max and sum over key
    chunks and never stores a score (online softmax, as in flash attention).

    Destination style, on tensors (one result) or, after bufferization, on
    buffers (no result).
    ```mlir
    %o = tvq.fused_block_attention {mem_len = 32 : i64}
        ins(%qu, %codebook, %count, %mean, %keys, %values, %relative, %seen
            : tensor<?x32x32xf32>, tensor<64x32xf32>, tensor<?x64xf32>,
              tensor<?x64x256xf32>, tensor<?x64x32xf32>,
              tensor<?x64x256xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
        outs(%init : tensor<?x32x256xf32>) -> tensor<?x32x256xf32>
    ```
  }];
  let arguments = (ins
      Variadic<AnyTypeOf<[AnyRankedTensor, AnyMemRef]>>:$inputs,
      AnyTypeOf<[AnyRankedTensor, AnyMemRef]>:$init,
      ConfinedAttr<I64Attr, [IntPositive]>:$mem_len);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    attr-dict `ins` `(` $inputs `:` type($inputs) `)`
    `outs` `(` $init `:` type($init) `)` (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// The inputs by name (operand order).
    ::mlir::Value getQuery() { return getInputs()[0]; }
    ::mlir::Value getCodebook() { return getInputs()[1]; }
    ::mlir::Value getCount() { return getInputs()[2]; }
    ::mlir::Value getMean() { return getInputs()[3]; }
    ::mlir::Value getKeys() { return getInputs()[4]; }
    ::mlir::Value getValues() { return getInputs()[5]; }
    ::mlir::Value getRelative() { return getInputs()[6]; }
    ::mlir::Value getSeen() { return getInputs()[7]; }
    static constexpr unsigned kNumInputs = 8;
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// fused_block_softmax: one block's softmax weights as one kernel (CUDA)
//===----------------------------------------------------------------------===//

def TVQ_FusedBlockSoftmaxOp : Op<TVQ_Dialect, "fused_block_softmax", [
    AttrSizedOperandSegments,
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>]> {
  let summary = "The softmax weights of one-block VQ attentions, for the backward";
  let description = [{
    The normalized attention weights of one-block attentions: what the
    backward of the parallel blocks recomputes
    (`convert-tvq-to-linalg{parallel-blocks=true attention=softmax|fused}`
    for `tvq.vq_attention_grad`) and, with `attention=softmax`, what the
    forward multiplies by the cache means and the buffer values (two
    products) for `tvq.vq_attention`: with the inputs of
    `tvq.fused_block_attention` minus the means and values,
    - `query[N, L, K]` (`q + u`), `codebook[S, K]`, `count[N, S]`,
      `keys[N, M + L, K]`, `relative[N, L, M + 1]`, `seen[N]` (i64),
    writes `cache_probs[N, L, S]` and `buffer_probs[N, L, M + L]`: the
    softmax over both of the scores defined there (0 where masked).
    `tvq-fused-attention-to-gpu` lowers it to one kernel per 64 queries that
    walks the key chunks twice: the running max and sum first, then the
    weights exp(score - max) / sum. No score is stored.

    ```mlir
    %pc, %pb = tvq.fused_block_softmax {mem_len = 32 : i64}
        ins(%qu, %codebook, %count, %keys, %relative, %seen
            : tensor<?x32x32xf32>, tensor<64x32xf32>, tensor<?x64xf32>,
              tensor<?x64x32xf32>, tensor<?x32x33xf32>, tensor<?xi64>)
        outs(%c, %b : tensor<?x32x64xf32>, tensor<?x32x64xf32>)
        -> tensor<?x32x64xf32>, tensor<?x32x64xf32>
    ```
  }];
  let arguments = (ins
      Variadic<AnyTypeOf<[AnyRankedTensor, AnyMemRef]>>:$inputs,
      Variadic<AnyTypeOf<[AnyRankedTensor, AnyMemRef]>>:$inits,
      ConfinedAttr<I64Attr, [IntPositive]>:$mem_len);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    attr-dict `ins` `(` $inputs `:` type($inputs) `)`
    `outs` `(` $inits `:` type($inits) `)` (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitsMutable();
    }
    /// The inputs and outputs by name (operand order).
    ::mlir::Value getQuery() { return getInputs()[0]; }
    ::mlir::Value getCodebook() { return getInputs()[1]; }
    ::mlir::Value getCount() { return getInputs()[2]; }
    ::mlir::Value getKeys() { return getInputs()[3]; }
    ::mlir::Value getRelative() { return getInputs()[4]; }
    ::mlir::Value getSeen() { return getInputs()[5]; }
    ::mlir::Value getCacheProbs() { return getInits()[0]; }
    ::mlir::Value getBufferProbs() { return getInits()[1]; }
    static constexpr unsigned kNumInputs = 6;
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// block_scan: running sums across the blocks of the parallel form
//===----------------------------------------------------------------------===//

def TVQ_BlockScanOp : Op<TVQ_Dialect, "block_scan", [
    DestinationStyleOpInterface,
    DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>]> {
  let summary = "Adds to each block the sum of the terms of earlier (or later) blocks";
  let description = [{
    For `terms[B, nb, rest...]` and `init` of the same shape (f32), the
    result at block n is `init` at block n plus the sum of the terms of the
    blocks at least `distance` before it, or with `reverse` at least
    `distance` after it:
    ```
    out[b, n, r] = init[b, n, r] + sum_{m <= n - distance} terms[b, m, r]
    out[b, n, r] = init[b, n, r] + sum_{m >= n + distance} terms[b, m, r]   (reverse)
    ```
    The parallel form of VQ attention (AttentionBlocks.h) builds each
    block's cache this way (the windows that left before block n:
    `distance = 1`), and its backward the cache gradient of a block's
    positions (the blocks from two after it on: `reverse`, `distance = 2`).
    As a linalg reduction these sums take nb terms for each of the nb blocks
    (nb² · |rest| adds per batch row, quadratic in the sequence length);
    `tvq-lower-block-scans` makes one running sum per (b, rest...) instead,
    a parallel loop over those whose body walks the nb blocks in order
    (nb · |rest| adds).

    Destination style, on tensors (one result) or, after bufferization, on
    buffers (no result; `init` is read and overwritten).
    ```mlir
    %sum = tvq.block_scan {distance = 1 : i64}
        ins(%terms : tensor<?x?x64x256xf32>)
        outs(%init : tensor<?x?x64x256xf32>) -> tensor<?x?x64x256xf32>
    ```
  }];
  let arguments = (ins
      AnyTypeOf<[AnyRankedTensor, AnyMemRef]>:$terms,
      AnyTypeOf<[AnyRankedTensor, AnyMemRef]>:$init,
      ConfinedAttr<I64Attr, [IntNonNegative]>:$distance,
      UnitAttr:$reverse);
  let results = (outs Variadic<AnyRankedTensor>:$result);
  let assemblyFormat = [{
    attr-dict `ins` `(` $terms `:` type($terms) `)`
    `outs` `(` $init `:` type($init) `)` (`->` type($result)^)?
  }];
  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// The inputs (the terms), for the shared bufferization of block ops.
    ::mlir::OperandRange getInputs() {
      return getOperation()->getOperands().take_front(1);
    }
  }];
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// codebook_ema
//===----------------------------------------------------------------------===//

def TVQ_CodebookEMAOp : TVQ_Op<"codebook_ema"> {
  let summary = "EMA k-means update of a codebook's sums and counts";
  let description = [{
    Given the codebook statistics `c_sum[S, K]` and `c_count[S]`, the keys
    `k[B, T, K]` of an update and their codes `z[B, T]` (i32), returns
    ```
    c_sum'   = gamma·c_sum   + (1 - gamma)·sum_t onehot(z_t) ⊗ k_t
    c_count' = gamma·c_count + (1 - gamma)·sum_t onehot(z_t)
    ```
    summed over every batch row and position (transformer-vq.md section 2).
    The codebook is `c_sum / max(c_count, 0.01)`. `gamma` must lie in (0, 1).

    Example:
    ```mlir
    %sum2, %count2 = tvq.codebook_ema %sum, %count, %k, %codes {gamma = 0.99 : f64}
        : (tensor<64x32xf32>, tensor<64xf32>, tensor<?x?x32xf32>, tensor<?x?xi32>)
        -> (tensor<64x32xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$c_sum, TVQ_F32Tensor:$c_count, TVQ_F32Tensor:$keys,
                       TVQ_I32Tensor:$codes, F64Attr:$gamma);
  let results = (outs TVQ_F32Tensor:$new_sum, TVQ_F32Tensor:$new_count);
  let assemblyFormat = [{
    $c_sum `,` $c_count `,` $keys `,` $codes attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// codebook_stats, codebook_blend: the EMA in two halves (data parallelism)
//===----------------------------------------------------------------------===//

def TVQ_CodebookStatsOp : TVQ_Op<"codebook_stats"> {
  let summary = "One-hot sums of keys and counts per code (EMA statistics)";
  let description = [{
    Given the keys `k[B, T, K]` of an update and their codes `z[B, T]`
    (i32), returns the statistics that `tvq.codebook_ema` blends in:
    ```
    sums[S, K] = sum_t onehot(z_t) ⊗ k_t
    counts[S]  = sum_t onehot(z_t)
    ```
    summed over every batch row and position. `S` is the (static) size of
    the results. Sums over several calls (micro-batches, data-parallel
    workers) add up to the statistics of all their tokens, which
    `tvq.codebook_blend` applies.

    Example:
    ```mlir
    %sums, %counts = tvq.codebook_stats %k, %codes
        : (tensor<?x?x32xf32>, tensor<?x?xi32>) -> (tensor<64x32xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$keys, TVQ_I32Tensor:$codes);
  let results = (outs TVQ_F32Tensor:$sums, TVQ_F32Tensor:$counts);
  let assemblyFormat = [{
    $keys `,` $codes attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_CodebookBlendOp : TVQ_Op<"codebook_blend"> {
  let summary = "EMA k-means update from precomputed statistics";
  let description = [{
    Given the codebook statistics `c_sum[S, K]`, `c_count[S]` and the
    statistics of an update (`tvq.codebook_stats`, possibly summed over
    micro-batches and workers), returns
    ```
    c_sum'   = gamma·c_sum   + (1 - gamma)·sums
    c_count' = gamma·c_count + (1 - gamma)·counts
    ```
    `tvq.codebook_ema` is `tvq.codebook_stats` followed by this op, and
    both lower to the same arithmetic. `gamma` must lie in (0, 1).

    Example:
    ```mlir
    %sum2, %count2 = tvq.codebook_blend %sum, %count, %sums, %counts {gamma = 0.99 : f64}
        : (tensor<64x32xf32>, tensor<64xf32>, tensor<64x32xf32>, tensor<64xf32>)
        -> (tensor<64x32xf32>, tensor<64xf32>)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$c_sum, TVQ_F32Tensor:$c_count, TVQ_F32Tensor:$sums,
                       TVQ_F32Tensor:$counts, F64Attr:$gamma);
  let results = (outs TVQ_F32Tensor:$new_sum, TVQ_F32Tensor:$new_count);
  let assemblyFormat = [{
    $c_sum `,` $c_count `,` $sums `,` $counts attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Model building blocks (transformer-vq.md section 1)
//===----------------------------------------------------------------------===//

def TVQ_EmbeddingOp : TVQ_Op<"embedding"> {
  let summary = "Looks up token embeddings";
  let description = [{
    `out[b, t, :] = table[ids[b, t], :]` for ids `[B, T]` (i32) and a table
    `[N, D]`. An id outside `[0, N)` reads row 0 (ids are validated by the
    data loader).

    ```mlir
    %x = tvq.embedding %ids, %table
        : (tensor<?x?xi32>, tensor<259x64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins TVQ_I32Tensor:$ids, TVQ_F32Tensor:$table);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = [{
    $ids `,` $table attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_RMSNormOp : TVQ_Op<"rms_norm", [SameOperandsAndResultType]> {
  let summary = "RMS normalization over the last dimension, without parameters";
  let description = [{
    `y = x / sqrt(mean(x^2 over the last dimension) + epsilon)`, in f32.
    Gain and bias, where the model has them, are a separate
    `tvq.scale_shift`.

    ```mlir
    %y = tvq.rms_norm %x {epsilon = 1.0e-6 : f64} : tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TVQ_ScaleShiftOp : TVQ_Op<"scale_shift"> {
  let summary = "Per-feature gain and bias: x * gain + bias";
  let description = [{
    For `x[..., D]`, `gain[D]` and `bias[D]`: `y = x * gain + bias`.

    ```mlir
    %y = tvq.scale_shift %x, %gain, %bias
        : (tensor<?x?x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<?x?x64xf32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_F32Tensor:$gain,
                       TVQ_F32Tensor:$bias);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $gain `,` $bias attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_ScaleOp : TVQ_Op<"scale", [SameOperandsAndResultType]> {
  let summary = "Multiplies by a constant factor";
  let description = [{
    `y = x * factor`, e.g. the `tau^-0.5` scalings of section 1.

    ```mlir
    %y = tvq.scale %x {factor = 0.5 : f64} : tensor<?x?x32xf32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input, F64Attr:$factor);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TVQ_SiLUOp : TVQ_Op<"silu", [SameOperandsAndResultType]> {
  let summary = "SiLU: x * sigmoid(x)";
  let description = [{
    ```mlir
    %y = tvq.silu %x : tensor<?x?x96xf32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

def TVQ_DropoutOp : TVQ_Op<"dropout"> {
  let summary = "Inverted dropout with a counter-based, reproducible mask";
  let description = [{
    `y = keep ? x / (1 - rate) : 0`. The mask depends only on the seed, the
    `stream` number and the indices of the first `mask_rank` dimensions, so
    the same seed gives the same mask on every call, the backward pass
    regenerates it instead of storing it, and a `mask_rank` below the rank
    broadcasts it over the trailing dimensions (`mask_rank = 1` on
    `[B, T, D]` drops whole rows of a batch: LayerDrop).

    The mask, in 32-bit unsigned arithmetic with `fmix` the MurmurHash3
    finalizer (`h ^= h >> 16; h *= 0x85ebca6b; h ^= h >> 13;
    h *= 0xc2b2ae35; h ^= h >> 16`):
    ```
    h    = fmix(lo32(seed) ^ fmix(hi32(seed) ^ (stream * 0x9e3779b9)))
    h    = fmix(h ^ i_d)      for each of the first mask_rank indices i_d
    keep = (h >> 8) >= floor(rate * 2^24)
    ```
    Its gradient is the same dropout of the incoming gradient.

    ```mlir
    %y = tvq.dropout %x, %seed {rate = 0.5 : f64, stream = 3 : i64,
                                mask_rank = 3 : i64}
        : (tensor<?x?x128xf32>, tensor<i64>) -> tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_I64Tensor:$seed,
                       F64Attr:$rate, I64Attr:$stream, I64Attr:$mask_rank);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $seed attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_DenseOp : TVQ_Op<"dense"> {
  let summary = "Dense projection over the last dimension";
  let description = [{
    `y[..., o] = sum_i x[..., i] * W[i, o] (+ bias[o])` for `x` of rank 2 or
    3. With `transpose_weight`, `W` is `[O, I]` and used transposed (a tied
    output head multiplies by the embedding table this way).

    ```mlir
    %y = tvq.dense %x, %w : (tensor<?x?x64xf32>, tensor<64x96xf32>) -> tensor<?x?x96xf32>
    %logits = tvq.dense %x, %table bias %b {transpose_weight}
        : (tensor<?x?x64xf32>, tensor<259x64xf32>, tensor<259xf32>) -> tensor<?x?x259xf32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_F32Tensor:$weight,
                       Optional<TVQ_F32Tensor>:$bias,
                       UnitAttr:$transpose_weight);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = [{
    $input `,` $weight (`bias` $bias^)? attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_SplitOp : TVQ_Op<"split"> {
  let summary = "Splits the last dimension into consecutive parts";
  let description = [{
    For `x[..., sum(sizes)]`, result i is the slice of `sizes[i]` features
    that follows the previous ones (`k, v, g = split(xn @ Wkvg, [K, V, V])`).

    ```mlir
    %k, %v, %g = tvq.split %kvg {sizes = array<i64: 32, 96, 96>}
        : (tensor<?x?x224xf32>) -> (tensor<?x?x32xf32>, tensor<?x?x96xf32>, tensor<?x?x96xf32>)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input, DenseI64ArrayAttr:$sizes);
  let results = (outs Variadic<TVQ_F32Tensor>:$outputs);
  let assemblyFormat = [{
    $input attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_SinusoidTableOp : TVQ_Op<"sinusoid_table"> {
  let summary = "The sinusoid position table, row d for distance d";
  let description = [{
    A constant `[rows, dim]` table: row d is
    `cat(sin(d * inv), cos(d * inv))` with
    `inv = 1 / base^(arange(0, dim, 2) / dim)` (transformer-vq.md section 1
    gives base 100000; rows are ordered by distance, so no flip is needed).

    ```mlir
    %table = tvq.sinusoid_table {rows = 17 : i64, dim = 64 : i64} : tensor<17x64xf32>
    ```
  }];
  let arguments = (ins ConfinedAttr<I64Attr, [IntPositive]>:$rows,
                       ConfinedAttr<I64Attr, [IntPositive]>:$dim,
                       DefaultValuedAttr<F64Attr, "100000.0">:$base);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = "attr-dict `:` type($output)";
}

def TVQ_CodebookOp : TVQ_Op<"codebook"> {
  let summary = "The codebook from its EMA statistics";
  let description = [{
    `C = c_sum / max(c_count, 0.01)` (section 2); never differentiated.

    ```mlir
    %c = tvq.codebook %sum, %count
        : (tensor<64x32xf32>, tensor<64xf32>) -> tensor<64x32xf32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$c_sum, TVQ_F32Tensor:$c_count);
  let results = (outs TVQ_F32Tensor:$codebook);
  let assemblyFormat = [{
    $c_sum `,` $c_count attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_CrossEntropyOp : TVQ_Op<"cross_entropy"> {
  let summary = "Mean negative log-likelihood of the targets, in nats";
  let description = [{
    `mean over (b, t) of logsumexp(logits[b, t, :]) - logits[b, t, targets[b, t]]`,
    computed with the max subtracted, in f32. Returns a rank-0 tensor.

    ```mlir
    %loss = tvq.cross_entropy %logits, %targets
        : (tensor<?x?x259xf32>, tensor<?x?xi32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$logits, TVQ_I32Tensor:$targets);
  let results = (outs TVQ_F32Tensor:$loss);
  let assemblyFormat = [{
    $logits `,` $targets attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_MeanOp : TVQ_Op<"mean"> {
  let summary = "Mean of all elements";
  let description = [{
    Returns a rank-0 tensor (e.g. the commitment loss: the mean of the
    squared quantization errors).

    ```mlir
    %m = tvq.mean %err2 : (tensor<?x?xf32>) -> tensor<f32>
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$input);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

//===----------------------------------------------------------------------===//
// Gradients (vector-Jacobian products), made by tvq-derive-gradients
//===----------------------------------------------------------------------===//

def TVQ_EmbeddingGradOp : TVQ_Op<"embedding_grad"> {
  let summary = "Gradient of tvq.embedding with respect to its table";
  let description = [{
    `d_table[n, :] = sum over (b, t) with ids[b, t] == n of d_out[b, t, :]`;
    the result has `rows` rows.
  }];
  let arguments = (ins TVQ_I32Tensor:$ids, TVQ_F32Tensor:$d_output);
  let results = (outs TVQ_F32Tensor:$d_table);
  let assemblyFormat = [{
    $ids `,` $d_output attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_RMSNormGradOp : TVQ_Op<"rms_norm_grad"> {
  let summary = "Gradient of tvq.rms_norm";
  let description = [{
    With `y = x * rho`, `rho = 1/sqrt(mean(x^2) + epsilon)` over the last
    dimension of width D: `dx = rho * (dy - y * mean(dy * y))`.
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_F32Tensor:$d_output,
                       DefaultValuedAttr<F64Attr, "1.0e-6">:$epsilon);
  let results = (outs TVQ_F32Tensor:$d_input);
  let assemblyFormat = [{
    $input `,` $d_output attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_ScaleShiftGradOp : TVQ_Op<"scale_shift_grad"> {
  let summary = "Gradients of tvq.scale_shift";
  let description = [{
    `d_input = dy * gain`, `d_gain = sum over leading dims of dy * x`,
    `d_bias = sum over leading dims of dy`.
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_F32Tensor:$gain,
                       TVQ_F32Tensor:$d_output);
  let results = (outs TVQ_F32Tensor:$d_input, TVQ_F32Tensor:$d_gain,
                      TVQ_F32Tensor:$d_bias);
  let assemblyFormat = [{
    $input `,` $gain `,` $d_output attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_SiLUGradOp : TVQ_Op<"silu_grad"> {
  let summary = "Gradient of tvq.silu";
  let description = [{
    `dx = dy * (s + x * s * (1 - s))` with `s = sigmoid(x)`.
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_F32Tensor:$d_output);
  let results = (outs TVQ_F32Tensor:$d_input);
  let assemblyFormat = [{
    $input `,` $d_output attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_DenseWeightGradOp : TVQ_Op<"dense_weight_grad"> {
  let summary = "Gradient of tvq.dense with respect to its weight";
  let description = [{
    `dW[i, o] = sum over leading dims of x[..., i] * dy[..., o]` (`[O, I]`
    with `transpose_weight`). The input gradient is a `tvq.dense` of `dy`
    with the weight used the other way round.
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_F32Tensor:$d_output,
                       UnitAttr:$transpose_weight);
  let results = (outs TVQ_F32Tensor:$d_weight);
  let assemblyFormat = [{
    $input `,` $d_output attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_SumLeadingOp : TVQ_Op<"sum_leading"> {
  let summary = "Sums over every dimension but the last";
  let description = [{
    `y[d] = sum over leading dims of x[..., d]` (the gradient of a bias).
  }];
  let arguments = (ins TVQ_F32Tensor:$input);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = "$input attr-dict `:` functional-type(operands, results)";
}

def TVQ_ConcatOp : TVQ_Op<"concat"> {
  let summary = "Concatenates along the last dimension (the inverse of tvq.split)";
  let description = [{
    The parts are laid one after another along the last dimension.
  }];
  let arguments = (ins Variadic<TVQ_F32Tensor>:$inputs);
  let results = (outs TVQ_F32Tensor:$output);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def TVQ_VQQuantizeGradOp : TVQ_Op<"vq_quantize_grad"> {
  let summary = "Straight-through gradient of tvq.vq_quantize";
  let description = [{
    `d_keys = d_quantized + 2 * (keys - quantized) * d_errors[..., None]`:
    the gradient of the quantized keys passes straight through, and the
    squared error (the commitment loss) differentiates to the keys only.
  }];
  let arguments = (ins TVQ_F32Tensor:$keys, TVQ_F32Tensor:$quantized,
                       TVQ_F32Tensor:$d_quantized, TVQ_F32Tensor:$d_errors);
  let results = (outs TVQ_F32Tensor:$d_keys);
  let assemblyFormat = [{
    $keys `,` $quantized `,` $d_quantized `,` $d_errors attr-dict `:`
    functional-type(operands, results)
  }];
}

def TVQ_VQAttentionGradOp : TVQ_Op<"vq_attention_grad"> {
  let summary = "Gradients of tvq.vq_attention";
  let description = [{
    Given the operands of a `tvq.vq_attention` (including its optional
    incoming state, which gets no gradient) and the gradient `d_output` of
    its output, returns `dq`, `dk_hat`, `dv`, `du`, `dw` and `dr`.

    Gradients flow through the cache means to the values of earlier blocks.
    Keys in the compressed cache are represented by the codebook, so a key
    gets gradient only from queries that see it uncompressed (in their own
    block or the M positions before it). Counts get no gradient. The
    codebook is not differentiated.
  }];
  let arguments = (ins TVQ_F32Tensor:$q, TVQ_F32Tensor:$k_hat,
                       TVQ_I32Tensor:$codes, TVQ_F32Tensor:$v,
                       TVQ_F32Tensor:$codebook, TVQ_F32Tensor:$u,
                       TVQ_F32Tensor:$w, TVQ_F32Tensor:$r,
                       Variadic<AnyRankedTensor>:$state_in,
                       TVQ_F32Tensor:$d_output,
                       ConfinedAttr<I64Attr, [IntPositive]>:$block_len,
                       ConfinedAttr<I64Attr, [IntPositive]>:$mem_len);
  let results = (outs TVQ_F32Tensor:$dq, TVQ_F32Tensor:$dk_hat,
                      TVQ_F32Tensor:$dv, TVQ_F32Tensor:$du,
                      TVQ_F32Tensor:$dw, TVQ_F32Tensor:$dr);
  let assemblyFormat = [{
    $q `,` $k_hat `,` $codes `,` $v `,` $codebook `,` $u `,` $w `,` $r
    (`state` `(` $state_in^ `)`)? `grad` $d_output attr-dict `:`
    functional-type(operands, results)
  }];
  let extraClassDeclaration = commonClassDeclaration # [{
    bool hasState() { return !getStateIn().empty(); }
  }];
}

def TVQ_CrossEntropyGradOp : TVQ_Op<"cross_entropy_grad"> {
  let summary = "Gradient of tvq.cross_entropy with respect to the logits";
  let description = [{
    `d_logits = (softmax(logits) - onehot(targets)) * d_loss / (B * T)`.
  }];
  let arguments = (ins TVQ_F32Tensor:$logits, TVQ_I32Tensor:$targets,
                       TVQ_F32Tensor:$d_loss);
  let results = (outs TVQ_F32Tensor:$d_logits);
  let assemblyFormat = [{
    $logits `,` $targets `,` $d_loss attr-dict `:` functional-type(operands, results)
  }];
}

def TVQ_MeanGradOp : TVQ_Op<"mean_grad"> {
  let summary = "Gradient of tvq.mean";
  let description = [{
    Every element of `input`'s shape gets `d_output / number of elements`.
  }];
  let arguments = (ins TVQ_F32Tensor:$input, TVQ_F32Tensor:$d_output);
  let results = (outs TVQ_F32Tensor:$d_input);
  let assemblyFormat = [{
    $input `,` $d_output attr-dict `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// Optimizer, made by tvq-derive-train-step
//===----------------------------------------------------------------------===//

def TVQ_LRScheduleOp : TVQ_Op<"lr_schedule"> {
  let summary = "Linear warmup, then cosine decay of the learning rate";
  let description = [{
    For the optimizer step `t = step + 1` (`step` counts the steps done):
    `peak * t / warmup` while `t < warmup`, then
    `peak * (f + (1 - f) * (1 + cos(pi * p)) / 2)` with
    `p = min(1, (t - warmup) / max(1, total - warmup))` and `f` the final
    ratio (transformer-vq.md section 6: decay to 0.1x at the last step).
  }];
  let arguments = (ins TVQ_I64Tensor:$step, F64Attr:$peak,
                       I64Attr:$warmup, I64Attr:$total, F64Attr:$final_ratio);
  let results = (outs TVQ_F32Tensor:$lr);
  let assemblyFormat = "$step attr-dict `:` functional-type(operands, results)";
}

def TVQ_GlobalNormOp : TVQ_Op<"global_norm"> {
  let summary = "The L2 norm of all elements of all operands";
  let arguments = (ins Variadic<TVQ_F32Tensor>:$inputs);
  let results = (outs TVQ_F32Tensor:$norm);
  let assemblyFormat = "$inputs attr-dict `:` functional-type(operands, results)";
}

def TVQ_AdamWUpdateOp : TVQ_Op<"adamw_update"> {
  let summary = "One AdamW step of one parameter, with global-norm clipping";
  let description = [{
    With `g' = g * min(1, clip_norm / grad_norm)` (no clipping when
    `clip_norm` is 0) and `t = step + 1`:
    ```
    m' = beta1 m + (1 - beta1) g'
    v' = beta2 v + (1 - beta2) g'^2
    p' = p - lr (m' / (1 - beta1^t)) / (sqrt(v' / (1 - beta2^t)) + epsilon)
    p' = p' - weight_decay p            (not scaled by lr, section 6)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$param, TVQ_F32Tensor:$grad,
                       TVQ_F32Tensor:$m, TVQ_F32Tensor:$v,
                       TVQ_I64Tensor:$step, TVQ_F32Tensor:$lr,
                       TVQ_F32Tensor:$grad_norm, F64Attr:$beta1,
                       F64Attr:$beta2, F64Attr:$epsilon,
                       F64Attr:$weight_decay, F64Attr:$clip_norm);
  let results = (outs TVQ_F32Tensor:$new_param, TVQ_F32Tensor:$new_m,
                      TVQ_F32Tensor:$new_v);
  let assemblyFormat = [{
    $param `,` $grad `,` $m `,` $v `,` $step `,` $lr `,` $grad_norm attr-dict
    `:` functional-type(operands, results)
  }];
}

def TVQ_AdafactorUpdateOp : TVQ_Op<"adafactor_update"> {
  let summary = "One Adafactor step of one parameter";
  let description = [{
    Adafactor without momentum (as in optax's defaults, section 6 of
    transformer-vq.md: PG-19 and ImageNet64). With `t = step + 1`,
    `decay = 1 - t^-decay_rate` and `g2 = g^2 + epsilon`:

    - factored (a rank-2 `[R, C]` parameter and two moments `vr[R]`,
      `vc[C]`):
      ```
      vr' = decay vr + (1 - decay) mean_j g2[i, j]
      vc' = decay vc + (1 - decay) mean_i g2[i, j]
      u   = g / sqrt(vr'[i] / mean(vr')) / sqrt(vc'[j])
      ```
    - otherwise (one moment `v` of the parameter's shape):
      `v' = decay v + (1 - decay) g2`, `u = g / sqrt(v')`.

    Then the update is clipped by its root mean square and scaled by the
    parameter's:
    ```
    u  = u / max(1, rms(u) / update_clip)
    p' = p - lr max(rms(p), min_scale) u
    ```

    ```mlir
    %p2, %vr2, %vc2 = tvq.adafactor_update %p, %g, %step, %lr, %vr, %vc
        {decay_rate = 0.8 : f64, epsilon = 1.0e-30 : f64,
         update_clip = 1.0 : f64, min_scale = 1.0e-3 : f64}
        : (tensor<768x128xf32>, tensor<768x128xf32>, tensor<i64>,
           tensor<f32>, tensor<768xf32>, tensor<128xf32>)
        -> (tensor<768x128xf32>, tensor<768xf32>, tensor<128xf32>)
    ```
  }];
  let arguments = (ins TVQ_F32Tensor:$param, TVQ_F32Tensor:$grad,
                       TVQ_I64Tensor:$step, TVQ_F32Tensor:$lr,
                       Variadic<TVQ_F32Tensor>:$moments, F64Attr:$decay_rate,
                       F64Attr:$epsilon, F64Attr:$update_clip,
                       F64Attr:$min_scale);
  let results = (outs TVQ_F32Tensor:$new_param,
                      Variadic<TVQ_F32Tensor>:$new_moments);
  let assemblyFormat = [{
    $param `,` $grad `,` $step `,` $lr `,` $moments attr-dict
    `:` functional-type(operands, results)
  }];
}

//===----------------------------------------------------------------------===//
// output_ready: a result of the entry point is final (communication overlap)
//===----------------------------------------------------------------------===//

def TVQ_OutputReadyOp : Op<TVQ_Dialect, "output_ready", [
    MemoryEffects<[MemRead, MemWrite]>,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>]> {
  let summary = "Announces that a result of the entry point is final";
  let description = [{
    `tvq.output_ready %v {index = i}` says that `%v`, result `i` of the
    enclosing function, holds its final value from this point on, while the
    rest of the function still runs. `tvq-derive-train-step` places one
    after the last write of every gradient of a `train_grads` entry, so a
    runtime can start the gradient's all-reduce while the backward pass
    goes on (data parallelism with communication overlapping the backward
    pass).

    The op only reads `%v`. It works on the tensor and, after
    bufferization, on the buffer; `tvq-lower-output-ready` then turns it
    into a call of the runtime's hook, if one is installed
    (`_tvq_output_hook`, docs/abi.md), with the result's index, data and
    size in bytes. The write effect keeps it in place: it is never dead.

    ```mlir
    tvq.output_ready %d_w {index = 5 : i64} : tensor<128x256xf32>
    ```
  }];
  let arguments = (ins AnyTypeOf<[AnyRankedTensor, AnyMemRef]>:$value,
                       ConfinedAttr<I64Attr, [IntNonNegative]>:$index);
  let assemblyFormat = "$value attr-dict `:` type($value)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// recompute_input: where a recomputation in the backward starts
//===----------------------------------------------------------------------===//

def TVQ_RecomputeInputOp : Op<TVQ_Dialect, "recompute_input", [
    SameOperandsAndResultType,
    DeclareOpInterfaceMethods<BufferizableOpInterface,
        ["bufferizesToMemoryRead", "bufferizesToMemoryWrite",
         "getAliasingValues", "bufferize"]>]> {
  let summary = "The input of a forward recomputed in the backward";
  let description = [{
    `%y = tvq.recompute_input %x` has the value of `%x`. `tvq-derive-gradients`
    puts one on each computed input of a function marked `tvq.recompute`
    before it recomputes the function's forward in the backward (activation
    recomputation), so the recomputed ops have operands of their own and
    `cse` cannot merge them back into the forward's, which would keep the
    forward's activations alive until the backward again. For the same
    reason the parallel lowering of `tvq.vq_attention_grad`
    (`convert-tvq-to-linalg{parallel-blocks=true}`) rebuilds the attention's
    block states from inputs renamed by it.

    Its result is declared freshly allocated: that keeps `cse` from merging
    two of them, and lets dead ones be erased. Bufferization replaces it by
    the input's buffer (no copy).

    ```mlir
    %x2 = tvq.recompute_input %x1 : tensor<?x?x128xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input);
  let results = (outs Res<AnyRankedTensor, "", [MemAlloc]>:$output);
  let assemblyFormat = "$input attr-dict `:` type($input)";
}

#endif // TVQ_OPS_TD
