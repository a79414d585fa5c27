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

/// `type` with dimension 0 dynamic (the B x T / L blocks of the parallel
/// form).
static RankedTensorType withDynamicBatch(Type t) {
  auto type = cast<RankedTensorType>(t);
  SmallVector<int64_t> shape(type.getShape());
  shape[0] = ShapedType::kDynamic;
  return RankedTensorType::get(shape, type.getElementType());
}

/// Builds the parallel form of one tvq.vq_attention (M = L): the helpers
/// share the location, B and the block count.
class ParallelBlocksBuilder {
public:
  ParallelBlocksBuilder(OpBuilder &b, Location loc, Value q, int64_t blockLen)
      : b(b), loc(loc), blockLen(blockLen) {
    batch = tensor::DimOp::create(b, loc, q, 0);
    Value seqLen = tensor::DimOp::create(b, loc, q, 1);
    numBlocks = arith::DivUIOp::create(
        b, loc, seqLen, arith::ConstantIndexOp::create(b, loc, blockLen));
  }

  Value numBlocksValue() { return numBlocks; }

  /// [B, T, rest...] -> [B, nb, L, rest...].
  Value expandSequence(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape = {type.getDimSize(0), ShapedType::kDynamic,
                                  blockLen};
    SmallVector<OpFoldResult> sizes = {batch, numBlocks,
                                       b.getIndexAttr(blockLen)};
    SmallVector<ReassociationIndices> groups = {{0}, {1, 2}};
    for (int64_t d = 2; d < type.getRank(); ++d) {
      shape.push_back(type.getDimSize(d));
      sizes.push_back(tensor::getMixedSize(b, loc, x, d));
      groups.push_back({d + 1});
    }
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), x, groups,
        sizes);
  }

  /// [B, nb, rest...] -> [B * nb, rest...].
  Value collapseBlocks(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<ReassociationIndices> groups = {{0, 1}};
    for (int64_t d = 2; d < type.getRank(); ++d)
      groups.push_back({d});
    return tensor::CollapseShapeOp::create(b, loc, x, groups);
  }

  /// [B * nb, rest...] -> [B, nb, rest...].
  Value expandBlocks(Value x) {
    auto type = cast<RankedTensorType>(x.getType());
    SmallVector<int64_t> shape = {ShapedType::kDynamic, ShapedType::kDynamic};
    SmallVector<OpFoldResult> sizes = {batch, numBlocks};
    SmallVector<ReassociationIndices> groups = {{0, 1}};
    for (int64_t d = 1; d < type.getRank(); ++d) {
      shape.push_back(type.getDimSize(d));
      sizes.push_back(tensor::getMixedSize(b, loc, x, d));
      groups.push_back({d + 1});
    }
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), x, groups,
        sizes);
  }

  /// The window each block sees, [B * nb, L, rest...]: the incoming window
  /// `incoming` [B, M, rest...] for block 0, block n - 1 of `x` [B, T,
  /// rest...] for block n.
  Value windows(Value incoming, Value x) {
    incoming = expandWindow(incoming);
    Value blocks = expandSequence(x);
    auto type = cast<RankedTensorType>(blocks.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, blocks);
    SmallVector<int64_t> shape(type.getShape());
    shape[0] = ShapedType::kDynamic;
    Value result = tensor::EmptyOp::create(b, loc, shape, type.getElementType(),
                                           dynamicOf(sizes, shape));
    SmallVector<OpFoldResult> zeros(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> ones(type.getRank(), b.getIndexAttr(1));
    // Block 0: the incoming window as [B, 1, L, rest...].
    SmallVector<OpFoldResult> first = sizes;
    first[1] = b.getIndexAttr(1);
    result = tensor::InsertSliceOp::create(b, loc, incoming, result, zeros,
                                           first, ones);
    // Blocks 1..nb-1: blocks 0..nb-2.
    SmallVector<OpFoldResult> rest = sizes;
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value before = arith::SubIOp::create(b, loc, numBlocks, one);
    rest[1] = before;
    Value previous =
        tensor::ExtractSliceOp::create(b, loc, blocks, zeros, rest, ones);
    SmallVector<OpFoldResult> at = zeros;
    at[1] = b.getIndexAttr(1);
    result =
        tensor::InsertSliceOp::create(b, loc, previous, result, at, rest, ones);
    return collapseBlocks(result);
  }

  /// [B, M, rest...] -> [B, 1, M, rest...].
  Value expandWindow(Value w) {
    auto type = cast<RankedTensorType>(w.getType());
    SmallVector<int64_t> shape = {type.getDimSize(0), 1};
    SmallVector<OpFoldResult> sizes = {tensor::getMixedSize(b, loc, w, 0),
                                       b.getIndexAttr(1)};
    SmallVector<ReassociationIndices> groups = {{0, 1}};
    for (int64_t d = 1; d < type.getRank(); ++d) {
      shape.push_back(type.getDimSize(d));
      sizes.push_back(tensor::getMixedSize(b, loc, w, d));
      groups.push_back({d + 1});
    }
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get(shape, type.getElementType()), w, groups,
        sizes);
  }

  /// An uninitialized tensor of `sizes`.
  Value empty(ArrayRef<OpFoldResult> sizes, Type elt) {
    SmallVector<int64_t> shape;
    for (OpFoldResult size : sizes) {
      std::optional<int64_t> c = getConstantIntValue(size);
      shape.push_back(c ? *c : ShapedType::kDynamic);
    }
    return tensor::EmptyOp::create(b, loc, shape, elt, dynamicOf(sizes, shape));
  }

  /// The dynamic entries of `sizes` where `shape` is dynamic.
  SmallVector<Value> dynamicOf(ArrayRef<OpFoldResult> sizes,
                               ArrayRef<int64_t> shape) {
    SmallVector<Value> values;
    for (auto [size, dim] : llvm::zip(sizes, shape))
      if (ShapedType::isDynamic(dim))
        values.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
    return values;
  }

  /// A linalg.generic with one result over `numDims` loops; `maps` lists
  /// each input's then the output's loop dims.
  Value generic(ValueRange inputs, Value init, unsigned numDims,
                ArrayRef<SmallVector<unsigned>> dims,
                ArrayRef<utils::IteratorType> iterators,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    SmallVector<AffineMap> maps;
    for (const SmallVector<unsigned> &d : dims) {
      SmallVector<AffineExpr> exprs;
      for (unsigned i : d)
        exprs.push_back(b.getAffineDimExpr(i));
      maps.push_back(AffineMap::get(numDims, 0, exprs, b.getContext()));
    }
    auto op = linalg::GenericOp::create(
        b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
        iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(nb, nl, body(nb, nl, args));
        });
    return op.getResult(0);
  }

  /// A tensor of `sizes` filled with `value`.
  Value filled(ArrayRef<OpFoldResult> sizes, Type elt, TypedAttr value) {
    Value cst = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, cst, empty(sizes, elt)).getResult(0);
  }

  OpBuilder &b;
  Location loc;
  int64_t blockLen;
  Value batch, numBlocks;
};

