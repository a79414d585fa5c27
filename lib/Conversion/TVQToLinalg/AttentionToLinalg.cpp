//===- AttentionToLinalg.cpp - VQ ops to linalg on tensors ----------------===//
//
// Each tvq op becomes a short chain of linalg.generic ops (contractions,
// reductions and elementwise maps) on tensors. The attention op is lowered
// for exactly one block; tvq-split-attention-blocks makes the block loop.
//
//===----------------------------------------------------------------------===//

#include "BlockWeights.h"
#include "GenericBuilder.h"
#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

using namespace mlir;
using namespace mlir::tvq;

namespace {

//===----------------------------------------------------------------------===//
// vq_quantize
//===----------------------------------------------------------------------===//

struct VQQuantizeLowering : OpRewritePattern<VQQuantizeOp> {
  VQQuantizeLowering(MLIRContext *ctx, bool transposedCodebook)
      : OpRewritePattern(ctx), transposedCodebook(transposedCodebook) {}
  bool transposedCodebook;

  LogicalResult matchAndRewrite(VQQuantizeOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value keys = op.getKeys(), codebook = op.getCodebook();
    OpFoldResult b = g.size(keys, 0), t = g.size(keys, 1), k = g.size(keys, 2),
                 s = g.size(codebook, 0);

    // dist[b,t,s] = sum_k (keys[b,t,k] - C[s,k])^2, loops (b, t, s, k).
    // With `transposedCodebook` the sum reads C^T[k,s] (a linalg.transpose
    // first): the GPU's threads run over s, so a warp then reads 32
    // neighbouring codes' k-th entries side by side instead of 32 rows.
    // The same values in the same order: the same distances.
    Value codes = codebook;
    AffineMap codeMap = g.map(4, {2, 3});
    if (transposedCodebook) {
      codes =
          linalg::TransposeOp::create(rewriter, op.getLoc(), codebook,
                                      g.empty({k, s}, rewriter.getF32Type()),
                                      ArrayRef<int64_t>{1, 0})
              .getResult()[0];
      codeMap = g.map(4, {3, 2});
    }
    Value dist = g.generic({keys, codes}, g.filledF32({b, t, s}, 0.0),
                           {g.map(4, {0, 1, 3}), codeMap, g.map(4, {0, 1, 2})},
                           {kPar, kPar, kPar, kRed},
                           [](OpBuilder &nb, Location l, ValueRange a) {
                             Value d = arith::SubFOp::create(nb, l, a[0], a[1]);
                             return addF(nb, l, a[2], mulF(nb, l, d, d));
                           });

    // (min, argmin) over s; ties go to the lowest index whatever the order.
    Value inf = g.filledF32({b, t}, std::numeric_limits<float>::infinity());
    Value zeroIdx =
        g.filled({b, t}, rewriter.getI32Type(), rewriter.getI32IntegerAttr(0));
    SmallVector<Value> minArg = g.genericN(
        {dist}, {inf, zeroIdx},
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1})},
        {kPar, kPar, kRed}, [](OpBuilder &nb, Location l, ValueRange a) {
          Value s = arith::IndexCastOp::create(nb, l, nb.getI32Type(),
                                               loopIndex(nb, l, 2));
          Value less = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLT,
                                             a[0], a[1]);
          Value equal = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                              a[0], a[1]);
          Value lower =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, s, a[2]);
          Value take = arith::OrIOp::create(
              nb, l, less, arith::AndIOp::create(nb, l, equal, lower));
          return SmallVector<Value>{
              arith::SelectOp::create(nb, l, take, a[0], a[1]),
              arith::SelectOp::create(nb, l, take, s, a[2])};
        });

    // quantized[b,t,k] = C[codes[b,t], k].
    Value quantized = g.generic(
        {minArg[1]}, g.empty({b, t, k}, rewriter.getF32Type()),
        {g.map(3, {0, 1}), g.map(3, {0, 1, 2})}, {kPar, kPar, kPar},
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value row =
              arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[0]);
          return tensor::ExtractOp::create(nb, l, codebook,
                                           ValueRange{row, loopIndex(nb, l, 2)})
              .getResult();
        });

    // errors = relu(min distance).
    Value errors = g.generic(
        {minArg[0]}, g.empty({b, t}, rewriter.getF32Type()),
        {g.map(2, {0, 1}), g.map(2, {0, 1})}, {kPar, kPar},
        [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::MaximumFOp::create(nb, l, a[0], constF(nb, l, 0.0f))
              .getResult();
        });

    rewriter.replaceOp(op, {castTo(rewriter, op.getQuantized(), quantized),
                            castTo(rewriter, op.getCodes(), minArg[1]),
                            castTo(rewriter, op.getErrors(), errors)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// codebook_ema
//===----------------------------------------------------------------------===//

/// The EMA statistics of keys [B, T, K] and their codes [B, T] for S codes:
/// one-hot counts [S] and key sums [S, K] (codebook_stats, codebook_ema).
/// With `oneHotProducts` the codes become a one-hot tensor [B, T, S] first
/// and the key sums a matrix product with it (onehotᵀ · keys, which the CUDA
/// pipeline hands to cuBLAS); otherwise each sum selects its code's keys in
/// its own loop over all B x T positions (S·K·B·T compares and selects).
static std::pair<Value, Value> buildCodebookStats(GenericBuilder &g, Value keys,
                                                  Value codes, OpFoldResult s,
                                                  OpFoldResult k,
                                                  bool oneHotProducts) {
  // Is position (b, t) assigned to code s? Loop dimension `sDim` is s.
  auto isCode = [](OpBuilder &nb, Location l, Value code, unsigned sDim) {
    Value s = arith::IndexCastOp::create(nb, l, nb.getI32Type(),
                                         loopIndex(nb, l, sDim));
    return arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, code, s)
        .getResult();
  };

  if (oneHotProducts) {
    Value onehot = g.oneHot(codes, s);
    // counts[s] = sum_{b,t} onehot[b,t,s], loops (s, b, t).
    Value counts = g.generic(
        {onehot}, g.filledF32({s}, 0.0), {g.map(3, {1, 2, 0}), g.map(3, {0})},
        {kPar, kRed, kRed}, [&](OpBuilder &nb, Location l, ValueRange a) {
          return addF(nb, l, a[1], a[0]);
        });
    // sums[s,k] = sum_{b,t} onehot[b,t,s] keys[b,t,k], loops (s, k, b, t).
    Value sums = g.generic(
        {onehot, keys}, g.filledF32({s, k}, 0.0),
        {g.map(4, {2, 3, 0}), g.map(4, {2, 3, 1}), g.map(4, {0, 1})},
        {kPar, kPar, kRed, kRed}, [&](OpBuilder &nb, Location l, ValueRange a) {
          return addF(nb, l, a[2], mulF(nb, l, a[0], a[1]));
        });
    return {sums, counts};
  }

  // counts[s] = sum_{b,t} [codes[b,t] == s], loops (s, b, t).
  Value counts = g.generic(
      {codes}, g.filledF32({s}, 0.0), {g.map(3, {1, 2}), g.map(3, {0})},
      {kPar, kRed, kRed}, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value one =
            arith::SelectOp::create(nb, l, isCode(nb, l, a[0], 0),
                                    constF(nb, l, 1.0f), constF(nb, l, 0.0f));
        return addF(nb, l, a[1], one);
      });
  // sums[s,k] = sum_{b,t} [codes[b,t] == s] keys[b,t,k], loops (s,k,b,t).
  Value sums = g.generic(
      {codes, keys}, g.filledF32({s, k}, 0.0),
      {g.map(4, {2, 3}), g.map(4, {2, 3, 1}), g.map(4, {0, 1})},
      {kPar, kPar, kRed, kRed}, [&](OpBuilder &nb, Location l, ValueRange a) {
        Value x = arith::SelectOp::create(nb, l, isCode(nb, l, a[0], 0), a[1],
                                          constF(nb, l, 0.0f));
        return addF(nb, l, a[2], x);
      });
  return {sums, counts};
}

