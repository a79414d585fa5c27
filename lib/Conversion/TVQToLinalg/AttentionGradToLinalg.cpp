//===- AttentionGradToLinalg.cpp - Backward of VQ attention ---------------===//
//
// tvq.vq_attention_grad over a whole sequence (T = R·L, B and T dynamic)
// becomes two scf.for loops over the R blocks, on tensors:
//
//  1. Forward, first block first: only the cache recurrence of section 4
//     (the L oldest buffer slots leave into counts and means). The cache each
//     block starts from is recorded into stacked tensors count [R, B, S] and
//     mean [R, B, S, V].
//  2. Backward, last block first: the block's softmax weights are recomputed
//     from the recorded cache (the same formulas as the forward lowering of
//     one block), then
//       D_i   = sum_j a_c dO_i·mean_j + sum_j' a_b dO_i·v_j'  (= dO_i·o_i)
//       ds_c  = a_c (dO_i·mean_j - D_i),  ds_b = a_b (dO_i·v_j' - D_i)
//     give dq (through q + u and, in the band, q + w), du, dw, dr, the
//     gradients of the buffer's keys and values, and dmean_j = sum_i a_c dO_i.
//     A mean is sum_{s in cache, z_s = j} v_s / count_j, so G[b, j, :]
//     accumulates dmean_r / max(count_r, 1) over the blocks done so far (all
//     later blocks); the L positions that enter the cache at block r + 1 (the
//     oldest slots of block r's buffer) receive G[b, z_s, :] before block r
//     is added to G.
//
// Positions are indexed in the extended sequence ext = [incoming window (M
// slots) ; sequence (T)], so block r's buffer is ext[rL, rL + M + L) and the
// buffer slot j' holds the position seen + rL - M + j'. Gradients are
// accumulated for ext and sliced to [M, M + T): the incoming state (window and
// cache) gets no gradient. Keys in the compressed cache are the codebook,
// which is not differentiated, so a key gets gradient only from the blocks
// whose buffer holds it.
//
// Memory: the recorded caches take R·B·S·(V + 1) floats (a training window of
// 2048 positions, L = 512, S = 512, V = 1536: 12.6 MB per sequence); the
// gradients of ext take B·(M + T)·(K + V).
//
//===----------------------------------------------------------------------===//

#include "BlockWeights.h"
#include "GenericBuilder.h"
#include "tvq/Dialect/TVQ/IR/AttentionBlocks.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>
#include <tuple>

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// The sizes every helper needs: batch B, d_k K, d_v V, codebook size S, and
/// the block length L and window M.
struct AttentionDims {
  OpFoldResult b, k, v, s;
  int64_t blockLen, memLen;
};

/// Static size of an OpFoldResult, or ShapedType::kDynamic.
static int64_t staticSize(OpFoldResult size) {
  return getConstantIntValue(size).value_or(ShapedType::kDynamic);
}

/// An OpFoldResult as an index value.
static Value indexValue(OpBuilder &b, Location loc, OpFoldResult size) {
  if (auto value = dyn_cast<Value>(size))
    return value;
  return arith::ConstantIndexOp::create(b, loc, *getConstantIntValue(size));
}

/// `src[offsets : offsets + sizes]` with unit strides. With `dropFirst`, the
/// leading dimension (of size 1) is dropped from the result.
static Value slice(OpBuilder &b, Location loc, Value src,
                   ArrayRef<OpFoldResult> offsets, ArrayRef<OpFoldResult> sizes,
                   bool dropFirst = false) {
  auto srcType = cast<RankedTensorType>(src.getType());
  SmallVector<int64_t> shape;
  for (OpFoldResult size : sizes.drop_front(dropFirst ? 1 : 0))
    shape.push_back(staticSize(size));
  auto type = RankedTensorType::get(shape, srcType.getElementType());
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, type, src, offsets, sizes,
                                        strides);
}

/// Inserts `src` into `dest` at `offsets` (unit strides). When `src` has one
/// dimension fewer than `dest`, it fills a slice of size 1 in the leading
/// dimension.
static Value insert(OpBuilder &b, Location loc, Value src, Value dest,
                    ArrayRef<OpFoldResult> offsets) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, src);
  if (sizes.size() + 1 == offsets.size())
    sizes.insert(sizes.begin(), b.getIndexAttr(1));
  SmallVector<OpFoldResult> strides(sizes.size(), b.getIndexAttr(1));
  return tensor::InsertSliceOp::create(b, loc, src, dest, offsets, sizes,
                                       strides);
}

/// Offsets that are zero except for dimension `dim`.
static SmallVector<OpFoldResult> offsetAt(OpBuilder &b, unsigned rank,
                                          unsigned dim, OpFoldResult offset) {
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[dim] = offset;
  return offsets;
}

