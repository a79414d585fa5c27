//===- GradOpsToLinalg.cpp - Gradient ops to linalg -----------------------===//
//
// Lowers the gradient ops that tvq-derive-gradients emits (all but
// tvq.vq_attention_grad, which has its own file) to linalg.generic on
// tensors.
//
//===----------------------------------------------------------------------===//

#include "GenericBuilder.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;
using namespace mlir::tvq;

namespace {

static unsigned rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// Iterators: `rank` loops, the last `numReduced` of them reductions.
static SmallVector<IteratorType> iterators(unsigned rank, unsigned numReduced) {
  SmallVector<IteratorType> it(rank, kPar);
  for (unsigned i = rank - numReduced; i < rank; ++i)
    it[i] = kRed;
  return it;
}

/// sigmoid(x) = 1 / (1 + exp(-x)).
static Value sigmoid(OpBuilder &b, Location l, Value x) {
  Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
  return arith::DivFOp::create(b, l, constF(b, l, 1.0f),
                               addF(b, l, constF(b, l, 1.0f), e));
}

/// The element count of `v` as an f32 value.
static Value numElementsF32(OpBuilder &b, Location loc, Value v) {
  Value count = arith::ConstantIndexOp::create(b, loc, 1);
  for (unsigned i = 0; i < rankOf(v); ++i)
    count = arith::MulIOp::create(b, loc, count,
                                  tensor::DimOp::create(b, loc, v, i));
  return arith::SIToFPOp::create(
      b, loc, b.getF32Type(),
      arith::IndexCastOp::create(b, loc, b.getI64Type(), count));
}

/// d_table[n, d] = sum_{b,t} [ids[b,t] == n] d_out[b,t,d]. With
/// `oneHotProducts` a product onehot(ids)ᵀ · d_out (cuBLAS on CUDA);
/// otherwise each element loops over all B x T positions, comparing the id
/// and selecting its gradient.
struct EmbeddingGradLowering : OpRewritePattern<EmbeddingGradOp> {
  EmbeddingGradLowering(MLIRContext *ctx, bool oneHotProducts)
      : OpRewritePattern(ctx), oneHotProducts(oneHotProducts) {}
  bool oneHotProducts;

  LogicalResult matchAndRewrite(EmbeddingGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    auto type = cast<RankedTensorType>(op.getDTable().getType());
    OpFoldResult rows = g.index(type.getDimSize(0)),
                 d = g.size(op.getDOutput(), 2);
    Value out;
    if (oneHotProducts) {
      // d_table[n,d] = sum_{b,t} onehot[b,t,n] d_out[b,t,d], loops (n,d,b,t).
      Value onehot = g.oneHot(op.getIds(), rows);
      out = g.generic(
          {onehot, op.getDOutput()}, g.filledF32({rows, d}, 0.0),
          {g.map(4, {2, 3, 0}), g.map(4, {2, 3, 1}), g.map(4, {0, 1})},
          {kPar, kPar, kRed, kRed},
          [](OpBuilder &nb, Location l, ValueRange a) {
            return addF(nb, l, a[2], mulF(nb, l, a[0], a[1]));
          });
    } else {
      // Loops (n, d, b, t).
      out = g.generic(
          {op.getIds(), op.getDOutput()}, g.filledF32({rows, d}, 0.0),
          {g.map(4, {2, 3}), g.map(4, {2, 3, 1}), g.map(4, {0, 1})},
          {kPar, kPar, kRed, kRed},
          [](OpBuilder &nb, Location l, ValueRange a) {
            Value n = arith::IndexCastOp::create(nb, l, nb.getI32Type(),
                                                 loopIndex(nb, l, 0));
            Value hit =
                arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[0], n);
            return addF(
                nb, l, a[2],
                arith::SelectOp::create(nb, l, hit, a[1], constF(nb, l, 0.0f)));
          });
    }
    rewriter.replaceOp(op, castTo(rewriter, op.getDTable(), out));
    return success();
  }
};

