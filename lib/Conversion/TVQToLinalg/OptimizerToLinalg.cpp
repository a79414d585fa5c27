//===- OptimizerToLinalg.cpp - Optimizer ops to linalg --------------------===//
//
// Lowers tvq.lr_schedule, tvq.global_norm and tvq.adamw_update to
// linalg.generic on tensors. Scalars are rank-0 tensors.
//
//===----------------------------------------------------------------------===//

#include "GenericBuilder.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <cmath>

using namespace mlir;
using namespace mlir::tvq;

namespace {

static unsigned rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

/// The map from `rank` loops to a rank-0 operand.
static AffineMap scalarMap(OpBuilder &b, unsigned rank) {
  return AffineMap::get(rank, 0, b.getContext());
}

/// i64 -> f32.
static Value toF32(OpBuilder &b, Location l, Value i) {
  return arith::SIToFPOp::create(b, l, b.getF32Type(), i);
}

struct LRScheduleLowering : OpRewritePattern<LRScheduleOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LRScheduleOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    auto peak = static_cast<float>(op.getPeak().convertToDouble());
    auto ratio = static_cast<float>(op.getFinalRatio().convertToDouble());
    auto warmup = static_cast<float>(op.getWarmup());
    float decaySteps =
        std::max(1.0f, static_cast<float>(op.getTotal()) - warmup);
    Value lr = g.generic(
        {op.getStep()}, g.empty({}, rewriter.getF32Type()),
        {scalarMap(rewriter, 0), scalarMap(rewriter, 0)}, {},
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value t = addF(nb, l, toF32(nb, l, a[0]), constF(nb, l, 1.0f));
          Value warm =
              mulF(nb, l, constF(nb, l, peak),
                   arith::DivFOp::create(
                       nb, l, t, constF(nb, l, std::max(warmup, 1.0f))));
          Value progress = arith::MinimumFOp::create(
              nb, l, constF(nb, l, 1.0f),
              arith::DivFOp::create(
                  nb, l, arith::SubFOp::create(nb, l, t, constF(nb, l, warmup)),
                  constF(nb, l, decaySteps)));
          Value cosine = math::CosOp::create(
              nb, l,
              mulF(nb, l, constF(nb, l, static_cast<float>(M_PI)), progress));
          Value half = mulF(nb, l, constF(nb, l, 0.5f),
                            addF(nb, l, constF(nb, l, 1.0f), cosine));
          Value decayed =
              mulF(nb, l, constF(nb, l, peak),
                   addF(nb, l, constF(nb, l, ratio),
                        mulF(nb, l, constF(nb, l, 1.0f - ratio), half)));
          Value warming = arith::CmpFOp::create(
              nb, l, arith::CmpFPredicate::OLT, t, constF(nb, l, warmup));
          return arith::SelectOp::create(nb, l, warming, warm, decayed)
              .getResult();
        });
    rewriter.replaceOp(op, castTo(rewriter, op.getLr(), lr));
    return success();
  }
};

struct GlobalNormLowering : OpRewritePattern<GlobalNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(GlobalNormOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value sum = g.filledF32({}, 0.0);
    for (Value x : op.getInputs()) {
      unsigned rank = rankOf(x);
      sum = g.generic({x}, sum,
                      {g.map(rank, allDims(rank)), scalarMap(rewriter, rank)},
                      SmallVector<IteratorType>(rank, kRed),
                      [](OpBuilder &nb, Location l, ValueRange a) {
                        return addF(nb, l, a[1], mulF(nb, l, a[0], a[0]));
                      });
    }
    Value norm =
        g.generic({sum}, g.empty({}, rewriter.getF32Type()),
                  {scalarMap(rewriter, 0), scalarMap(rewriter, 0)}, {},
                  [](OpBuilder &nb, Location l, ValueRange a) {
                    return math::SqrtOp::create(nb, l, a[0]).getResult();
                  });
    rewriter.replaceOp(op, castTo(rewriter, op.getNorm(), norm));
    return success();
  }
};

