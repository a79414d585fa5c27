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

#include "MatrixProducts.h"
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

/// An op on tensors with one result, or several (with `multiple`) whose
/// outputs are indexed alike.
bool isTensorOp(linalg::GenericOp op, bool multiple = false) {
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() == 0 ||
      op.getNumResults() != op.getNumDpsInits())
    return false;
  if (op.getNumDpsInits() == 1)
    return true;
  if (!multiple)
    return false;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (unsigned r = 1; r < op.getNumDpsInits(); ++r)
    if (maps[op.getNumDpsInputs() + r] != maps[op.getNumDpsInputs()] ||
        op.getDpsInits()[r].getType() != op.getDpsInits()[0].getType())
      return false;
  return true;
}

bool usesIndex(linalg::GenericOp op) {
  return !op.getBlock()->getOps<linalg::IndexOp>().empty();
}

/// A reduction of every element of identity-indexed inputs (static unless
/// allowDynamic) over two or more loops, rewritten as one reduction loop
/// over the inputs collapsed to 1-D (nullptr when op is not one).
linalg::GenericOp collapseFullReduction(RewriterBase &rewriter,
                                        linalg::GenericOp op,
                                        bool allowDynamic) {
  unsigned loops = op.getNumLoops();
  if (!isTensorOp(op, allowDynamic) || loops < 2 ||
      op.getNumParallelLoops() != 0 || usesIndex(op) ||
      op.getNumDpsInputs() == 0)
    return nullptr;
  auto outType = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!outType || outType.getRank() != 0)
    return nullptr;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type || (!allowDynamic && !type.hasStaticShape()) ||
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
  maps.append(op.getNumDpsInits(), AffineMap::get(1, 0, {}, ctx));
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

/// How to split an op: its innermost reduction loop `dim` by `ratio`.
struct Split {
  unsigned dim = 0;
  int64_t ratio = 0;
};

/// The split of op's innermost reduction loop that brings the stage to
/// `minThreads` threads: a power of two dividing its static length with at
/// least kMinPerThread elements per thread, or, for a dynamic length (with
/// allowDynamic), the power of two the threads want (the inputs are then
/// padded to a multiple of it and the padding masked); nothing when op
/// should not be split.
std::optional<Split> chooseSplit(linalg::GenericOp op, int64_t minThreads,
                                 bool allowDynamic) {
  // The split renumbers the loops; a body that reads its indices
  // (`linalg.index`: the codebook counts' one-hot, the loss's target logit)
  // gets them renumbered, in the CUDA pipeline only (allow-dynamic).
  // Matrix products stay whole for tvq-contractions-to-library (the CPU
  // pipeline leaves every op with an input lacking an output dimension).
  bool product = allowDynamic ? tvq::matchMatrixProduct(op).has_value()
                              : hasInputMissingOutputDim(op);
  if (!isTensorOp(op, allowDynamic) || op.getNumReductionLoops() == 0 ||
      product || (usesIndex(op) && !allowDynamic))
    return std::nullopt;
  // Dynamic sizes only with allow-dynamic.
  if (!allowDynamic && !hasStaticShapes(op))
    return std::nullopt;
  // Several reductions only in the CUDA pipeline (allow-dynamic), which
  // puts the new parallel loop before all of them.
  if (op.getNumReductionLoops() != 1 && !allowDynamic)
    return std::nullopt;
  // The innermost reduction with a long static length, else the innermost
  // dynamic one.
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  std::optional<unsigned> dim;
  for (unsigned r : llvm::reverse(reductions))
    if (!ShapedType::isDynamic(ranges[r]) && ranges[r] >= kMinSplitReduction) {
      dim = r;
      break;
    }
  if (!dim)
    for (unsigned r : llvm::reverse(reductions))
      if (ShapedType::isDynamic(ranges[r])) {
        dim = r;
        break;
      }
  if (!dim)
    return std::nullopt;
  Split split;
  split.dim = *dim;
  int64_t length = ranges[split.dim];
  bool dynamic = ShapedType::isDynamic(length);
  int64_t threads = staticParallelIterations(op);
  if (threads >= minThreads)
    return std::nullopt;
  int64_t wanted = (minThreads + threads - 1) / threads;
  int64_t ratio = 1;
  while (ratio * 2 <= wanted &&
         (dynamic ||
          (length % (ratio * 2) == 0 && length / (ratio * 2) >= kMinPerThread)))
    ratio *= 2;
  if (ratio < 2)
    return std::nullopt;
  split.ratio = ratio;
  return split;
}

