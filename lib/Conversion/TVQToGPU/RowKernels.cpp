//===- RowKernels.cpp - A thread block per row for row reductions ---------===//
//
// `tvq-row-kernels`: after convert-linalg-to-parallel-loops a reduction over
// the last dimension of a [rows..., D] tensor (rmsnorm's sum of squares, the
// softmax's maximum and sum) is an scf.parallel over the rows whose body loops
// over D in an scf.for: one thread per row, reading its row alone (threads
// D elements apart), and the elementwise loop over [rows..., D] that uses the
// result is a second launch. This pass turns a chain of neighbouring loops
// over one row space (row loops, with such reductions, and elementwise loops
// over the rows and D) into one launch of a thread block per row: the
// threads stride over D together, a reduction combines each thread's partial
// result by warp shuffles and the warps' totals through shared memory, and
// barriers separate the stages, so the elementwise loops of the chain read
// the row's results in the same launch.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"
#include "KernelBuilder.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQROWKERNELS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// Whether two loop bounds are the same size: one SSA value or equal
/// constants.
bool sameSize(Value a, Value b) {
  if (a == b)
    return true;
  std::optional<int64_t> ca = getConstantIntValue(a),
                         cb = getConstantIntValue(b);
  return ca && cb && *ca == *cb;
}

bool isConstant(Value v, int64_t c) {
  std::optional<int64_t> value = getConstantIntValue(v);
  return value && *value == c;
}

/// One accumulator of a reduction loop: `store combine(load, x), m[rows]`,
/// or one of an argmin pair's two (`combine` null).
struct Accumulator {
  memref::LoadOp load;
  memref::StoreOp store;
  Operation *combine;
  TypedAttr neutral;
};

/// A row loop's body in order: scalar ops (run by one thread) and reduction
/// loops over D (run by all threads).
struct Segment {
  scf::ForOp reduction; // null for scalar ops
  SmallVector<Accumulator> accumulators;
  /// Argmin pairs (positions in `accumulators` of the value, f32, and its
  /// index, i32): the smallest value, on equal values the smallest index.
  SmallVector<std::pair<unsigned, unsigned>> argmins;
  SmallVector<Operation *> scalarOps;
};

/// A loop of a chain: over the rows (`segments` set) or over rows and D.
struct Stage {
  scf::ParallelOp loop;
  bool overRows;
  SmallVector<Segment> segments;
};

/// Whether `loop` starts at 0 with steps 1, has no results and no nested
/// parallel loop or launch.
bool isPlainLoop(scf::ParallelOp loop) {
  if (loop.getNumResults() != 0)
    return false;
  for (auto [lb, step] : llvm::zip(loop.getLowerBound(), loop.getStep()))
    if (!isConstant(lb, 0) || !isConstant(step, 1))
      return false;
  return !loop.getBody()
              ->walk([](Operation *op) {
                return isa<scf::ParallelOp, gpu::LaunchOp, gpu::BarrierOp>(op)
                           ? WalkResult::interrupt()
                           : WalkResult::advance();
              })
              .wasInterrupted();
}

/// The load of `store`'s element among `operands`, if one is.
memref::LoadOp loadOfStored(memref::StoreOp store, ValueRange operands) {
  for (Value operand : operands) {
    auto load = operand.getDefiningOp<memref::LoadOp>();
    if (load && tvq::sameElement(load, store))
      return load;
  }
  return nullptr;
}

