//===- LaunchToLoops.cpp - gpu.launch back to CPU loops (simulation) ------===//
//
// `tvq-gpu-launch-to-loops` turns each `gpu.launch` into an `scf.parallel`
// over (block x, thread x) that runs the launch body once per GPU thread, on
// the CPU. `tvq-compile --target=cuda-sim` uses it to check the CUDA
// pipeline's mapping (flat launches, index delinearization, bounds guards,
// one-thread launches, what stays on the host) numerically against the CPU
// pipeline on machines without a GPU. Only what tvq-parallel-loops-to-gpu
// makes is supported: 1-D launches, no shared memory, no barriers.
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQGPULAUNCHTOLOOPS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

LogicalResult convertLaunch(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || launch.getNumWorkgroupAttributions() ||
      launch.getDynamicSharedMemorySize() || launch.getClusterSizeX())
    return launch.emitOpError(
        "with async tokens, shared memory or clusters is not simulated");
  Block &body = launch.getBody().front();
  WalkResult unsupported = body.walk([](Operation *op) {
    return isa<gpu::BarrierOp, gpu::LaunchOp>(op) ? WalkResult::interrupt()
                                                  : WalkResult::advance();
  });
  if (unsupported.wasInterrupted())
    return launch.emitOpError("with barriers or nested launches is not "
                              "simulated");

  OpBuilder b(launch);
  Location loc = launch.getLoc();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  // y and z must be 1: ids there are 0.
  for (Value v : {grid.y, grid.z, block.y, block.z}) {
    auto c = v.getDefiningOp<arith::ConstantIndexOp>();
    if (!c || c.value() != 1)
      return launch.emitOpError("with a y or z extent other than 1 is not "
                                "simulated");
  }
  auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero, zero},
                                      ValueRange{grid.x, block.x},
                                      ValueRange{one, one});
  IRMapping map;
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  gpu::KernelDim3 gridSize = launch.getGridSize();
  gpu::KernelDim3 blockSize = launch.getBlockSize();
  map.map(blockIds.x, loop.getInductionVars()[0]);
  map.map(threadIds.x, loop.getInductionVars()[1]);
  for (Value id : {blockIds.y, blockIds.z, threadIds.y, threadIds.z})
    map.map(id, zero);
  map.map(gridSize.x, grid.x);
  map.map(blockSize.x, block.x);
  for (Value size : {gridSize.y, gridSize.z, blockSize.y, blockSize.z})
    map.map(size, one);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  for (Operation &op : body.without_terminator())
    b.clone(op, map);
  launch.erase();
  return success();
}

struct LaunchToLoopsPass
    : public tvq::impl::TVQGPULaunchToLoopsBase<LaunchToLoopsPass> {
  void runOnOperation() override {
    SmallVector<gpu::LaunchOp> launches;
    getOperation().walk([&](gpu::LaunchOp op) { launches.push_back(op); });
    for (gpu::LaunchOp launch : launches)
      if (failed(convertLaunch(launch)))
        return signalPassFailure();
  }
};

} // namespace
