//===- SplitReductions.cpp - More threads for GPU reductions --------------===//
//
// `tvq-split-reductions`: a kernel runs one thread per parallel iteration
// of a linalg op and loops over its reduction, so a whole-tensor reduction is
// a one-thread kernel. Such ops are split with upstream's
// `linalg::splitReduction` (the innermost part of the reduction made
// parallel, so neighbouring threads read neighbouring elements) until every
// stage has enough threads or a short reduction.
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
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

/// The ratio to split op's single reduction by: a power of two dividing its
/// static length that brings the stage to `minThreads` threads, each with at
/// least kMinPerThread elements; 0 when op should not be split.
int64_t splitRatio(linalg::GenericOp op, int64_t minThreads) {
  // The split renumbers the loops, and upstream keeps `linalg.index` as it
  // was: a body that reads its indices would see the wrong ones.
  if (!isTensorOp(op) || op.getNumReductionLoops() != 1 ||
      hasInputMissingOutputDim(op) || usesIndex(op))
    return 0;
  // Upstream's split makes its intermediate tensor without dynamic sizes.
  for (Value v : op->getOperands())
    if (auto type = dyn_cast<ShapedType>(v.getType());
        type && !type.hasStaticShape())
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
      int64_t ratio = splitRatio(op, minThreads);
      if (!ratio)
        continue;
      unsigned outRank =
          cast<RankedTensorType>(op.getDpsInits()[0].getType()).getRank();
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::SplitReductionResult> split = linalg::splitReduction(
          rewriter, cast<linalg::LinalgOp>(op.getOperation()),
          [&](linalg::LinalgOp) {
            return linalg::SplitReductionOptions{ratio, outRank,
                                                 /*innerParallel=*/true};
          });
      if (failed(split))
        continue; // a combiner upstream does not know: left as it is
      if (auto combine = dyn_cast<linalg::GenericOp>(
              split->resultCombiningLinalgOp.getOperation()))
        worklist.push_back(combine);
    }
  }
};

} // namespace