/// Matches our argmin over D (vq_quantize's codes): two stores of
/// `select(take, x, acc)` with one condition
/// `take = x_value < value || (x_value == value && x_index < index)`
/// (cmpf olt / oeq, cmpi slt; operands of ori and andi in either order),
/// the value f32 and the index i32. Returns the candidates (x_value,
/// x_index) on success and fills the two accumulators.
std::optional<std::pair<Value, Value>> matchArgmin(memref::StoreOp valueStore,
                                                   memref::StoreOp indexStore,
                                                   Accumulator &value,
                                                   Accumulator &index) {
  auto valueSelect =
      valueStore.getValueToStore().getDefiningOp<arith::SelectOp>();
  auto indexSelect =
      indexStore.getValueToStore().getDefiningOp<arith::SelectOp>();
  if (!valueSelect || !indexSelect ||
      valueSelect.getCondition() != indexSelect.getCondition() ||
      !valueSelect.getType().isF32() || !indexSelect.getType().isInteger(32))
    return std::nullopt;
  memref::LoadOp v = loadOfStored(valueStore, valueSelect.getFalseValue());
  memref::LoadOp i = loadOfStored(indexStore, indexSelect.getFalseValue());
  Value xv = valueSelect.getTrueValue(), xi = indexSelect.getTrueValue();
  if (!v || !i)
    return std::nullopt;
  auto isCompare = [](Value c, arith::CmpFPredicate p, Value x, Value y) {
    auto cmp = c.getDefiningOp<arith::CmpFOp>();
    return cmp && cmp.getPredicate() == p && cmp.getLhs() == x &&
           cmp.getRhs() == y;
  };
  auto isIndexLess = [](Value c, Value x, Value y) {
    auto cmp = c.getDefiningOp<arith::CmpIOp>();
    return cmp && cmp.getPredicate() == arith::CmpIPredicate::slt &&
           cmp.getLhs() == x && cmp.getRhs() == y;
  };
  auto either = [](Operation *op, auto first, auto second) {
    return op && op->getNumOperands() == 2 &&
           ((first(op->getOperand(0)) && second(op->getOperand(1))) ||
            (first(op->getOperand(1)) && second(op->getOperand(0))));
  };
  auto isLess = [&](Value c) {
    return isCompare(c, arith::CmpFPredicate::OLT, xv, v.getResult());
  };
  auto isTie = [&](Value c) {
    return either(
        c.getDefiningOp<arith::AndIOp>(),
        [&](Value e) {
          return isCompare(e, arith::CmpFPredicate::OEQ, xv, v.getResult());
        },
        [&](Value e) { return isIndexLess(e, xi, i.getResult()); });
  };
  if (!either(valueSelect.getCondition().getDefiningOp<arith::OrIOp>(), isLess,
              isTie))
    return std::nullopt;
  Builder b(valueStore.getContext());
  value = {v, valueStore, nullptr,
           b.getF32FloatAttr(std::numeric_limits<float>::infinity())};
  index = {i, indexStore, nullptr,
           b.getI32IntegerAttr(std::numeric_limits<int32_t>::max())};
  return std::make_pair(xv, xi);
}

