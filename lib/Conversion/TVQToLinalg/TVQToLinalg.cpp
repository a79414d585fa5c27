//===- TVQToLinalg.cpp - The convert-tvq-to-linalg pass -------------------===//

#include "GenericBuilder.h"
#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_CONVERTTVQTOLINALG
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {
struct ConvertTVQToLinalgPass
    : tvq::impl::ConvertTVQToLinalgBase<ConvertTVQToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    std::optional<AttentionKernels> kernels = parseAttentionKernels(attention);
    if (!kernels) {
      getOperation().emitError()
          << "convert-tvq-to-linalg: unknown attention '" << attention
          << "' (generic, softmax or fused)";
      return signalPassFailure();
    }
    ConversionTarget target(*ctx);
    target.addLegalDialect<linalg::LinalgDialect, tensor::TensorDialect,
                           arith::ArithDialect, math::MathDialect,
                           scf::SCFDialect, func::FuncDialect>();
    target.addIllegalDialect<TVQDialect>();
    // Stays until after bufferization (tvq-lower-output-ready).
    target.addLegalOp<OutputReadyOp>();
    // Stays until bufferization, which makes it the input's buffer.
    target.addLegalOp<RecomputeInputOp>();
    // Lowered to a kernel after bufferization (tvq-fused-attention-to-gpu).
    target.addLegalOp<FusedBlockAttentionOp, FusedBlockSoftmaxOp>();
    // Made by the parallel blocks, lowered after bufferization
    // (tvq-lower-block-scans).
    target.addLegalOp<BlockScanOp>();
    // Every op made from a tvq op keeps its location, named after the op
    // ("vq_attention"@file:line:col), so that kernels and profiles can say
    // which op they compute (tvq-merge-gpu-modules' kernel sources).
    getOperation().walk([&](Operation *op) {
      if (!isa<TVQDialect>(op->getDialect()) || isa<NameLoc>(op->getLoc()))
        return;
      op->setLoc(NameLoc::get(
          StringAttr::get(ctx, op->getName().stripDialect()), op->getLoc()));
    });
    RewritePatternSet patterns(ctx);
    populateAttentionToLinalgPatterns(patterns, *kernels, oneHotProducts,
                                      transposedCodebook);
    populateModelOpsToLinalgPatterns(patterns);
    populateGradOpsToLinalgPatterns(patterns, oneHotProducts);
    populateOptimizerToLinalgPatterns(patterns);
    populateAttentionGradToLinalgPatterns(patterns, parallelBlocks, *kernels);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