/// The parallel form (see the file comment); M must equal L.
struct ParallelAttentionBlocks : OpRewritePattern<VQAttentionOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(VQAttentionOp op,
                                PatternRewriter &rewriter) const override {
    int64_t blockLen = op.getBlockLen();
    auto qType = cast<RankedTensorType>(op.getQ().getType());
    if (!qType.isDynamicDim(1) && qType.getDimSize(1) == blockLen)
      return rewriter.notifyMatchFailure(op, "already one block");
    if (static_cast<int64_t>(op.getMemLen()) != blockLen)
      return rewriter.notifyMatchFailure(op, "mem_len differs from block_len");
    Location loc = op.getLoc();
    SmallVector<Value> state = op.getStateOrZeros(rewriter);
    for (unsigned i = 0; i < state.size(); ++i) {
      Type want = op->getResult(i + 1).getType();
      if (state[i].getType() != want)
        state[i] = tensor::CastOp::create(rewriter, loc, want, state[i]);
    }
    // T = 0 has no blocks: the output is empty and the state unchanged.
    Value seqLen = tensor::DimOp::create(rewriter, loc, op.getQ(), 1);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value none = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                       seqLen, zero);
    ReifiedRankedShapedTypeDims shapes;
    if (failed(op.reifyResultShapes(rewriter, shapes)))
      return rewriter.notifyMatchFailure(op, "cannot reify the output shape");
    auto ifOp = scf::IfOp::create(
        rewriter, loc, none,
        [&](OpBuilder &b, Location l) {
          auto outType = cast<RankedTensorType>(op.getOutput().getType());
          Value empty = tensor::EmptyOp::create(b, l, shapes[0],
                                                outType.getElementType());
          if (empty.getType() != outType)
            empty = tensor::CastOp::create(b, l, outType, empty);
          SmallVector<Value> results = {empty};
          results.append(state);
          scf::YieldOp::create(b, l, results);
        },
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, buildParallel(b, l, op, state));
        });
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }

  /// The results of `op` computed over all blocks at once, from the incoming
  /// `state` (typed as the op's state results).
  static SmallVector<Value> buildParallel(OpBuilder &b, Location loc,
                                          VQAttentionOp op,
                                          ArrayRef<Value> state) {
    int64_t blockLen = op.getBlockLen(), memLen = op.getMemLen();
    ParallelBlocksBuilder pb(b, loc, op.getQ(), blockLen);
    const utils::IteratorType par = utils::IteratorType::parallel,
                              red = utils::IteratorType::reduction;
    Type f32 = b.getF32Type(), i64 = b.getI64Type();
    Value count0 = state[0], mean0 = state[1], seen0 = state[5];
    OpFoldResult batch = pb.batch, blocks = pb.numBlocks;
    OpFoldResult L = b.getIndexAttr(blockLen);
    OpFoldResult S = tensor::getMixedSize(b, loc, op.getCodebook(), 0);
    OpFoldResult V = tensor::getMixedSize(b, loc, op.getV(), 2);

    // What each block sees in its window: the block before it.
    Value winCodes = pb.windows(state[2], op.getCodes());
    Value winKeys = pb.windows(state[3], op.getKHat());
    Value winValues = pb.windows(state[4], op.getV());
    OpFoldResult BN = tensor::getMixedSize(b, loc, winCodes, 0);

    // Positions seen before each block: seen + n L.
    Value seen = pb.generic(
        {seen0}, pb.empty({batch, blocks}, i64), 2, {{0}, {0, 1}}, {par, par},
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value n = linalg::IndexOp::create(nb, nl, 1);
          Value n64 = arith::IndexCastOp::create(nb, nl, nb.getI64Type(), n);
          Value len =
              arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(blockLen));
          return arith::AddIOp::create(nb, nl, args[0],
                                       arith::MulIOp::create(nb, nl, n64, len));
        });
    seen = pb.collapseBlocks(seen);

    // The window slots that leave for the cache after each block (those at
    // a position >= 0), one-hot by code: [B * nb, L, S].
    Value oneHot = pb.generic(
        {winCodes, seen}, pb.empty({BN, L, S}, f32), 3,
        {{0, 1}, {0}, {0, 1, 2}}, {par, par, par},
        [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value slot = arith::IndexCastOp::create(
              nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, 1));
          Value code = arith::IndexCastOp::create(
              nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 2));
          Value mem =
              arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(memLen));
          Value position = arith::AddIOp::create(
              nb, nl, arith::SubIOp::create(nb, nl, args[1], mem), slot);
          Value zero64 =
              arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(0));
          Value started = arith::CmpIOp::create(
              nb, nl, arith::CmpIPredicate::sge, position, zero64);
          Value same = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                             args[0], code);
          Value both = arith::AndIOp::create(nb, nl, started, same);
          return arith::SelectOp::create(
              nb, nl, both,
              arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1)),
              arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(0)));
        });
    auto add = [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
      return arith::AddFOp::create(nb, nl, args[1], args[0]);
    };
    // Per block: how many leave with each code, and the sum of their values.
    Value leaveCount =
        pb.generic({oneHot}, pb.filled({BN, S}, f32, b.getF32FloatAttr(0)), 3,
                   {{0, 2, 1}, {0, 1}}, {par, par, red}, add);
    Value leaveSum = pb.generic(
        {oneHot, winValues}, pb.filled({BN, S, V}, f32, b.getF32FloatAttr(0)),
        4, {{0, 3, 1}, {0, 3, 2}, {0, 1, 2}}, {par, par, par, red},
        [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          return arith::AddFOp::create(
              nb, nl, args[2], arith::MulFOp::create(nb, nl, args[0], args[1]));
        });

    // Each block's cache: the incoming one plus what left before the block
    // (a prefix sum over blocks m < n).
    auto before = [](OpBuilder &nb, Location nl, ValueRange args, unsigned n,
                     unsigned m) -> Value {
      Value earlier = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::ult,
                                            linalg::IndexOp::create(nb, nl, m),
                                            linalg::IndexOp::create(nb, nl, n));
      Value zero = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(0));
      return arith::AddFOp::create(
          nb, nl, args[1],
          arith::SelectOp::create(nb, nl, earlier, args[0], zero));
    };
    Value countInit = pb.generic(
        {count0}, pb.empty({batch, blocks, S}, f32), 3, {{0, 2}, {0, 1, 2}},
        {par, par, par},
        [](OpBuilder &, Location, ValueRange args) { return args[0]; });
    Value count = pb.generic({pb.expandBlocks(leaveCount)}, countInit, 4,
                             {{0, 3, 2}, {0, 1, 2}}, {par, par, par, red},
                             [&](OpBuilder &nb, Location nl, ValueRange args) {
                               return before(nb, nl, args, 1, 3);
                             });
    Value sumInit =
        pb.generic({count0, mean0}, pb.empty({batch, blocks, S, V}, f32), 4,
                   {{0, 2}, {0, 2, 3}, {0, 1, 2, 3}}, {par, par, par, par},
                   [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
                     return arith::MulFOp::create(nb, nl, args[0], args[1]);
                   });
    Value sum =
        pb.generic({pb.expandBlocks(leaveSum)}, sumInit, 5,
                   {{0, 4, 2, 3}, {0, 1, 2, 3}}, {par, par, par, par, red},
                   [&](OpBuilder &nb, Location nl, ValueRange args) {
                     return before(nb, nl, args, 1, 4);
                   });
    Value mean = pb.generic(
        {count, sum}, pb.empty({batch, blocks, S, V}, f32), 4,
        {{0, 1, 2}, {0, 1, 2, 3}, {0, 1, 2, 3}}, {par, par, par, par},
        [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
          Value one = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1));
          return arith::DivFOp::create(
              nb, nl, args[1], arith::MaximumFOp::create(nb, nl, args[0], one));
        });

    // One one-block op over all blocks.
    auto blocksOf = [&](Value x) {
      return pb.collapseBlocks(pb.expandSequence(x));
    };
    auto outType = cast<RankedTensorType>(op.getOutput().getType());
    SmallVector<Type> resultTypes = {
        withDynamicBatch(withSeqLen(outType, blockLen))};
    for (unsigned i = 1; i < op->getNumResults(); ++i)
      resultTypes.push_back(withDynamicBatch(op->getResult(i).getType()));
    SmallVector<Value> blockState = {pb.collapseBlocks(count),
                                     pb.collapseBlocks(mean),
                                     winCodes,
                                     winKeys,
                                     winValues,
                                     seen};
    auto blockOp = VQAttentionOp::create(
        b, loc, resultTypes, blocksOf(op.getQ()), blocksOf(op.getKHat()),
        blocksOf(op.getCodes()), blocksOf(op.getV()), op.getCodebook(),
        op.getU(), op.getW(), op.getR(), blockState, op.getBlockLenAttr(),
        op.getMemLenAttr());

    // The output back in sequence order; the state after the last block.
    Value output = tensor::CollapseShapeOp::create(
        b, loc, pb.expandBlocks(blockOp.getOutput()),
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}});
    SmallVector<Value> results = {castTo(b, loc, output, outType)};
    Value last = arith::SubIOp::create(
        b, loc, pb.numBlocks, arith::ConstantIndexOp::create(b, loc, 1));
    for (unsigned i = 1; i < op->getNumResults(); ++i) {
      Value all = pb.expandBlocks(blockOp->getResult(i));
      auto type = cast<RankedTensorType>(all.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
      offsets[1] = last;
      SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, all);
      sizes[1] = b.getIndexAttr(1);
      SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
      SmallVector<int64_t> shape(type.getShape());
      shape.erase(shape.begin() + 1);
      Value slice = tensor::ExtractSliceOp::create(
          b, loc, RankedTensorType::get(shape, type.getElementType()), all,
          offsets, sizes, strides);
      results.push_back(castTo(b, loc, slice, op->getResult(i).getType()));
    }
    return results;
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