/// The accumulators of `loop`, a reduction over D in a row loop: every store
/// in its body writes `combine(load, x)` to the element it loaded (indexed
/// by the row's induction variables alone), with `combine` an f32 addf,
/// maximum or minimum, or is one of an argmin pair (`matchArgmin`), and the
/// candidates `x` are independent of every accumulator; the body has no
/// regions, no other memory effects, and reads no stored buffer except
/// through the accumulators' loads. Fails otherwise.
FailureOr<SmallVector<Accumulator>>
analyzeReduction(scf::ForOp loop, scf::ParallelOp row,
                 llvm::function_ref<bool(Value, Value)> mayAlias,
                 SmallVectorImpl<std::pair<unsigned, unsigned>> &argmins) {
  if (!isConstant(loop.getLowerBound(), 0) || !isConstant(loop.getStep(), 1) ||
      loop.getNumResults() != 0)
    return failure();
  SmallVector<Accumulator> accs;
  SmallVector<memref::LoadOp> loads;
  SmallVector<memref::StoreOp> selected; // stores of a select: argmin pairs
  SmallVector<Value> candidates;         // what the accumulators take
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (op.getNumRegions() != 0)
      return failure();
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      loads.push_back(load);
      continue;
    }
    auto store = dyn_cast<memref::StoreOp>(op);
    if (!store) {
      if (!isMemoryEffectFree(&op))
        return failure();
      continue;
    }
    if (store.getIndices().size() != row.getNumLoops() ||
        !llvm::equal(store.getIndices(), row.getInductionVars()))
      return failure();
    Operation *combine = store.getValueToStore().getDefiningOp();
    if (!combine || combine->getBlock() != loop.getBody())
      return failure();
    if (isa<arith::SelectOp>(combine)) {
      selected.push_back(store);
      continue;
    }
    if (!store.getValueToStore().getType().isF32() ||
        !isa<arith::AddFOp, arith::MaximumFOp, arith::MaxNumFOp,
             arith::MinimumFOp, arith::MinNumFOp>(combine))
      return failure();
    std::optional<TypedAttr> neutral = arith::getNeutralElement(combine);
    memref::LoadOp load = loadOfStored(store, combine->getOperands());
    if (!neutral || !load || !load->hasOneUse())
      return failure();
    accs.push_back({load, store, combine, *neutral});
    for (Value operand : combine->getOperands())
      if (operand != load.getResult())
        candidates.push_back(operand);
  }
  // Argmin pairs: the stores of selects, two by two (value, index).
  if (selected.size() % 2 != 0)
    return failure();
  for (unsigned p = 0; p < selected.size(); p += 2) {
    Accumulator value, index;
    std::optional<std::pair<Value, Value>> xs =
        matchArgmin(selected[p], selected[p + 1], value, index);
    if (!xs)
      xs = matchArgmin(selected[p + 1], selected[p], value, index);
    if (!xs)
      return failure();
    argmins.push_back({static_cast<unsigned>(accs.size()),
                       static_cast<unsigned>(accs.size() + 1)});
    accs.push_back(value);
    accs.push_back(index);
    candidates.push_back(xs->first);
    candidates.push_back(xs->second);
  }
  // A row reduction reads each element once: a load that walks D names the
  // row too (every row induction variable). A load without one is shared
  // between rows, as in a matrix product, where a thread per output reads
  // the shared operand coalesced and the product belongs to cuBLAS or the
  // tiles anyway.
  Value k = loop.getInductionVar();
  for (memref::LoadOp load : loads) {
    if (!llvm::is_contained(load.getIndices(), k))
      continue;
    for (Value iv : row.getInductionVars())
      if (!llvm::is_contained(load.getIndices(), iv))
        return failure();
  }
  // Each accumulator once; no other read of a stored buffer; the combined
  // values do not depend on another accumulator.
  for (auto [i, a] : llvm::enumerate(accs)) {
    for (auto [j, b] : llvm::enumerate(accs))
      if (i != j && mayAlias(a.store.getMemRef(), b.store.getMemRef()))
        return failure();
    for (memref::LoadOp load : loads)
      if (mayAlias(load.getMemRef(), a.store.getMemRef()) &&
          llvm::none_of(accs, [&](Accumulator c) { return c.load == load; }))
        return failure();
  }
  SetVector<Operation *> slice;
  SmallVector<Value> work = candidates;
  while (!work.empty()) {
    Value v = work.pop_back_val();
    Operation *def = v.getDefiningOp();
    if (!def || def->getBlock() != loop.getBody() || !slice.insert(def))
      continue;
    if (llvm::any_of(
            accs, [&](Accumulator c) { return c.load.getOperation() == def; }))
      return failure();
    llvm::append_range(work, def->getOperands());
  }
  if (accs.empty())
    return failure();
  return accs;
}

/// Splits a row loop's body into segments; fails when an op has regions
/// (other than a reduction loop over the columns) or a scalar value is used
/// outside its segment. The reduction loops may run over different numbers
/// of columns (a softmax row over the codebook cache and then over the
/// window buffer). tvq-split-reductions' isRowReduction keeps whole the
/// linalg reductions this is meant to take (row-reduction-agreement.mlir).
FailureOr<SmallVector<Segment>>
analyzeRowBody(scf::ParallelOp row,
               llvm::function_ref<bool(Value, Value)> mayAlias) {
  SmallVector<Segment> segments;
  DenseMap<Operation *, unsigned> segmentOf;
  for (Operation &op : row.getBody()->without_terminator()) {
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      SmallVector<std::pair<unsigned, unsigned>> argmins;
      FailureOr<SmallVector<Accumulator>> accs =
          analyzeReduction(loop, row, mayAlias, argmins);
      if (failed(accs))
        return failure();
      segments.push_back({loop, *accs, argmins, {}});
      segmentOf[&op] = segments.size() - 1;
      continue;
    }
    if (op.getNumRegions() != 0)
      return failure();
    if (segments.empty() || segments.back().reduction)
      segments.push_back({});
    segments.back().scalarOps.push_back(&op);
    segmentOf[&op] = segments.size() - 1;
  }
  for (auto [i, segment] : llvm::enumerate(segments))
    for (Operation *op : segment.scalarOps)
      for (Operation *user : op->getUsers()) {
        Operation *top = row.getBody()->findAncestorOpInBlock(*user);
        if (!top || segmentOf.lookup(top) != i)
          return failure();
      }
  return segments;
}