/// Whether `op` is a reduction that tvq-row-kernels runs as a thread block
/// per row, which keeps it whole: one reduction loop, innermost, of a static
/// length of at least `minDepth`, over rows of which one size is dynamic (a
/// batch or sequence: many rows at run time); f32 results, each yielded as
/// `addf/maximumf/maxnumf/minimumf/minnumf(accumulator, x)`; and every input
/// that reads the reduced dimension reads every loop (no operand shared
/// between rows, as in a product). tvq-row-kernels states the same rule on
/// the loops this op becomes; test/Conversion/TVQToGPU/
/// row-reduction-agreement.mlir checks that what this keeps, that takes.
bool isRowReduction(linalg::GenericOp op, int64_t minDepth) {
  unsigned loops = op.getNumLoops();
  if (op.getNumReductionLoops() != 1 || loops < 2 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return false;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamic(ranges.back()) || ranges.back() < minDepth ||
      llvm::none_of(ArrayRef(ranges).drop_back(), ShapedType::isDynamic))
    return false;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (map.isFunctionOfDim(loops - 1) &&
        !llvm::all_of(llvm::seq(loops),
                      [&](unsigned d) { return map.isFunctionOfDim(d); }))
      return false;
  }
  Block &body = op.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  for (auto [i, value] : llvm::enumerate(yield.getValues())) {
    Operation *combine = value.getDefiningOp();
    BlockArgument acc = op.getMatchingBlockArgument(op.getDpsInitOperand(i));
    if (!value.getType().isF32() || !combine ||
        !isa<arith::AddFOp, arith::MaximumFOp, arith::MaxNumFOp,
             arith::MinimumFOp, arith::MinNumFOp>(combine) ||
        !llvm::is_contained(combine->getOperands(), acc) || !acc.hasOneUse())
      return false;
  }
  return true;
}

/// In `split`'s body (op's, cloned), replaces op's `linalg.index` ops: loop
/// `d` is now outer * ratio + inner (at most `length` - 1 when padded, so
/// that the body's own reads stay in bounds: those positions are masked),
/// loop i < inner is i, any other i + 1.
void renumberIndices(RewriterBase &rewriter, linalg::GenericOp split,
                     unsigned d, unsigned outer, unsigned inner, int64_t ratio,
                     Value length) {
  SmallVector<linalg::IndexOp> indices(
      split.getRegion().front().getOps<linalg::IndexOp>());
  OpBuilder::InsertionGuard guard(rewriter);
  for (linalg::IndexOp index : indices) {
    Location loc = index.getLoc();
    rewriter.setInsertionPoint(index);
    unsigned dim = index.getDim();
    if (dim != d) {
      rewriter.replaceOpWithNewOp<linalg::IndexOp>(index,
                                                   dim < inner ? dim : dim + 1);
      continue;
    }
    Value o = linalg::IndexOp::create(rewriter, loc, outer);
    Value i = linalg::IndexOp::create(rewriter, loc, inner);
    Value r = arith::ConstantIndexOp::create(rewriter, loc, ratio);
    Value position = arith::AddIOp::create(
        rewriter, loc, arith::MulIOp::create(rewriter, loc, o, r), i);
    if (length) {
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      Value last = arith::SubIOp::create(rewriter, loc, length, one);
      position = arith::MinUIOp::create(rewriter, loc, position, last);
    }
    rewriter.replaceOp(index, position);
  }
}

/// In `split`'s body, keeps the accumulators where outer * ratio + inner
/// (the position in the split loop) is not below `length`: the padding.
void maskPadding(RewriterBase &rewriter, linalg::GenericOp split,
                 unsigned outer, unsigned inner, int64_t ratio, Value length) {
  Block &body = split.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Location loc = split.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(yield);
  Value o = linalg::IndexOp::create(rewriter, loc, outer);
  Value i = linalg::IndexOp::create(rewriter, loc, inner);
  Value r = arith::ConstantIndexOp::create(rewriter, loc, ratio);
  Value position = arith::AddIOp::create(
      rewriter, loc, arith::MulIOp::create(rewriter, loc, o, r), i);
  Value inside = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::ult,
                                       position, length);
  unsigned results = split.getNumDpsInits();
  for (unsigned r = 0; r < results; ++r) {
    Value kept =
        arith::SelectOp::create(rewriter, loc, inside, yield.getOperand(r),
                                body.getArgument(split.getNumDpsInputs() + r));
    rewriter.modifyOpInPlace(yield, [&] { yield->setOperand(r, kept); });
  }
}

