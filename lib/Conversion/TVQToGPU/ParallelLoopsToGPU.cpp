//===- ParallelLoopsToGPU.cpp - scf.parallel nests to 1-D gpu.launch ------===//
//
// `tvq-parallel-loops-to-gpu`: every outermost `scf.parallel` of a host
// function becomes one `gpu.launch` whose threads cover the loop's whole
// iteration space, flattened: thread `g = block_id.x * B + thread_id.x`
// delinearizes into the loop's indices and runs one iteration. Loop nests
// left on the host that only read and write memory (the sequential loops of
// a reduction to a scalar) become a one-thread launch, so that their data
// never moves back to the host.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQPARALLELLOOPSTOGPU
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Wraps `body(builder, linearId)` into a launch of `total` threads in blocks
/// of `blockSize`; threads past `total` do nothing. A launch of zero threads
/// is skipped (CUDA rejects an empty grid).
void buildFlatLaunch(
    OpBuilder &b, Location loc, Value total, int64_t blockSize,
    llvm::function_ref<void(OpBuilder &, Location, Value)> body) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value bsize = arith::ConstantIndexOp::create(b, loc, blockSize);
  Value nonEmpty =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, total, zero);
  auto guard = scf::IfOp::create(b, loc, nonEmpty, /*withElseRegion=*/false);
  OpBuilder::InsertionGuard insertion(b);
  b.setInsertionPointToStart(guard.thenBlock());
  Value blocks = arith::CeilDivSIOp::create(b, loc, total, bsize);
  auto launch =
      gpu::LaunchOp::create(b, loc, blocks, one, one, bsize, one, one);
  b.setInsertionPointToEnd(&launch.getBody().front());
  Value id = arith::AddIOp::create(
      b, loc, arith::MulIOp::create(b, loc, launch.getBlockIds().x, bsize),
      launch.getThreadIds().x);
  Value inRange =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, id, total);
  auto inside = scf::IfOp::create(b, loc, inRange, false);
  gpu::TerminatorOp::create(b, loc);
  b.setInsertionPointToStart(inside.thenBlock());
  body(b, loc, id);
}

/// Whether a load or store in `op` reaches a buffer on the host's stack.
bool touchesHostStack(Operation *op) {
  return op
      ->walk([](Operation *inner) {
        Value memref;
        if (auto load = dyn_cast<memref::LoadOp>(inner))
          memref = load.getMemRef();
        else if (auto store = dyn_cast<memref::StoreOp>(inner))
          memref = store.getMemRef();
        return memref && tvq::isOnHostStack(memref) ? WalkResult::interrupt()
                                                    : WalkResult::advance();
      })
      .wasInterrupted();
}

/// `scf.parallel` (no reductions) → a flat launch, one thread per iteration.
LogicalResult convertParallel(scf::ParallelOp loop, int64_t blockSize) {
  if (!loop.getInitVals().empty())
    return loop.emitOpError("with reductions is not mapped to the GPU");
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  // Trip counts, outermost first, and their product; folded where static,
  // so that the kernel sees them as constants
  // (tvq-sink-constants-into-launches).
  SmallVector<Value> trips;
  Value total = arith::ConstantIndexOp::create(b, loc, 1);
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = b.createOrFold<arith::SubIOp>(loc, ub, lb);
    Value n = b.createOrFold<arith::CeilDivSIOp>(loc, span, step);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    n = b.createOrFold<arith::MaxSIOp>(loc, n, zero);
    trips.push_back(n);
    total = b.createOrFold<arith::MulIOp>(loc, total, n);
  }
  buildFlatLaunch(b, loc, total, blockSize,
                  [&](OpBuilder &ib, Location l, Value id) {
                    // The launch runs ids below `total`, so what is left for
                    // the outermost loop is below its trip count already:
                    // no remainder (nor a division) for it.
                    IRMapping map;
                    Value rest = id;
                    for (int k = trips.size() - 1; k >= 0; --k) {
                      Value idx = rest;
                      if (k != 0) {
                        idx = arith::RemSIOp::create(ib, l, rest, trips[k]);
                        rest = arith::DivSIOp::create(ib, l, rest, trips[k]);
                      }
                      Value iv = arith::AddIOp::create(
                          ib, l, loop.getLowerBound()[k],
                          arith::MulIOp::create(ib, l, idx, loop.getStep()[k]));
                      map.map(loop.getInductionVars()[k], iv);
                    }
                    for (Operation &op : loop.getBody()->without_terminator())
                      ib.clone(op, map);
                  });
  loop.erase();
  return success();
}

/// A host loop nest that touches memory and could run on one GPU thread: no
/// results, no allocation, no call, no parallel loop or launch inside.
bool isSerialMemoryLoop(scf::ForOp loop) {
  if (loop.getNumResults() != 0)
    return false;
  bool touchesMemory = false, movable = !touchesHostStack(loop);
  loop.walk([&](Operation *op) {
    if (isa<memref::LoadOp, memref::StoreOp>(op))
      touchesMemory = true;
    if (isa<scf::ParallelOp, gpu::LaunchOp, memref::AllocOp, memref::AllocaOp,
            memref::DeallocOp, memref::CopyOp, CallOpInterface>(op))
      movable = false;
  });
  return touchesMemory && movable;
}

void wrapInOneThread(scf::ForOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  buildFlatLaunch(b, loc, one, 1, [&](OpBuilder &ib, Location, Value) {
    ib.clone(*loop.getOperation());
  });
  loop.erase();
}

struct ParallelLoopsToGPUPass
    : public tvq::impl::TVQParallelLoopsToGPUBase<ParallelLoopsToGPUPass> {
  using Base::Base;
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    // Private functions (the deallocation pipeline's `dealloc_helper`) work
    // on host arrays; the entry points' buffers are in device memory.
    if (func.isPrivate())
      return;
    SmallVector<scf::ParallelOp> loops;
    func.walk([&](scf::ParallelOp loop) {
      if (tvq::isOnHost(loop) && !touchesHostStack(loop))
        loops.push_back(loop);
    });
    for (scf::ParallelOp loop : loops)
      if (failed(convertParallel(loop, blockSize)))
        return signalPassFailure();
    SmallVector<scf::ForOp> serial;
    func.walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
      if (loop->getParentOfType<gpu::LaunchOp>())
        return WalkResult::skip();
      if (isSerialMemoryLoop(loop)) {
        serial.push_back(loop);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });
    for (scf::ForOp loop : serial)
      wrapInOneThread(loop);
  }
};

} // namespace
