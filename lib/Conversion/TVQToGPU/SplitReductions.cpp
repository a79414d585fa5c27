//===- SplitReductions.cpp - More threads for GPU reductions --------------===//
//
// `tvq-split-reductions`: a kernel runs one thread per parallel iteration
// of a linalg op and loops over its reduction, so a whole-tensor reduction is
// a one-thread kernel. Such ops are split (as upstream's
// `linalg::splitReduction` with innerParallel would, dynamic sizes included:
// the innermost part of the reduction made
// parallel, so neighbouring threads read neighbouring elements) until every
// stage has enough threads or a short reduction.
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSPLITREDUCTIONS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Reductions shorter than this stay serial in their threads.
constexpr int64_t kMinSplitReduction = 256;
/// Each thread of a split stage still sums at least this many elements.
constexpr int64_t kMinPerThread = 8;

/// The product of the static sizes of op's parallel loops (a dynamic size
/// counts as 1).
int64_t staticParallelIterations(linalg::GenericOp op) {
  int64_t product = 1;
  for (auto [size, kind] :
       llvm::zip(op.getStaticLoopRanges(), op.getIteratorTypesArray()))
    if (kind == utils::IteratorType::parallel && !ShapedType::isDynamic(size))
      product =
          size > 0 && product > (INT64_MAX / size) ? INT64_MAX : product * size;
  return product;
}

/// Whether some input lacks one of the output's dimensions (a matrix
/// product or a broadcast), which `tvq-contractions-to-library` handles and
/// splitting would hide from it.
bool hasInputMissingOutputDim(linalg::GenericOp op) {
  AffineMap out = op.getIndexingMapsArray().back();
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    for (AffineExpr e : out.getResults())
      if (!map.getResults().empty() && !llvm::is_contained(map.getResults(), e))
        return true;
  }
  return false;
}

bool isTensorOp(linalg::GenericOp op) {
  return op.hasPureTensorSemantics() && op.getNumDpsInits() == 1 &&
         op.getNumResults() == 1;
}

bool usesIndex(linalg::GenericOp op) {
  return !op.getBlock()->getOps<linalg::IndexOp>().empty();
}

/// A reduction of every element of identity-indexed static inputs over two
/// or more loops, rewritten as one reduction loop over the inputs collapsed
/// to 1-D (nullptr when op is not one).
linalg::GenericOp collapseFullReduction(RewriterBase &rewriter,
                                        linalg::GenericOp op) {
  unsigned loops = op.getNumLoops();
  if (!isTensorOp(op) || loops < 2 || op.getNumParallelLoops() != 0 ||
      usesIndex(op) || op.getNumDpsInputs() == 0)
    return nullptr;
  auto outType = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!outType || outType.getRank() != 0)
    return nullptr;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type || !type.hasStaticShape() ||
        !op.getMatchingIndexingMap(input).isIdentity())
      return nullptr;
  }
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  SmallVector<ReassociationIndices> all(1);
  for (unsigned d = 0; d < loops; ++d)
    all[0].push_back(d);
  SmallVector<Value> inputs;
  for (Value input : op.getDpsInputs())
    inputs.push_back(
        tensor::CollapseShapeOp::create(rewriter, loc, input, all));
  MLIRContext *ctx = op.getContext();
  AffineMap flat = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<AffineMap> maps(inputs.size(), flat);
  maps.push_back(AffineMap::get(1, 0, {}, ctx));
  auto collapsed = linalg::GenericOp::create(
      rewriter, loc, op.getResultTypes(), inputs, op.getDpsInits(), maps,
      SmallVector<utils::IteratorType>{utils::IteratorType::reduction});
  rewriter.inlineRegionBefore(op.getRegion(), collapsed.getRegion(),
                              collapsed.getRegion().end());
  rewriter.replaceOp(op, collapsed.getResults());
  return collapsed;
}

bool hasStaticShapes(linalg::GenericOp op) {
  for (Value v : op->getOperands())
    if (auto type = dyn_cast<ShapedType>(v.getType());
        type && !type.hasStaticShape())
      return false;
  return true;
}