/// `window` (dimension 1 of size M) followed by `seq` (dimension 1 of size T)
/// along dimension 1.
static Value concatSeq(GenericBuilder &g, Value window, Value seq,
                       OpFoldResult extLen, int64_t memLen) {
  OpBuilder &b = g.builder();
  Location loc = g.location();
  auto type = cast<RankedTensorType>(seq.getType());
  SmallVector<OpFoldResult> sizes = g.sizes(seq);
  sizes[1] = extLen;
  Value ext = g.empty(sizes, type.getElementType());
  ext = insert(b, loc, window, ext,
               offsetAt(b, type.getRank(), 1, b.getIndexAttr(0)));
  return insert(b, loc, seq, ext,
                offsetAt(b, type.getRank(), 1, b.getIndexAttr(memLen)));
}

/// The cache after the L slots ext[offset, offset + L) leave the window into
/// it (those with a position >= 0): the update of the forward lowering.
static std::pair<Value, Value>
updateCache(GenericBuilder &g, const AttentionDims &d, Value count, Value mean,
            Value extCodes, Value extValues, Value seen, OpFoldResult offset,
            Value offsetI64) {
  OpBuilder &b = g.builder();
  Location loc = g.location();
  Type f32 = b.getF32Type();
  OpFoldResult l = g.index(d.blockLen);
  Value codes = slice(b, loc, extCodes, offsetAt(b, 2, 1, offset), {d.b, l});
  Value values =
      slice(b, loc, extValues, offsetAt(b, 3, 1, offset), {d.b, l, d.v});
  auto leaves = [&](OpBuilder &nb, Location nl, Value code, Value seenB,
                    unsigned sDim, unsigned pDim) {
    Value sI32 = arith::IndexCastOp::create(nb, nl, nb.getI32Type(),
                                            loopIndex(nb, nl, sDim));
    Value same =
        arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq, code, sI32);
    return arith::AndIOp::create(
               nb, nl, slotStarted(nb, nl, seenB, offsetI64, pDim, d.memLen),
               same)
        .getResult();
  };
  // addedSum[b,s,x] = sum of the leaving values with code s, loops
  // (b, s, x, p).
  Value addedSum = g.generic(
      {codes, seen, values}, g.filledF32({d.b, d.s, d.v}, 0.0),
      {g.map(4, {0, 3}), g.map(4, {0}), g.map(4, {0, 3, 2}),
       g.map(4, {0, 1, 2})},
      {kPar, kPar, kPar, kRed}, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value x =
            arith::SelectOp::create(nb, nl, leaves(nb, nl, a[0], a[1], 1, 3),
                                    a[2], constF(nb, nl, 0.0f));
        return addF(nb, nl, a[3], x);
      });
  // added[b,s] = number of leaving slots with code s, loops (b, s, p).
  Value added = g.generic(
      {codes, seen}, g.filledF32({d.b, d.s}, 0.0),
      {g.map(3, {0, 2}), g.map(3, {0}), g.map(3, {0, 1})}, {kPar, kPar, kRed},
      [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value one =
            arith::SelectOp::create(nb, nl, leaves(nb, nl, a[0], a[1], 1, 2),
                                    constF(nb, nl, 1.0f), constF(nb, nl, 0.0f));
        return addF(nb, nl, a[2], one);
      });
  Value newCount =
      g.generic({count, added}, g.empty({d.b, d.s}, f32),
                {g.map(2, {0, 1}), g.map(2, {0, 1}), g.map(2, {0, 1})},
                {kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
                  return addF(nb, nl, a[0], a[1]);
                });
  // mean' = (count / max(count', 1))·mean + addedSum / max(count', 1).
  Value newMean = g.generic(
      {count, newCount, mean, addedSum}, g.empty({d.b, d.s, d.v}, f32),
      {g.map(3, {0, 1}), g.map(3, {0, 1}), g.map(3, {0, 1, 2}),
       g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2})},
      {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
        Value denom =
            arith::MaximumFOp::create(nb, nl, a[1], constF(nb, nl, 1.0f));
        Value kept =
            mulF(nb, nl, arith::DivFOp::create(nb, nl, a[0], denom), a[2]);
        return addF(nb, nl, kept, arith::DivFOp::create(nb, nl, a[3], denom));
      });
  return {newCount, newMean};
}

/// What the backward of one block needs from its forward.
struct BlockForward {
  Value qu, qw;      // q + u, q + w: [B, L, K]
  Value cacheProbs;  // a_c: [B, L, S]
  Value bufferProbs; // a_b: [B, L, M + L]
};

/// Recomputes the softmax weights of one block (queries `q` [B, L, K]) over
/// the cache (`count` [B, S]) and the buffer of keys `bufKeys` [B, M + L, K]
/// whose slot j' holds position seen - M + offset + j'. The scores are those
/// of the forward lowering of one block, in the same order of operations.
static BlockForward recomputeBlock(GenericBuilder &g, const AttentionDims &d,
                                   Value q, Value bufKeys, Value count,
                                   Value seen, Value offsetI64, Value codebook,
                                   Value u, Value w, Value r) {
  Type f32 = g.builder().getF32Type();
  OpFoldResult l = g.index(d.blockLen), n = g.index(d.memLen + d.blockLen),
               m1 = g.index(d.memLen + 1);
  Value qu = addToQueries(g, q, u), qw = addToQueries(g, q, w);
  Value relative = queryDots(g, qw, r, g.map(4, {2, 3}), m1);
  BlockWeights weights = buildBlockWeights(g, d.memLen, qu, codebook, count,
                                           bufKeys, relative, seen, offsetI64);
  auto normalize = [&](Value x, OpFoldResult cols) {
    return g.generic(
        {x, weights.rowSum}, g.empty({d.b, l, cols}, f32),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1, 2})},
        {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
          return arith::DivFOp::create(nb, nl, a[0], a[1]).getResult();
        });
  };
  return {qu, qw, normalize(weights.cache, d.s), normalize(weights.buffer, n)};
}

