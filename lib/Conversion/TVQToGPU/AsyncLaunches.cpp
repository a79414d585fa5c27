//===- AsyncLaunches.cpp - kernel launches without a wait after each -----===//
//
// Each host function that launches kernels gets one stream token at its
// entry (`gpu.wait async`), and every `gpu.launch_func` in it becomes
// `gpu.launch_func async [token]`: the launches queue on one stream in
// program order and the host no longer synchronizes after each. Where the
// runtime waits instead is in docs/abi.md ("Streams and waits").
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQASYNCLAUNCHES
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Replaces the synchronous `launch` by the same launch made async on
/// `stream`.
void makeAsync(gpu::LaunchFuncOp launch, Value stream) {
  OpBuilder b(launch);
  std::optional<gpu::KernelDim3> cluster;
  if (launch.hasClusterSize())
    cluster = launch.getClusterSizeOperandValues();
  gpu::LaunchFuncOp::create(
      b, launch.getLoc(), launch.getKernel(), launch.getGridSizeOperandValues(),
      launch.getBlockSizeOperandValues(), launch.getDynamicSharedMemorySize(),
      launch.getKernelOperands(), b.getType<gpu::AsyncTokenType>(),
      ValueRange{stream}, cluster);
  launch.erase();
}

struct AsyncLaunchesPass
    : public tvq::impl::TVQAsyncLaunchesBase<AsyncLaunchesPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    SmallVector<gpu::LaunchFuncOp> launches;
    WalkResult walk = func.walk([&](gpu::LaunchFuncOp launch) {
      if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty()) {
        launch.emitOpError("is already asynchronous; tvq-async-launches "
                           "expects the synchronous launches of "
                           "gpu-kernel-outlining");
        return WalkResult::interrupt();
      }
      launches.push_back(launch);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    if (launches.empty())
      return;
    OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
    Value stream =
        gpu::WaitOp::create(b, func.getLoc(), b.getType<gpu::AsyncTokenType>(),
                            ValueRange{})
            .getAsyncToken();
    for (gpu::LaunchFuncOp launch : launches)
      makeAsync(launch, stream);
  }
};

} // namespace
