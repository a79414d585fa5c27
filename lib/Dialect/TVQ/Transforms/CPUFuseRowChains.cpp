//===- CPUFuseRowChains.cpp - One loop of row tasks per attention block ---===//
//
// docs/design.md, phase `vectorized`. An attention block lowered to linalg is
// a chain of ops that all run along the block's query rows: the scores GEMMs
// (against the codebook and the buffer of keys), the masks, one row max,
// exp, one row sum, the weights x values GEMMs and the final division. Tiled
// one op at a time, each gets its own loop of tasks, and the [rows x (S + M +
// L)] score matrices go through memory several times. This pass tiles the
// last op of such a chain (the root) by rows into one loop of tasks and fuses
// its producers into the task, so that a task computes its rows' scores, max,
// exp, sums and value products while the score tile is in its cache.
//
// A producer is fused only when doing so computes every element once:
//  - the task reads a disjoint tile of it: the indexing maps on the way keep
//    each tiled loop of the root (batch, rows), so no task needs all of it;
//  - every use of it is an input or init of an op fused into the same task
//    (nothing outside still needs the untiled op), and all these uses read
//    the same tile.
// Other values (function arguments, the buffer of keys built by
// tensor.insert_slice, the relative-bias table read by tensor.extract inside
// an op's body) stay outside and are read by the task.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQCPUFUSEROWCHAINS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// For an op of a chain: entry r is its loop that carries the root's r-th
/// tiled loop.
using TiledLoops = SmallVector<unsigned>;

/// Iterations below which a chain is left alone (the threshold of
/// tvq-cpu-tile-and-vectorize for making threads: small widths and decoding
/// steps run on the calling thread and fit in L1/L2 anyway).
constexpr int64_t kMinChainWork = int64_t(1) << 18;

/// The loops of the producer of `use` (an operand of `consumer`, whose tiled
/// loops are `consumerLoops`) that carry the tiled loops, or nullopt when a
/// task would need more than a disjoint tile of the producer.
static std::optional<TiledLoops>
producerLoops(linalg::LinalgOp consumer, OpOperand &use,
              ArrayRef<unsigned> consumerLoops) {
  auto result = cast<OpResult>(use.get());
  auto producer = cast<linalg::LinalgOp>(result.getOwner());
  AffineMap useMap = consumer.getMatchingIndexingMap(&use);
  AffineMap resultMap = producer.getIndexingMapMatchingResult(result);
  if (!useMap.isProjectedPermutation() || !resultMap.isProjectedPermutation())
    return std::nullopt;
  SmallVector<utils::IteratorType> iters = producer.getIteratorTypesArray();
  TiledLoops loops;
  for (unsigned loop : consumerLoops) {
    std::optional<unsigned> pos =
        useMap.getResultPosition(getAffineDimExpr(loop, consumer.getContext()));
    if (!pos)
      return std::nullopt; // The operand is broadcast along a tiled loop.
    unsigned p = cast<AffineDimExpr>(resultMap.getResult(*pos)).getPosition();
    if (iters[p] != utils::IteratorType::parallel)
      return std::nullopt;
    loops.push_back(p);
  }
  return loops;
}

/// The producers that can be fused into tasks of `root` tiled along
/// `rootLoops` (see the file comment), with their tiled loops.
static DenseMap<Operation *, TiledLoops>
fusableProducers(linalg::LinalgOp root, ArrayRef<unsigned> rootLoops,
                 const DenseSet<Operation *> &claimed) {
  Block *block = root->getBlock();
  auto candidate = [&](Value v) -> linalg::LinalgOp {
    auto op = v.getDefiningOp<linalg::LinalgOp>();
    if (!op || op->getBlock() != block || claimed.contains(op) ||
        !op.hasPureTensorSemantics())
      return nullptr;
    return op;
  };
  DenseSet<Operation *> excluded;
  while (true) {
    DenseMap<Operation *, TiledLoops> tiled;
    tiled[root] = TiledLoops(rootLoops);
    SmallVector<linalg::LinalgOp> worklist = {root};
    DenseSet<Operation *> bad;
    while (!worklist.empty()) {
      linalg::LinalgOp consumer = worklist.pop_back_val();
      TiledLoops consumerLoops = tiled[consumer];
      for (OpOperand &use : consumer->getOpOperands()) {
        linalg::LinalgOp producer = candidate(use.get());
        if (!producer || excluded.contains(producer) ||
            bad.contains(producer) ||
            !(consumer.isDpsInput(&use) || consumer.isDpsInit(&use)))
          continue;
        std::optional<TiledLoops> loops =
            producerLoops(consumer, use, consumerLoops);
        auto it = tiled.find(producer);
        if (!loops || (it != tiled.end() && it->second != *loops)) {
          bad.insert(producer);
          continue;
        }
        if (it == tiled.end()) {
          tiled[producer] = *loops;
          worklist.push_back(producer);
        }
      }
    }
    // Every use of a fused producer must be an operand of a fused op.
    for (auto &[op, loops] : tiled) {
      if (op == root.getOperation() || bad.contains(op))
        continue;
      for (OpOperand &use : op->getUses()) {
        Operation *owner = use.getOwner();
        auto user = dyn_cast<linalg::LinalgOp>(owner);
        if (!user || !tiled.contains(owner) || bad.contains(owner) ||
            !(user.isDpsInput(&use) || user.isDpsInit(&use)))
          bad.insert(op);
      }
    }
    if (bad.empty()) {
      tiled.erase(root);
      return tiled;
    }
    excluded.insert(bad.begin(), bad.end());
  }
}