/// recomputeBlock with the softmax weights from one
/// tvq.fused_block_softmax (one kernel that never stores a score) instead of
/// generics; for slot offset 0 (the parallel blocks).
static BlockForward recomputeBlockFused(GenericBuilder &g,
                                        const AttentionDims &d, Value q,
                                        Value bufKeys, Value count, Value seen,
                                        Value codebook, Value u, Value w,
                                        Value r) {
  OpFoldResult m1 = g.index(d.memLen + 1);
  Value qu = addToQueries(g, q, u), qw = addToQueries(g, q, w);
  Value relative = queryDots(g, qw, r, g.map(4, {2, 3}), m1);
  BlockProbabilities probs = buildFusedBlockSoftmax(
      g, d.memLen, qu, codebook, count, bufKeys, relative, seen);
  return {qu, qw, probs.cache, probs.buffer};
}

/// The op's incoming state, or the empty one (zero counts, means and window,
/// seen 0).
static SmallVector<Value>
incomingState(GenericBuilder &g, const AttentionDims &d, VQAttentionGradOp op) {
  if (!op.getStateIn().empty())
    return llvm::to_vector(op.getStateIn());
  OpBuilder &b = g.builder();
  OpFoldResult m = g.index(d.memLen);
  return {g.filledF32({d.b, d.s}, 0.0),
          g.filledF32({d.b, d.s, d.v}, 0.0),
          g.filled({d.b, m}, b.getI32Type(), b.getI32IntegerAttr(0)),
          g.filledF32({d.b, m, d.k}, 0.0),
          g.filledF32({d.b, m, d.v}, 0.0),
          g.filled({d.b}, b.getI64Type(), b.getI64IntegerAttr(0))};
}

/// What one block contributes to the gradients.
struct BlockGrads {
  Value dq;             // [B, L, K]
  Value du, dw, dr;     // the given ones plus this block's
  Value dKeys, dValues; // the given buffer-slot gradients plus this block's
  Value dMean;          // [B, S, V]: dmean[b,j,x] = sum_i a_c[b,i,j] dO[b,i,x]
};