/// A load or store of a buffer defined outside the chain.
struct Access {
  Value memref;
  SmallVector<int> rowPositions; // row induction variable at each index
  bool write;
};

/// Collects `stage`'s accesses with, at each index, the row induction
/// variable it is (or -1); fails on other memory effects on outside buffers
/// or a buffer on the host's stack.
LogicalResult collectAccesses(Stage &stage, unsigned numRows,
                              SmallVectorImpl<Access> &accesses) {
  scf::ParallelOp loop = stage.loop;
  auto rowPosition = [&](Value index) {
    auto arg = dyn_cast<BlockArgument>(index);
    if (!arg || arg.getOwner() != loop.getBody() ||
        arg.getArgNumber() >= numRows)
      return -1;
    return static_cast<int>(arg.getArgNumber());
  };
  return tvq::forEachOutsideAccess(
      loop, [&](Value memref, OperandRange indices, bool write) {
        for (Value v = memref; v;) {
          Operation *def = v.getDefiningOp();
          if (!def)
            break;
          if (isa<memref::AllocaOp>(def))
            return false;
          auto view = dyn_cast<ViewLikeOpInterface>(def);
          v = view ? view.getViewSource() : Value();
        }
        Access access{memref, {}, write};
        for (Value index : indices)
          access.rowPositions.push_back(rowPosition(index));
        accesses.push_back(access);
        return true;
      });
}

/// Whether each access names its row's part of the buffer: every row
/// induction variable once, at the same places for both.
bool sameRows(const Access &a, const Access &b, unsigned numRows) {
  if (a.memref != b.memref || a.rowPositions != b.rowPositions)
    return false;
  for (unsigned r = 0; r < numRows; ++r)
    if (llvm::count(a.rowPositions, static_cast<int>(r)) != 1)
      return false;
  return true;
}

/// A stage's accesses, or none when it has other memory effects.
using StageAccesses = std::optional<SmallVector<Access>>;

/// Whether the stages whose accesses these are may run as one launch with a
/// block per row: every two accesses with a store, on buffers that may
/// alias, stay in one row.
bool rowsIndependent(ArrayRef<StageAccesses> stages, unsigned numRows,
                     llvm::function_ref<bool(Value, Value)> mayAlias) {
  if (llvm::any_of(stages, [](const StageAccesses &s) { return !s; }))
    return false;
  for (const StageAccesses &x : stages)
    for (const StageAccesses &y : stages)
      for (const Access &a : *x)
        for (const Access &b : *y)
          if ((a.write || b.write) && mayAlias(a.memref, b.memref) &&
              !sameRows(a, b, numRows))
            return false;
  return true;
}

/// The columns that a stage's loops over D run over: the elementwise loop's
/// last dimension, or each reduction loop's trip count.
SmallVector<Value> columnCounts(Stage &stage) {
  if (!stage.overRows)
    return {stage.loop.getUpperBound().back()};
  SmallVector<Value> counts;
  for (Segment &segment : stage.segments)
    if (segment.reduction)
      counts.push_back(segment.reduction.getUpperBound());
  return counts;
}

