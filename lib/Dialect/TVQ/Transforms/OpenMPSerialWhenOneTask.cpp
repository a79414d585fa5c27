//===- OpenMPSerialWhenOneTask.cpp - No thread team for one task ----------===//
//
// Adds `if(trip count >= 2)` to each omp.parallel whose body is one
// omp.wsloop, so that a region with a single task runs on the calling thread.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQOPENMPSERIALWHENONETASK
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// The loop nest of `parallel` when its region is exactly one omp.wsloop
/// (and the terminator), with bounds defined outside the region.
static omp::LoopNestOp soleLoopNest(omp::ParallelOp parallel) {
  Block &body = parallel.getRegion().front();
  if (body.getOperations().size() != 2)
    return nullptr;
  auto wsloop = dyn_cast<omp::WsloopOp>(body.front());
  if (!wsloop)
    return nullptr;
  auto nest = dyn_cast<omp::LoopNestOp>(wsloop.getWrappedLoop());
  if (!nest)
    return nullptr;
  for (Value v : nest->getOperands())
    if (parallel->isAncestor(v.getParentRegion()->getParentOp()))
      return nullptr;
  return nest;
}

struct TVQOpenMPSerialWhenOneTaskPass
    : tvq::impl::TVQOpenMPSerialWhenOneTaskBase<
          TVQOpenMPSerialWhenOneTaskPass> {
  void runOnOperation() override {
    getOperation().walk([](omp::ParallelOp parallel) {
      if (parallel.getIfExpr())
        return;
      omp::LoopNestOp nest = soleLoopNest(parallel);
      if (!nest || !nest.getLoopLowerBounds().front().getType().isIndex())
        return;
      OpBuilder b(parallel);
      Location loc = parallel.getLoc();
      Value trips = arith::ConstantIndexOp::create(b, loc, 1);
      for (auto [lb, ub, step] :
           llvm::zip(nest.getLoopLowerBounds(), nest.getLoopUpperBounds(),
                     nest.getLoopSteps())) {
        Value span = arith::SubIOp::create(b, loc, ub, lb);
        Value count = arith::CeilDivSIOp::create(b, loc, span, step);
        trips = arith::MulIOp::create(b, loc, trips, count);
      }
      Value two = arith::ConstantIndexOp::create(b, loc, 2);
      Value many =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, trips, two);
      parallel.getIfExprMutable().assign(many);
    });
  }
};

} // namespace