/// The backward of one block (of every block at once when B is B x T / L):
/// from its recomputed forward `fwd`, its output gradient `dOutBlock` [B,
/// L, V], its cache means `mean` and its buffer of keys and values [B, M +
/// L, ...]. du, dw, dr, dKeysInit and dValuesInit are accumulated into.
static BlockGrads blockGrads(GenericBuilder &g, const AttentionDims &d,
                             const BlockForward &fwd, Value dOutBlock,
                             Value mean, Value bufKeys, Value bufValues,
                             Value codebook, Value r, Value du, Value dw,
                             Value dr, Value dKeysInit, Value dValuesInit) {
  OpBuilder &b = g.builder();
  Type f32 = b.getF32Type();
  int64_t memLen = d.memLen;
  OpFoldResult l = g.index(d.blockLen), n = g.index(d.memLen + d.blockLen),
               m1 = g.index(d.memLen + 1);
  // dP[b,i,j] = sum_x dO[b,i,x] * vals[b,j,x] (loops b, i, j, x).
  auto outerGrad = [&](Value vals, OpFoldResult cols) {
    return g.generic(
        {dOutBlock, vals}, g.filledF32({d.b, l, cols}, 0.0),
        {g.map(4, {0, 1, 3}), g.map(4, {0, 2, 3}), g.map(4, {0, 1, 2})},
        {kPar, kPar, kPar, kRed}, [](OpBuilder &nb, Location bl, ValueRange a) {
          return addF(nb, bl, a[2], mulF(nb, bl, a[0], a[1]));
        });
  };
  Value dPCache = outerGrad(mean, d.s);
  Value dPBuffer = outerGrad(bufValues, n);

  // D[b,i] = sum_j a·dP over the cache and the buffer (= dO_i·o_i).
  auto rowDot = [&](Value probs, Value dP, Value init) {
    return g.generic(
        {probs, dP}, init,
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2}), g.map(3, {0, 1})},
        {kPar, kPar, kRed}, [](OpBuilder &nb, Location bl, ValueRange a) {
          return addF(nb, bl, a[2], mulF(nb, bl, a[0], a[1]));
        });
  };
  Value rowD = rowDot(fwd.cacheProbs, dPCache, g.filledF32({d.b, l}, 0.0));
  rowD = rowDot(fwd.bufferProbs, dPBuffer, rowD);

  // ds = a (dP - D): the gradient of the scores.
  auto scoreGrad = [&](Value probs, Value dP, OpFoldResult cols) {
    return g.generic(
        {probs, dP, rowD}, g.empty({d.b, l, cols}, f32),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2}), g.map(3, {0, 1}),
         g.map(3, {0, 1, 2})},
        {kPar, kPar, kPar}, [](OpBuilder &nb, Location bl, ValueRange a) {
          return mulF(nb, bl, a[0], arith::SubFOp::create(nb, bl, a[1], a[2]));
        });
  };
  Value dsCache = scoreGrad(fwd.cacheProbs, dPCache, d.s);
  Value dsBuffer = scoreGrad(fwd.bufferProbs, dPBuffer, n);

  // The band: dBand[b,i,d] = dsBuffer[b,i,i+M-d] for d in [0, M].
  // Masked slots have a zero weight, so no mask is needed here.
  Value dBand = g.generic(
      {}, g.empty({d.b, l, m1}, f32), {g.map(3, {0, 1, 2})}, {kPar, kPar, kPar},
      [&](OpBuilder &nb, Location bl, ValueRange) {
        Value i = loopIndex(nb, bl, 1);
        Value slot = arith::SubIOp::create(
            nb, bl,
            arith::AddIOp::create(nb, bl, i, constIndex(nb, bl, memLen)),
            loopIndex(nb, bl, 2));
        return tensor::ExtractOp::create(
                   nb, bl, dsBuffer, ValueRange{loopIndex(nb, bl, 0), i, slot})
            .getResult();
      });

  // out[b,i,k] += sum_j lhs[b,i,j] * rhs[..j.., k] (loops b,i,k,j).
  auto contract = [&](Value lhs, Value rhs, AffineMap rhsMap, Value init) {
    return g.generic(
        {lhs, rhs}, init, {g.map(4, {0, 1, 3}), rhsMap, g.map(4, {0, 1, 2})},
        {kPar, kPar, kPar, kRed}, [](OpBuilder &nb, Location bl, ValueRange a) {
          return addF(nb, bl, a[2], mulF(nb, bl, a[0], a[1]));
        });
  };
  // Through q + u: the codebook and the buffer keys.
  Value dQu = contract(dsCache, codebook, g.map(4, {3, 2}),
                       g.filledF32({d.b, l, d.k}, 0.0));
  dQu = contract(dsBuffer, bufKeys, g.map(4, {0, 3, 2}), dQu);
  // Through q + w: the relative table.
  Value dQw =
      contract(dBand, r, g.map(4, {3, 2}), g.filledF32({d.b, l, d.k}, 0.0));
  Value dqBlock = g.generic(
      {dQu, dQw}, g.empty({d.b, l, d.k}, f32),
      {g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2})},
      {kPar, kPar, kPar}, [](OpBuilder &nb, Location bl, ValueRange a) {
        return addF(nb, bl, a[0], a[1]);
      });

  // du += sum_{b,i} dQu, dw += sum_{b,i} dQw (loops k, b, i).
  auto sumRows = [&](Value x, Value init) {
    return g.generic({x}, init, {g.map(3, {1, 2, 0}), g.map(3, {0})},
                     {kPar, kRed, kRed},
                     [](OpBuilder &nb, Location bl, ValueRange a) {
                       return addF(nb, bl, a[1], a[0]);
                     });
  };
  du = sumRows(dQu, du);
  dw = sumRows(dQw, dw);

  // dr[d,k] += sum_{b,i} dBand[b,i,d] * (q+w)[b,i,k]
  // (loops d, k, b, i).
  dr = g.generic({dBand, fwd.qw}, dr,
                 {g.map(4, {2, 3, 0}), g.map(4, {2, 3, 1}), g.map(4, {0, 1})},
                 {kPar, kPar, kRed, kRed},
                 [](OpBuilder &nb, Location bl, ValueRange a) {
                   return addF(nb, bl, a[2], mulF(nb, bl, a[0], a[1]));
                 });

  // Buffer slots: out[b,j,x] += sum_i lhs[b,i,j] * rhs[b,i,x]
  // (loops b, j, x, i), accumulated into the ext gradients.
  auto slotGrad = [&](Value lhs, Value rhs, Value init) {
    return g.generic(
        {lhs, rhs}, init,
        {g.map(4, {0, 3, 1}), g.map(4, {0, 3, 2}), g.map(4, {0, 1, 2})},
        {kPar, kPar, kPar, kRed}, [](OpBuilder &nb, Location bl, ValueRange a) {
          return addF(nb, bl, a[2], mulF(nb, bl, a[0], a[1]));
        });
  };
  Value dKeys = slotGrad(dsBuffer, fwd.qu, dKeysInit);
  Value dValues = slotGrad(fwd.bufferProbs, dOutBlock, dValuesInit);

  // The cache means: dmean[b,j,x] = sum_i a_c[b,i,j] dO[b,i,x].
  Value dMean =
      slotGrad(fwd.cacheProbs, dOutBlock, g.filledF32({d.b, d.s, d.v}, 0.0));
  return {dqBlock, du, dw, dr, dKeys, dValues, dMean};
}