/// Builds the launch of a chain of stages over `rows`.
class RowKernelBuilder {
public:
  RowKernelBuilder(MutableArrayRef<Stage> stages, ValueRange rows,
                   int64_t maxThreads)
      : stages(stages), rows(rows) {
    // Threads: the power of two covering the widest stage, at most
    // maxThreads (all of them when a stage's width is dynamic).
    int64_t widest = 0;
    bool dynamic = false;
    for (Stage &stage : stages)
      for (Value columns : columnCounts(stage)) {
        std::optional<int64_t> d = getConstantIntValue(columns);
        dynamic |= !d;
        widest = std::max<int64_t>(widest, d.value_or(0));
      }
    threads = dynamic ? maxThreads
                      : std::clamp<int64_t>(llvm::PowerOf2Ceil(widest), 32,
                                            maxThreads);
    for (Stage &stage : stages)
      for (Segment &segment : stage.segments)
        accumulators =
            std::max<int64_t>(accumulators, segment.accumulators.size());
  }

  void build() {
    scf::ParallelOp last = stages.back().loop;
    Location loc = stages.front().loop->getLoc();
    for (Stage &stage : stages)
      if (stage.overRows)
        loc = stage.loop->getLoc();
    OpBuilder b(last);
    Arith a{b, loc};
    Value count = a.c(1);
    for (Value r : rows)
      count = a.mul(count, r);
    auto work = scf::IfOp::create(b, loc, a.ge(count, 1), false);
    b.setInsertionPoint(work.thenBlock()->getTerminator());
    SmallVector<Type> workgroup;
    if (accumulators && threads > kWarpSize)
      workgroup.push_back(
          MemRefType::get({accumulators, threads / kWarpSize}, b.getF32Type(),
                          MemRefLayoutAttrInterface(),
                          gpu::AddressSpaceAttr::get(
                              b.getContext(), gpu::AddressSpace::Workgroup)));
    Value one = a.c(1);
    auto launch = gpu::LaunchOp::create(
        b, loc, count, one, one, a.c(threads), one, one,
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/{}, workgroup, TypeRange{});
    b.setInsertionPointToEnd(&launch.getBody().front());
    if (!workgroup.empty())
      shared = launch.getWorkgroupAttributions()[0];
    tid = launch.getThreadIds().x;
    // Row-major delinearization of the block id.
    SmallVector<Value> ids(rows.size());
    Value rest = launch.getBlockIds().x;
    for (int i = rows.size() - 1; i >= 0; --i) {
      ids[i] = i == 0 ? rest : a.rem(rest, rows[i]);
      if (i != 0)
        rest = a.div(rest, rows[i]);
    }
    rowIds = ids;
    bool first = true;
    for (Stage &stage : stages) {
      if (!stage.overRows) {
        barrierUnless(b, loc, first);
        buildElementwise(b, stage);
        continue;
      }
      for (Segment &segment : stage.segments) {
        barrierUnless(b, loc, first);
        if (segment.reduction)
          buildReduction(b, stage, segment);
        else
          buildScalar(b, stage, segment);
      }
    }
    gpu::TerminatorOp::create(b, loc);
    for (Stage &stage : stages)
      stage.loop->erase();
  }

private:
  MutableArrayRef<Stage> stages;
  ValueRange rows;
  int64_t threads;
  int64_t accumulators = 0;
  Value shared, tid;
  SmallVector<Value> rowIds;

  void barrierUnless(OpBuilder &b, Location loc, bool &first) {
    if (!first)
      gpu::BarrierOp::create(b, loc);
    first = false;
  }

