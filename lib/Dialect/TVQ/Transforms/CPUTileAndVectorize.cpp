//===- CPUTileAndVectorize.cpp - Threads, register tiles and vectors ------===//
//
// The CPU code generation of tvq's linalg ops (docs/design.md, phase
// `vectorized`): every linalg op on tensors is tiled twice and vectorized.
//
//  1. Tasks: the parallel loops other than the vectorized one are tiled with
//     `scf.forall` (one task per batch row and chunk of rows), which the
//     `llvm` phase turns into an OpenMP parallel loop. Ops already inside a
//     task (a row chain fused by tvq-cpu-fuse-row-chains) skip this level,
//     and the inputs they transpose are transposed once outside the task.
//  2. Register tiles: inside a task, `scf.for` loops over tiles of `mr` rows x
//     `nr` lanes, with every reduction loop tiled to 1 and innermost; uneven
//     loops are peeled so that the main tiles have static shapes.
//  3. Unit dimensions are dropped and the static tiles vectorized.
//
// Two plans, chosen from the op's indexing maps:
//  - Lanes: the vector runs along the output's innermost (parallel) loop and
//    every reduction is a serial loop around the tile, in the original
//    order. A contraction out[i,n] += a[i,k]·b[k,n] becomes the outer-product
//    kernel: per k, `mr` broadcasts of a, `nr/w` loads of b, `mr·nr/w` FMAs
//    on accumulators that stay in registers. Inputs that are reused across
//    rows (they lack the row loop) and read the vector loop non-innermost
//    are transposed first (e.g. a codebook [S,K] read as [K,S]), so every
//    lane load is contiguous; a transpose of a function argument is made
//    once, outside the block loop.
//  - RowReduce: a reduction of one tensor along its innermost dimension with
//    an add/max/min combiner (row max, row sums) is split into a partial
//    reduction over `nr` lanes and one final horizontal reduction.
// `a + b·c` in a contraction body becomes `math.fma`.
//
// With `matmul=bf16`, the contractions of the outer-product kernel with a
// static reduction of at least 64 are computed from bf16 operands with f32
// accumulation (CPUBF16Contractions.cpp): rewritten into bf16 pairs before
// tiling, their register tiles become x86vector.avx512.dot (vdpbf16ps).
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "CPUBF16Contractions.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQCPUTILEANDVECTORIZE
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

enum class Strategy { Lanes, RowReduce };

/// How one linalg op is tiled.
struct Plan {
  Strategy strategy = Strategy::Lanes;
  /// Tile sizes of the task level (scf.forall); 0 leaves a loop whole.
  SmallVector<int64_t> taskTiles;
  /// Tile sizes of the register level (scf.for), within a task.
  SmallVector<int64_t> vecTiles;
  /// RowReduce: the reduction loop split into partial lanes.
  int64_t reductionDim = -1;
  /// Lanes: the order of the register-level loops (lanes, then rows, then
  /// the reductions innermost), so that a contraction's panel of b
  /// ([k-block x nr]) stays in L1 while the rows stream past it.
  SmallVector<int64_t> interchange;
  /// Lanes: reduction loops are first tiled by this (cache blocking of k)
  /// when longer; 0: not.
  SmallVector<int64_t> reductionBlock;
};

static bool mapUsesDim(AffineMap map, unsigned dim) {
  return map.isFunctionOfDim(dim);
}

/// A tile of at most `cap` that divides a static extent when possible:
/// the largest multiple of `w` up to `cap` dividing `extent`; `extent`
/// itself when it is below `w`; `cap` otherwise (the loop is then peeled).
static int64_t laneTile(int64_t extent, int64_t w, int64_t cap) {
  if (ShapedType::isDynamic(extent))
    return cap;
  if (extent <= w)
    return extent;
  for (int64_t t = cap; t >= w; t -= w)
    if (extent % t == 0)
      return t;
  return cap;
}