/// The ratio to split op's single reduction by: a power of two dividing its
/// static length that brings the stage to `minThreads` threads, each with at
/// least kMinPerThread elements; 0 when op should not be split.
int64_t splitRatio(linalg::GenericOp op, int64_t minThreads,
                   bool allowDynamic) {
  // The split renumbers the loops and keeps the body as it is: a body that
  // reads its indices (`linalg.index`) would see the wrong ones.
  if (!isTensorOp(op) || op.getNumReductionLoops() != 1 ||
      hasInputMissingOutputDim(op) || usesIndex(op))
    return 0;
  // Dynamic sizes only with allow-dynamic.
  if (!allowDynamic && !hasStaticShapes(op))
    return 0;
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  int64_t length = op.getStaticLoopRanges()[reductions[0]];
  if (ShapedType::isDynamic(length) || length < kMinSplitReduction)
    return 0;
  int64_t threads = staticParallelIterations(op);
  if (threads >= minThreads)
    return 0;
  int64_t wanted = (minThreads + threads - 1) / threads;
  int64_t ratio = 1;
  while (ratio * 2 <= wanted && length % (ratio * 2) == 0 &&
         length / (ratio * 2) >= kMinPerThread)
    ratio *= 2;
  return ratio >= 2 ? ratio : 0;
}

