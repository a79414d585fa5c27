//===- AsyncLaunches.cpp - kernel launches without a wait after each -----===//
//
// Each host function that launches kernels gets one stream token at its
// entry (`gpu.wait async`), and every `gpu.launch_func` in it becomes
// `gpu.launch_func async [token]`: the launches queue on one stream in
// program order and the host no longer synchronizes after each. Where host
// code itself reads or writes a buffer that kernels or GEMM calls use (the
// scalar arithmetic that stays on the host), a call of `_tvq_cuda_wait`
// first waits for the device. docs/abi.md, "Streams and waits".
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/DenseSet.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQASYNCLAUNCHES
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

constexpr StringLiteral kWaitFunction = "_tvq_cuda_wait";

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

/// The buffer that `value` views, through view-like ops (subview, casts,
/// reshapes, extract_strided_metadata).
Value rootBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// The buffers of `func` that the device may read or write while the host
/// goes on: kernel operands, buffers passed to functions that launch
/// kernels (`launching`), and the operands of calls that take buffers as
/// pointers (the GEMM calls of tvq-contractions-to-library). The
/// deallocation pipeline's ownership lists also hold pointers, as data
/// stored by the host, and are not among them.
llvm::DenseSet<Value>
deviceBuffers(func::FuncOp func, const llvm::DenseSet<StringRef> &launching) {
  llvm::DenseSet<Value> buffers;
  func.walk([&](Operation *op) {
    if (auto launch = dyn_cast<gpu::LaunchFuncOp>(op)) {
      for (Value operand : launch.getKernelOperands())
        if (isa<MemRefType>(operand.getType()))
          buffers.insert(rootBuffer(operand));
      return;
    }
    if (auto call = dyn_cast<func::CallOp>(op)) {
      if (launching.contains(call.getCallee()))
        for (Value operand : call.getOperands())
          if (isa<MemRefType>(operand.getType()))
            buffers.insert(rootBuffer(operand));
      return;
    }
    if (auto pointer = dyn_cast<memref::ExtractAlignedPointerAsIndexOp>(op))
      if (llvm::any_of(pointer->getUsers(),
                       [](Operation *user) { return isa<func::CallOp>(user); }))
        buffers.insert(rootBuffer(pointer.getSource()));
  });
  return buffers;
}

/// Whether `op` reads or writes one of `buffers` on the host.
bool touches(Operation *op, const llvm::DenseSet<Value> &buffers) {
  auto memory = dyn_cast<MemoryEffectOpInterface>(op);
  if (!memory)
    return false;
  SmallVector<MemoryEffects::EffectInstance> effects;
  memory.getEffects(effects);
  return llvm::any_of(effects, [&](MemoryEffects::EffectInstance &effect) {
    Value value = effect.getValue();
    return value &&
           isa<MemoryEffects::Read, MemoryEffects::Write>(effect.getEffect()) &&
           buffers.contains(rootBuffer(value));
  });
}

/// Inserts a wait before each op of `block` (and of the blocks nested in it)
/// that touches `buffers`, unless one already came after the last launch
/// or call. Returns whether a wait was inserted.
bool insertWaits(Block &block, const llvm::DenseSet<Value> &buffers) {
  bool inserted = false, waited = false;
  for (Operation &op : llvm::make_early_inc_range(block)) {
    if (touches(&op, buffers) && !waited) {
      OpBuilder b(&op);
      func::CallOp::create(b, op.getLoc(), kWaitFunction, TypeRange{},
                           ValueRange{});
      inserted = waited = true;
    }
    if (isa<gpu::LaunchFuncOp, func::CallOp>(op) || op.getNumRegions() != 0)
      waited = false;
    for (Region &region : op.getRegions())
      for (Block &nested : region)
        inserted |= insertWaits(nested, buffers);
  }
  return inserted;
}

struct AsyncLaunchesPass
    : public tvq::impl::TVQAsyncLaunchesBase<AsyncLaunchesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    llvm::DenseSet<StringRef> launching;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.walk([](gpu::LaunchFuncOp) { return WalkResult::interrupt(); })
              .wasInterrupted())
        launching.insert(func.getSymName());
    bool needsWait = false;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
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
        continue;
      needsWait |=
          insertWaits(func.getBody().front(), deviceBuffers(func, launching));
      OpBuilder b = OpBuilder::atBlockBegin(&func.getBody().front());
      Value stream =
          gpu::WaitOp::create(b, func.getLoc(),
                              b.getType<gpu::AsyncTokenType>(), ValueRange{})
              .getAsyncToken();
      for (gpu::LaunchFuncOp launch : launches)
        makeAsync(launch, stream);
    }
    if (needsWait && !module.lookupSymbol(kWaitFunction)) {
      OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
      auto wait = func::FuncOp::create(b, module.getLoc(), kWaitFunction,
                                       b.getFunctionType({}, {}));
      wait.setPrivate();
    }
  }
};

} // namespace