/// Is each output of `op` a reduction with one add/max/min combiner?
static bool hasSimpleCombiners(linalg::LinalgOp op) {
  for (unsigned i = 0, e = op.getNumDpsInits(); i < e; ++i) {
    SmallVector<Operation *> combiners;
    if (!matchReduction(op.getRegionOutputArgs(), i, combiners) ||
        combiners.size() != 1)
      return false;
    if (!isa<arith::AddFOp, arith::MaximumFOp, arith::MaxNumFOp,
             arith::MinimumFOp, arith::MinNumFOp, arith::AddIOp, arith::MaxSIOp,
             arith::MinSIOp>(combiners[0]))
      return false;
  }
  return true;
}

/// Iterations below which an op runs on the calling thread.
static constexpr int64_t kMinThreadedWork = int64_t(1) << 18;

/// Whether `op` has enough work for OpenMP tasks: a dynamic loop other than
/// the outermost (a sequence length), or static loop ranges whose product
/// reaches kMinThreadedWork (the outermost dynamic loop, the batch, counts as
/// 1). A decoding step (one row per sequence) and the updates of small
/// parameters stay on the calling thread: waking the other threads costs more
/// than they save, and when the machine is loaded their barrier stalls (one
/// decode step: 0.17 ms on one thread, 2.7 ms median on two).
static bool worthThreads(linalg::LinalgOp op) {
  int64_t work = 1;
  for (auto [d, range] : llvm::enumerate(op.getStaticLoopRanges())) {
    if (ShapedType::isDynamic(range)) {
      if (d == 0)
        continue;
      return true;
    }
    work *= range;
    if (work >= kMinThreadedWork)
      return true;
  }
  return false;
}

static std::optional<Plan> makePlan(linalg::LinalgOp op, int64_t w, int64_t mr,
                                    int64_t nrCap, int64_t taskRows,
                                    bool threads, int64_t kBlock) {
  unsigned n = op.getNumLoops();
  if (n == 0 || op.getNumDpsInits() == 0)
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  int outRank = outMap.getNumResults();
  std::optional<unsigned> vdim = tvq::resultDim(outMap, outRank - 1);
  std::optional<unsigned> mdim = tvq::resultDim(outMap, outRank - 2);
  SmallVector<unsigned> reductions;
  for (unsigned d = 0; d < n; ++d)
    if (iters[d] == utils::IteratorType::reduction)
      reductions.push_back(d);

  Plan plan;
  plan.taskTiles.assign(n, 0);
  plan.vecTiles.assign(n, 0);

  // RowReduce: one reduction loop, innermost in every input, each input
  // indexed by every loop (no reuse), simple combiners.
  if (reductions.size() == 1 && hasSimpleCombiners(op) &&
      isa<linalg::GenericOp, linalg::ReduceOp>(op.getOperation())) {
    unsigned r = reductions[0];
    bool ok = op.getNumDpsInputs() > 0;
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap m = op.getMatchingIndexingMap(in);
      if (m.getNumResults() == 0)
        continue;
      std::optional<unsigned> last = tvq::resultDim(m, m.getNumResults() - 1);
      ok &= last && *last == r;
      for (unsigned d = 0; d < n; ++d)
        ok &= mapUsesDim(m, d);
    }
    if (ok) {
      plan.strategy = Strategy::RowReduce;
      plan.reductionDim = r;
      for (unsigned d = 0; d < n; ++d) {
        if (d == r) {
          plan.vecTiles[d] = laneTile(ranges[d], w, nrCap);
          continue;
        }
        plan.vecTiles[d] = 1;
        if (threads)
          plan.taskTiles[d] = (vdim && d == *vdim) ? taskRows : 1;
      }
      return plan;
    }
  }

  if (!vdim || iters[*vdim] != utils::IteratorType::parallel)
    return std::nullopt;

  // Lanes. Register rows only when some input is reused across lanes and
  // rows (the outer-product structure of a contraction).
  bool outerProduct = false;
  if (!reductions.empty() && mdim &&
      iters[*mdim] == utils::IteratorType::parallel)
    for (OpOperand *in : op.getDpsInputOperands()) {
      AffineMap m = op.getMatchingIndexingMap(in);
      if (m.getNumResults() > 0 && !mapUsesDim(m, *vdim) &&
          mapUsesDim(m, *mdim))
        outerProduct = true;
    }
  plan.reductionBlock.assign(n, 0);
  for (unsigned d = 0; d < n; ++d)
    if (d != *vdim && !(mdim && d == *mdim) &&
        iters[d] == utils::IteratorType::parallel)
      plan.interchange.push_back(d);
  plan.interchange.push_back(*vdim);
  if (mdim && iters[*mdim] == utils::IteratorType::parallel)
    plan.interchange.push_back(*mdim);
  for (unsigned d : reductions) {
    plan.interchange.push_back(d);
    if (outerProduct && kBlock > 0 &&
        (ShapedType::isDynamic(ranges[d]) || ranges[d] > kBlock))
      plan.reductionBlock[d] = kBlock;
  }
  for (unsigned d = 0; d < n; ++d) {
    if (d == *vdim) {
      plan.vecTiles[d] = laneTile(ranges[d], w, nrCap);
    } else if (iters[d] == utils::IteratorType::reduction) {
      plan.vecTiles[d] = 1;
    } else if (mdim && d == *mdim) {
      int64_t rows = outerProduct ? mr : 1;
      if (!ShapedType::isDynamic(ranges[d]))
        rows = std::min(rows, ranges[d]);
      plan.vecTiles[d] = rows;
      if (threads)
        plan.taskTiles[d] = std::max(taskRows, rows);
    } else {
      plan.vecTiles[d] = 1;
      if (threads)
        plan.taskTiles[d] = 1;
    }
  }
  return plan;
}

