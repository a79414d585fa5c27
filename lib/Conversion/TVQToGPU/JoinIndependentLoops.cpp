//===- JoinIndependentLoops.cpp - One launch for independent loops --------===//
//
// `tvq-join-independent-loops`: every outermost scf.parallel of the CUDA
// pipeline's `loops` phase becomes a kernel launch, and many neighbouring
// loops do not depend on each other (the copies that assemble the attention
// blocks' buffers, a SiLU beside the codebook's scaling). tvq-fuse-parallel-
// loops joins loops over one iteration space;
// this pass joins independent loops over any spaces: one 1-D loop over the
// sum of their iteration counts whose iteration g runs loop i's body at
// position g - offset_i when that is below loop i's count.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"
#include "KernelBuilder.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQJOININDEPENDENTLOOPS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// The most bytes of arguments a joined kernel may take (see argumentsFit).
constexpr int64_t kMaxArgumentBytes = 4096;

/// A buffer a loop's body reads or writes.
struct Use {
  Value memref;
  bool write;
};

/// A loop that may join others: no results, no nested scf.parallel, lower
/// bounds 0 and steps 1, every outside access a load or a store.
struct Candidate {
  scf::ParallelOp loop;
  SmallVector<Use> uses;
};

std::optional<Candidate> asCandidate(scf::ParallelOp loop) {
  if (loop.getNumResults() != 0)
    return std::nullopt;
  for (auto [lb, step] : llvm::zip(loop.getLowerBound(), loop.getStep()))
    if (!isConstantIntValue(lb, 0) || !isConstantIntValue(step, 1))
      return std::nullopt;
  bool nested =
      loop.getBody()
          ->walk([](scf::ParallelOp) { return WalkResult::interrupt(); })
          .wasInterrupted();
  if (nested)
    return std::nullopt;
  Candidate c{loop, {}};
  if (failed(forEachOutsideAccess(loop,
                                  [&](Value memref, OperandRange, bool write) {
                                    c.uses.push_back({memref, write});
                                    return true;
                                  })))
    return std::nullopt;
  return c;
}

/// The values from outside `loop` that its kernel takes as arguments: those
/// its body uses and its upper bounds (constants are sunk into the kernel,
/// see parameterBytes).
SetVector<Value> kernelArguments(scf::ParallelOp loop) {
  SetVector<Value> used;
  getUsedValuesDefinedAbove(loop.getRegion(), used);
  used.insert(loop.getUpperBound().begin(), loop.getUpperBound().end());
  return used;
}

/// The bytes of kernel parameters that `v` takes as the NVVM lowering passes
/// it: a memref two pointers, an offset, sizes and strides; a constant none
/// (tvq-sink-constants-into-launches moves it into the kernel).
int64_t parameterBytes(Value v) {
  if (matchPattern(v, m_Constant()))
    return 0;
  auto memref = dyn_cast<MemRefType>(v.getType());
  return memref ? 8 * (3 + 2 * memref.getRank()) : 8;
}

/// A run of loops to join and the arguments their joined kernel takes: the
/// values they use and each loop's offset and count (16 bytes). ptxas
/// refuses more than 4352 bytes of kernel parameters below PTX 8.1 (sm_80).
struct Group {
  SmallVector<Candidate> loops;
  SetVector<Value> arguments;
  int64_t argumentBytes = 0;

  /// The bytes that a loop taking `more` would add to the group's kernel.
  int64_t newArgumentBytes(const SetVector<Value> &more) const {
    int64_t bytes = 16;
    for (Value v : more)
      if (!arguments.contains(v))
        bytes += parameterBytes(v);
    return bytes;
  }

  void add(Candidate c, const SetVector<Value> &more) {
    argumentBytes += newArgumentBytes(more);
    arguments.insert(more.begin(), more.end());
    loops.push_back(std::move(c));
  }
};

class Joiner {
public:
  Joiner(llvm::function_ref<bool(Value, Value)> mayAlias, int64_t maxLoops)
      : mayAlias(mayAlias), maxLoops(maxLoops) {}

  /// Joins the runs of independent loops in `block`.
  void run(Block &block) {
    Group group;
    auto flush = [&]() {
      if (group.loops.size() > 1)
        join(group.loops);
      group = Group();
    };
    for (Operation &op : llvm::make_early_inc_range(block)) {
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        std::optional<Candidate> c = asCandidate(loop);
        if (!c) {
          flush();
          continue;
        }
        SetVector<Value> arguments = kernelArguments(loop);
        if (group.loops.size() == static_cast<size_t>(maxLoops) ||
            !independentOfGroup(*c, group.loops) ||
            !argumentsFit(arguments, group))
          flush();
        group.add(std::move(*c), arguments);
        continue;
      }
      if (!mayPass(op, group.loops))
        flush();
    }
    flush();
  }