  /// Moves `b` into an `scf.if` that thread 0 alone runs.
  void onFirstThread(OpBuilder &b, Location loc) {
    Arith a{b, loc};
    Value isFirst =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, tid, a.c(0));
    auto ifOp = scf::IfOp::create(b, loc, isFirst, false);
    b.setInsertionPoint(ifOp.thenBlock()->getTerminator());
  }

  IRMapping rowMapping(scf::ParallelOp loop) {
    IRMapping map;
    for (auto [iv, id] : llvm::zip(loop.getInductionVars(), rowIds))
      map.map(iv, id);
    return map;
  }

  /// An empty `for (k = tid; k < upper; k += threads)` carrying `inits`.
  scf::ForOp strideLoop(OpBuilder &b, Location loc, Value upper,
                        ValueRange inits) {
    Arith a{b, loc};
    return scf::ForOp::create(b, loc, tid, upper, a.c(threads), inits);
  }

  void buildElementwise(OpBuilder &b, Stage &stage) {
    scf::ParallelOp loop = stage.loop;
    Location loc = loop.getLoc();
    auto k = strideLoop(b, loc, loop.getUpperBound().back(), {});
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(k.getBody()->getTerminator());
    IRMapping map = rowMapping(loop);
    map.map(loop.getInductionVars().back(), k.getInductionVar());
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, map);
  }

  void buildScalar(OpBuilder &b, Stage &stage, Segment &segment) {
    Location loc = segment.scalarOps.front()->getLoc();
    OpBuilder::InsertionGuard guard(b);
    onFirstThread(b, loc);
    IRMapping map = rowMapping(stage.loop);
    for (Operation *op : segment.scalarOps)
      b.clone(*op, map);
  }

  /// Each thread's partial results over its columns, combined within each
  /// warp by shuffles, the warps' totals through shared memory, and thread 0
  /// combining the total into the accumulator.
  void buildReduction(OpBuilder &b, Stage &stage, Segment &segment) {
    scf::ForOp reduction = segment.reduction;
    Location loc = reduction.getLoc();
    Arith a{b, loc};
    SmallVector<Value> inits;
    for (Accumulator acc : segment.accumulators)
      inits.push_back(arith::ConstantOp::create(b, loc, acc.neutral));
    auto k = strideLoop(b, loc, reduction.getUpperBound(), inits);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(k.getBody());
      IRMapping map = rowMapping(stage.loop);
      map.map(reduction.getInductionVar(), k.getInductionVar());
      for (auto [acc, partial] :
           llvm::zip(segment.accumulators, k.getRegionIterArgs()))
        map.map(acc.load.getResult(), partial);
      SmallVector<Value> next;
      for (Operation &op : reduction.getBody()->without_terminator()) {
        if (isa<memref::StoreOp>(op) ||
            llvm::any_of(segment.accumulators, [&](Accumulator acc) {
              return acc.load.getOperation() == &op;
            }))
          continue;
        b.clone(op, map);
      }
      for (Accumulator acc : segment.accumulators)
        next.push_back(map.lookup(acc.store.getValueToStore()));
      scf::YieldOp::create(b, loc, next);
    }
    // A warp's total in every lane: xor shuffles 16, 8, 4, 2, 1 apart.
    SmallVector<Value> partials(k.getResults());
    for (int32_t apart = kWarpSize / 2; apart >= 1; apart /= 2) {
      SmallVector<Value> others;
      for (Value partial : partials)
        others.push_back(gpu::ShuffleOp::create(b, loc, partial, apart,
                                                kWarpSize,
                                                gpu::ShuffleMode::XOR)
                             .getShuffleResult());
      partials = combineAll(b, loc, segment, partials, others);
    }
    // Several warps: lane 0 of each writes its total to shared memory.
    int64_t warps = threads / kWarpSize;
    if (warps > 1) {
      Value lane = a.rem(tid, a.c(kWarpSize));
      Value isLaneZero =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, lane, a.c(0));
      auto laneZero = scf::IfOp::create(b, loc, isLaneZero, false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(laneZero.thenBlock()->getTerminator());
      Value warp = a.div(tid, a.c(kWarpSize));
      for (auto [j, partial] : llvm::enumerate(partials))
        storeShared(b, loc, partial, a.c(j), warp);
    }
    if (warps > 1)
      gpu::BarrierOp::create(b, loc);
    // Thread 0 combines the warps' totals in order (one warp: lane 0's own
    // total), then the accumulator.
    OpBuilder::InsertionGuard guard(b);
    onFirstThread(b, loc);
    SmallVector<Value> totals = partials;
    for (int64_t w = 0; warps > 1 && w < warps; ++w) {
      SmallVector<Value> warpTotals;
      for (auto [j, acc] : llvm::enumerate(segment.accumulators))
        warpTotals.push_back(
            loadShared(b, loc, acc.load.getType(), a.c(j), a.c(w)));
      totals =
          w == 0 ? warpTotals : combineAll(b, loc, segment, totals, warpTotals);
    }
    IRMapping map = rowMapping(stage.loop);
    SmallVector<Value> olds;
    SmallVector<SmallVector<Value>> places;
    for (Accumulator acc : segment.accumulators) {
      places.push_back(llvm::map_to_vector(
          acc.store.getIndices(), [&](Value v) { return map.lookup(v); }));
      olds.push_back(
          memref::LoadOp::create(b, loc, acc.store.getMemRef(), places.back()));
    }
    for (auto [acc, v, place] :
         llvm::zip(segment.accumulators,
                   combineAll(b, loc, segment, olds, totals), places))
      memref::StoreOp::create(b, loc, v, acc.store.getMemRef(), place);
  }

  /// `current` combined with `candidate`, accumulator by accumulator (an
  /// argmin pair together).
  SmallVector<Value> combineAll(OpBuilder &b, Location loc, Segment &segment,
                                ArrayRef<Value> current,
                                ArrayRef<Value> candidate) {
    SmallVector<Value> result(current);
    for (auto [j, acc] : llvm::enumerate(segment.accumulators)) {
      if (!acc.combine)
        continue;
      OperationState state(acc.combine->getLoc(), acc.combine->getName());
      state.addOperands({current[j], candidate[j]});
      state.addTypes(current[j].getType());
      state.addAttributes(acc.combine->getAttrs());
      result[j] = b.create(state)->getResult(0);
    }
    for (auto [v, i] : segment.argmins) {
      Value less = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT,
                                         candidate[v], current[v]);
      Value equal = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                          candidate[v], current[v]);
      Value first = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                          candidate[i], current[i]);
      Value take = arith::OrIOp::create(
          b, loc, less, arith::AndIOp::create(b, loc, equal, first));
      result[v] =
          arith::SelectOp::create(b, loc, take, candidate[v], current[v]);
      result[i] =
          arith::SelectOp::create(b, loc, take, candidate[i], current[i]);
    }
    return result;
  }

  /// The shared array holds f32; an i32 (an argmin's index) is stored as
  /// its bits.
  void storeShared(OpBuilder &b, Location loc, Value v, Value slot,
                   Value thread) {
    if (!v.getType().isF32())
      v = arith::BitcastOp::create(b, loc, b.getF32Type(), v);
    memref::StoreOp::create(b, loc, v, shared, ValueRange{slot, thread});
  }
  Value loadShared(OpBuilder &b, Location loc, Type type, Value slot,
                   Value thread) {
    Value v = memref::LoadOp::create(b, loc, shared, ValueRange{slot, thread});
    return type.isF32() ? v : arith::BitcastOp::create(b, loc, type, v);
  }
};