/// `acc + a·b` (in any operand order) yielded by a generic becomes
/// `math.fma(a, b, acc)`.
static void fuseMultiplyAdd(linalg::GenericOp op) {
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  for (Value v : yield.getValues()) {
    auto add = v.getDefiningOp<arith::AddFOp>();
    if (!add || !isa<FloatType>(add.getType()))
      continue;
    for (int i = 0; i < 2; ++i) {
      auto mul = add->getOperand(i).getDefiningOp<arith::MulFOp>();
      if (!mul || !mul->hasOneUse())
        continue;
      OpBuilder b(add);
      Value fma = math::FmaOp::create(b, add.getLoc(), mul.getLhs(),
                                      mul.getRhs(), add->getOperand(1 - i));
      add.getResult().replaceAllUsesWith(fma);
      add.erase();
      mul.erase();
      break;
    }
  }
}

/// For Lanes: inputs that lack the row loop but read the lane loop at a
/// non-innermost position are transposed so that the lane loop is innermost.
/// The transpose goes right after the operand's definition (so a transpose
/// of a function argument is computed once, outside the loops).
static void
transposeReusedInputs(RewriterBase &rewriter, linalg::GenericOp op,
                      SmallVectorImpl<linalg::TransposeOp> &created) {
  unsigned n = op.getNumLoops();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  std::optional<unsigned> vdim =
      tvq::resultDim(outMap, static_cast<int>(outMap.getNumResults()) - 1);
  if (!vdim || op.getNumReductionLoops() == 0)
    return;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap m = op.getMatchingIndexingMap(in);
    auto type = dyn_cast<RankedTensorType>(in->get().getType());
    if (!type || !m.isProjectedPermutation() || m.getNumResults() < 2)
      continue;
    int pos = -1;
    for (unsigned i = 0; i < m.getNumResults(); ++i)
      if (tvq::resultDim(m, i) == vdim)
        pos = i;
    int last = m.getNumResults() - 1;
    if (pos < 0 || pos == last)
      continue;
    // Transpose worth it only when the innermost dim of the input is a
    // reduction (the lanes would otherwise read with a large stride).
    std::optional<unsigned> lastDim = tvq::resultDim(m, last);
    if (!lastDim ||
        op.getIteratorTypesArray()[*lastDim] != utils::IteratorType::reduction)
      continue;
    SmallVector<int64_t> perm;
    for (int i = 0; i <= last; ++i)
      if (i != pos)
        perm.push_back(i);
    perm.push_back(pos);
    OpBuilder::InsertionGuard guard(rewriter);
    Value src = in->get();
    // Inside a task of a fused row chain (tvq-cpu-fuse-row-chains), the
    // operand is a slice (one batch row) of a value defined outside the
    // task: transpose that value once, outside, and slice the transpose.
    tensor::ExtractSliceOp slice = tvq::sliceOfTaskInvariant(op, src);
    if (slice)
      src = slice.getSource();
    if (auto arg = dyn_cast<BlockArgument>(src))
      rewriter.setInsertionPointToStart(arg.getOwner());
    else
      rewriter.setInsertionPointAfterValue(src);
    Location loc = op.getLoc();
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, src);
    SmallVector<OpFoldResult> permSizes;
    for (int64_t p : perm)
      permSizes.push_back(sizes[p]);
    Value empty = tensor::EmptyOp::create(rewriter, loc, permSizes,
                                          type.getElementType());
    auto transposeOp =
        linalg::TransposeOp::create(rewriter, loc, src, empty, perm);
    created.push_back(transposeOp);
    Value transposed = transposeOp->getResult(0);
    if (slice) {
      SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
      SmallVector<OpFoldResult> tileSizes = slice.getMixedSizes();
      SmallVector<OpFoldResult> permOffsets, permTileSizes;
      for (int64_t p : perm) {
        permOffsets.push_back(offsets[p]);
        permTileSizes.push_back(tileSizes[p]);
      }
      rewriter.setInsertionPoint(slice);
      transposed = tensor::ExtractSliceOp::create(
          rewriter, loc, transposed, permOffsets, permTileSizes,
          SmallVector<OpFoldResult>(perm.size(), rewriter.getIndexAttr(1)));
    }
    SmallVector<AffineExpr> exprs;
    for (int64_t p : perm)
      exprs.push_back(m.getResult(p));
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    maps[in->getOperandNumber()] =
        AffineMap::get(n, 0, exprs, rewriter.getContext());
    rewriter.modifyOpInPlace(op, [&] {
      in->set(transposed);
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
  }
}

