//===- LaunchToLoops.cpp - gpu.launch back to CPU loops (simulation) ------===//
//
// `tvq-gpu-launch-to-loops` turns each `gpu.launch` into an `scf.parallel`
// over (block x, thread x) that runs the launch body once per GPU thread, on
// the CPU. `tvq-compile --target=cuda-sim` uses it to check the CUDA
// pipeline's mapping (flat launches, index delinearization, bounds guards,
// one-thread launches, what stays on the host) numerically against the CPU
// pipeline on machines without a GPU. Launches are 1-D. A launch with
// barriers or attributions (tvq-tile-matrix-products' tiles) runs block by
// block: the block's shared buffers are allocated once, each thread's
// private buffer is a row of one buffer per block, the stretches between
// barriers run as loops over the threads, and an `scf.for` that contains
// barriers runs once per block around them (its bounds must not depend on
// the thread). Values that cross a barrier must be recomputable (free of
// side effects); a thread's other state crosses barriers only through its
// private buffers.
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/RegionUtils.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQGPULAUNCHTOLOOPS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// The launch's ids and sizes on the CPU: block x is `block`, thread x
/// `thread` (when given; BlockRunner maps it per stretch), y and z ids 0,
/// the x sizes the launch operands, the y and z sizes 1.
IRMapping launchMapping(gpu::LaunchOp launch, Value block, Value thread,
                        Value zero, Value one) {
  IRMapping map;
  gpu::KernelDim3 blockIds = launch.getBlockIds();
  gpu::KernelDim3 threadIds = launch.getThreadIds();
  gpu::KernelDim3 gridSize = launch.getGridSize();
  gpu::KernelDim3 blockSize = launch.getBlockSize();
  map.map(blockIds.x, block);
  if (thread)
    map.map(threadIds.x, thread);
  for (Value id : {blockIds.y, blockIds.z, threadIds.y, threadIds.z})
    map.map(id, zero);
  map.map(gridSize.x, launch.getGridSizeX());
  map.map(blockSize.x, launch.getBlockSizeX());
  for (Value size : {gridSize.y, gridSize.z, blockSize.y, blockSize.z})
    map.map(size, one);
  return map;
}

bool containsBarrier(Operation *op) {
  return op->walk([](gpu::BarrierOp) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// Runs the body of a launch with barriers or attributions for one block
/// (see the file comment).
class BlockRunner {
public:
  BlockRunner(OpBuilder &b, gpu::LaunchOp launch, Value threads)
      : b(b), launch(launch), threads(threads) {}

  /// Private attribution → its buffer of one row per thread.
  SmallVector<std::pair<Value, Value>> privates;

  /// Runs `block`'s operations: stretches without barriers as loops over
  /// the threads, loops with barriers once around them. `map` holds what
  /// the whole block knows: ids other than thread x, sizes, shared
  /// buffers, the induction variables of the loops around.
  LogicalResult run(Block &block, const IRMapping &map) {
    SmallVector<Operation *> stretch;
    for (Operation &op : block.without_terminator()) {
      if (!containsBarrier(&op)) {
        stretch.push_back(&op);
        continue;
      }
      if (failed(runStretch(stretch, map)))
        return failure();
      stretch.clear();
      if (isa<gpu::BarrierOp>(op))
        continue;
      if (failed(runLoop(op, map)))
        return failure();
    }
    return runStretch(stretch, map);
  }

private:
  OpBuilder &b;
  gpu::LaunchOp launch;
  Value threads;

  /// An `scf.for` holding barriers, run once for the whole block.
  LogicalResult runLoop(Operation &op, const IRMapping &map) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop || loop.getNumResults() != 0)
      return op.emitOpError("holds a barrier: not simulated (only scf.for "
                            "without results may hold barriers)");
    IRMapping inner = map;
    SmallVector<Value> bounds;
    for (Value v : loop->getOperands()) {
      FailureOr<Value> uniform = materialize(v, inner, &op);
      if (failed(uniform))
        return failure();
      bounds.push_back(*uniform);
    }
    auto outer =
        scf::ForOp::create(b, loop.getLoc(), bounds[0], bounds[1], bounds[2]);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(outer.getBody()->getTerminator());
    inner.map(loop.getInductionVar(), outer.getInductionVar());
    return run(*loop.getBody(), inner);
  }

  /// `v` at the builder's position: `map`'s value, `v` itself when defined
  /// outside the launch, else its side-effect-free definition recomputed.
  FailureOr<Value> materialize(Value v, IRMapping &map, Operation *user) {
    if (Value known = map.lookupOrNull(v))
      return known;
    if (!launch.getBody().isAncestor(v.getParentRegion()))
      return v;
    Operation *def = v.getDefiningOp();
    if (!def || def->getNumRegions() != 0 || !isMemoryEffectFree(def))
      return user->emitOpError(
          "uses a value that crosses a barrier, or the thread id where all "
          "threads run together: not simulated");
    for (Value operand : def->getOperands())
      if (failed(materialize(operand, map, user)))
        return failure();
    return b.clone(*def, map)->getResult(cast<OpResult>(v).getResultNumber());
  }

  /// One loop over the threads running `ops`.
  LogicalResult runStretch(ArrayRef<Operation *> ops, const IRMapping &map) {
    if (ops.empty())
      return success();
    Location loc = ops.front()->getLoc();
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(b, loc, zero, threads, one);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    IRMapping inner = map;
    Value thread = loop.getInductionVar();
    inner.map(launch.getThreadIds().x, thread);
    for (auto [attribution, rows] : privates)
      inner.map(attribution, threadRow(rows, thread, loc));
    for (Operation *op : ops) {
      SetVector<Value> used;
      getUsedValuesDefinedAbove(op->getRegions(), used);
      used.insert(op->operand_begin(), op->operand_end());
      for (Value v : used)
        if (failed(materialize(v, inner, op)))
          return failure();
      b.clone(*op, inner);
    }
    return success();
  }

  /// Row `thread` of `rows`, rank-reduced to the attribution's shape.
  Value threadRow(Value rows, Value thread, Location loc) {
    auto type = cast<MemRefType>(rows.getType());
    int64_t rank = type.getRank();
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
    offsets[0] = thread;
    SmallVector<OpFoldResult> sizes = {b.getIndexAttr(1)};
    for (int64_t d : type.getShape().drop_front())
      sizes.push_back(b.getIndexAttr(d));
    SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
    auto rowType = memref::SubViewOp::inferRankReducedResultType(
        type.getShape().drop_front(), type, offsets, sizes, strides);
    return memref::SubViewOp::create(b, loc, rowType, rows, offsets, sizes,
                                     strides);
  }
};

