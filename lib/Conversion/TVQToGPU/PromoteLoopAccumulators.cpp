//===- PromoteLoopAccumulators.cpp - Sums in registers, not memory --------===//
//
// `tvq-promote-loop-accumulators`: a kernel's thread that computes a matrix
// product's output element (or a distance to a code, a weight gradient's
// entry) runs an scf.for over the reduced dimension whose body loads the
// output element, adds to it and stores it back: a global store in every
// iteration. LLVM cannot keep the element in a register because the
// kernel's other buffers are pointer arguments that may alias it; here,
// after tvq-parallel-loops-to-gpu and before outlining, the launch bodies
// still use the host's values and MLIR's alias analysis sees the
// allocations behind them. Each such element becomes an iter_args value of
// the loop, loaded once before it and stored once after it.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQPROMOTELOOPACCUMULATORS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// An element that a loop's body loads and then stores, at indices defined
/// outside the loop, and that nothing else in the body may touch.
struct Accumulator {
  memref::LoadOp load;
  memref::StoreOp store;
};

/// A load or a store, at any depth of a loop's body, of a buffer defined
/// outside the loop.
struct Access {
  Value memref;
  SmallVector<Value> indices;
  bool write;
};

/// The accesses of `loop`'s body; failure when the body synchronizes threads
/// (a barrier, a shuffle: other threads may then read the element) or has
/// another op with effects on buffers from outside.
LogicalResult collectAccesses(scf::ForOp loop,
                              SmallVectorImpl<Access> &accesses) {
  bool synchronizes = loop.getBody()
                          ->walk([](Operation *op) {
                            return isa<gpu::BarrierOp, gpu::ShuffleOp>(op)
                                       ? WalkResult::interrupt()
                                       : WalkResult::advance();
                          })
                          .wasInterrupted();
  if (synchronizes)
    return failure();
  return tvq::forEachOutsideAccess(
      loop, [&](Value memref, OperandRange indices, bool write) {
        accesses.push_back({memref, llvm::to_vector(indices), write});
        return true;
      });
}

/// The accumulators of `loop`: a load directly in its body, of a buffer and
/// at indices defined outside the loop, followed (directly in the body) by a
/// store to the same buffer at the same indices, where no other access in
/// the body may overlap the buffer (tvq::buffersMayOverlap).
SmallVector<Accumulator>
findAccumulators(scf::ForOp loop,
                 llvm::function_ref<bool(Value, Value)> mayOverlap) {
  SmallVector<Access> accesses;
  if (failed(collectAccesses(loop, accesses)))
    return {};
  auto invariant = [&](ValueRange values) {
    return llvm::all_of(
        values, [&](Value v) { return loop.isDefinedOutsideOfLoop(v); });
  };
  // Whether the load and the store of the element are the body's only
  // accesses that may touch its buffer: one read and one write of it.
  auto alone = [&](memref::LoadOp load) {
    int reads = 0, writes = 0;
    for (const Access &a : accesses) {
      if (!mayOverlap(a.memref, load.getMemRef()))
        continue;
      if (a.memref != load.getMemRef() ||
          !llvm::equal(a.indices, load.getIndices()))
        return false;
      ++(a.write ? writes : reads);
    }
    return reads == 1 && writes == 1;
  };
  SmallVector<Accumulator> accumulators;
  for (Operation &op : loop.getBody()->without_terminator()) {
    auto load = dyn_cast<memref::LoadOp>(op);
    if (!load || !invariant(load.getMemRef()) || !invariant(load.getIndices()))
      continue;
    // A zero of the element's type stands in when the loop runs no
    // iteration (see promote); other element types are left alone.
    if (!load.getType().isIntOrIndexOrFloat())
      continue;
    memref::StoreOp store;
    for (Operation *next = load->getNextNode(); next && !store;
         next = next->getNextNode())
      if (auto s = dyn_cast<memref::StoreOp>(next))
        if (tvq::sameElement(load, s))
          store = s;
    if (store && alone(load))
      accumulators.push_back({load, store});
  }
  return accumulators;
}

/// Whether `loop` runs at least one iteration, from its constant bounds.
bool runsOnce(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  if (!lb || !ub)
    return false;
  return loop.getUnsignedCmp()
             ? static_cast<uint64_t>(*lb) < static_cast<uint64_t>(*ub)
             : *lb < *ub;
}

