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
#include <functional>

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

/// The number of elements of `v` (or of dimension `dim` alone), as f32.
static Value countF32(OpBuilder &b, Location l, Value v,
                      std::optional<unsigned> dim = std::nullopt) {
  Value n = arith::ConstantOp::create(b, l, b.getI64IntegerAttr(1));
  for (unsigned d = 0; d < rankOf(v); ++d) {
    if (dim && d != *dim)
      continue;
    Value size = arith::IndexCastOp::create(b, l, b.getI64Type(),
                                            tensor::DimOp::create(b, l, v, d));
    n = arith::MulIOp::create(b, l, n, size);
  }
  return toF32(b, l, n);
}

/// Adafactor (see the op's description). The loops: reductions for the
/// factored means, the moment updates, then one reduction for rms(p) and
/// rms(u) together, and the final elementwise update; u is recomputed rather
/// than stored.
struct AdafactorUpdateLowering : OpRewritePattern<AdafactorUpdateOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(AdafactorUpdateOp op,
                                PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    GenericBuilder g(rewriter, loc);
    Value p = op.getParam(), grad = op.getGrad();
    unsigned rank = rankOf(p);
    bool factored = op.getMoments().size() == 2;
    auto attr = [](FloatAttr a) {
      return static_cast<float>(a.getValueAsDouble());
    };
    float decayRate = attr(op.getDecayRateAttr()),
          eps = attr(op.getEpsilonAttr()), clip = attr(op.getUpdateClipAttr()),
          minScale = attr(op.getMinScaleAttr());
    Type f32 = rewriter.getF32Type();
    AffineMap all = g.map(rank, allDims(rank)),
              scalar = scalarMap(rewriter, rank);
    SmallVector<OpFoldResult> sizes = g.sizes(p);

    // decay = 1 - (step + 1)^-decay_rate, as a rank-0 tensor.
    Value decay = g.generic(
        {op.getStep()}, g.empty({}, f32),
        {scalarMap(rewriter, 0), scalarMap(rewriter, 0)}, {},
        [&](OpBuilder &nb, Location l, ValueRange a) {
          Value t = addF(nb, l, toF32(nb, l, a[0]), constF(nb, l, 1.0f));
          Value pow = math::ExpOp::create(nb, l,
                                          mulF(nb, l, constF(nb, l, -decayRate),
                                               math::LogOp::create(nb, l, t)));
          return arith::SubFOp::create(nb, l, constF(nb, l, 1.0f), pow)
              .getResult();
        });
    auto g2 = [&](OpBuilder &nb, Location l, Value x) {
      return addF(nb, l, mulF(nb, l, x, x), constF(nb, l, eps));
    };
    // decay * v + (1 - decay) * x.
    auto ema = [&](OpBuilder &nb, Location l, Value v, Value x, Value d) {
      return addF(
          nb, l, mulF(nb, l, d, v),
          mulF(nb, l, arith::SubFOp::create(nb, l, constF(nb, l, 1.0f), d), x));
    };

    SmallVector<Value> newMoments;
    // u = g * factor(indices), with the factor's operands and maps.
    SmallVector<Value> factorInputs;
    SmallVector<AffineMap> factorMaps;
    std::function<Value(OpBuilder &, Location, Value, ValueRange)> update;
    if (factored) {
      Value vr = op.getMoments()[0], vc = op.getMoments()[1];
      Value rows = countF32(rewriter, loc, p, 0),
            cols = countF32(rewriter, loc, p, 1);
      SmallVector<OpFoldResult> rSize = {sizes[0]}, cSize = {sizes[1]};
      Value rowSum =
          g.generic({grad}, g.filledF32(rSize, 0.0), {all, g.map(2, {0})},
                    {kPar, kRed}, [&](OpBuilder &nb, Location l, ValueRange a) {
                      return addF(nb, l, a[1], g2(nb, l, a[0]));
                    });
      Value colSum =
          g.generic({grad}, g.filledF32(cSize, 0.0), {all, g.map(2, {1})},
                    {kRed, kPar}, [&](OpBuilder &nb, Location l, ValueRange a) {
                      return addF(nb, l, a[1], g2(nb, l, a[0]));
                    });
      auto updateMoment = [&](Value v, Value sum, Value count,
                              SmallVector<OpFoldResult> size) {
        return g.generic({v, sum, decay}, g.empty(size, f32),
                         {g.map(1, {0}), g.map(1, {0}), scalarMap(rewriter, 1),
                          g.map(1, {0})},
                         {kPar}, [&](OpBuilder &nb, Location l, ValueRange a) {
                           Value mean =
                               arith::DivFOp::create(nb, l, a[1], count);
                           return ema(nb, l, a[0], mean, a[2]);
                         });
      };
      Value newVr = updateMoment(vr, rowSum, cols, rSize);
      Value newVc = updateMoment(vc, colSum, rows, cSize);
      Value vrTotal = g.generic({newVr}, g.filledF32({}, 0.0),
                                {g.map(1, {0}), scalarMap(rewriter, 1)}, {kRed},
                                [&](OpBuilder &nb, Location l, ValueRange a) {
                                  return addF(nb, l, a[1], a[0]);
                                });
      newMoments = {newVr, newVc};
      factorInputs = {newVr, newVc, vrTotal};
      factorMaps = {g.map(2, {0}), g.map(2, {1}), scalar};
      update = [rows](OpBuilder &nb, Location l, Value gr, ValueRange f) {
        // g / sqrt(vr / mean(vr)) / sqrt(vc) = g * rsqrt(vr * vc * R / sum).
        Value ratio =
            arith::DivFOp::create(nb, l, mulF(nb, l, f[0], rows), f[2]);
        Value denom = mulF(nb, l, ratio, f[1]);
        return mulF(nb, l, gr, math::RsqrtOp::create(nb, l, denom));
      };
    } else {
      Value v = op.getMoments()[0];
      Value newV = g.generic({v, grad, decay}, g.empty(sizes, f32),
                             {all, all, scalar, all},
                             SmallVector<IteratorType>(rank, kPar),
                             [&](OpBuilder &nb, Location l, ValueRange a) {
                               return ema(nb, l, a[0], g2(nb, l, a[1]), a[2]);
                             });
      newMoments = {newV};
      factorInputs = {newV};
      factorMaps = {all};
      update = [](OpBuilder &nb, Location l, Value gr, ValueRange f) {
        return mulF(nb, l, gr, math::RsqrtOp::create(nb, l, f[0]));
      };
    }

    // Sums of p^2 and u^2 in one pass.
    SmallVector<Value> inputs = {p, grad};
    inputs.append(factorInputs);
    SmallVector<AffineMap> maps = {all, all};
    maps.append(factorMaps);
    maps.append({scalar, scalar});
    SmallVector<Value> sums =
        g.genericN(inputs, {g.filledF32({}, 0.0), g.filledF32({}, 0.0)}, maps,
                   SmallVector<IteratorType>(rank, kRed),
                   [&](OpBuilder &nb, Location l, ValueRange a) {
                     unsigned n = factorInputs.size();
                     Value u = update(nb, l, a[1], a.slice(2, n));
                     return SmallVector<Value>{
                         addF(nb, l, a[2 + n], mulF(nb, l, a[0], a[0])),
                         addF(nb, l, a[3 + n], mulF(nb, l, u, u))};
                   });
    Value count = countF32(rewriter, loc, p);
    // step size = lr * max(rms(p), min_scale) / max(1, rms(u) / clip).
    Value stepSize = g.generic(
        {sums[0], sums[1], op.getLr()}, g.empty({}, f32),
        {scalarMap(rewriter, 0), scalarMap(rewriter, 0), scalarMap(rewriter, 0),
         scalarMap(rewriter, 0)},
        {}, [&](OpBuilder &nb, Location l, ValueRange a) {
          auto rms = [&](Value sum) {
            return math::SqrtOp::create(
                nb, l, arith::DivFOp::create(nb, l, sum, count));
          };
          Value scale = arith::MaximumFOp::create(nb, l, rms(a[0]),
                                                  constF(nb, l, minScale));
          Value clipDen = arith::MaximumFOp::create(
              nb, l, constF(nb, l, 1.0f),
              arith::DivFOp::create(nb, l, rms(a[1]), constF(nb, l, clip)));
          return arith::DivFOp::create(nb, l, mulF(nb, l, a[2], scale), clipDen)
              .getResult();
        });
    SmallVector<Value> finalInputs = {p, grad};
    finalInputs.append(factorInputs);
    finalInputs.push_back(stepSize);
    SmallVector<AffineMap> finalMaps = {all, all};
    finalMaps.append(factorMaps);
    finalMaps.append({scalar, all});
    Value newP = g.generic(finalInputs, g.empty(sizes, f32), finalMaps,
                           SmallVector<IteratorType>(rank, kPar),
                           [&](OpBuilder &nb, Location l, ValueRange a) {
                             unsigned n = factorInputs.size();
                             Value u = update(nb, l, a[1], a.slice(2, n));
                             return arith::SubFOp::create(
                                        nb, l, a[0], mulF(nb, l, a[2 + n], u))
                                 .getResult();
                           });
    SmallVector<Value> results = {castTo(rewriter, op.getNewParam(), newP)};
    for (auto [old, now] : llvm::zip(op.getNewMoments(), newMoments))
      results.push_back(castTo(rewriter, old, now));
    rewriter.replaceOp(op, results);
    return success();
  }
};

} // namespace

void mlir::tvq::populateOptimizerToLinalgPatterns(RewritePatternSet &patterns) {
  patterns.add<LRScheduleLowering, GlobalNormLowering, AdamWUpdateLowering,
               AdafactorUpdateLowering>(patterns.getContext());
}