struct RMSNormGradLowering : OpRewritePattern<RMSNormGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(RMSNormGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Location loc = op.getLoc();
    Value x = op.getInput(), dy = op.getDOutput();
    unsigned rank = rankOf(x);
    SmallVector<OpFoldResult> sizes = g.sizes(x);
    SmallVector<OpFoldResult> lead(sizes.begin(), sizes.end() - 1);
    SmallVector<unsigned> all = allDims(rank), leadDims = allDims(rank - 1);
    // sum(x^2) and sum(dy * x) over the last dimension, in one pass.
    SmallVector<Value> sums = g.genericN(
        {x, dy}, {g.filledF32(lead, 0.0), g.filledF32(lead, 0.0)},
        {g.map(rank, all), g.map(rank, all), g.map(rank, leadDims),
         g.map(rank, leadDims)},
        iterators(rank, 1), [](OpBuilder &nb, Location l, ValueRange a) {
          return SmallVector<Value>{addF(nb, l, a[2], mulF(nb, l, a[0], a[0])),
                                    addF(nb, l, a[3], mulF(nb, l, a[1], a[0]))};
        });
    Value width = arith::SIToFPOp::create(
        rewriter, loc, rewriter.getF32Type(),
        arith::IndexCastOp::create(
            rewriter, loc, rewriter.getI64Type(),
            tensor::DimOp::create(rewriter, loc, x, rank - 1)));
    float eps = static_cast<float>(op.getEpsilon().convertToDouble());
    // rho = rsqrt(sum_sq/D + eps); y = x rho;
    // dx = rho (dy - y mean(dy y)) = rho dy - x rho^3 sum(dy x) / D.
    Value dx = g.generic(
        {x, dy, sums[0], sums[1]}, g.empty(sizes, rewriter.getF32Type()),
        {g.map(rank, all), g.map(rank, all), g.map(rank, leadDims),
         g.map(rank, leadDims), g.map(rank, all)},
        iterators(rank, 0), [&](OpBuilder &nb, Location l, ValueRange a) {
          Value rho = math::RsqrtOp::create(
              nb, l,
              addF(nb, l, arith::DivFOp::create(nb, l, a[2], width),
                   constF(nb, l, eps)));
          Value rho3 = mulF(nb, l, rho, mulF(nb, l, rho, rho));
          Value corr = mulF(nb, l, mulF(nb, l, a[0], rho3),
                            arith::DivFOp::create(nb, l, a[3], width));
          return arith::SubFOp::create(nb, l, mulF(nb, l, rho, a[1]), corr)
              .getResult();
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getDInput(), dx));
    return success();
  }
};

struct ScaleShiftGradLowering : OpRewritePattern<ScaleShiftGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ScaleShiftGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput(), dy = op.getDOutput();
    unsigned rank = rankOf(x);
    SmallVector<unsigned> all = allDims(rank);
    Value dx = g.generic(
        {dy, op.getGain()}, g.empty(g.sizes(x), rewriter.getF32Type()),
        {g.map(rank, all), g.map(rank, {rank - 1}), g.map(rank, all)},
        iterators(rank, 0), [](OpBuilder &nb, Location l, ValueRange a) {
          return mulF(nb, l, a[0], a[1]);
        });
    // Loops (d, lead...): reduce the leading dims into d.
    SmallVector<unsigned> xDims;
    for (unsigned i = 1; i < rank; ++i)
      xDims.push_back(i);
    xDims.push_back(0);
    OpFoldResult width = g.size(x, rank - 1);
    SmallVector<Value> grads = g.genericN(
        {x, dy}, {g.filledF32({width}, 0.0), g.filledF32({width}, 0.0)},
        {g.map(rank, xDims), g.map(rank, xDims), g.map(rank, {0}),
         g.map(rank, {0})},
        [&] {
          SmallVector<IteratorType> it(rank, kRed);
          it[0] = kPar;
          return it;
        }(),
        [](OpBuilder &nb, Location l, ValueRange a) {
          return SmallVector<Value>{addF(nb, l, a[2], mulF(nb, l, a[1], a[0])),
                                    addF(nb, l, a[3], a[1])};
        });
    rewriter.replaceOp(op, {castTo(rewriter, op.getDInput(), dx),
                            castTo(rewriter, op.getDGain(), grads[0]),
                            castTo(rewriter, op.getDBias(), grads[1])});
    return success();
  }
};