/// new = gamma * old + (1 - gamma) * stat, elementwise (codebook_blend,
/// codebook_ema).
static Value blendStatistic(GenericBuilder &g, Type f32, Value old, Value stat,
                            float gamma) {
  unsigned rank = cast<RankedTensorType>(old.getType()).getRank();
  SmallVector<unsigned> dims;
  for (unsigned i = 0; i < rank; ++i)
    dims.push_back(i);
  SmallVector<IteratorType> iters(rank, kPar);
  return g.generic({old, stat}, g.empty(g.sizes(old), f32),
                   {g.map(rank, dims), g.map(rank, dims), g.map(rank, dims)},
                   iters, [&](OpBuilder &nb, Location l, ValueRange a) {
                     return addF(
                         nb, l, mulF(nb, l, constF(nb, l, gamma), a[0]),
                         mulF(nb, l, constF(nb, l, 1.0f - gamma), a[1]));
                   });
}

struct CodebookEMALowering : OpRewritePattern<CodebookEMAOp> {
  CodebookEMALowering(MLIRContext *ctx, bool oneHotProducts)
      : OpRewritePattern(ctx), oneHotProducts(oneHotProducts) {}
  bool oneHotProducts;

  LogicalResult matchAndRewrite(CodebookEMAOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    auto gamma = static_cast<float>(op.getGamma().convertToDouble());
    auto [sums, counts] = buildCodebookStats(
        g, op.getKeys(), op.getCodes(), g.size(op.getCSum(), 0),
        g.size(op.getCSum(), 1), oneHotProducts);
    Type f32 = rewriter.getF32Type();
    Value newSum = blendStatistic(g, f32, op.getCSum(), sums, gamma);
    Value newCount = blendStatistic(g, f32, op.getCCount(), counts, gamma);
    rewriter.replaceOp(op, {castTo(rewriter, op.getNewSum(), newSum),
                            castTo(rewriter, op.getNewCount(), newCount)});
    return success();
  }
};