private:
  llvm::function_ref<bool(Value, Value)> mayAlias;
  int64_t maxLoops;

  /// Whether no loop of `group` reads or writes what `c` writes, nor writes
  /// what `c` reads: then the loops may run in any order, or at once.
  bool independentOfGroup(const Candidate &c, ArrayRef<Candidate> group) {
    for (const Candidate &g : group)
      for (const Use &a : g.uses)
        for (const Use &b : c.uses)
          if ((a.write || b.write) && mayAlias(a.memref, b.memref))
            return false;
    return true;
  }

  /// Whether the kernel of `group` and a loop taking `arguments` joined
  /// takes at most kMaxArgumentBytes of arguments.
  bool argumentsFit(const SetVector<Value> &arguments, const Group &group) {
    return group.argumentBytes + group.newArgumentBytes(arguments) <=
           kMaxArgumentBytes;
  }

  /// Whether the group's loops may move down past `op` to the last loop's
  /// place: `op` has no effects and no regions, allocates (the loops before
  /// it cannot use the buffer), or frees a buffer none of them uses.
  bool mayPass(Operation &op, ArrayRef<Candidate> group) {
    if (op.getNumRegions() != 0)
      return false;
    if (isMemoryEffectFree(&op) || isa<memref::AllocOp>(op))
      return true;
    auto dealloc = dyn_cast<memref::DeallocOp>(op);
    if (!dealloc)
      return false;
    for (const Candidate &g : group)
      for (const Use &u : g.uses)
        if (mayAlias(u.memref, dealloc.getMemref()))
          return false;
    return true;
  }

  /// One loop over the group's iterations, at the last loop's place:
  /// iteration g runs loop i at g - offset_i when that is below loop i's
  /// count (an unsigned compare: below the offset it wraps around). Each
  /// loop starts at a multiple of 32 iterations, so that every warp of the
  /// kernel runs one loop's body and a loop's first element is where a warp
  /// starts; the offsets are counted in warps (folded where the counts are
  /// constants) and multiplied by 32 in the body, where the kernel sees
  /// that they are multiples of 32 (LaneStrides.h).
  void join(MutableArrayRef<Candidate> group) {
    scf::ParallelOp last = group.back().loop;
    SmallVector<Location> locs;
    for (Candidate &c : group)
      locs.push_back(c.loop.getLoc());
    MLIRContext *context = last.getContext();
    Location loc =
        FusedLoc::get(locs, StringAttr::get(context, kJoinedLoopsTag), context);
    OpBuilder b(last);
    Arith a{b, loc};
    SmallVector<Value> counts, offsetWarps;
    Value warps = a.c(0), warp = a.c(kWarpSize);
    for (Candidate &c : group) {
      Value count = a.c(1);
      for (Value ub : c.loop.getUpperBound())
        count = b.createOrFold<arith::MulIOp>(loc, count, ub);
      offsetWarps.push_back(warps);
      counts.push_back(count);
      warps = b.createOrFold<arith::AddIOp>(
          loc, warps, b.createOrFold<arith::CeilDivUIOp>(loc, count, warp));
    }
    Value total = b.createOrFold<arith::AddIOp>(
        loc, b.createOrFold<arith::MulIOp>(loc, offsetWarps.back(), warp),
        counts.back());
    auto joined = scf::ParallelOp::create(
        b, loc, ValueRange{a.c(0)}, ValueRange{total}, ValueRange{a.c(1)});
    b.setInsertionPoint(joined.getBody()->getTerminator());
    Value g = joined.getInductionVars()[0];
    for (auto [c, offsetInWarps, count] :
         llvm::zip(group, offsetWarps, counts)) {
      scf::ParallelOp loop = c.loop;
      Location l = loop.getLoc();
      Arith la{b, l};
      Value local = la.sub(g, la.mul(offsetInWarps, la.c(kWarpSize)));
      auto mine = scf::IfOp::create(b, l, la.lt(local, count), false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(mine.thenBlock()->getTerminator());
      // Row-major: the last induction variable varies fastest, as
      // tvq-parallel-loops-to-gpu would have numbered the threads.
      IRMapping map;
      ValueRange ubs = loop.getUpperBound();
      Value rest = local;
      for (int d = ubs.size() - 1; d >= 0; --d) {
        Value iv = d == 0 ? rest : la.rem(rest, ubs[d]);
        if (d != 0)
          rest = la.div(rest, ubs[d]);
        map.map(loop.getInductionVars()[d], iv);
      }
      for (Operation &op : loop.getBody()->without_terminator())
        b.clone(op, map);
    }
    for (Candidate &c : group)
      c.loop.erase();
  }
};

struct JoinIndependentLoopsPass
    : public tvq::impl::TVQJoinIndependentLoopsBase<JoinIndependentLoopsPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxLoops < 2) {
      getOperation().emitError("tvq-join-independent-loops: max-loops must "
                               "be at least 2, got ")
          << static_cast<int64_t>(maxLoops);
      return signalPassFailure();
    }
    AliasAnalysis &aliases = getAnalysis<AliasAnalysis>();
    auto mayAlias = [&](Value a, Value b) {
      return tvq::buffersMayOverlap(aliases, a, b);
    };
    Joiner joiner(mayAlias, maxLoops);
    // Blocks outside parallel loops only: loops inside one do not launch.
    for (Block *block : tvq::collectHostBlocks(getOperation()))
      joiner.run(*block);
  }
};

} // namespace