/// Is `op` a reduction of one tensor along its innermost loop with one
/// combiner of type `Combiner` (a row max, a row sum; not a contraction)?
template <typename... Combiner>
static bool isRowReduction(linalg::LinalgOp op) {
  if (op.getNumReductionLoops() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumDpsInputs() != 1 ||
      !op.getMatchingIndexingMap(op.getDpsInputOperand(0)).isPermutation())
    return false;
  SmallVector<Operation *> combiners;
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) ||
      combiners.size() != 1 || !isa<Combiner...>(combiners[0]))
    return false;
  AffineMap in = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  if (in.getNumResults() == 0)
    return false;
  auto last = dyn_cast<AffineDimExpr>(in.getResults().back());
  return last && op.getIteratorTypesArray()[last.getPosition()] ==
                     utils::IteratorType::reduction;
}

/// Static iterations of `op`; a leading dynamic loop (the batch) counts as 1,
/// any other dynamic one as kMinChainWork.
static int64_t work(linalg::LinalgOp op) {
  int64_t n = 1;
  for (auto [d, range] : llvm::enumerate(op.getStaticLoopRanges())) {
    if (ShapedType::isDynamic(range)) {
      if (d != 0)
        return kMinChainWork;
      continue;
    }
    // Saturate before multiplying: static sizes may be huge (and n * range
    // would overflow).
    if (range != 0 && n > kMinChainWork / range)
      return kMinChainWork;
    n = std::min(n * range, kMinChainWork);
  }
  return n;
}

