//===- SplitDynamicExpandShapes.cpp - expand_shape as reinterpret_cast ----===//
//
// MLIR 22's expand-strided-metadata crashes (a null OpFoldResult reaches
// memref.reinterpret_cast's builder) on a memref.expand_shape that splits
// one dimension into two or more dynamic ones, e.g.
// memref<?x16xf32> into memref<?x?x16xf32> (the B x T / L blocks of the
// parallel attention form, back to B and T / L). This pass writes such an
// expand_shape as the memref.reinterpret_cast it means: the source's base
// buffer and offset, the output sizes, and strides that multiply the
// source dimension's stride by the sizes inside it. Other expand_shapes are
// left to expand-strided-metadata.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSPLITDYNAMICEXPANDSHAPES
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// a * b, folded when both are constants.
OpFoldResult multiply(OpBuilder &b, Location loc, OpFoldResult x,
                      OpFoldResult y) {
  std::optional<int64_t> cx = getConstantIntValue(x),
                         cy = getConstantIntValue(y);
  if (cx && cy)
    return b.getIndexAttr(*cx * *cy);
  if (cx == 1)
    return y;
  if (cy == 1)
    return x;
  return arith::MulIOp::create(b, loc,
                               getValueOrCreateConstantIndexOp(b, loc, x),
                               getValueOrCreateConstantIndexOp(b, loc, y))
      .getResult();
}

struct ExpandShapeAsReinterpretCast : OpRewritePattern<memref::ExpandShapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(memref::ExpandShapeOp op,
                                PatternRewriter &rewriter) const override {
    MemRefType resultType = op.getResultType();
    SmallVector<ReassociationIndices> groups = op.getReassociationIndices();
    bool splitsDynamic = llvm::any_of(groups, [&](ReassociationIndices &g) {
      return llvm::count_if(
                 g, [&](int64_t d) { return resultType.isDynamicDim(d); }) >= 2;
    });
    if (!splitsDynamic)
      return rewriter.notifyMatchFailure(op, "no group of dynamic sizes");
    Location loc = op.getLoc();
    MemRefType sourceType = op.getSrcType();
    auto [staticStrides, staticOffset] = sourceType.getStridesAndOffset();
    auto metadata =
        memref::ExtractStridedMetadataOp::create(rewriter, loc, op.getSrc());
    auto known = [&](int64_t value, Value fallback) -> OpFoldResult {
      if (ShapedType::isDynamic(value))
        return fallback;
      return rewriter.getIndexAttr(value);
    };
    OpFoldResult offset = known(staticOffset, metadata.getOffset());
    SmallVector<OpFoldResult> sizes = op.getMixedOutputShape();
    SmallVector<OpFoldResult> strides(resultType.getRank());
    for (auto [source, group] : llvm::enumerate(groups)) {
      OpFoldResult stride =
          known(staticStrides[source], metadata.getStrides()[source]);
      for (int64_t d : llvm::reverse(group)) {
        strides[d] = stride;
        stride = multiply(rewriter, loc, stride, sizes[d]);
      }
    }
    rewriter.replaceOpWithNewOp<memref::ReinterpretCastOp>(
        op, resultType, metadata.getBaseBuffer(), offset, sizes, strides);
    return success();
  }
};

struct TVQSplitDynamicExpandShapesPass
    : tvq::impl::TVQSplitDynamicExpandShapesBase<
          TVQSplitDynamicExpandShapesPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ExpandShapeAsReinterpretCast>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