struct SiLUGradLowering : OpRewritePattern<SiLUGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SiLUGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput();
    unsigned rank = rankOf(x);
    SmallVector<unsigned> all = allDims(rank);
    Value dx = g.generic(
        {x, op.getDOutput()}, g.empty(g.sizes(x), rewriter.getF32Type()),
        {g.map(rank, all), g.map(rank, all), g.map(rank, all)},
        iterators(rank, 0), [](OpBuilder &nb, Location l, ValueRange a) {
          // d/dx x s(x) = s + x s (1 - s).
          Value s = sigmoid(nb, l, a[0]);
          Value oneMinus = arith::SubFOp::create(nb, l, constF(nb, l, 1.0f), s);
          Value deriv =
              addF(nb, l, s, mulF(nb, l, a[0], mulF(nb, l, s, oneMinus)));
          return mulF(nb, l, a[1], deriv);
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getDInput(), dx));
    return success();
  }
};

struct DenseWeightGradLowering : OpRewritePattern<DenseWeightGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(DenseWeightGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput(), dy = op.getDOutput();
    unsigned rank = rankOf(x); // Loops (i, o, lead...).
    unsigned numLoops = rank + 1;
    SmallVector<unsigned> xDims, dyDims;
    for (unsigned l = 0; l + 1 < rank; ++l) {
      xDims.push_back(2 + l);
      dyDims.push_back(2 + l);
    }
    xDims.push_back(0);
    dyDims.push_back(1);
    bool transposed = op.getTransposeWeight();
    OpFoldResult in = g.size(x, rank - 1), out = g.size(dy, rank - 1);
    SmallVector<OpFoldResult> sizes = transposed
                                          ? SmallVector<OpFoldResult>{out, in}
                                          : SmallVector<OpFoldResult>{in, out};
    AffineMap resultMap =
        transposed ? g.map(numLoops, {1, 0}) : g.map(numLoops, {0, 1});
    SmallVector<IteratorType> it(numLoops, kRed);
    it[0] = it[1] = kPar;
    Value dw =
        g.generic({x, dy}, g.filledF32(sizes, 0.0),
                  {g.map(numLoops, xDims), g.map(numLoops, dyDims), resultMap},
                  it, [](OpBuilder &nb, Location l, ValueRange a) {
                    return addF(nb, l, a[2], mulF(nb, l, a[0], a[1]));
                  });
    rewriter.replaceOp(op, castTo(rewriter, op.getDWeight(), dw));
    return success();
  }
};

struct SumLeadingLowering : OpRewritePattern<SumLeadingOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(SumLeadingOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput();
    unsigned rank = rankOf(x); // Loops (d, lead...).
    SmallVector<unsigned> xDims;
    for (unsigned i = 1; i < rank; ++i)
      xDims.push_back(i);
    xDims.push_back(0);
    SmallVector<IteratorType> it(rank, kRed);
    it[0] = kPar;
    Value sum = g.generic({x}, g.filledF32({g.size(x, rank - 1)}, 0.0),
                          {g.map(rank, xDims), g.map(rank, {0})}, it,
                          [](OpBuilder &nb, Location l, ValueRange a) {
                            return addF(nb, l, a[1], a[0]);
                          });
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), sum));
    return success();
  }
};

struct ConcatLowering : OpRewritePattern<ConcatOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(ConcatOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value first = op.getInputs().front();
    unsigned rank = rankOf(first);
    SmallVector<OpFoldResult> sizes = g.sizes(first);
    int64_t total = 0;
    for (Value v : op.getInputs())
      total += cast<RankedTensorType>(v.getType()).getShape().back();
    sizes.back() = g.index(total);
    Value out = g.empty(sizes, rewriter.getF32Type());
    int64_t offset = 0;
    for (Value v : op.getInputs()) {
      SmallVector<OpFoldResult> offsets(rank, g.index(0)), partSizes = sizes;
      offsets.back() = g.index(offset);
      int64_t width = cast<RankedTensorType>(v.getType()).getShape().back();
      partSizes.back() = g.index(width);
      out = tensor::InsertSliceOp::create(
          rewriter, op.getLoc(), v, out, offsets, partSizes,
          SmallVector<OpFoldResult>(rank, g.index(1)));
      offset += width;
    }
    rewriter.replaceOp(op, castTo(rewriter, op.getOutput(), out));
    return success();
  }
};