/// Splits op's reduction loop `d` into (length / ratio) x ratio with the
/// inner part parallel, like upstream's `linalg::splitReduction` with
/// innerParallel, which makes its intermediate tensor without dynamic sizes;
/// this one takes them too: the partial results have the output's shape
/// plus a last dimension of ratio, start at the combiner's neutral element,
/// and a second op combines them into op's output. A dynamic length is
/// padded (high, with zeros) to a multiple of ratio in every input that
/// reads it, and the split op keeps its accumulator at positions past the
/// length. The new parallel loop goes before op's first reduction loop with
/// parallelFirst (so that a loop nest has every parallel loop outside the
/// reductions: one GPU launch), after the outer part otherwise. Returns the
/// combining op, or nullptr when op has no recognizable combiner.
linalg::GenericOp splitInnerParallel(RewriterBase &rewriter,
                                     linalg::GenericOp op, unsigned d,
                                     int64_t ratio, bool parallelFirst) {
  // Each result's combiner: `out_r = combiner(out_r, other_r)`.
  Block &body = *op.getBlock();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  unsigned results = op.getNumDpsInits();
  SmallVector<Operation *> combiners;
  SmallVector<Value> outArgs;
  SmallVector<TypedAttr> neutrals;
  for (unsigned r = 0; r < results; ++r) {
    BlockArgument outArg = body.getArgument(op.getNumDpsInputs() + r);
    Operation *combiner = yield.getOperand(r).getDefiningOp();
    if (!combiner || combiner->getBlock() != &body ||
        combiner->getNumOperands() != 2 || combiner->getNumResults() != 1 ||
        !outArg.hasOneUse() ||
        !llvm::is_contained(combiner->getOperands(), Value(outArg)))
      return nullptr;
    std::optional<TypedAttr> neutral = arith::getNeutralElement(combiner);
    if (!neutral)
      return nullptr;
    combiners.push_back(combiner);
    outArgs.push_back(outArg);
    neutrals.push_back(*neutral);
  }
  for (AffineMap map : op.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false))
      return nullptr;

  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  int64_t staticLength = op.getStaticLoopRanges()[d];
  bool dynamic = ShapedType::isDynamic(staticLength);
  unsigned loops = op.getNumLoops();
  SmallVector<unsigned> reductions;
  op.getReductionDims(reductions);
  // The inner part is new loop `inner`; old loop i is new loop shifted(i),
  // old loop d the outer part (still a reduction).
  unsigned inner = parallelFirst ? reductions.front() : d + 1;
  auto shifted = [&](unsigned i) { return i < inner ? i : i + 1; };
  unsigned outer = shifted(d);
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
  // The length, and the outer part's length, as values when dynamic.
  Value length, outerLength;
  if (dynamic) {
    for (OpOperand *input : op.getDpsInputOperands()) {
      AffineMap map = op.getMatchingIndexingMap(input);
      if (std::optional<unsigned> position =
              map.getResultPosition(getAffineDimExpr(d, ctx))) {
        length = tensor::DimOp::create(rewriter, loc, input->get(), *position);
        break;
      }
    }
    if (!length)
      return nullptr;
    Value r = arith::ConstantIndexOp::create(rewriter, loc, ratio);
    outerLength = arith::CeilDivUIOp::create(rewriter, loc, length, r);
  }

  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    Value value = input->get();
    std::optional<unsigned> position =
        map.getResultPosition(getAffineDimExpr(d, ctx));
    if (position) {
      auto type = cast<RankedTensorType>(value.getType());
      if (dynamic) {
        // Zeros up to a multiple of ratio (masked in the body).
        SmallVector<OpFoldResult> low(type.getRank(), rewriter.getIndexAttr(0));
        SmallVector<OpFoldResult> high = low;
        Value r = arith::ConstantIndexOp::create(rewriter, loc, ratio);
        Value padded = arith::MulIOp::create(rewriter, loc, outerLength, r);
        high[*position] =
            arith::SubIOp::create(rewriter, loc, padded, length).getResult();
        Value zero = arith::ConstantOp::create(
            rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
        value =
            tensor::PadOp::create(rewriter, loc, type, value, low, high, zero);
      }
      SmallVector<ReassociationIndices> groups;
      SmallVector<int64_t> shape;
      SmallVector<OpFoldResult> sizes;
      for (int64_t j = 0, next = 0; j < type.getRank(); ++j) {
        if (j == *position) {
          groups.push_back({next, next + 1});
          next += 2;
          shape.append(
              {dynamic ? ShapedType::kDynamic : staticLength / ratio, ratio});
          sizes.append({dynamic ? OpFoldResult(outerLength)
                                : rewriter.getIndexAttr(staticLength / ratio),
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

  // The partial results: each output's shape and ratio, neutral-filled.
  SmallVector<Value> partialInits;
  SmallVector<Type> partialTypes;
  for (unsigned r = 0; r < results; ++r) {
    Value init = op.getDpsInits()[r];
    auto outType = cast<RankedTensorType>(init.getType());
    SmallVector<int64_t> partialShape(outType.getShape());
    partialShape.push_back(ratio);
    SmallVector<Value> dynamicSizes;
    for (int64_t j = 0; j < outType.getRank(); ++j)
      if (outType.isDynamicDim(j))
        dynamicSizes.push_back(tensor::DimOp::create(rewriter, loc, init, j));
    Value empty = tensor::EmptyOp::create(
        rewriter, loc, partialShape, outType.getElementType(), dynamicSizes);
    Value identity = arith::ConstantOp::create(rewriter, loc, neutrals[r]);
    partialInits.push_back(
        linalg::FillOp::create(rewriter, loc, identity, empty).getResult(0));
    partialTypes.push_back(partialInits.back().getType());
    SmallVector<AffineExpr> partialResults =
        remap(op.getIndexingMapsArray()[op.getNumDpsInputs() + r], false);
    partialResults.push_back(getAffineDimExpr(inner, ctx));
    maps.push_back(AffineMap::get(loops + 1, 0, partialResults, ctx));
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  iterators.insert(iterators.begin() + inner, utils::IteratorType::parallel);
  auto split = linalg::GenericOp::create(rewriter, loc, partialTypes, inputs,
                                         partialInits, maps, iterators);
  rewriter.cloneRegionBefore(op.getRegion(), split.getRegion(),
                             split.getRegion().end());
  renumberIndices(rewriter, split, d, outer, inner, ratio, length);
  if (dynamic)
    maskPadding(rewriter, split, outer, inner, ratio, length);

  // The combination over the last dimension, with the same combiners.
  unsigned rank =
      cast<RankedTensorType>(op.getDpsInits()[0].getType()).getRank();
  AffineMap all = AffineMap::getMultiDimIdentityMap(rank + 1, ctx);
  AffineMap kept =
      AffineMap::get(rank + 1, 0, all.getResults().take_front(rank), ctx);
  SmallVector<AffineMap> combineMaps(results, all);
  combineMaps.append(results, kept);
  SmallVector<utils::IteratorType> combineIterators(
      rank, utils::IteratorType::parallel);
  combineIterators.push_back(utils::IteratorType::reduction);
  auto combine = linalg::GenericOp::create(
      rewriter, loc, op.getResultTypes(), split.getResults(), op.getDpsInits(),
      combineMaps, combineIterators,
      [&](OpBuilder &b, Location l, ValueRange args) {
        SmallVector<Value> combined;
        for (unsigned r = 0; r < results; ++r) {
          Operation *combiner = combiners[r];
          Value other = combiner->getOperand(0) == outArgs[r]
                            ? combiner->getOperand(1)
                            : combiner->getOperand(0);
          IRMapping mapping;
          mapping.map(other, args[r]);
          mapping.map(outArgs[r], args[results + r]);
          combined.push_back(b.clone(*combiner, mapping)->getResult(0));
        }
        linalg::YieldOp::create(b, l, combined);
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
      if (linalg::GenericOp collapsed =
              collapseFullReduction(rewriter, op, allowDynamic))
        op = collapsed;
      if (rowReductionDepth > 0 && isRowReduction(op, rowReductionDepth))
        continue;
      std::optional<Split> split = chooseSplit(op, minThreads, allowDynamic);
      if (!split)
        continue;
      if (linalg::GenericOp combine = splitInnerParallel(
              rewriter, op, split->dim, split->ratio, parallelFirst))
        worklist.push_back(combine);
    }
  }
};

} // namespace