/// Splits op's single reduction loop `d` (static length, a multiple of
/// ratio) into (length / ratio) x ratio with the inner part parallel, like
/// upstream's `linalg::splitReduction` with innerParallel, which makes its
/// intermediate tensor without dynamic sizes; this one takes them too: the
/// partial results have the output's shape plus a last dimension of ratio,
/// start at the combiner's neutral element, and a second op combines them into
/// op's output. Returns the combining op, or nullptr when op has no
/// recognizable combiner or an input's reduced dimension is dynamic.
linalg::GenericOp splitInnerParallel(RewriterBase &rewriter,
                                     linalg::GenericOp op, unsigned d,
                                     int64_t ratio, bool parallelFirst) {
  Block &body = *op.getBlock();
  BlockArgument outArg = body.getArguments().back();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *combiner = yield.getOperand(0).getDefiningOp();
  if (!combiner || combiner->getBlock() != &body ||
      combiner->getNumOperands() != 2 || combiner->getNumResults() != 1 ||
      !outArg.hasOneUse() ||
      !llvm::is_contained(combiner->getOperands(), Value(outArg)))
    return nullptr;
  std::optional<TypedAttr> neutral = arith::getNeutralElement(combiner);
  if (!neutral)
    return nullptr;
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return nullptr;

  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  int64_t length = op.getStaticLoopRanges()[d];
  unsigned loops = op.getNumLoops();
  // Old loop i is new loop i (i < d) or i + 1 (i > d); old loop d becomes
  // the outer part (the reduction) and the inner part (parallel) at loops d
  // and d + 1: outer first by default, inner first with parallelFirst (then
  // a loop nest has every parallel loop outside the reduction: one GPU
  // launch instead of one per step of the outer part).
  unsigned outer = parallelFirst ? d + 1 : d, inner = parallelFirst ? d : d + 1;
  auto shifted = [&](unsigned i) { return i < d ? i : i + 1; };
  auto remap = [&](AffineMap map, bool expandReduction) {
    SmallVector<AffineExpr> results;
    for (AffineExpr e : map.getResults()) {
      unsigned dim = cast<AffineDimExpr>(e).getPosition();
      if (dim != d) {
        results.push_back(getAffineDimExpr(shifted(dim), ctx));
        continue;
      }
      results.push_back(getAffineDimExpr(expandReduction ? outer : inner, ctx));
      if (expandReduction)
        results.push_back(getAffineDimExpr(inner, ctx));
    }
    return results;
  };

  rewriter.setInsertionPoint(op);
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    Value value = input->get();
    std::optional<unsigned> position =
        map.getResultPosition(getAffineDimExpr(d, ctx));
    if (position) {
      auto type = cast<RankedTensorType>(value.getType());
      if (type.isDynamicDim(*position))
        return nullptr;
      SmallVector<ReassociationIndices> groups;
      SmallVector<int64_t> shape;
      SmallVector<OpFoldResult> sizes;
      for (int64_t j = 0, next = 0; j < type.getRank(); ++j) {
        if (j == *position) {
          groups.push_back({next, next + 1});
          next += 2;
          shape.append({length / ratio, ratio});
          sizes.append({rewriter.getIndexAttr(length / ratio),
                        rewriter.getIndexAttr(ratio)});
          continue;
        }
        groups.push_back({next++});
        shape.push_back(type.getDimSize(j));
        sizes.push_back(
            type.isDynamicDim(j)
                ? OpFoldResult(tensor::DimOp::create(rewriter, loc, value, j)
                                   .getResult())
                : OpFoldResult(rewriter.getIndexAttr(type.getDimSize(j))));
      }
      value = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
          value, groups, sizes);
    }
    inputs.push_back(value);
    maps.push_back(AffineMap::get(loops + 1, 0, remap(map, true), ctx));
  }

  // The partial results: the output's shape and ratio, neutral-filled.
  Value init = op.getDpsInits()[0];
  auto outType = cast<RankedTensorType>(init.getType());
  SmallVector<int64_t> partialShape(outType.getShape());
  partialShape.push_back(ratio);
  SmallVector<Value> dynamicSizes;
  for (int64_t j = 0; j < outType.getRank(); ++j)
    if (outType.isDynamicDim(j))
      dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, init, j));
  Value empty = tensor::EmptyOp::create(rewriter, loc, partialShape,
                                        outType.getElementType(), dynamicSizes);
  Value identity = arith::ConstantOp::create(rewriter, loc, *neutral);
  Value partialInit =
      linalg::FillOp::create(rewriter, loc, identity, empty).getResult(0);
  SmallVector<AffineExpr> partialResults =
      remap(op.getIndexingMapsArray().back(), false);
  partialResults.push_back(getAffineDimExpr(inner, ctx));
  maps.push_back(AffineMap::get(loops + 1, 0, partialResults, ctx));
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.insert(iterators.begin() + inner, utils::IteratorType::parallel);
  auto split = linalg::GenericOp::create(
      rewriter, loc, TypeRange{partialInit.getType()}, inputs,
      ValueRange{partialInit}, maps, iterators);
  rewriter.cloneRegionBefore(op.getRegion(), split.getRegion(),
                             split.getRegion().end());

  // The combination over the last dimension, with the same combiner.
  unsigned rank = outType.getRank();
  AffineMap all = AffineMap::getMultiDimIdentityMap(rank + 1, ctx);
  AffineMap kept =
      AffineMap::get(rank + 1, 0, all.getResults().take_front(rank), ctx);
  SmallVector<utils::IteratorType> combineIterators(
      rank, utils::IteratorType::parallel);
  combineIterators.push_back(utils::IteratorType::reduction);
  Value other = combiner->getOperand(0) == outArg ? combiner->getOperand(1)
                                                  : combiner->getOperand(0);
  auto combine = linalg::GenericOp::create(
      rewriter, loc, op.getResultTypes(), ValueRange{split.getResult(0)},
      ValueRange{init}, SmallVector<AffineMap>{all, kept}, combineIterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        IRMapping mapping;
        mapping.map(other, args[0]);
        mapping.map(Value(outArg), args[1]);
        Operation *combined = b.clone(*combiner, mapping);
        linalg::YieldOp::create(b, l, combined->getResult(0));
      });
  rewriter.replaceOp(op, combine.getResults());
  return combine;
}

struct SplitReductionsPass
    : public tvq::impl::TVQSplitReductionsBase<SplitReductionsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<linalg::GenericOp> worklist;
    getOperation().walk([&](linalg::GenericOp op) { worklist.push_back(op); });
    IRRewriter rewriter(&getContext());
    while (!worklist.empty()) {
      linalg::GenericOp op = worklist.pop_back_val();
      if (linalg::GenericOp collapsed = collapseFullReduction(rewriter, op))
        op = collapsed;
      int64_t ratio = splitRatio(op, minThreads, allowDynamic);
      if (!ratio)
        continue;
      SmallVector<unsigned> reductions;
      op.getReductionDims(reductions);
      if (linalg::GenericOp combine = splitInnerParallel(
              rewriter, op, reductions[0], ratio, parallelFirst))
        worklist.push_back(combine);
    }
  }
};

} // namespace