/// `type`'s shape (after `rows` rows when given) and element type, in the
/// host's memory.
MemRefType hostBuffer(Type type, std::optional<int64_t> rows = std::nullopt) {
  auto memref = cast<MemRefType>(type);
  SmallVector<int64_t> shape;
  if (rows)
    shape.push_back(*rows);
  llvm::append_range(shape, memref.getShape());
  return MemRefType::get(shape, memref.getElementType());
}

/// A launch with barriers or attributions: an scf.parallel over the blocks
/// whose body allocates the block's buffers and runs the threads in
/// stretches between barriers.
LogicalResult convertBlockwise(gpu::LaunchOp launch, Value zero, Value one) {
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  auto threadCount = block.x.getDefiningOp<arith::ConstantIndexOp>();
  if (!threadCount)
    return launch.emitOpError("with barriers or attributions and a dynamic "
                              "block size is not simulated");
  auto attributions = llvm::concat<const BlockArgument>(
      launch.getWorkgroupAttributions(), launch.getPrivateAttributions());
  for (Value attribution : attributions)
    if (!cast<MemRefType>(attribution.getType()).hasStaticShape())
      return launch.emitOpError("with a dynamically shaped attribution is "
                                "not simulated");
  OpBuilder b(launch);
  Location loc = launch.getLoc();
  auto blocks = scf::ParallelOp::create(b, loc, ValueRange{zero},
                                        ValueRange{grid.x}, ValueRange{one});
  b.setInsertionPoint(blocks.getBody()->getTerminator());
  IRMapping map =
      launchMapping(launch, blocks.getInductionVars()[0], nullptr, zero, one);

  BlockRunner runner(b, launch, block.x);
  SmallVector<Value> buffers;
  for (Value attribution : launch.getWorkgroupAttributions()) {
    buffers.push_back(
        memref::AllocOp::create(b, loc, hostBuffer(attribution.getType())));
    map.map(attribution, buffers.back());
  }
  for (Value attribution : launch.getPrivateAttributions()) {
    buffers.push_back(memref::AllocOp::create(
        b, loc, hostBuffer(attribution.getType(), threadCount.value())));
    runner.privates.push_back({attribution, buffers.back()});
  }
  if (failed(runner.run(launch.getBody().front(), map)))
    return failure();
  for (Value buffer : buffers)
    memref::DeallocOp::create(b, loc, buffer);
  launch.erase();
  return success();
}

LogicalResult convertLaunch(gpu::LaunchOp launch) {
  if (launch.getAsyncToken() || launch.getDynamicSharedMemorySize() ||
      launch.getClusterSizeX())
    return launch.emitOpError("with async tokens, dynamic shared memory or "
                              "clusters is not simulated");
  Block &body = launch.getBody().front();
  WalkResult nested =
      body.walk([](gpu::LaunchOp) { return WalkResult::interrupt(); });
  if (nested.wasInterrupted())
    return launch.emitOpError("with nested launches is not simulated");

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
  if (launch.getNumWorkgroupAttributions() ||
      launch.getNumPrivateAttributions() || containsBarrier(launch))
    return convertBlockwise(launch, zero, one);
  auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero, zero},
                                      ValueRange{grid.x, block.x},
                                      ValueRange{one, one});
  IRMapping map = launchMapping(launch, loop.getInductionVars()[0],
                                loop.getInductionVars()[1], zero, one);
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
