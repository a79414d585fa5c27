//===- ApproximateMath.cpp - Polynomial exp, log, ... for vectors ---------===//
//
// Without this pass, `math.exp` on a vector<16xf32> is lowered to sixteen
// calls of libm's `expf` (the attention's softmax spends most of its time
// there). Upstream MLIR provides the polynomial approximations as patterns
// only (`populateMathPolynomialApproximationPatterns`); this pass applies
// them to f32 scalars and vectors (exp, expm1, log, log1p, log2, tanh, erf,
// atan, atan2, sin, cos, rsqrt with its f32 expansion...).
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQAPPROXIMATEMATH
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {
struct TVQApproximateMathPass
    : tvq::impl::TVQApproximateMathBase<TVQApproximateMathPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