static SmallVector<OpFoldResult> asFoldResults(Builder &b,
                                               ArrayRef<int64_t> sizes) {
  SmallVector<OpFoldResult> r;
  for (int64_t s : sizes)
    r.push_back(b.getIndexAttr(s));
  return r;
}

static bool allZero(ArrayRef<int64_t> v) {
  return llvm::all_of(v, [](int64_t x) { return x == 0; });
}

/// Tiles `op` per `plan`; returns false when it is left as it is.
static void tileOp(RewriterBase &rewriter, linalg::LinalgOp op,
                   const Plan &plan, SmallVectorImpl<scf::ForOp> &toPeel) {
  auto tileable = cast<TilingInterface>(op.getOperation());
  // Task level.
  if (!allZero(plan.taskTiles)) {
    scf::SCFTilingOptions options;
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForallOp);
    options.setTileSizes(asFoldResults(rewriter, plan.taskTiles));
    rewriter.setInsertionPoint(op);
    FailureOr<scf::SCFTilingResult> tiled =
        scf::tileUsingSCF(rewriter, tileable, options);
    if (failed(tiled))
      return;
    rewriter.replaceOp(op, tiled->replacements);
    tileable = cast<TilingInterface>(tiled->tiledOps.back());
  }
  // Cache blocking of long reductions (k-blocks of a contraction).
  if (llvm::any_of(plan.reductionBlock, [](int64_t b) { return b > 0; })) {
    scf::SCFTilingOptions options;
    options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
    options.setTileSizes(asFoldResults(rewriter, plan.reductionBlock));
    SmallVector<unsigned> reds;
    for (unsigned d = 0; d < plan.reductionBlock.size(); ++d)
      if (plan.reductionBlock[d] > 0)
        reds.push_back(d);
    options.setReductionDims(reds);
    rewriter.setInsertionPoint(tileable);
    FailureOr<scf::SCFTilingResult> blocked =
        scf::tileUsingSCF(rewriter, tileable, options);
    if (succeeded(blocked)) {
      rewriter.replaceOp(tileable, blocked->replacements);
      tileable = cast<TilingInterface>(blocked->tiledOps.back());
      // Not peeled: the k-block's length does not change the shape of the
      // register tiles inside it.
    }
  }
  // Register level: the parallel loops, then (RowReduce) the reduction
  // loop split into partial lanes, or (Lanes) every reduction loop by 1.
  SmallVector<int64_t> parallelTiles(plan.vecTiles);
  if (plan.strategy == Strategy::RowReduce)
    parallelTiles[plan.reductionDim] = 0;
  scf::SCFTilingOptions options;
  options.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  options.setTileSizes(asFoldResults(rewriter, parallelTiles));
  if (plan.strategy == Strategy::Lanes) {
    options.setInterchange(plan.interchange);
    SmallVector<unsigned> reds;
    auto iters =
        cast<linalg::LinalgOp>(tileable.getOperation()).getIteratorTypesArray();
    for (unsigned d = 0; d < iters.size(); ++d)
      if (iters[d] == utils::IteratorType::reduction)
        reds.push_back(d);
    options.setReductionDims(reds);
  }
  rewriter.setInsertionPoint(tileable);
  FailureOr<scf::SCFTilingResult> tiled =
      scf::tileUsingSCF(rewriter, tileable, options);
  if (failed(tiled))
    return;
  rewriter.replaceOp(tileable, tiled->replacements);
  for (LoopLikeOpInterface loop : tiled->loops)
    if (auto forOp = dyn_cast<scf::ForOp>(loop.getOperation()))
      toPeel.push_back(forOp);
  if (plan.strategy != Strategy::RowReduce)
    return;
  tileable = cast<TilingInterface>(tiled->tiledOps.back());
  SmallVector<int64_t> reductionTiles(plan.vecTiles.size(), 0);
  reductionTiles[plan.reductionDim] = plan.vecTiles[plan.reductionDim];
  scf::SCFTilingOptions partial;
  partial.setLoopType(scf::SCFTilingOptions::LoopType::ForOp);
  partial.setTileSizes(asFoldResults(rewriter, reductionTiles));
  partial.setReductionTilingStrategy(
      ReductionTilingStrategy::PartialReductionOuterReduction);
  partial.setReductionDims({static_cast<unsigned>(plan.reductionDim)});
  rewriter.setInsertionPoint(tileable);
  FailureOr<scf::SCFTilingResult> split =
      scf::tileUsingSCF(rewriter, tileable, partial);
  if (failed(split))
    return;
  rewriter.replaceOp(tileable, split->replacements);
}