/// Whether the thread stores to `load`'s element before `loop` runs, with
/// no barrier in between: a store at the same indices earlier in the loop's
/// block or in a block around it, within the kernel. Then the element is in
/// bounds and the thread's own, and loading it and storing it back when the
/// loop runs no iteration changes nothing.
bool storedBefore(scf::ForOp loop, memref::LoadOp load) {
  auto storesElement = [&](Operation *op) {
    auto store = dyn_cast<memref::StoreOp>(op);
    return store && tvq::sameElement(load, store);
  };
  auto hasBarrier = [](Operation *op) {
    return op->walk([](gpu::BarrierOp) { return WalkResult::interrupt(); })
        .wasInterrupted();
  };
  for (Operation *at = loop; at && !isa<scf::ParallelOp, gpu::LaunchOp>(at);
       at = at->getParentOp()) {
    // An enclosing loop's earlier iterations ran all of its body before.
    if (at != loop && isa<LoopLikeOpInterface>(at) && hasBarrier(at))
      return false;
    for (Operation *op = at->getPrevNode(); op; op = op->getPrevNode()) {
      if (storesElement(op))
        return true;
      if (hasBarrier(op))
        return false;
    }
  }
  return false;
}

/// Carries each accumulator through `loop` as an iter_args value: loaded
/// before the loop, stored after it. When the loop may run no iteration
/// and the thread has not stored to every element before (storedBefore),
/// the loads and the stores are under `lb < ub` (the loop did not touch
/// the elements then; their indices may not even be in bounds).
void promote(scf::ForOp loop, MutableArrayRef<Accumulator> accumulators) {
  Location loc = loop.getLoc();
  IRRewriter rewriter(loop.getContext());
  rewriter.setInsertionPoint(loop);
  Value runs;
  bool everyStoredBefore =
      llvm::all_of(accumulators, [&](const Accumulator &acc) {
        return storedBefore(loop, acc.load);
      });
  if (!runsOnce(loop) && !everyStoredBefore)
    runs =
        arith::CmpIOp::create(rewriter, loc,
                              loop.getUnsignedCmp() ? arith::CmpIPredicate::ult
                                                    : arith::CmpIPredicate::slt,
                              loop.getLowerBound(), loop.getUpperBound());
  auto loadAll = [&](OpBuilder &b) {
    SmallVector<Value> values;
    for (Accumulator &acc : accumulators)
      values.push_back(memref::LoadOp::create(
          b, acc.load.getLoc(), acc.load.getMemRef(), acc.load.getIndices()));
    return values;
  };
  SmallVector<Value> inits;
  if (!runs) {
    inits = loadAll(rewriter);
  } else {
    auto guarded = scf::IfOp::create(
        rewriter, loc, runs,
        [&](OpBuilder &b, Location l) {
          scf::YieldOp::create(b, l, loadAll(b));
        },
        [&](OpBuilder &b, Location l) {
          SmallVector<Value> zeros;
          for (Accumulator &acc : accumulators) {
            Type type = acc.load.getType();
            zeros.push_back(
                arith::ConstantOp::create(b, l, type, b.getZeroAttr(type)));
          }
          scf::YieldOp::create(b, l, zeros);
        });
    inits = SmallVector<Value>(guarded.getResults());
  }
  unsigned numOld = loop.getNumResults();
  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, inits, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument> args) {
        SmallVector<Value> yielded;
        for (auto [acc, arg] : llvm::zip(accumulators, args)) {
          yielded.push_back(acc.store.getValueToStore());
          acc.load.getResult().replaceAllUsesWith(arg);
        }
        return yielded;
      });
  assert(succeeded(replaced) && "scf.for takes more iter_args");
  Operation *newLoop = *replaced;
  rewriter.setInsertionPointAfter(newLoop);
  scf::IfOp ifOp;
  if (runs)
    ifOp = scf::IfOp::create(rewriter, loc, runs, /*withElse=*/false);
  OpBuilder after = runs ? ifOp.getThenBodyBuilder() : OpBuilder(rewriter);
  for (auto [acc, result] :
       llvm::zip(accumulators, newLoop->getResults().drop_front(numOld))) {
    memref::StoreOp::create(after, acc.store.getLoc(), result,
                            acc.store.getMemRef(), acc.store.getIndices());
    rewriter.eraseOp(acc.store);
    rewriter.eraseOp(acc.load);
  }
}

struct PromoteLoopAccumulatorsPass
    : public tvq::impl::TVQPromoteLoopAccumulatorsBase<
          PromoteLoopAccumulatorsPass> {
  void runOnOperation() override {
    AliasAnalysis &aliases = getAnalysis<AliasAnalysis>();
    auto mayOverlap = [&](Value a, Value b) {
      return tvq::buffersMayOverlap(aliases, a, b);
    };
    // Loops in kernels only (under an scf.parallel or a gpu.launch), inner
    // loops first: an inner loop's promoted load and store may then make
    // the element an accumulator of the loop around it.
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) {
      if (!tvq::isOnHost(loop))
        loops.push_back(loop);
    });
    for (scf::ForOp loop : loops) {
      SmallVector<Accumulator> accumulators =
          findAccumulators(loop, mayOverlap);
      if (!accumulators.empty())
        promote(loop, accumulators);
    }
  }
};

} // namespace