struct VQAttentionGradLowering : OpRewritePattern<VQAttentionGradOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(VQAttentionGradOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    GenericBuilder g(rewriter, loc);
    Type f32 = rewriter.getF32Type();
    int64_t blockLen = op.getBlockLen(), memLen = op.getMemLen();
    Value q = op.getQ(), codebook = op.getCodebook(), u = op.getU(),
          w = op.getW(), r = op.getR(), dOut = op.getDOutput();

    AttentionDims d{g.size(q, 0),        g.size(q, 2), g.size(op.getV(), 2),
                    g.size(codebook, 0), blockLen,     memLen};
    OpFoldResult l = g.index(blockLen), m = g.index(memLen),
                 n = g.index(memLen + blockLen), m1 = g.index(memLen + 1);

    SmallVector<Value> state = incomingState(g, d, op);
    Value count0 = state[0], mean0 = state[1], seen = state[5];

    // ext = [window ; sequence] for codes, keys and values.
    Value seqLen = tensor::DimOp::create(rewriter, loc, q, 1);
    Value extLenV = arith::AddIOp::create(
        rewriter, loc, seqLen,
        arith::ConstantIndexOp::create(rewriter, loc, memLen));
    OpFoldResult extLen = extLenV;
    Value extCodes = concatSeq(g, state[2], op.getCodes(), extLen, memLen);
    Value extKeys = concatSeq(g, state[3], op.getKHat(), extLen, memLen);
    Value extValues = concatSeq(g, state[4], op.getV(), extLen, memLen);

    Value lenC = arith::ConstantIndexOp::create(rewriter, loc, blockLen);
    Value numBlocks = arith::DivUIOp::create(rewriter, loc, seqLen, lenC);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    OpFoldResult rBlocks = numBlocks;

    auto blockOffset = [&](OpBuilder &b, Location nl, Value block) {
      Value offset = arith::MulIOp::create(b, nl, block, lenC);
      Value offsetI64 =
          arith::IndexCastOp::create(b, nl, b.getI64Type(), offset);
      return std::make_pair(offset, offsetI64);
    };

    // 1. Forward: record the cache each block starts from.
    Value countStack = g.empty({rBlocks, d.b, d.s}, f32);
    Value meanStack = g.empty({rBlocks, d.b, d.s, d.v}, f32);
    auto forward = scf::ForOp::create(
        rewriter, loc, zero, numBlocks, one,
        ValueRange{count0, mean0, countStack, meanStack},
        [&](OpBuilder &b, Location nl, Value block, ValueRange carried) {
          Value offset, offsetI64;
          std::tie(offset, offsetI64) = blockOffset(b, nl, block);
          Value counts =
              insert(b, nl, carried[0], carried[2], offsetAt(b, 3, 0, block));
          Value means =
              insert(b, nl, carried[1], carried[3], offsetAt(b, 4, 0, block));
          Value newCount, newMean;
          std::tie(newCount, newMean) =
              updateCache(g, d, carried[0], carried[1], extCodes, extValues,
                          seen, offset, offsetI64);
          scf::YieldOp::create(b, nl,
                               ValueRange{newCount, newMean, counts, means});
        });
    countStack = forward.getResult(2);
    meanStack = forward.getResult(3);

    // 2. Backward, last block first.
    SmallVector<Value> inits = {
        g.filledF32({d.b, extLen, d.k}, 0.0), // d ext keys
        g.filledF32({d.b, extLen, d.v}, 0.0), // d ext values
        g.empty({d.b, seqLen, d.k}, f32),     // dq (every block writes)
        g.filledF32({d.k}, 0.0),              // du
        g.filledF32({d.k}, 0.0),              // dw
        g.filledF32({m1, d.k}, 0.0),          // dr
        g.filledF32({d.b, d.s, d.v}, 0.0)};   // G: dmean / count, summed
    auto backward = scf::ForOp::create(
        rewriter, loc, zero, numBlocks, one, inits,
        [&](OpBuilder &b, Location nl, Value iter, ValueRange carried) {
          Value last = arith::SubIOp::create(b, nl, numBlocks, one);
          Value block = arith::SubIOp::create(b, nl, last, iter);
          Value offset, offsetI64;
          std::tie(offset, offsetI64) = blockOffset(b, nl, block);
          Value dExtKeys = carried[0], dExtValues = carried[1], dq = carried[2],
                du = carried[3], dw = carried[4], dr = carried[5],
                cacheGrad = carried[6];

          // The oldest L slots of this block's buffer enter the cache at the
          // next block and stay there: they get G[b, code, :], which holds
          // the later blocks. (Slots of negative positions, which never enter
          // the cache, all lie in ext[0, M), whose gradient is dropped.)
          {
            SmallVector<OpFoldResult> offsets = offsetAt(b, 3, 1, offset);
            Value sI32 = arith::IndexCastOp::create(b, nl, b.getI32Type(),
                                                    indexValue(b, nl, d.s));
            Value codes =
                slice(b, nl, extCodes, offsetAt(b, 2, 1, offset), {d.b, l});
            Value dEnter = slice(b, nl, dExtValues, offsets, {d.b, l, d.v});
            dEnter = g.generic(
                {codes}, dEnter, {g.map(3, {0, 1}), g.map(3, {0, 1, 2})},
                {kPar, kPar, kPar},
                [&](OpBuilder &nb, Location bl, ValueRange a) {
                  // Codes outside [0, S) read nothing (and add nothing).
                  Value zeroI32 = arith::ConstantOp::create(
                      nb, bl, nb.getI32IntegerAttr(0));
                  Value inRange = arith::AndIOp::create(
                      nb, bl,
                      arith::CmpIOp::create(nb, bl, arith::CmpIPredicate::sge,
                                            a[0], zeroI32),
                      arith::CmpIOp::create(nb, bl, arith::CmpIPredicate::slt,
                                            a[0], sI32));
                  Value code = arith::IndexCastOp::create(
                      nb, bl, nb.getIndexType(),
                      arith::SelectOp::create(nb, bl, inRange, a[0], zeroI32));
                  Value grad = tensor::ExtractOp::create(
                      nb, bl, cacheGrad,
                      ValueRange{loopIndex(nb, bl, 0), code,
                                 loopIndex(nb, bl, 2)});
                  grad = arith::SelectOp::create(nb, bl, inRange, grad,
                                                 constF(nb, bl, 0.0f));
                  return addF(nb, bl, a[1], grad);
                });
            dExtValues = insert(b, nl, dEnter, dExtValues, offsets);
          }

          // This block's operands and recorded cache.
          Value count = slice(b, nl, countStack, offsetAt(b, 3, 0, block),
                              {g.index(1), d.b, d.s}, /*dropFirst=*/true);
          Value mean = slice(b, nl, meanStack, offsetAt(b, 4, 0, block),
                             {g.index(1), d.b, d.s, d.v}, /*dropFirst=*/true);
          Value qBlock =
              slice(b, nl, q, offsetAt(b, 3, 1, offset), {d.b, l, d.k});
          Value dOutBlock =
              slice(b, nl, dOut, offsetAt(b, 3, 1, offset), {d.b, l, d.v});
          Value bufKeys =
              slice(b, nl, extKeys, offsetAt(b, 3, 1, offset), {d.b, n, d.k});
          Value bufValues =
              slice(b, nl, extValues, offsetAt(b, 3, 1, offset), {d.b, n, d.v});
          BlockForward fwd = recomputeBlock(g, d, qBlock, bufKeys, count, seen,
                                            offsetI64, codebook, u, w, r);

          BlockGrads grads = blockGrads(
              g, d, fwd, dOutBlock, mean, bufKeys, bufValues, codebook, r, du,
              dw, dr,
              slice(b, nl, dExtKeys, offsetAt(b, 3, 1, offset), {d.b, n, d.k}),
              slice(b, nl, dExtValues, offsetAt(b, 3, 1, offset),
                    {d.b, n, d.v}));
          dq = insert(b, nl, grads.dq, dq, offsetAt(b, 3, 1, offset));
          du = grads.du;
          dw = grads.dw;
          dr = grads.dr;
          dExtKeys =
              insert(b, nl, grads.dKeys, dExtKeys, offsetAt(b, 3, 1, offset));
          dExtValues = insert(b, nl, grads.dValues, dExtValues,
                              offsetAt(b, 3, 1, offset));

          // G += dmean / max(count, 1).
          Value dMean = grads.dMean;
          cacheGrad = g.generic(
              {dMean, count, cacheGrad}, g.empty({d.b, d.s, d.v}, f32),
              {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1, 2}),
               g.map(3, {0, 1, 2})},
              {kPar, kPar, kPar}, [](OpBuilder &nb, Location bl, ValueRange a) {
                Value denom = arith::MaximumFOp::create(nb, bl, a[1],
                                                        constF(nb, bl, 1.0f));
                return addF(nb, bl, a[2],
                            arith::DivFOp::create(nb, bl, a[0], denom));
              });

          scf::YieldOp::create(
              b, nl,
              ValueRange{dExtKeys, dExtValues, dq, du, dw, dr, cacheGrad});
        });

    // The positions of this call are ext[M, M + T).
    auto ofCall = [&](Value ext, OpFoldResult width) {
      return slice(rewriter, loc, ext, offsetAt(rewriter, 3, 1, m),
                   {d.b, OpFoldResult(seqLen), width});
    };
    SmallVector<Value> results = {backward.getResult(2),
                                  ofCall(backward.getResult(0), d.k),
                                  ofCall(backward.getResult(1), d.v),
                                  backward.getResult(3),
                                  backward.getResult(4),
                                  backward.getResult(5)};
    for (unsigned i = 0; i < results.size(); ++i)
      results[i] = castTo(rewriter, op->getResult(i), results[i]);
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// With M = L (convert-tvq-to-linalg{parallel-blocks=true}): every block's
/// backward at once. The state each block starts from is built as in the
/// parallel forward (AttentionBlocks.h); the blocks' softmax weights and
/// gradients are then one batch of B x T / L blocks (blockGrads), and the
/// block-to-block flows become shifts and a suffix sum:
/// - a block's buffer is [window = the previous block ; the block], so a
///   position's key and value gradients are its own block's second half
///   plus the next block's first half;
/// - a position of block m enters the cache after block m + 1, so its value
///   gets sum_{n >= m + 2} dmean_n / max(count_n, 1) at its code.
/// The incoming state gets no gradient, as in the loop.
struct VQAttentionGradParallelLowering : OpRewritePattern<VQAttentionGradOp> {
  /// `fused`: the softmax weights from tvq.fused_block_softmax.
  VQAttentionGradParallelLowering(MLIRContext *ctx, bool fused)
      : OpRewritePattern(ctx, /*benefit=*/2), fused(fused) {}
  bool fused;