/// Every static-shaped linalg op in `root` becomes vector ops.
/// The outer-product kernel's read of a's column: a rank-1 tensor of R
/// values (one per register-tile row; in memory they are a row length
/// apart) broadcast along the lanes, `vector.transfer_read %col[%i]
/// {permutation_map = (d0) -> (d0, 0)} : tensor<Rxf32>, vector<RxNxf32>`.
/// Lowered as is, the strided read becomes a loop of masked inserts
/// (convert-vector-to-scf's 1-d strategy); as R scalar reads each broadcast
/// to a row, it becomes R `vbroadcastss` from memory.
struct BroadcastColumnFromScalars
    : public OpRewritePattern<vector::TransferReadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(vector::TransferReadOp read,
                                PatternRewriter &rewriter) const override {
    auto source = dyn_cast<RankedTensorType>(read.getBase().getType());
    VectorType type = read.getVectorType();
    if (!source || source.getRank() != 1 || type.getRank() != 2 ||
        type.isScalable() || read.getMask() ||
        !llvm::all_of(read.getInBoundsValues(), [](bool b) { return b; }))
      return failure();
    MLIRContext *ctx = rewriter.getContext();
    AffineMap columnMap = AffineMap::get(
        1, 0, {getAffineDimExpr(0, ctx), getAffineConstantExpr(0, ctx)}, ctx);
    int64_t rows = type.getDimSize(0);
    if (read.getPermutationMap() != columnMap || rows > 16 ||
        source.isDynamicDim(0) || source.getDimSize(0) < rows)
      return failure();
    Location loc = read.getLoc();
    auto rowType = VectorType::get({type.getDimSize(1)}, type.getElementType());
    Value result = ub::PoisonOp::create(rewriter, loc, type);
    Value start = read.getIndices()[0];
    for (int64_t r = 0; r < rows; ++r) {
      Value index = arith::AddIOp::create(
          rewriter, loc, start,
          arith::ConstantIndexOp::create(rewriter, loc, r));
      Value scalar =
          tensor::ExtractOp::create(rewriter, loc, read.getBase(), index);
      Value row = vector::BroadcastOp::create(rewriter, loc, rowType, scalar);
      result = vector::InsertOp::create(rewriter, loc, row, result, r);
    }
    rewriter.replaceOp(read, result);
    return success();
  }
};

