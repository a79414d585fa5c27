//===- FuseElementwiseOps.cpp - Elementwise fusion that keeps products ----===//
//
// Upstream's linalg-fuse-elementwise-ops, with one change to its control
// function: an elementwise producer is not fused into a consumer that is a
// matrix product (MatrixProducts.h). Fused, the product would read `q + w`
// instead of `q`, which no GEMM library computes, and run as a naive kernel
// instead of a cuBLAS call (the attention's relative-position scores at the
// bench widths: B x T / L x 512 x 513 x 128 multiply-adds).
//
//===----------------------------------------------------------------------===//

#include "MatrixProducts.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQFUSEELEMENTWISEOPS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Upstream's default (a producer with one use), unless the consumer is a
/// matrix product.
bool shouldFuse(OpOperand *fusedOperand) {
  Operation *producer = fusedOperand->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  auto consumer = dyn_cast<linalg::GenericOp>(fusedOperand->getOwner());
  return !consumer || !tvq::matchMatrixProduct(consumer);
}

struct FuseElementwiseOpsPass
    : public tvq::impl::TVQFuseElementwiseOpsBase<FuseElementwiseOpsPass> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, shouldFuse);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, shouldFuse);
    (void)applyPatternsGreedily(getOperation(), std::move(patterns),
                                GreedyRewriteConfig().setUseTopDownTraversal());
  }
};

} // namespace