struct TVQCPUFuseRowChainsPass
    : tvq::impl::TVQCPUFuseRowChainsBase<TVQCPUFuseRowChainsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::LinalgOp> ops;
    func.walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics() && !isa<linalg::FillOp>(op))
        ops.push_back(op);
    });
    // Last op first: a chain's root is the last op of its block that reaches
    // the rest; the ops fused into one chain are not roots of another.
    DenseSet<Operation *> claimed;
    for (linalg::LinalgOp root : llvm::reverse(ops)) {
      if (claimed.contains(root))
        continue;
      if (root->getNumResults() != 1 || root.getNumDpsInits() != 1)
        continue;
      // Tiled loops: the output's dimensions but the innermost (the lanes of
      // tvq-cpu-tile-and-vectorize), each parallel; the row loop (the
      // second-innermost) by `rows`, the others (batch) by 1.
      AffineMap outMap = root.getMatchingIndexingMap(root.getDpsInitOperand(0));
      if (outMap.getNumResults() < 2 || !outMap.isProjectedPermutation())
        continue;
      SmallVector<utils::IteratorType> iters = root.getIteratorTypesArray();
      TiledLoops rootLoops;
      for (AffineExpr e : outMap.getResults().drop_back())
        rootLoops.push_back(cast<AffineDimExpr>(e).getPosition());
      if (llvm::any_of(rootLoops, [&](unsigned d) {
            return iters[d] != utils::IteratorType::parallel;
          }))
        continue;

      DenseMap<Operation *, TiledLoops> producers =
          fusableProducers(root, rootLoops, claimed);
      // A row chain: scores from a contraction, a row max and a row sum.
      bool contraction = false, rowMax = false, rowSum = false;
      int64_t chainWork = work(root);
      for (auto &[op, loops] : producers) {
        auto l = cast<linalg::LinalgOp>(op);
        contraction |= linalg::isaContractionOpInterface(l);
        rowMax |= isRowReduction<arith::MaximumFOp, arith::MaxNumFOp>(l);
        rowSum |= isRowReduction<arith::AddFOp>(l);
        chainWork = std::min(chainWork + work(l), kMinChainWork);
      }
      if (!contraction || !rowMax || !rowSum || chainWork < kMinChainWork)
        continue;

      if (failed(fuse(rewriter, root, rootLoops, producers)))
        continue;
      for (auto &[op, loops] : producers)
        claimed.insert(op);
    }
  }

  LogicalResult fuse(RewriterBase &rewriter, linalg::LinalgOp root,
                     ArrayRef<unsigned> rootLoops,
                     const DenseMap<Operation *, TiledLoops> &producers) {
    // The row tile. A task's live score data is about 3 tensors (dots,
    // masked scores, exp weights) x (S + M + L) floats per row: 18 KB per
    // row at the bench widths (S = M = L = 512). 32 rows keep it at ~0.6 MB,
    // well inside one core's 2 MB L2 next to the streamed operands (the
    // codebook and window keys, 0.75 MB, the means and window values read
    // in k-blocks), while 64 would fill most of L2; 32 rows are also 8
    // register tiles of 4 rows and 16 tasks per 512-row block, enough to
    // balance two threads.
    unsigned n = root.getNumLoops();
    SmallVector<int64_t> ranges = root.getStaticLoopRanges();
    SmallVector<OpFoldResult> tiles(n, rewriter.getIndexAttr(0));
    for (unsigned d : rootLoops)
      tiles[d] = rewriter.getIndexAttr(1);
    unsigned rowLoop = rootLoops.back();
    int64_t rowTile = rows;
    if (!ShapedType::isDynamic(ranges[rowLoop]))
      rowTile = std::min<int64_t>(rowTile, ranges[rowLoop]);
    tiles[rowLoop] = rewriter.getIndexAttr(rowTile);

    scf::SCFTilingOptions options;
    options.setLoopType(threads ? scf::SCFTilingOptions::LoopType::ForallOp
                                : scf::SCFTilingOptions::LoopType::ForOp);
    options.setTileSizes(tiles);
    rewriter.setInsertionPoint(root);
    FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
        rewriter, cast<TilingInterface>(root.getOperation()), options);
    if (failed(tiled))
      return failure();
    rewriter.replaceOp(root, tiled->replacements);
    SmallVector<LoopLikeOpInterface> loops = tiled->loops;
    if (loops.empty())
      return success();

    // Fuse the producers slice by slice. Two ops reading the same producer
    // read the same tile: CSE makes their slices one, fused once.
    Operation *outer = loops.front();
    for (bool changed = true; changed;) {
      changed = false;
      DominanceInfo dominance;
      eliminateCommonSubExpressions(rewriter, dominance, outer);
      SmallVector<tensor::ExtractSliceOp> slices;
      outer->walk([&](tensor::ExtractSliceOp slice) {
        Operation *source = slice.getSource().getDefiningOp();
        if (source && producers.contains(source))
          slices.push_back(slice);
      });
      for (tensor::ExtractSliceOp slice : slices) {
        std::optional<scf::SCFFuseProducerOfSliceResult> fused =
            scf::tileAndFuseProducerOfSlice(rewriter, slice, loops);
        if (!fused)
          continue;
        changed = true;
        if (slice->use_empty())
          rewriter.eraseOp(slice);
      }
    }
    // Sizes read from an untiled producer (the loop bounds come from the
    // root's operands) are its init's sizes.
    for (auto &[op, loops] : producers)
      for (OpOperand &use : llvm::make_early_inc_range(op->getUses()))
        if (auto dim = dyn_cast<tensor::DimOp>(use.getOwner())) {
          auto dps = cast<DestinationStyleOpInterface>(op);
          Value init = dps.getTiedOpOperand(cast<OpResult>(use.get()))->get();
          while (auto inner = init.getDefiningOp<DestinationStyleOpInterface>())
            if (producers.contains(inner))
              init = inner.getTiedOpOperand(cast<OpResult>(init))->get();
            else
              break;
          rewriter.modifyOpInPlace(dim, [&] { use.set(init); });
        }
    // The untiled producers, now unused (last first).
    SmallVector<Operation *> dead;
    for (auto &[op, loops] : producers)
      dead.push_back(op);
    llvm::sort(
        dead, [](Operation *a, Operation *b) { return b->isBeforeInBlock(a); });
    for (Operation *op : dead)
      if (op->use_empty())
        rewriter.eraseOp(op);
    return success();
  }
};

} // namespace