struct AdamWUpdateLowering : OpRewritePattern<AdamWUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AdamWUpdateOp op,
                                PatternRewriter &rewriter) const override {
    GenericBuilder g(rewriter, op.getLoc());
    Value p = op.getParam();
    unsigned rank = rankOf(p);
    auto attr = [](FloatAttr a) {
      return static_cast<float>(a.getValueAsDouble());
    };
    float b1 = attr(op.getBeta1Attr()), b2 = attr(op.getBeta2Attr()),
          eps = attr(op.getEpsilonAttr()), wd = attr(op.getWeightDecayAttr()),
          clip = attr(op.getClipNormAttr());
    float logB1 = std::log(b1), logB2 = std::log(b2);
    AffineMap all = g.map(rank, allDims(rank)),
              scalar = scalarMap(rewriter, rank);
    SmallVector<OpFoldResult> sizes = g.sizes(p);
    Type f32 = rewriter.getF32Type();
    SmallVector<Value> results = g.genericN(
        {p, op.getGrad(), op.getM(), op.getV(), op.getStep(), op.getLr(),
         op.getGradNorm()},
        {g.empty(sizes, f32), g.empty(sizes, f32), g.empty(sizes, f32)},
        {all, all, all, all, scalar, scalar, scalar, all, all, all},
        SmallVector<IteratorType>(rank, kPar),
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value param = a[0], grad = a[1], m = a[2], v = a[3], lr = a[5],
                norm = a[6];
          if (clip > 0) {
            // g * min(1, clip / norm); a zero norm means a zero gradient.
            Value scale = arith::MinimumFOp::create(
                nb, l, constF(nb, l, 1.0f),
                arith::DivFOp::create(nb, l, constF(nb, l, clip),
                                      arith::MaximumFOp::create(
                                          nb, l, norm, constF(nb, l, 1e-30f))));
            grad = mulF(nb, l, grad, scale);
          }
          Value newM = addF(nb, l, mulF(nb, l, constF(nb, l, b1), m),
                            mulF(nb, l, constF(nb, l, 1.0f - b1), grad));
          Value newV = addF(
              nb, l, mulF(nb, l, constF(nb, l, b2), v),
              mulF(nb, l, constF(nb, l, 1.0f - b2), mulF(nb, l, grad, grad)));
          Value t = addF(nb, l, toF32(nb, l, a[4]), constF(nb, l, 1.0f));
          auto correction = [&](float logBeta) {
            // 1 - beta^t = 1 - exp(t ln beta).
            return arith::SubFOp::create(
                nb, l, constF(nb, l, 1.0f),
                math::ExpOp::create(nb, l,
                                    mulF(nb, l, t, constF(nb, l, logBeta))));
          };
          Value mHat = arith::DivFOp::create(nb, l, newM, correction(logB1));
          Value vHat = arith::DivFOp::create(nb, l, newV, correction(logB2));
          Value update = arith::DivFOp::create(
              nb, l, mHat,
              addF(nb, l, math::SqrtOp::create(nb, l, vHat),
                   constF(nb, l, eps)));
          Value newP =
              arith::SubFOp::create(nb, l, param, mulF(nb, l, lr, update));
          if (wd != 0.0f)
            newP = arith::SubFOp::create(nb, l, newP,
                                         mulF(nb, l, constF(nb, l, wd), param));
          return SmallVector<Value>{newP, newM, newV};
        });
    rewriter.replaceOp(op, {castTo(rewriter, op.getNewParam(), results[0]),
                            castTo(rewriter, op.getNewM(), results[1]),
                            castTo(rewriter, op.getNewV(), results[2])});
    return success();
  }
};

} // namespace

void mlir::tvq::populateOptimizerToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LRScheduleLowering, GlobalNormLowering, AdamWUpdateLowering>(
      patterns.getContext());
}