/// Finds chains of neighbouring loops over one row space in `block` and
/// turns each into a row kernel.
class ChainFinder {
public:
  ChainFinder(llvm::function_ref<bool(Value, Value)> mayAlias,
              int64_t maxThreads, int64_t minDepth)
      : mayAlias(mayAlias), maxThreads(maxThreads), minDepth(minDepth) {}

  unsigned run(Block &block) {
    unsigned built = 0;
    SmallVector<scf::ParallelOp> run;
    auto flush = [&]() {
      built += buildChains(run);
      run.clear();
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        if (isPlainLoop(loop)) {
          run.push_back(loop);
          continue;
        }
      } else if (op.getNumRegions() == 0 && isMemoryEffectFree(&op)) {
        continue;
      }
      flush();
    }
    flush();
    return built;
  }

private:
  llvm::function_ref<bool(Value, Value)> mayAlias;
  int64_t maxThreads, minDepth;

  /// Whether a block per row pays for rows of `depth` columns: a dynamic
  /// depth (a sequence length) or at least `minDepth`; shorter rows would
  /// leave most of a block's threads idle.
  bool deepEnough(Value depth) {
    std::optional<int64_t> d = getConstantIntValue(depth);
    return !d || *d >= minDepth;
  }

  /// The stage `loop` is in a chain over `rows`, or none. Its loops over
  /// the columns must each be deep enough; they need not agree with the
  /// other stages' (each strides over its own).
  std::optional<Stage> classify(scf::ParallelOp loop, ValueRange rows) {
    ValueRange ubs = loop.getUpperBound();
    auto sameRows = [&](ValueRange x) {
      return x.size() == rows.size() &&
             llvm::all_of(llvm::zip(x, rows), [](auto pair) {
               return sameSize(std::get<0>(pair), std::get<1>(pair));
             });
    };
    std::optional<Stage> stage;
    if (sameRows(ubs)) {
      FailureOr<SmallVector<Segment>> segments = analyzeRowBody(loop, mayAlias);
      if (succeeded(segments))
        stage = Stage{loop, true, *segments};
    } else if (ubs.size() == rows.size() + 1 && sameRows(ubs.drop_back())) {
      stage = Stage{loop, false, {}};
    }
    if (!stage || !llvm::all_of(columnCounts(*stage),
                                [&](Value d) { return deepEnough(d); }))
      return std::nullopt;
    return stage;
  }

  /// Tries the longest chains first: from each loop with a reduction, the
  /// neighbours on both sides over the same rows.
  unsigned buildChains(MutableArrayRef<scf::ParallelOp> loops) {
    unsigned built = 0;
    SmallVector<bool> used(loops.size(), false);
    for (size_t seed = 0; seed < loops.size(); ++seed) {
      if (used[seed])
        continue;
      SmallVector<Value> rows(loops[seed].getUpperBound());
      std::optional<Stage> stage = classify(loops[seed], rows);
      if (!stage || !hasReduction(*stage))
        continue;
      SmallVector<Stage> chain = {*stage};
      size_t begin = seed, end = seed + 1;
      while (end < loops.size() && !used[end]) {
        std::optional<Stage> next = classify(loops[end], rows);
        if (!next)
          break;
        chain.push_back(*next);
        ++end;
      }
      while (begin > 0 && !used[begin - 1]) {
        std::optional<Stage> prev = classify(loops[begin - 1], rows);
        if (!prev)
          break;
        chain.insert(chain.begin(), *prev);
        --begin;
      }
      // Drop stages from the ends until the rows are independent (each
      // stage's accesses collected once).
      SmallVector<StageAccesses> accesses;
      for (Stage &stage : chain) {
        SmallVector<Access> collected;
        if (succeeded(collectAccesses(stage, rows.size(), collected)))
          accesses.push_back(std::move(collected));
        else
          accesses.push_back(std::nullopt);
      }
      size_t first = 0, last = chain.size();
      size_t seedAt = seed - begin;
      auto independent = [&]() {
        return rowsIndependent(ArrayRef(accesses).slice(first, last - first),
                               rows.size(), mayAlias);
      };
      while (!independent()) {
        if (last - 1 > seedAt)
          --last;
        else if (first < seedAt)
          ++first;
        else
          break;
      }
      if (!independent())
        continue;
      MutableArrayRef<Stage> kept =
          MutableArrayRef(chain).slice(first, last - first);
      for (size_t i = begin + first; i < begin + last; ++i)
        used[i] = true;
      RowKernelBuilder(kept, rows, maxThreads).build();
      ++built;
    }
    return built;
  }

  static bool hasReduction(Stage &stage) {
    return llvm::any_of(stage.segments, [](Segment &s) { return s.reduction; });
  }
};

struct RowKernelsPass : public tvq::impl::TVQRowKernelsBase<RowKernelsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxThreads < 32 || !llvm::isPowerOf2_64(maxThreads)) {
      getOperation().emitError("tvq-row-kernels: max-threads must be a "
                               "power of two >= 32");
      return signalPassFailure();
    }
    AliasAnalysis &aliases = getAnalysis<AliasAnalysis>();
    auto mayAlias = [&](Value a, Value b) {
      return tvq::buffersMayOverlap(aliases, a, b);
    };
    ChainFinder finder(mayAlias, maxThreads, minDepth);
    for (Block *block : tvq::collectHostBlocks(getOperation()))
      finder.run(*block);
  }
};

} // namespace
