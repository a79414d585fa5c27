//===- FuseParallelLoops.cpp - Fewer kernels from neighbouring loops ------===//
//
// `tvq-fuse-parallel-loops`: every outermost scf.parallel of the CUDA
// pipeline's `loops` phase becomes a kernel launch (one thread per
// iteration). Two neighbouring loops over the same iteration space fuse into
// one when each element that either writes is touched by both at the same
// iteration: then running the first body and the second in each iteration
// gives the same memory as running the loops one after the other.
//
// Allocations sit between most loops after bufferization; they are first
// moved up past the loops before them. Upstream's scf-parallel-loop-fusion
// does not check writes against writes, nor ops other than load and store,
// so this pass decides legality itself.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/SmallBitVector.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQFUSEPARALLELLOOPS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Whether an allocation may move up past `op`: a parallel loop (it cannot
/// use a buffer allocated after it) or an op without effects or regions.
/// Anything else (a dealloc, a call, an scf.if of deallocations) stops it,
/// so that a buffer freed before the allocation stays free for it.
bool allocMayMovePast(Operation *op) {
  return isa<scf::ParallelOp>(op) ||
         (op->getNumRegions() == 0 && isMemoryEffectFree(op));
}

/// Moves `alloc` up to just after the earliest op it may move past, not
/// above the definitions of its size operands.
void hoistAlloc(memref::AllocOp alloc) {
  Operation *before = alloc;
  for (Operation *prev = alloc->getPrevNode(); prev && allocMayMovePast(prev);
       prev = prev->getPrevNode()) {
    if (llvm::any_of(alloc->getOperands(), [&](Value operand) {
          return operand.getDefiningOp() == prev;
        }))
      break;
    before = prev;
  }
  if (before != alloc.getOperation())
    alloc->moveBefore(before);
}

/// A load or store, in a loop's body, of a buffer defined outside the loop.
struct Access {
  Value memref;
  OperandRange indices;
  bool write;
};

/// Collects `loop`'s accesses to outside buffers; fails when its body has
/// another op with memory effects on them (a call, a copy, an atomic) or the
/// loop has results.
LogicalResult collectAccesses(scf::ParallelOp loop,
                              SmallVectorImpl<Access> &accesses) {
  if (loop.getNumResults() != 0)
    return failure();
  return tvq::forEachOutsideAccess(
      loop, [&](Value memref, OperandRange indices, bool write) {
        accesses.push_back({memref, indices, write});
        return true;
      });
}

/// The position of `index` among `loop`'s induction variables, or -1.
int ivPosition(scf::ParallelOp loop, Value index) {
  auto arg = dyn_cast<BlockArgument>(index);
  if (!arg || arg.getOwner() != loop.getBody())
    return -1;
  return arg.getArgNumber();
}

/// Whether `a` (of `first`) and `b` (of `second`) name the same element in
/// every iteration and no other iteration names it: each index is the same
/// induction variable of its loop, or the same constant, and every induction
/// variable is used once.
bool sameElementEachIteration(scf::ParallelOp first, const Access &a,
                              scf::ParallelOp second, const Access &b) {
  if (a.memref != b.memref || a.indices.size() != b.indices.size())
    return false;
  llvm::SmallBitVector used(first.getNumLoops());
  for (auto [x, y] : llvm::zip(a.indices, b.indices)) {
    int px = ivPosition(first, x), py = ivPosition(second, y);
    if (px >= 0 || py >= 0) {
      if (px != py || used.test(px))
        return false;
      used.set(px);
      continue;
    }
    std::optional<int64_t> cx = getConstantIntValue(x),
                           cy = getConstantIntValue(y);
    if (!cx || !cy || *cx != *cy)
      return false;
  }
  return used.all();
}

/// Whether `first` followed by `second` may run as one loop.
bool mayFuse(scf::ParallelOp first, scf::ParallelOp second,
             llvm::function_ref<bool(Value, Value)> mayAlias) {
  if (first.getLowerBound() != second.getLowerBound() ||
      first.getUpperBound() != second.getUpperBound() ||
      first.getStep() != second.getStep())
    return false;
  auto nested = [](scf::ParallelOp loop) {
    return loop.getBody()
        ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
        .wasInterrupted();
  };
  if (nested(first) || nested(second))
    return false;
  SmallVector<Access> as, bs;
  if (failed(collectAccesses(first, as)) || failed(collectAccesses(second, bs)))
    return false;
  for (const Access &a : as)
    for (const Access &b : bs)
      if ((a.write || b.write) && mayAlias(a.memref, b.memref) &&
          !sameElementEachIteration(first, a, second, b))
        return false;
  return true;
}

/// Moves `first`'s body to the start of `second`'s and erases `first`.
void fuseInto(scf::ParallelOp first, scf::ParallelOp second) {
  Block *from = first.getBody(), *to = second.getBody();
  for (auto [x, y] : llvm::zip(from->getArguments(), to->getArguments()))
    x.replaceAllUsesWith(y);
  from->getTerminator()->erase();
  to->getOperations().splice(to->begin(), from->getOperations());
  first.erase();
}

/// Fuses each loop into the next one in `block` when legal; side-effect-free
/// ops between them do not matter (they read no memory).
void fuseInBlock(Block &block,
                 llvm::function_ref<bool(Value, Value)> mayAlias) {
  scf::ParallelOp previous;
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      if (previous && mayFuse(previous, loop, mayAlias))
        fuseInto(previous, loop);
      previous = loop;
    } else if (op.getNumRegions() != 0 || !isMemoryEffectFree(&op)) {
      previous = nullptr;
    }
  }
}

struct FuseParallelLoopsPass
    : public tvq::impl::TVQFuseParallelLoopsBase<FuseParallelLoopsPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk(
        [&](memref::AllocOp alloc) { allocs.push_back(alloc); });
    for (memref::AllocOp alloc : allocs)
      hoistAlloc(alloc);

    AliasAnalysis &aliases = getAnalysis<AliasAnalysis>();
    auto mayAlias = [&](Value a, Value b) {
      return tvq::buffersMayOverlap(aliases, a, b);
    };
    // Blocks outside parallel loops only: loops inside one do not launch.
    for (Block *block : tvq::collectHostBlocks(getOperation()))
      fuseInBlock(*block, mayAlias);
  }
};

} // namespace