  LogicalResult matchAndRewrite(VQAttentionGradOp op,
                                PatternRewriter &rewriter) const override {
    int64_t blockLen = op.getBlockLen(), memLen = op.getMemLen();
    if (blockLen != memLen)
      return rewriter.notifyMatchFailure(op, "mem_len differs from block_len");
    Location loc = op.getLoc();
    GenericBuilder g(rewriter, loc);
    Value q = op.getQ();
    AttentionDims d{g.size(q, 0),
                    g.size(q, 2),
                    g.size(op.getV(), 2),
                    g.size(op.getCodebook(), 0),
                    blockLen,
                    memLen};
    SmallVector<Value> state = incomingState(g, d, op);
    // No scf.if for T = 0: with B x 0 blocks every gradient comes out empty
    // or zero, and a buffer yielded by an scf.if would be kept to the end of
    // the function by the deallocation instead of freed after its last use.
    SmallVector<Value> results = build(g, d, op, state, fused);
    for (unsigned i = 0; i < results.size(); ++i)
      results[i] = castTo(rewriter, op->getResult(i), results[i]);
    rewriter.replaceOp(op, results);
    return success();
  }

  /// dq, dk_hat, dv, du, dw, dr (T = 0 included).
  static SmallVector<Value> build(GenericBuilder &g, AttentionDims d,
                                  VQAttentionGradOp op, ArrayRef<Value> state,
                                  bool fused) {
    OpBuilder &b = g.builder();
    Location loc = g.location();
    Type f32 = b.getF32Type();
    int64_t blockLen = d.blockLen;
    OpFoldResult l = g.index(blockLen), n = g.index(d.memLen + blockLen),
                 m1 = g.index(d.memLen + 1);
    BlockShape shape = blockShapeOf(b, loc, op.getQ(), blockLen);
    // Everything here is computed from the positions' inputs and the
    // incoming state renamed by tvq.recompute_input: the forward's parallel
    // form builds the same block states and score products with the same ops
    // from the same values, and cse would merge the two, keeping each layer's
    // states (the means [B nb, S, V] first) and scores alive from its forward
    // to its backward instead of recomputing them here (docs/design.md).
    auto fresh = [&](Value v) -> Value {
      return RecomputeInputOp::create(b, loc, v);
    };
    Value q = fresh(op.getQ()), kHat = fresh(op.getKHat()),
          codes = fresh(op.getCodes()), v = fresh(op.getV());
    BlockStates s =
        buildBlockStates(b, loc, shape, d.memLen, codes, kHat, v,
                         op.getCodebook(), llvm::map_to_vector(state, fresh));

    // Every block at once: a batch of B x T / L.
    AttentionDims blocks = d;
    blocks.b = tensor::getMixedSize(b, loc, s.count, 0);
    Value qBlocks = toBlocks(b, loc, shape, q);
    Value dOutBlocks = toBlocks(b, loc, shape, op.getDOutput());
    Value bufKeys =
        concatSeq(g, s.winKeys, toBlocks(b, loc, shape, kHat), n, d.memLen);
    Value bufValues =
        concatSeq(g, s.winValues, toBlocks(b, loc, shape, v), n, d.memLen);
    Value zeroOffset =
        arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0));
    BlockForward fwd =
        fused ? recomputeBlockFused(g, blocks, qBlocks, bufKeys, s.count,
                                    s.seen, op.getCodebook(), op.getU(),
                                    op.getW(), op.getR())
              : recomputeBlock(g, blocks, qBlocks, bufKeys, s.count, s.seen,
                               zeroOffset, op.getCodebook(), op.getU(),
                               op.getW(), op.getR());
    BlockGrads grads =
        blockGrads(g, blocks, fwd, dOutBlocks, s.mean, bufKeys, bufValues,
                   op.getCodebook(), op.getR(), g.filledF32({d.k}, 0.0),
                   g.filledF32({d.k}, 0.0), g.filledF32({m1, d.k}, 0.0),
                   g.filledF32({blocks.b, n, d.k}, 0.0),
                   g.filledF32({blocks.b, n, d.v}, 0.0));

    // A position's gradient: its block's second half plus the next block's
    // first half (the next block's window). [B, nb, L, x] each.
    auto perPosition = [&](Value buffer, OpFoldResult width) {
      Value own =
          slice(b, loc, buffer, offsetAt(b, 3, 1, l), {blocks.b, l, width});
      Value window = slice(b, loc, buffer, offsetAt(b, 3, 1, b.getIndexAttr(0)),
                           {blocks.b, l, width});
      Value ownSplit = splitBlocks(b, loc, shape, own);
      Value windowSplit = splitBlocks(b, loc, shape, window);
      OpFoldResult blockCount = shape.numBlocks;
      // Blocks 1..nb-1 (none where T = 0).
      Value first = firstBlockCount(b, loc, shape);
      Value later = arith::SubIOp::create(b, loc, shape.numBlocks, first);
      Value shifted = slice(b, loc, windowSplit, offsetAt(b, 4, 1, first),
                            {d.b, OpFoldResult(later), l, width});
      Value next = g.filledF32({d.b, blockCount, l, width}, 0.0);
      next =
          insert(b, loc, shifted, next, offsetAt(b, 4, 1, b.getIndexAttr(0)));
      return g.generic({ownSplit, next},
                       g.empty({d.b, blockCount, l, width}, f32),
                       {g.map(4, {0, 1, 2, 3}), g.map(4, {0, 1, 2, 3}),
                        g.map(4, {0, 1, 2, 3})},
                       {kPar, kPar, kPar, kPar},
                       [](OpBuilder &nb, Location nl, ValueRange a) {
                         return addF(nb, nl, a[0], a[1]);
                       });
    };
    Value dKeys = perPosition(grads.dKeys, d.k);
    Value dValues = perPosition(grads.dValues, d.v);

    // The cache: H_n = dmean_n / max(count_n, 1); block m's positions get
    // sum_{n >= m + 2} H_n at their code.
    Value h = g.generic(
        {grads.dMean, s.count}, g.empty({blocks.b, d.s, d.v}, f32),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1, 2})},
        {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
          Value denom =
              arith::MaximumFOp::create(nb, nl, a[1], constF(nb, nl, 1.0f));
          return arith::DivFOp::create(nb, nl, a[0], denom).getResult();
        });
    OpFoldResult blockCount = shape.numBlocks;
    // A running sum from the last block down (tvq.block_scan, reverse,
    // distance 2): nb · S · V adds, not nb² · S · V.
    Value laterInit = g.filledF32({d.b, blockCount, d.s, d.v}, 0.0);
    Value later = BlockScanOp::create(b, loc, TypeRange{laterInit.getType()},
                                      splitBlocks(b, loc, shape, h), laterInit,
                                      b.getI64IntegerAttr(2), b.getUnitAttr())
                      .getResult()[0];
    Value blockCodes =
        splitBlocks(b, loc, shape, toBlocks(b, loc, shape, codes));
    Value sI32 = arith::IndexCastOp::create(b, loc, b.getI32Type(),
                                            indexValue(b, loc, d.s));
    dValues = g.generic(
        {blockCodes}, dValues, {g.map(4, {0, 1, 2}), g.map(4, {0, 1, 2, 3})},
        {kPar, kPar, kPar, kPar},
        [&](OpBuilder &nb, Location bl, ValueRange a) {
          // Codes outside [0, S) read nothing (and add nothing).
          Value zeroI32 =
              arith::ConstantOp::create(nb, bl, nb.getI32IntegerAttr(0));
          Value inRange = arith::AndIOp::create(
              nb, bl,
              arith::CmpIOp::create(nb, bl, arith::CmpIPredicate::sge, a[0],
                                    zeroI32),
              arith::CmpIOp::create(nb, bl, arith::CmpIPredicate::slt, a[0],
                                    sI32));
          Value code = arith::IndexCastOp::create(
              nb, bl, nb.getIndexType(),
              arith::SelectOp::create(nb, bl, inRange, a[0], zeroI32));
          Value grad = tensor::ExtractOp::create(
              nb, bl, later,
              ValueRange{loopIndex(nb, bl, 0), loopIndex(nb, bl, 1), code,
                         loopIndex(nb, bl, 3)});
          grad = arith::SelectOp::create(nb, bl, inRange, grad,
                                         constF(nb, bl, 0.0f));
          return addF(nb, bl, a[1], grad);
        });

    auto sequence = [&](Value x) {
      return tensor::CollapseShapeOp::create(
                 b, loc, x, SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}})
          .getResult();
    };
    return {fromBlocks(b, loc, shape, grads.dq),
            sequence(dKeys),
            sequence(dValues),
            grads.du,
            grads.dw,
            grads.dr};
  }
};

} // namespace

void mlir::tvq::populateAttentionGradToLinalgPatterns(
    RewritePatternSet &patterns, bool parallelBlocks,
    AttentionKernels kernels) {
  if (parallelBlocks)
    patterns.add<VQAttentionGradParallelLowering>(
        patterns.getContext(), kernels != AttentionKernels::Generic);
  patterns.add<VQAttentionGradLowering>(patterns.getContext());
}
