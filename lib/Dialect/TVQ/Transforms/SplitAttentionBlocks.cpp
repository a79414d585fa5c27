//===- SplitAttentionBlocks.cpp - The block loop of VQ attention ----------===//
//
// Rewrites tvq.vq_attention over T positions into an scf.for over T / L
// blocks carrying the attention state, each iteration a one-block
// tvq.vq_attention.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSPLITATTENTIONBLOCKS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// The type of `t` with dimension 1 set to `size`.
static RankedTensorType withSeqLen(Type t, int64_t size) {
  auto type = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(type.getShape());
  shape[1] = size;
  return RankedTensorType::get(shape, type.getElementType());
}

/// Slices positions [offset, offset + len) of dimension 1 out of `v`.
static Value sliceBlock(OpBuilder &b, Location loc, Value v, Value offset,
                        int64_t len) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  offsets[1] = offset;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
  sizes[1] = b.getIndexAttr(len);
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  return tensor::ExtractSliceOp::create(b, loc, withSeqLen(type, len), v,
                                        offsets, sizes, strides);
}

struct SplitAttention : OpRewritePattern<VQAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(VQAttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t blockLen = op.getBlockLen();
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    if (!qType.isDynamicDim(1) && qType.getDimSize(1) == blockLen)
      return rewriter.notifyMatchFailure(op, "already one block");

    Location loc = op.getLoc();
    SmallVector<Value> state = op.getStateOrZeros(rewriter);
    // The loop carries the state with the types of the op's state results.
    for (unsigned i = 0; i < state.size(); ++i) {
      Type want = op->getResult(i + 1).getType();
      if (state[i].getType() != want)
        state[i] = tensor::CastOp::create(rewriter, loc, want, state[i]);
    }

    ReifiedRankedShapedTypeDims shapes;
    if (failed(op.reifyResultShapes(rewriter, shapes)))
      return rewriter.notifyMatchFailure(op, "cannot reify the output shape");
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    Value output = tensor::EmptyOp::create(rewriter, loc, shapes[0],
                                           outType.getElementType());
    if (output.getType() != outType)
      output = tensor::CastOp::create(rewriter, loc, outType, output);

    Value seqLen = tensor::DimOp::create(rewriter, loc, op.getQ(), 1);
    Value lenC = arith::ConstantIndexOp::create(rewriter, loc, blockLen);
    Value numBlocks = arith::DivUIOp::create(rewriter, loc, seqLen, lenC);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);

    SmallVector<Value> inits = {output};
    inits.append(state);
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, numBlocks, one, inits,
        [&](OpBuilder &b, Location l, Value block, ValueRange carried) {
          Value offset = arith::MulIOp::create(b, l, block, lenC);
          auto slice = [&](Value v) {
            return sliceBlock(b, l, v, offset, blockLen);
          };
          SmallVector<Type> resultTypes = {withSeqLen(outType, blockLen)};
          for (Value v : carried.drop_front())
            resultTypes.push_back(v.getType());
          auto blockOp = VQAttentionOp::create(
              b, l, resultTypes, slice(op.getQ()), slice(op.getKHat()),
              slice(op.getCodes()), slice(op.getV()), op.getCodebook(),
              op.getU(), op.getW(), op.getR(), carried.drop_front(),
              op.getBlockLenAttr(), op.getMemLenAttr());
          SmallVector<OpFoldResult> offsets(3, b.getIndexAttr(0));
          offsets[1] = offset;
          SmallVector<OpFoldResult> sizes =
              tensor::getMixedSizes(b, l, blockOp.getOutput());
          SmallVector<OpFoldResult> strides(3, b.getIndexAttr(1));
          Value updated = tensor::InsertSliceOp::create(
              b, l, blockOp.getOutput(), carried[0], offsets, sizes, strides);
          SmallVector<Value> yields = {updated};
          yields.append(blockOp->result_begin() + 1, blockOp->result_end());
          scf::YieldOp::create(b, l, yields);
        });
    rewriter.replaceOp(op, loop.getResults());
    return success();
  }
};

struct TVQSplitAttentionBlocksPass
    : tvq::impl::TVQSplitAttentionBlocksBase<TVQSplitAttentionBlocksPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SplitAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