static void vectorizeStaticOps(RewriterBase &rewriter, Operation *root,
                               int64_t maxElements) {
  SmallVector<linalg::LinalgOp> ops;
  root->walk([&](linalg::LinalgOp op) {
    // A 0-d op gains nothing, and the vectorizer would make an invalid
    // 0-d vector.gather from a tensor.extract in its body.
    if (op.hasDynamicShape() || op.getNumLoops() == 0)
      return;
    int64_t elements = 1;
    for (int64_t r : op.getStaticLoopRanges())
      elements *= r;
    if (elements > maxElements)
      return;
    ops.push_back(op);
  });
  for (linalg::LinalgOp op : ops) {
    rewriter.setInsertionPoint(op);
    FailureOr<linalg::VectorizationResult> result =
        linalg::vectorize(rewriter, op, {}, {}, /*vectorizeNDExtract=*/true);
    if (failed(result))
      continue;
    if (op->getNumResults())
      rewriter.replaceOp(op, result->replacements);
    else
      rewriter.eraseOp(op);
  }
}

struct TVQCPUTileAndVectorizePass
    : tvq::impl::TVQCPUTileAndVectorizeBase<TVQCPUTileAndVectorizePass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    int64_t w = vectorWidth;
    // 6 x 4 vectors of accumulators fill 24 of AVX-512's 32 registers;
    // narrower vectors come with 16 registers.
    int64_t rows = registerRows > 0 ? registerRows : (w >= 16 ? 6 : 4);

    // The ops to tile: every linalg op with tensor semantics at this point;
    // named contractions (linalg.matmul, ...) as generics, so that their
    // body gets the FMA.
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    for (linalg::LinalgOp &op : ops) {
      if (isa<linalg::GenericOp>(op.getOperation()) ||
          !linalg::isaContractionOpInterface(op))
        continue;
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::GenericOp> generic = linalg::generalizeNamedOp(
          rewriter, cast<linalg::LinalgOp>(op.getOperation()));
      if (succeeded(generic))
        op = cast<linalg::LinalgOp>(generic->getOperation());
    }

    bool bf16 = matmul == "bf16";
    if (!bf16 && matmul != "f32") {
      func.emitError() << "tvq-cpu-tile-and-vectorize: unknown matmul '"
                       << matmul << "' (f32 or bf16)";
      return signalPassFailure();
    }
    if (bf16 && w != 16) {
      func.emitError() << "tvq-cpu-tile-and-vectorize: matmul=bf16 needs "
                          "vector-width=16 (AVX-512), not "
                       << w;
      return signalPassFailure();
    }

    SmallVector<scf::ForOp> toPeel;
    // The transposes, and (bf16) the operand packs, made below.
    SmallVector<linalg::LinalgOp> transposes;
    for (linalg::LinalgOp op : ops) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      // Ops already inside a task (a row chain fused by
      // tvq-cpu-fuse-row-chains) get no tasks of their own.
      bool inTask = op->getParentOfType<scf::ForallOp>() != nullptr;
      bool opThreads = threads && !inTask && worthThreads(op);
      std::optional<Plan> plan = makePlan(op, w, rows, w * registerVectors,
                                          taskRows, opThreads, reductionBlock);
      if (!plan)
        continue;
      if (bf16 && generic && plan->strategy == Strategy::Lanes &&
          plan->vecTiles.size() > 1) {
        FailureOr<linalg::GenericOp> pairs =
            tvq::rewriteToBF16Pairs(rewriter, generic, transposes);
        if (succeeded(pairs)) {
          op = *pairs;
          // k counts pairs now: the same bytes per k-block.
          plan = makePlan(op, w, rows, w * registerVectors, taskRows, opThreads,
                          reductionBlock / 2);
          std::optional<unsigned> p = tvq::bf16PairLoop(op);
          if (!plan || !p)
            continue;
          // The pair loop stays whole in every tile.
          plan->vecTiles[*p] = 0;
          plan->reductionBlock[*p] = 0;
          tileOp(rewriter, op, *plan, toPeel);
          continue;
        }
      }
      if (generic && plan->strategy == Strategy::Lanes) {
        if (linalg::isaContractionOpInterface(op))
          fuseMultiplyAdd(generic);
        SmallVector<linalg::TransposeOp> made;
        transposeReusedInputs(rewriter, generic, made);
        for (linalg::TransposeOp t : made)
          transposes.push_back(t);
      }
      tileOp(rewriter, op, *plan, toPeel);
    }
    // The transposes made above.
    for (linalg::LinalgOp op : transposes) {
      std::optional<Plan> plan = makePlan(
          op, w, 1, w * registerVectors, taskRows,
          threads && !op->getParentOfType<scf::ForallOp>() && worthThreads(op),
          0);
      if (!plan)
        continue;
      // A bf16 pack [.., n, 2]: tiles of w x 2 rather than 1 x 2.
      if (std::optional<unsigned> rows = tvq::bf16PackRowLoop(op))
        plan->vecTiles[*rows] = w;
      tileOp(rewriter, op, *plan, toPeel);
    }

    // Peel uneven register loops so the main tiles get static shapes.
    for (scf::ForOp loop : toPeel) {
      scf::ForOp partial;
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, loop, partial);
    }
    if (failed(cleanup(func)))
      return signalPassFailure();

    // Drop the unit loops of the tiles (batch, rows of 1, the reduction
    // step), then vectorize.
    {
      RewritePatternSet patterns(ctx);
      linalg::ControlDropUnitDims control;
      control.rankReductionStrategy = linalg::ControlDropUnitDims::
          RankReductionStrategy::ExtractInsertSlice;
      control.controlFn = [](Operation *op) -> SmallVector<unsigned> {
        auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
        if (!linalgOp || linalgOp.hasDynamicShape())
          return {};
        SmallVector<unsigned> dims;
        for (unsigned i = 0, e = linalgOp.getNumLoops(); i < e; ++i)
          dims.push_back(i);
        return dims;
      };
      linalg::populateFoldUnitExtentDimsPatterns(patterns, control);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }
    if (failed(cleanup(func)))
      return signalPassFailure();
    if (bf16) {
      tvq::lowerBF16PairTiles(rewriter, func);
      if (failed(cleanup(func)))
        return signalPassFailure();
    }
    vectorizeStaticOps(rewriter, func, maxVectorElements);
    if (failed(cleanup(func)))
      return signalPassFailure();
    {
      RewritePatternSet patterns(ctx);
      patterns.add<BroadcastColumnFromScalars>(ctx);
      if (failed(applyPatternsGreedily(func, std::move(patterns))))
        return signalPassFailure();
    }

    // Keep accumulators in registers across the reduction loops.
    func.walk([&](scf::ForOp loop) {
      (void)hoistLoopInvariantSubsets(rewriter, loop);
    });
    if (failed(cleanup(func)))
      return signalPassFailure();
  }

  LogicalResult cleanup(func::FuncOp func) {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    for (Dialect *dialect : ctx->getLoadedDialects())
      dialect->getCanonicalizationPatterns(patterns);
    for (RegisteredOperationName op : ctx->getRegisteredOperations())
      op.getCanonicalizationPatterns(patterns, ctx);
    tensor::populateFoldTensorEmptyPatterns(patterns);
    return applyPatternsGreedily(func, std::move(patterns));
  }
};

} // namespace
