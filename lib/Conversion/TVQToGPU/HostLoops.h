//===- HostLoops.h - The host's parallel loops, which launch ----*- C++ -*-===//
//
// Shared by the passes that rewrite the outermost scf.parallel loops, each a
// kernel launch (tvq-fuse-parallel-loops, tvq-row-kernels,
// tvq-join-independent-loops): where they are, which buffers their bodies
// read and write, and which of those buffers may overlap; and by the passes
// that decide what leaves the host (tvq-parallel-loops-to-gpu,
// tvq-scalar-ops-to-kernels, tvq-promote-loop-accumulators): what is host
// code and which buffers are on the host's stack.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_CONVERSION_TVQTOGPU_HOSTLOOPS_H
#define TVQ_CONVERSION_TVQTOGPU_HOSTLOOPS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir {
class AliasAnalysis;
namespace tvq {

/// The metadata of the location that tvq-join-independent-loops gives a
/// loop it joined from others (a FusedLoc of theirs), which
/// tvq-merge-gpu-modules lists one by one in the kernels' sources.
constexpr llvm::StringLiteral kJoinedLoopsTag = "tvq.joined_loops";

/// Whether `a` and `b` are subviews of one buffer that cannot overlap: in
/// some dimension both have unit strides and static offsets, and the view
/// that starts first has a static size ending at or before the other's start
/// (the `[window ; block]` halves of one allocation). MLIR's alias analysis
/// does not look at subview offsets.
bool disjointSubViews(Value a, Value b);

/// Whether the buffers `a` and `b` may share an element: the one alias
/// question of the passes that rewrite the host's loops. `aliases` (MLIR's
/// analysis, may-alias counts) unless disjointSubViews says they are apart.
bool buffersMayOverlap(AliasAnalysis &aliases, Value a, Value b);

/// Whether `store` writes the element that `load` read: the same buffer value
/// at the same index values.
inline bool sameElement(memref::LoadOp load, memref::StoreOp store) {
  return load.getMemRef() == store.getMemRef() &&
         llvm::equal(load.getIndices(), store.getIndices());
}

/// Whether `op` is host code: no scf.parallel or gpu.launch encloses it.
inline bool isOnHost(Operation *op) {
  return !op->getParentOfType<scf::ParallelOp>() &&
         !op->getParentOfType<gpu::LaunchOp>();
}

/// Whether `memref` is (a view of) a buffer on the host's stack
/// (memref.alloca: the deallocation pipeline's ownership lists), which a
/// kernel cannot reach.
bool isOnHostStack(Value memref);

/// Every block under `root` that no scf.parallel or gpu.launch encloses.
inline SmallVector<Block *> collectHostBlocks(Operation *root) {
  SmallVector<Block *> blocks;
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<scf::ParallelOp, gpu::LaunchOp>(op))
      return WalkResult::skip();
    for (Region &region : op->getRegions())
      for (Block &block : region)
        blocks.push_back(&block);
    return WalkResult::advance();
  });
  return blocks;
}

/// Calls `visit(memref, indices, write)` for each load and store in `loop`'s
/// body (an scf.parallel's, an scf.for's) of a buffer defined outside the
/// loop; fails when `visit` returns
/// false or another op of the body has memory effects on a buffer from
/// outside (a call, a copy, an atomic).
inline LogicalResult forEachOutsideAccess(
    Operation *loop,
    llvm::function_ref<bool(Value, OperandRange, bool)> visit) {
  auto inside = [&](Value v) {
    return loop->isAncestor(v.getParentRegion()->getParentOp());
  };
  auto visitOp = [&](Operation *op) {
    auto access = [&](Value memref, OperandRange indices, bool write) {
      return inside(memref) || visit(memref, indices, write)
                 ? WalkResult::advance()
                 : WalkResult::interrupt();
    };
    if (auto load = dyn_cast<memref::LoadOp>(op))
      return access(load.getMemRef(), load.getIndices(), false);
    if (auto store = dyn_cast<memref::StoreOp>(op))
      return access(store.getMemRef(), store.getIndices(), true);
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance(); // its body's ops are visited too
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &e : instances)
      if (!e.getValue() || !inside(e.getValue()))
        return WalkResult::interrupt();
    return WalkResult::advance();
  };
  for (Region &region : loop->getRegions())
    if (region.walk(visitOp).wasInterrupted())
      return failure();
  return success();
}

} // namespace tvq
} // namespace mlir

#endif // TVQ_CONVERSION_TVQTOGPU_HOSTLOOPS_H