struct CodebookStatsLowering : OpRewritePattern<CodebookStatsOp> {
  CodebookStatsLowering(MLIRContext *ctx, bool oneHotProducts)
      : OpRewritePattern(ctx), oneHotProducts(oneHotProducts) {}
  bool oneHotProducts;

  LogicalResult matchAndRewrite(CodebookStatsOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    auto [sums, counts] = buildCodebookStats(
        g, op.getKeys(), op.getCodes(), g.size(op.getSums(), 0),
        g.size(op.getSums(), 1), oneHotProducts);
    rewriter.replaceOp(op, {castTo(rewriter, op.getSums(), sums),
                            castTo(rewriter, op.getCounts(), counts)});
    return success();
  }
};

struct CodebookBlendLowering : OpRewritePattern<CodebookBlendOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(CodebookBlendOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    auto gamma = static_cast<float>(op.getGamma().convertToDouble());
    Type f32 = rewriter.getF32Type();
    Value newSum = blendStatistic(g, f32, op.getCSum(), op.getSums(), gamma);
    Value newCount =
        blendStatistic(g, f32, op.getCCount(), op.getCounts(), gamma);
    rewriter.replaceOp(op, {castTo(rewriter, op.getNewSum(), newSum),
                            castTo(rewriter, op.getNewCount(), newCount)});
    return success();
  }
};

//===----------------------------------------------------------------------===//
// vq_attention (one block)
//===----------------------------------------------------------------------===//

/// init[b,i,x] + sum_j weights[b,i,j] * vals[b,j,x]: a block's weights
/// (over the cache or the buffer) times the cache means or buffer values.
static Value addWeightedSum(GenericBuilder &g, Value weights, Value vals,
                            Value init) {
  return g.generic(
      {weights, vals}, init,
      {g.map(4, {0, 1, 3}), g.map(4, {0, 3, 2}), g.map(4, {0, 1, 2})},
      {kPar, kPar, kPar, kRed}, [](OpBuilder &nb, Location nl, ValueRange a) {
        return addF(nb, nl, a[2], mulF(nb, nl, a[0], a[1]));
      });
}