struct VQQuantizeGradLowering : OpRewritePattern<VQQuantizeGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(VQQuantizeGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value k = op.getKeys();
    Value dk = g.generic(
        {k, op.getQuantized(), op.getDQuantized(), op.getDErrors()},
        g.empty(g.sizes(k), rewriter.getF32Type()),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2}), g.map(3, {0, 1, 2}),
         g.map(3, {0, 1}), g.map(3, {0, 1, 2})},
        {kPar, kPar, kPar}, [](OpBuilder &nb, Location l, ValueRange a) {
          Value diff = arith::SubFOp::create(nb, l, a[0], a[1]);
          Value commit =
              mulF(nb, l, mulF(nb, l, constF(nb, l, 2.0f), diff), a[3]);
          return addF(nb, l, a[2], commit);
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getDKeys(), dk));
    return success();
  }
};

struct CrossEntropyGradLowering : OpRewritePattern<CrossEntropyGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(CrossEntropyGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Location loc = op.getLoc();
    Value logits = op.getLogits();
    OpFoldResult b = g.size(logits, 0), t = g.size(logits, 1);
    float negInf = -std::numeric_limits<float>::infinity();
    Value rowMax = g.generic(
        {logits}, g.filledF32({b, t}, negInf),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1})}, {kPar, kPar, kRed},
        [](OpBuilder &nb, Location l, ValueRange a) {
          return arith::MaximumFOp::create(nb, l, a[0], a[1]).getResult();
        });
    Value sumExp = g.generic(
        {logits, rowMax}, g.filledF32({b, t}, 0.0),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1})},
        {kPar, kPar, kRed}, [](OpBuilder &nb, Location l, ValueRange a) {
          return addF(nb, l, a[2],
                      math::ExpOp::create(
                          nb, l, arith::SubFOp::create(nb, l, a[0], a[1])));
        });
    Value count = numElementsF32(rewriter, loc, op.getTargets());
    Value dl = g.generic(
        {logits, rowMax, sumExp, op.getTargets(), op.getDLoss()},
        g.empty(g.sizes(logits), rewriter.getF32Type()),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1}),
         g.map(3, {0, 1}), AffineMap::get(3, 0, getContext()),
         g.map(3, {0, 1, 2})},
        {kPar, kPar, kPar}, [&](OpBuilder &nb, Location l, ValueRange a) {
          Value p = arith::DivFOp::create(
              nb, l,
              math::ExpOp::create(nb, l,
                                  arith::SubFOp::create(nb, l, a[0], a[1])),
              a[2]);
          Value n = arith::IndexCastOp::create(nb, l, nb.getI32Type(),
                                               loopIndex(nb, l, 2));
          Value isTarget =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[3], n);
          Value grad = arith::SubFOp::create(
              nb, l, p,
              arith::SelectOp::create(nb, l, isTarget, constF(nb, l, 1.0f),
                                      constF(nb, l, 0.0f)));
          return mulF(nb, l, grad, arith::DivFOp::create(nb, l, a[4], count));
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getDLogits(), dl));
    return success();
  }
};

struct MeanGradLowering : OpRewritePattern<MeanGradOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(MeanGradOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value x = op.getInput();
    unsigned rank = rankOf(x);
    Value count = numElementsF32(rewriter, op.getLoc(), x);
    Value dx = g.generic(
        {op.getDOutput()}, g.empty(g.sizes(x), rewriter.getF32Type()),
        {AffineMap::get(rank, 0, getContext()), g.map(rank, allDims(rank))},
        iterators(rank, 0), [&](OpBuilder &nb, Location l, ValueRange a) {
          return arith::DivFOp::create(nb, l, a[0], count).getResult();
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getDInput(), dx));
    return success();
  }
};

} // namespace

void mlir::tvq::populateGradOpsToLinalgPatterns(RewritePatternSet &patterns,
                                                bool oneHotProducts) {
  patterns.add<EmbeddingGradLowering>(patterns.getContext(), oneHotProducts);
  patterns
      .add<RMSNormGradLowering, ScaleShiftGradLowering, SiLUGradLowering,
           DenseWeightGradLowering, SumLeadingLowering, ConcatLowering,
           VQQuantizeGradLowering, CrossEntropyGradLowering, MeanGradLowering>(
          patterns.getContext());
}
