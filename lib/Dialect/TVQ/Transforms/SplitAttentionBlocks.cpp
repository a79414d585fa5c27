//===- SplitAttentionBlocks.cpp - The block loop of VQ attention ----------===//
//
// Rewrites tvq.vq_attention over T positions into an scf.for over T / L
// blocks carrying the attention state, each iteration a one-block
// tvq.vq_attention; or, with `parallel` (and M = L), into one one-block
// tvq.vq_attention over all B x T / L blocks at once, each block given the
// state the recurrence would reach before it: its window is the previous
// block (the incoming window for block 0), its cache the incoming cache plus
// the windows that left before it (per-block statistics and their prefix
// sums across blocks).
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/AttentionBlocks.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
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

/// Whether `op`'s T is statically one block.
static bool isOneBlock(VQAttentionOp op) {
  auto qType = cast<RankedTensorType>(op.getQ().getType());
  return !qType.isDynamicDim(1) &&
         qType.getDimSize(1) == static_cast<int64_t>(op.getBlockLen());
}

/// The incoming state (zeros without one), cast to the op's state result
/// types.
static SmallVector<Value> typedState(OpBuilder &b, VQAttentionOp op) {
  SmallVector<Value> state = op.getStateOrZeros(b);
  for (unsigned i = 0; i < state.size(); ++i) {
    Type want = op->getResult(i + 1).getType();
    if (state[i].getType() != want)
      state[i] = tensor::CastOp::create(b, op.getLoc(), want, state[i]);
  }
  return state;
}

struct SplitAttention : OpRewritePattern<VQAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(VQAttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t blockLen = op.getBlockLen();
    if (isOneBlock(op))
      return rewriter.notifyMatchFailure(op, "already one block");
    Location loc = op.getLoc();
    // The loop carries the state with the types of the op's state results.
    SmallVector<Value> state = typedState(rewriter, op);

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

/// `type` with dimension 0 dynamic (the B x T / L blocks of the parallel
/// form).
static RankedTensorType withDynamicBatch(Type t) {
  auto type = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = ShapedType::kDynamic;
  return RankedTensorType::get(shape, type.getElementType());
}

/// The parallel form (see the file comment); M must equal L.
struct ParallelAttentionBlocks : OpRewritePattern<VQAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(VQAttentionOp op,
                                PatternRewriter &rewriter) const override {
    if (isOneBlock(op))
      return rewriter.notifyMatchFailure(op, "already one block");
    if (op.getMemLen() != op.getBlockLen())
      return rewriter.notifyMatchFailure(op, "mem_len differs from block_len");
    Location loc = op.getLoc();
    SmallVector<Value> state = typedState(rewriter, op);
    BlockShape shape = blockShapeOf(rewriter, loc, op.getQ(), op.getBlockLen());
    BlockStates s =
        buildBlockStates(rewriter, loc, shape, op.getMemLen(), op.getCodes(),
                         op.getKHat(), op.getV(), op.getCodebook(), state);
    // The output of every block, unconditionally: at T = 0 every tensor has
    // B x 0 blocks. Under the scf.if below, it would be a buffer that an
    // scf.if yields, which the deallocation keeps to the end of the function
    // (a training step) instead of freeing it after its last use.
    auto blockOp = buildBlocks(rewriter, loc, op, shape, s);
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    Value output =
        castTo(rewriter, loc,
               fromBlocks(rewriter, loc, shape, blockOp.getOutput()), outType);
    // The state after the last block; T = 0 has no last block: the state is
    // the incoming one.
    Value seqLen = tensor::DimOp::create(rewriter, loc, op.getQ(), 1);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value none = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                       seqLen, zero);
    auto ifOp = scf::IfOp::create(
        rewriter, loc, none,
        [&](OpBuilder &b, Location l) { scf::YieldOp::create(b, l, state); },
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, finalState(b, l, op, shape, s, blockOp));
        });
    SmallVector<Value> results = {output};
    results.append(ifOp->result_begin(), ifOp->result_end());
    rewriter.replaceOp(op, results);
    return success();
  }

  /// One one-block op over all blocks, from the states `s` they start from.
  static VQAttentionOp buildBlocks(OpBuilder &b, Location loc, VQAttentionOp op,
                                   const BlockShape &shape,
                                   const BlockStates &s) {
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    SmallVector<Type> resultTypes = {
        withDynamicBatch(withSeqLen(outType, shape.blockLen))};
    for (unsigned i = 1; i < op->getNumResults(); ++i)
      resultTypes.push_back(withDynamicBatch(op->getResult(i).getType()));
    auto blocks = [&](Value x) { return toBlocks(b, loc, shape, x); };
    return VQAttentionOp::create(
        b, loc, resultTypes, blocks(op.getQ()), blocks(op.getKHat()),
        blocks(op.getCodes()), blocks(op.getV()), op.getCodebook(), op.getU(),
        op.getW(), op.getR(),
        ValueRange{s.count, s.mean, s.winCodes, s.winKeys, s.winValues, s.seen},
        op.getBlockLenAttr(), op.getMemLenAttr());
  }

  /// The state after the last block (T > 0): the cache from the block
  /// statistics (the one-block op's own cache results would update every
  /// block's cache, only to keep the last one, and are left unused, so they
  /// fold away), the window and the count of positions from the last block's
  /// results.
  static SmallVector<Value> finalState(OpBuilder &b, Location loc,
                                       VQAttentionOp op,
                                       const BlockShape &shape,
                                       const BlockStates &s,
                                       VQAttentionOp blockOp) {
    auto [count, mean] = cacheAfterLastBlock(b, loc, shape, s);
    SmallVector<Value> results = {
        castTo(b, loc, count, op->getResult(1).getType()),
        castTo(b, loc, mean, op->getResult(2).getType())};
    // The window is copied out of the last block: as a slice it would be a
    // view of the whole sequence's keys and values, which would then be held
    // as long as the state is (to the end of a training step) instead of
    // being freed after their last use.
    Value last = lastBlockIndex(b, loc, shape);
    for (unsigned i = 3; i < op->getNumResults(); ++i) {
      Value all = splitBlocks(b, loc, shape, blockOp->getResult(i));
      Value window = copyOf(b, loc, blockAt(b, loc, all, last));
      results.push_back(castTo(b, loc, window, op->getResult(i).getType()));
    }
    return results;
  }

  /// `v` copied into a tensor of its own.
  static Value copyOf(OpBuilder &b, Location loc, Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    Value empty = tensor::EmptyOp::create(
        b, loc, tensor::getMixedSizes(b, loc, v), type.getElementType());
    if (empty.getType() != type)
      empty = tensor::CastOp::create(b, loc, type, empty);
    return linalg::CopyOp::create(b, loc, v, empty).getResult(0);
  }

  static Value castTo(OpBuilder &b, Location loc, Value v, Type type) {
    return v.getType() == type ? v : tensor::CastOp::create(b, loc, type, v);
  }
};

struct TVQSplitAttentionBlocksPass
    : tvq::impl::TVQSplitAttentionBlocksBase<TVQSplitAttentionBlocksPass> {
  using Base::Base;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    // The parallel form where it applies (M = L), else the loop.
    if (parallel)
      patterns.add<ParallelAttentionBlocks>(&getContext(), /*benefit=*/2);
    patterns.add<SplitAttention>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