/// The output of a one-block attention as generics: the weights of the
/// queries over the cache and the buffer (BlockWeights.h), the weighted sums
/// of the cache means and the buffer values, divided by the row sums.
static Value buildBlockOutput(GenericBuilder &g, int64_t memLen, Value qu,
                              Value codebook, Value count, Value mean,
                              Value bufKeys, Value bufValues, Value relative,
                              Value seen) {
  OpBuilder &builder = g.builder();
  Type f32 = builder.getF32Type();
  OpFoldResult b = g.size(qu, 0), l = g.size(qu, 1), v = g.size(bufValues, 2);
  Value noOffset = arith::ConstantOp::create(builder, g.location(),
                                             builder.getI64IntegerAttr(0));
  BlockWeights weights = buildBlockWeights(g, memLen, qu, codebook, count,
                                           bufKeys, relative, seen, noOffset);

  // Unnormalized output: weights times cache means, plus weights times
  // buffer values.
  Value acc =
      addWeightedSum(g, weights.cache, mean, g.filledF32({b, l, v}, 0.0));
  acc = addWeightedSum(g, weights.buffer, bufValues, acc);
  return g.generic(
      {acc, weights.rowSum}, g.empty({b, l, v}, f32),
      {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1, 2})},
      {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
        return arith::DivFOp::create(nb, nl, a[0], a[1]).getResult();
      });
}

struct VQAttentionBlockLowering : OpRewritePattern<VQAttentionOp> {
  VQAttentionBlockLowering(MLIRContext *ctx, AttentionKernels kernels,
                           bool oneHotProducts)
      : OpRewritePattern(ctx), kernels(kernels),
        oneHotProducts(oneHotProducts) {}
  AttentionKernels kernels;
  bool oneHotProducts;

