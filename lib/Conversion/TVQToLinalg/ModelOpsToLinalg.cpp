//===- ModelOpsToLinalg.cpp - Model building blocks to linalg -------------===//
//
// Lowers the tvq ops that make up the network around the attention
// (embedding, norms, projections, activations, losses) to linalg.generic on
// tensors.
//
//===----------------------------------------------------------------------===//

#include "GenericBuilder.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// Rank of a ranked tensor value.
static unsigned rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// An elementwise map of `input` (same shape) with `body(x)`.
static Value
mapElementwise(GenericBuilder &g, Value input,
               function_ref<Value(OpBuilder &, Location, Value)> body) {
  unsigned rank = rankOf(input);
  return g.generic(
      {input}, g.empty(g.sizes(input), g.builder().getF32Type()),
      {g.map(rank, allDims(rank)), g.map(rank, allDims(rank))},
      SmallVector<IteratorType>(rank, kPar),
      [&](OpBuilder &b, Location l, ValueRange a) { return body(b, l, a[0]); });
}

struct EmbeddingLowering : OpRewritePattern<EmbeddingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(EmbeddingOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value table = op.getTable();
    OpFoldResult b = g.size(op.getIds(), 0), t = g.size(op.getIds(), 1),
                 d = g.size(table, 1);
    Value rows = tensor::DimOp::create(rewriter, op.getLoc(), table, 0);
    Value out = g.generic(
        {op.getIds()}, g.empty({b, t, d}, rewriter.getF32Type()),
        {g.map(3, {0, 1}), g.map(3, {0, 1, 2})}, {kPar, kPar, kPar},
        [&](OpBuilder &nb, Location l, ValueRange a) {
          // Out-of-range ids read row 0 instead of out of bounds.
          Value id = arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[0]);
          Value zero = constIndex(nb, l, 0);
          Value inRange = arith::AndIOp::create(
              nb, l,
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::sge, id, zero),
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::slt, id,
                                    rows));
          Value row = arith::SelectOp::create(nb, l, inRange, id, zero);
          return tensor::ExtractOp::create(nb, l, table,
                                           ValueRange{row, loopIndex(nb, l, 2)})
              .getResult();
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct RMSNormLowering : OpRewritePattern<RMSNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput();
    unsigned rank = rankOf(x);
    SmallVector<OpFoldResult> sizes = g.sizes(x);
    SmallVector<OpFoldResult> lead(sizes.begin(), sizes.end() - 1);
    SmallVector<unsigned> all = allDims(rank), leadDims = allDims(rank - 1);
    // Sum of squares over the last dimension.
    Value sumSq = g.generic(
        {x}, g.filledF32(lead, 0.0), {g.map(rank, all), g.map(rank, leadDims)},
        [&] {
          SmallVector<IteratorType> it(rank, kPar);
          it.back() = kRed;
          return it;
        }(),
        [](OpBuilder &nb, Location l, ValueRange a) {
          return addF(nb, l, a[1], mulF(nb, l, a[0], a[0]));
        });
    Value width = arith::IndexCastOp::create(
        rewriter, op.getLoc(), rewriter.getI64Type(),
        tensor::DimOp::create(rewriter, op.getLoc(), x, rank - 1));
    Value widthF = arith::SIToFPOp::create(rewriter, op.getLoc(),
                                           rewriter.getF32Type(), width);
    float eps = static_cast<float>(op.getEpsilon().convertToDouble());
    Value out =
        g.generic({x, sumSq}, g.empty(sizes, rewriter.getF32Type()),
                  {g.map(rank, all), g.map(rank, leadDims), g.map(rank, all)},
                  SmallVector<IteratorType>(rank, kPar),
                  [&](OpBuilder &nb, Location l, ValueRange a) {
                    Value meanSq = arith::DivFOp::create(nb, l, a[1], widthF);
                    Value inv = math::RsqrtOp::create(
                        nb, l, addF(nb, l, meanSq, constF(nb, l, eps)));
                    return mulF(nb, l, a[0], inv);
                  });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct ScaleShiftLowering : OpRewritePattern<ScaleShiftOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleShiftOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput();
    unsigned rank = rankOf(x);
    SmallVector<unsigned> all = allDims(rank);
    Value out = g.generic({x, op.getGain(), op.getBias()},
                          g.empty(g.sizes(x), rewriter.getF32Type()),
                          {g.map(rank, all), g.map(rank, {rank - 1}),
                           g.map(rank, {rank - 1}), g.map(rank, all)},
                          SmallVector<IteratorType>(rank, kPar),
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            return addF(nb, l, mulF(nb, l, a[0], a[1]), a[2]);
                          });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct ScaleLowering : OpRewritePattern<ScaleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    float factor = static_cast<float>(op.getFactor().convertToDouble());
    Value out = mapElementwise(g, op.getInput(),
                               [&](OpBuilder &nb, Location l, Value x) {
                                 return mulF(nb, l, x, constF(nb, l, factor));
                               });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct SiLULowering : OpRewritePattern<SiLUOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SiLUOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value out = mapElementwise(
        g, op.getInput(), [](OpBuilder &nb, Location l, Value x) {
          // x * sigmoid(x) = x / (1 + exp(-x)).
          Value e = math::ExpOp::create(nb, l, arith::NegFOp::create(nb, l, x));
          return arith::DivFOp::create(nb, l, x,
                                       addF(nb, l, constF(nb, l, 1.0f), e))
              .getResult();
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

/// The MurmurHash3 32-bit finalizer on an i32 value.
static Value fmix32(OpBuilder &b, Location l, Value h) {
  auto c = [&](uint32_t v) {
    return arith::ConstantOp::create(
        b, l, b.getI32IntegerAttr(static_cast<int32_t>(v)));
  };
  auto xorShift = [&](Value x, uint32_t s) {
    return arith::XOrIOp::create(b, l, x,
                                 arith::ShRUIOp::create(b, l, x, c(s)));
  };
  h = xorShift(h, 16);
  h = arith::MulIOp::create(b, l, h, c(0x85ebca6bu));
  h = xorShift(h, 13);
  h = arith::MulIOp::create(b, l, h, c(0xc2b2ae35u));
  return xorShift(h, 16);
}

/// Dropout: the hash of the seed and stream is computed once, outside the
/// loops; each element mixes in its first mask_rank indices (see the op's
/// description for the exact mask).
struct DropoutLowering : OpRewritePattern<DropoutOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DropoutOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    GenericBuilder g(rewriter, loc);
    double rate = op.getRate().convertToDouble();
    if (rate == 0.0) {
      rewriter.replaceOp(op, op.getInput());
      return success();
    }
    Type i32 = rewriter.getI32Type();
    Value seed =
        tensor::ExtractOp::create(rewriter, loc, op.getSeed(), ValueRange{});
    Value lo = arith::TruncIOp::create(rewriter, loc, i32, seed);
    Value hi = arith::TruncIOp::create(
        rewriter, loc, i32,
        arith::ShRUIOp::create(
            rewriter, loc, seed,
            arith::ConstantOp::create(rewriter, loc,
                                      rewriter.getI64IntegerAttr(32))));
    uint32_t streamMix = static_cast<uint32_t>(op.getStream()) * 0x9e3779b9u;
    Value stream = arith::ConstantOp::create(
        rewriter, loc,
        rewriter.getI32IntegerAttr(static_cast<int32_t>(streamMix)));
    Value base =
        fmix32(rewriter, loc,
               arith::XOrIOp::create(
                   rewriter, loc, lo,
                   fmix32(rewriter, loc,
                          arith::XOrIOp::create(rewriter, loc, hi, stream))));
    auto threshold = static_cast<int32_t>(std::floor(rate * 16777216.0));
    float scale = static_cast<float>(1.0 / (1.0 - rate));
    int64_t maskRank = op.getMaskRank();
    Value out = mapElementwise(
        g, op.getInput(), [&](OpBuilder &nb, Location l, Value x) {
          Value h = base;
          for (int64_t d = 0; d < maskRank; ++d) {
            Value index = arith::IndexCastUIOp::create(nb, l, nb.getI32Type(),
                                                       loopIndex(nb, l, d));
            h = fmix32(nb, l, arith::XOrIOp::create(nb, l, h, index));
          }
          Value top = arith::ShRUIOp::create(
              nb, l, h,
              arith::ConstantOp::create(nb, l, nb.getI32IntegerAttr(8)));
          Value keep = arith::CmpIOp::create(
              nb, l, arith::CmpIPredicate::uge, top,
              arith::ConstantOp::create(nb, l,
                                        nb.getI32IntegerAttr(threshold)));
          return arith::SelectOp::create(nb, l, keep,
                                         mulF(nb, l, x, constF(nb, l, scale)),
                                         constF(nb, l, 0.0f))
              .getResult();
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct DenseLowering : OpRewritePattern<DenseOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DenseOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput(), w = op.getWeight();
    unsigned rank = rankOf(x); // 2 or 3; loops: lead..., o, i.
    unsigned numLoops = rank + 1, oDim = rank - 1, iDim = rank;
    SmallVector<unsigned> lead = allDims(rank - 1);
    SmallVector<unsigned> xDims(lead), outDims(lead);
    xDims.push_back(iDim);
    outDims.push_back(oDim);
    AffineMap wMap = op.getTransposeWeight() ? g.map(numLoops, {oDim, iDim})
                                             : g.map(numLoops, {iDim, oDim});
    SmallVector<OpFoldResult> outSizes = g.sizes(x);
    outSizes.back() = g.size(w, op.getTransposeWeight() ? 0 : 1);
    SmallVector<IteratorType> iters(numLoops, kPar);
    iters.back() = kRed;
    Value out =
        g.generic({x, w}, g.filledF32(outSizes, 0.0),
                  {g.map(numLoops, xDims), wMap, g.map(numLoops, outDims)},
                  iters, [](OpBuilder &nb, Location l, ValueRange a) {
                    return addF(nb, l, a[2], mulF(nb, l, a[0], a[1]));
                  });
    if (Value bias = op.getBias()) {
      SmallVector<unsigned> all = allDims(rank);
      out = g.generic(
          {out, bias}, g.empty(outSizes, rewriter.getF32Type()),
          {g.map(rank, all), g.map(rank, {rank - 1}), g.map(rank, all)},
          SmallVector<IteratorType>(rank, kPar),
          [](OpBuilder &nb, Location l, ValueRange a) {
            return addF(nb, l, a[0], a[1]);
          });
    }
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct SplitLowering : OpRewritePattern<SplitOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SplitOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput();
    unsigned rank = rankOf(x);
    SmallVector<Value> parts;
    int64_t offset = 0;
    for (auto [size, result] : llvm::zip(op.getSizes(), op.getOutputs())) {
      SmallVector<OpFoldResult> offsets(rank, g.index(0)), sizes = g.sizes(x);
      offsets.back() = g.index(offset);
      sizes.back() = g.index(size);
      Value part = tensor::ExtractSliceOp::create(
          rewriter, op.getLoc(), x, offsets, sizes,
          SmallVector<OpFoldResult>(rank, g.index(1)));
      parts.push_back(castTo(rewriter, result, part));
      offset += size;
    }
    rewriter.replaceOp(op, parts);
    return success();
  }
};

struct SinusoidTableLowering : OpRewritePattern<SinusoidTableOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SinusoidTableOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    int64_t dim = op.getDim(), half = dim / 2;
    float logBase =
        static_cast<float>(std::log(op.getBase().convertToDouble()));
    Value out = g.generic(
        {},
        g.empty({g.index(op.getRows()), g.index(dim)}, rewriter.getF32Type()),
        {g.map(2, {0, 1})}, {kPar, kPar},
        [&](OpBuilder &nb, Location l, ValueRange) {
          auto toF32 = [&](Value index) {
            Value i64 =
                arith::IndexCastOp::create(nb, l, nb.getI64Type(), index);
            return arith::SIToFPOp::create(nb, l, nb.getF32Type(), i64)
                .getResult();
          };
          Value row = loopIndex(nb, l, 0), col = loopIndex(nb, l, 1);
          Value halfC = constIndex(nb, l, half);
          Value j = arith::RemUIOp::create(nb, l, col, halfC);
          // inv_j = base^(-2j / dim) = exp(-2j * ln(base) / dim).
          Value exponent =
              mulF(nb, l, toF32(j), constF(nb, l, -2.0f * logBase / dim));
          Value angle =
              mulF(nb, l, toF32(row), math::ExpOp::create(nb, l, exponent));
          Value isSin = arith::CmpIOp::create(nb, l, arith::CmpIPredicate::ult,
                                              col, halfC);
          return arith::SelectOp::create(nb, l, isSin,
                                         math::SinOp::create(nb, l, angle),
                                         math::CosOp::create(nb, l, angle))
              .getResult();
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct CodebookLowering : OpRewritePattern<CodebookOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CodebookOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value out =
        g.generic({op.getCSum(), op.getCCount()},
                  g.empty(g.sizes(op.getCSum()), rewriter.getF32Type()),
                  {g.map(2, {0, 1}), g.map(2, {0}), g.map(2, {0, 1})},
                  {kPar, kPar}, [](OpBuilder &nb, Location l, ValueRange a) {
                    Value n = arith::MaximumFOp::create(nb, l, a[1],
                                                        constF(nb, l, 0.01f));
                    return arith::DivFOp::create(nb, l, a[0], n).getResult();
                  });
    rewriter.replaceOp(op, castTo(rewriter, op.getCodebook(), out));
    return success();
  }
};

/// Divides a rank-0 sum by the element count of `of`.
static Value meanOf(GenericBuilder &g, Value sum, Value of) {
  OpBuilder &b = g.builder();
  Location loc = g.location();
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned i = 0; i < rankOf(of); ++i)
    count = arith::MulIOp::create(b, loc, count,
                                  tensor::DimOp::create(b, loc, of, i));
  Value countF = arith::SIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
  return g.generic(
      {sum}, g.empty({}, b.getF32Type()),
      {AffineMap::get(0, 0, b.getContext()),
       AffineMap::get(0, 0, b.getContext())},
      {}, [&](OpBuilder &nb, Location l, ValueRange a) {
        return arith::DivFOp::create(nb, l, a[0], countF).getResult();
      });
}

struct CrossEntropyLowering : OpRewritePattern<CrossEntropyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value logits = op.getLogits();
    OpFoldResult b = g.size(logits, 0), t = g.size(logits, 1);
    float negInf = -std::numeric_limits<float>::infinity();
    auto rowReduce =
        [&](ValueRange ins, Value init,
            function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
          SmallVector<AffineMap> maps = {g.map(3, {0, 1, 2})};
          for (unsigned i = 1; i < ins.size(); ++i)
            maps.push_back(g.map(3, {0, 1}));
          maps.push_back(g.map(3, {0, 1}));
          return g.generic(ins, init, maps, {kPar, kPar, kRed}, body);
        };
    Value rowMax = rowReduce(
        {logits}, g.filledF32({b, t}, negInf),
        [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::MaximumFOp::create(nb, l, a[0], a[1]).getResult();
        });
    Value sumExp =
        rowReduce({logits, rowMax}, g.filledF32({b, t}, 0.0),
                  [](OpBuilder &nb, Location l, ValueRange a) {
                    Value e = math::ExpOp::create(
                        nb, l, arith::SubFOp::create(nb, l, a[0], a[1]));
                    return addF(nb, l, a[2], e);
                  });
    // Per position: max + log(sum) - logits[target]; summed over (b, t).
    Value total = g.generic(
        {rowMax, sumExp, op.getTargets()}, g.filledF32({}, 0.0),
        {g.map(2, {0, 1}), g.map(2, {0, 1}), g.map(2, {0, 1}),
         AffineMap::get(2, 0, rewriter.getContext())},
        {kRed, kRed}, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value tgt =
              arith::IndexCastOp::create(nb, l, nb.getIndexType(), a[2]);
          Value picked = tensor::ExtractOp::create(
              nb, l, logits,
              ValueRange{loopIndex(nb, l, 0), loopIndex(nb, l, 1), tgt});
          Value nll = arith::SubFOp::create(
              nb, l, addF(nb, l, a[0], math::LogOp::create(nb, l, a[1])),
              picked);
          return addF(nb, l, a[3], nll);
        });
    Value loss = meanOf(g, total, op.getTargets());
    rewriter.replaceOp(op, castTo(rewriter, op.getLoss(), loss));
    return success();
  }
};

struct MeanLowering : OpRewritePattern<MeanOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MeanOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput();
    unsigned rank = rankOf(x);
    Value total = g.generic(
        {x}, g.filledF32({}, 0.0),
        {g.map(rank, allDims(rank)), AffineMap::get(rank, 0, getContext())},
        SmallVector<IteratorType>(rank, kRed),
        [](OpBuilder &nb, Location l, ValueRange a) {
          return addF(nb, l, a[1], a[0]);
        });
    rewriter.replaceOp(op,
                       castTo(rewriter, op.getOutput(), meanOf(g, total, x)));
    return success();
  }
};

} // namespace

void mlir::tvq::populateModelOpsToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<EmbeddingLowering, RMSNormLowering, ScaleShiftLowering,
               ScaleLowering, SiLULowering, DropoutLowering, DenseLowering,
               SplitLowering, SinusoidTableLowering, CodebookLowering,
               CrossEntropyLowering, MeanLowering>(patterns.getContext());
}