  LogicalResult matchAndRewrite(VQAttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t blockLen = op.getBlockLen(), memLen = op.getMemLen();
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    if (qType.isDynamicDim(1) || qType.getDimSize(1) != blockLen)
      return rewriter.notifyMatchFailure(
          op, "sequence length is not one block; run "
              "tvq-split-attention-blocks first");

    Location loc = op.getLoc();
    GenericBuilder g(rewriter, loc);
    Type f32 = rewriter.getF32Type();
    SmallVector<Value> state = op.getStateOrZeros(rewriter);
    Value count = state[0], mean = state[1], winCodes = state[2],
          winKeys = state[3], winValues = state[4], seen = state[5];
    Value q = op.getQ(), codebook = op.getCodebook();

    OpFoldResult b = g.size(q, 0), k = g.size(q, 2), v = g.size(op.getV(), 2),
                 s = g.size(codebook, 0);
    OpFoldResult l = g.index(blockLen), m = g.index(memLen),
                 n = g.index(memLen + blockLen), m1 = g.index(memLen + 1);

    // The buffer of M + L uncompressed positions: the window, then the block.
    auto concat = [&](Value window, Value block, ArrayRef<OpFoldResult> sz) {
      Type elt = cast<RankedTensorType>(block.getType()).getElementType();
      Value buf = g.empty(sz, elt);
      SmallVector<OpFoldResult> zeros(sz.size(), g.index(0));
      SmallVector<OpFoldResult> ones(sz.size(), g.index(1));
      SmallVector<OpFoldResult> winSizes(sz), blkSizes(sz);
      winSizes[1] = m;
      blkSizes[1] = l;
      buf = tensor::InsertSliceOp::create(rewriter, loc, window, buf, zeros,
                                          winSizes, ones);
      SmallVector<OpFoldResult> offsets(zeros);
      offsets[1] = m;
      return tensor::InsertSliceOp::create(rewriter, loc, block, buf, offsets,
                                           blkSizes, ones)
          .getResult();
    };
    Value bufKeys = concat(winKeys, op.getKHat(), {b, n, k});
    Value bufValues = concat(winValues, op.getV(), {b, n, v});
    Value bufCodes = concat(winCodes, op.getCodes(), {b, n});

    // q + u and q + w, and (q + w)·r_d for each distance d: [B, L, M + 1].
    Value qu = addToQueries(g, q, op.getU()),
          qw = addToQueries(g, q, op.getW());
    Value relative = queryDots(g, qw, op.getR(), g.map(4, {2, 3}), m1);
    Value output;
    switch (kernels) {
    case AttentionKernels::Generic:
      output = buildBlockOutput(g, memLen, qu, codebook, count, mean, bufKeys,
                                bufValues, relative, seen);
      break;
    case AttentionKernels::Softmax: {
      // Normalized weights from one kernel, then two products.
      BlockProbabilities probs = buildFusedBlockSoftmax(
          g, memLen, qu, codebook, count, bufKeys, relative, seen);
      output =
          addWeightedSum(g, probs.cache, mean, g.filledF32({b, l, v}, 0.0));
      output = addWeightedSum(g, probs.buffer, bufValues, output);
      break;
    }
    case AttentionKernels::Fused: {
      Value init = g.empty({b, l, v}, f32);
      output = FusedBlockAttentionOp::create(
                   rewriter, loc, TypeRange{init.getType()},
                   ValueRange{qu, codebook, count, mean, bufKeys, bufValues,
                              relative, seen},
                   init, op.getMemLenAttr())
                   .getResult()[0];
      break;
    }
    }

    // The L oldest buffer slots leave the window into the cache. Slot p
    // (position seen-M+p) counts when its position is >= 0 and its code is s.
    auto leaves = [&](OpBuilder &nb, Location nl, Value code, Value seenB,
                      unsigned sDim, unsigned pDim) {
      Value sI32 = arith::IndexCastOp::create(nb, nl, nb.getI32Type(),
                                              loopIndex(nb, nl, sDim));
      Value p = arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                           loopIndex(nb, nl, pDim));
      Value pos = arith::AddIOp::create(
          nb, nl,
          arith::SubIOp::create(
              nb, nl, seenB,
              arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(memLen))),
          p);
      Value started = arith::CmpIOp::create(
          nb, nl, arith::CmpIPredicate::sge, pos,
          arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(0)));
      Value same =
          arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, code, sI32);
      return arith::AndIOp::create(nb, nl, started, same).getResult();
    };
    // The leaving slots: the first L of the buffer.
    Value leavingValues = tensor::ExtractSliceOp::create(
        rewriter, loc, bufValues, SmallVector<OpFoldResult>(3, g.index(0)),
        SmallVector<OpFoldResult>{b, l, v},
        SmallVector<OpFoldResult>(3, g.index(1)));
    Value leavingCodes = tensor::ExtractSliceOp::create(
        rewriter, loc, bufCodes, SmallVector<OpFoldResult>(2, g.index(0)),
        SmallVector<OpFoldResult>{b, l},
        SmallVector<OpFoldResult>(2, g.index(1)));
    // addedSum[b,s,x] = sum of the leaving values with code s, loops
    // (b, s, x, p): S x L x V compares and selects per batch row. A product
    // pays for blocks, not for decoding's single token (L = 1: one pass).
    Value addedSum;
    if (!oneHotProducts || blockLen == 1) {
      addedSum = g.generic({leavingCodes, seen, leavingValues},
                           g.filledF32({b, s, v}, 0.0),
                           {g.map(4, {0, 3}), g.map(4, {0}),
                            g.map(4, {0, 3, 2}), g.map(4, {0, 1, 2})},
                           {kPar, kPar, kPar, kRed},
                           [&](OpBuilder &nb, Location nl, ValueRange a) {
                             Value x = arith::SelectOp::create(
                                 nb, nl, leaves(nb, nl, a[0], a[1], 1, 3), a[2],
                                 constF(nb, nl, 0.0f));
                             return addF(nb, nl, a[3], x);
                           });
    } else {
      // A batched matrix product instead (cuBLAS on CUDA): the leaving slots
      // as one-hot rows [B, L, S] (1 where the slot leaves with code s)
      // times their values [B, L, V]. A slot that holds no position yet adds
      // 0 x its value, nothing for a finite value, as in the products of
      // the weights and the buffer's values (unused slots are ignored when
      // finite, docs/design.md section 1). The values are read through
      // slices, so tvq-bf16-activations leaves them f32 (the cache's means
      // stay f32).
      Value leavingOneHot = g.generic(
          {leavingCodes, seen}, g.empty({b, l, s}, f32),
          {g.map(3, {0, 1}), g.map(3, {0}), g.map(3, {0, 1, 2})},
          {kPar, kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
            return arith::SelectOp::create(
                       nb, nl, leaves(nb, nl, a[0], a[1], 2, 1),
                       constF(nb, nl, 1.0f), constF(nb, nl, 0.0f))
                .getResult();
          });
      // Loops (b, s, x, p).
      addedSum = g.generic(
          {leavingOneHot, leavingValues}, g.filledF32({b, s, v}, 0.0),
          {g.map(4, {0, 3, 1}), g.map(4, {0, 3, 2}), g.map(4, {0, 1, 2})},
          {kPar, kPar, kPar, kRed},
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            return addF(nb, nl, a[2], mulF(nb, nl, a[0], a[1]));
          });
    }
    // added[b,s] = number of leaving slots with code s, loops (b, s, p).
    Value added = g.generic({leavingCodes, seen}, g.filledF32({b, s}, 0.0),
                            {g.map(3, {0, 2}), g.map(3, {0}), g.map(3, {0, 1})},
                            {kPar, kPar, kRed},
                            [&](OpBuilder &nb, Location nl, ValueRange a) {
                              Value one = arith::SelectOp::create(
                                  nb, nl, leaves(nb, nl, a[0], a[1], 1, 2),
                                  constF(nb, nl, 1.0f), constF(nb, nl, 0.0f));
                              return addF(nb, nl, a[2], one);
                            });

    // count' = count + added; mean' = (count/max(count',1))·mean +
    // addedSum/max(count',1).
    Value newCount =
        g.generic({count, added}, g.empty({b, s}, f32),
                  {g.map(2, {0, 1}), g.map(2, {0, 1}), g.map(2, {0, 1})},
                  {kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
                    return addF(nb, nl, a[0], a[1]);
                  });
    Value newMean = g.generic(
        {count, newCount, mean, addedSum}, g.empty({b, s, v}, f32),
        {g.map(3, {0, 1}), g.map(3, {0, 1}), g.map(3, {0, 1, 2}),
         g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2})},
        {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
          Value denomN =
              arith::MaximumFOp::create(nb, nl, a[1], constF(nb, nl, 1.0f));
          Value kept =
              mulF(nb, nl, arith::DivFOp::create(nb, nl, a[0], denomN), a[2]);
          return addF(nb, nl, kept,
                      arith::DivFOp::create(nb, nl, a[3], denomN));
        });

    // The newest M buffer slots are the new window.
    auto newest = [&](Value buf) {
      auto type = cast<RankedTensorType>(buf.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), g.index(0));
      offsets[1] = l;
      SmallVector<OpFoldResult> sizes = g.sizes(buf);
      sizes[1] = m;
      return tensor::ExtractSliceOp::create(
                 rewriter, loc, buf, offsets, sizes,
                 SmallVector<OpFoldResult>(type.getRank(), g.index(1)))
          .getResult();
    };
    Value newSeen =
        g.generic({seen}, g.empty({b}, rewriter.getI64Type()),
                  {g.map(1, {0}), g.map(1, {0})}, {kPar},
                  [&](OpBuilder &nb, Location nl, ValueRange a) {
                    return arith::AddIOp::create(
                               nb, nl, a[0],
                               arith::ConstantOp::create(
                                   nb, nl, nb.getI64IntegerAttr(blockLen)))
                        .getResult();
                  });

    SmallVector<Value> results = {
        output,          newCount,          newMean, newest(bufCodes),
        newest(bufKeys), newest(bufValues), newSeen};
    for (unsigned i = 0; i < results.size(); ++i)
      results[i] = castTo(rewriter, op->getResult(i), results[i]);
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::tvq::populateAttentionToLinalgPatterns(RewritePatternSet &patterns,
                                                  AttentionKernels kernels,
                                                  bool oneHotProducts,
                                                  bool transposedCodebook) {
  patterns.add<VQQuantizeLowering>(patterns.getContext(), transposedCodebook);
  patterns.add<CodebookBlendLowering>(patterns.getContext());
  patterns.add<CodebookEMALowering, CodebookStatsLowering>(
      patterns.getContext(), oneHotProducts);
  patterns.add<VQAttentionBlockLowering>(patterns.getContext(), kernels,
                                         oneHotProducts);
}
