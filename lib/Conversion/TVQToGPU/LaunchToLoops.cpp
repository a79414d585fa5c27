//===- LaunchToLoops.cpp - gpu.launch back to CPU loops (simulation) ------===//
//
// `tvq-gpu-launch-to-loops` turns each `gpu.launch` into an `scf.parallel`
// over (block x, thread x) that runs the launch body once per GPU thread, on
// the CPU. `tvq-compile --target=cuda-sim` uses it to check the CUDA
// pipeline's mapping (flat launches, index delinearization, bounds guards,
// one-thread launches, what stays on the host) numerically against the CPU
// pipeline on machines without a GPU. Launches are 1-D. A flat launch runs
// its last block and thread first (a GPU runs them in no order; in order, a
// launch that relies on its first threads running first would go unseen).
// A launch with barriers, warp shuffles or attributions
// (tvq-tile-matrix-products' tiles, tvq-row-kernels' blocks) runs block by
// block: the block's shared buffers are allocated once, each thread's
// private buffer is a row of one buffer per block, the stretches between
// barriers and shuffles run as loops over the threads, and an `scf.for` that
// contains barriers or shuffles runs once per block around them (its bounds
// must not depend on the thread). A
// `gpu.shuffle` is a loop over the threads of its own that reads each
// thread's source lane (whole warps of 32; out of the `width` lanes, the
// thread's own value). A value that crosses from one stretch to a later one
// is recomputed there when it is free of side effects, else kept per thread
// in a buffer of one element per thread (a thread's registers on the GPU).
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

/// Whether `op` is or holds an operation where the block's threads meet: a
/// barrier, or a warp shuffle (which reads other threads' values).
bool containsCollective(Operation *op) {
  return op
      ->walk([](Operation *inner) {
        return isa<gpu::BarrierOp, gpu::ShuffleOp>(inner)
                   ? WalkResult::interrupt()
                   : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Whether a later stretch may compute `op` again instead of reading a
/// thread's copy of its results.
bool isRecomputable(Operation *op) {
  return op->getNumRegions() == 0 && isMemoryEffectFree(op) &&
         !isa<gpu::ShuffleOp>(op);
}

/// Runs the body of a launch with barriers, shuffles or attributions for one
/// block (see the file comment).
class BlockRunner {
public:
  BlockRunner(OpBuilder &b, gpu::LaunchOp launch, Value threads,
              int64_t threadCount)
      : b(b), launch(launch), threads(threads), threadCount(threadCount),
        bufferBlock(b.getInsertionBlock()) {}

  /// Private attribution → its buffer of one row per thread.
  SmallVector<std::pair<Value, Value>> privates;
  /// The buffers made for values that cross stretches.
  SmallVector<Value> spillBuffers;

  /// Runs `block`'s operations: stretches without barriers or shuffles as
  /// loops over the threads, shuffles as loops of their own, loops with
  /// barriers or shuffles once around them. `map` holds what the whole block
  /// knows: ids other than thread x, sizes, shared buffers, the induction
  /// variables of the loops around.
  LogicalResult run(Block &block, const IRMapping &map) {
    SmallVector<Operation *> stretch;
    for (Operation &op : block.without_terminator()) {
      if (!containsCollective(&op)) {
        stretch.push_back(&op);
        continue;
      }
      if (failed(runStretch(stretch, map)))
        return failure();
      stretch.clear();
      if (isa<gpu::BarrierOp>(op))
        continue;
      if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
        if (failed(runShuffle(shuffle, map)))
          return failure();
        continue;
      }
      if (failed(runLoop(op, map)))
        return failure();
    }
    return runStretch(stretch, map);
  }

private:
  OpBuilder &b;
  gpu::LaunchOp launch;
  Value threads;
  int64_t threadCount;
  /// Where per-thread buffers are made (at its start): the block's body.
  Block *bufferBlock;
  /// A value that crosses stretches → its buffer of one element per thread.
  DenseMap<Value, Value> spills;

  /// An `scf.for` holding barriers or shuffles, run once for the whole
  /// block.
  LogicalResult runLoop(Operation &op, const IRMapping &map) {
    auto loop = dyn_cast<scf::ForOp>(op);
    if (!loop || loop.getNumResults() != 0)
      return op.emitOpError(
          "holds a barrier or a shuffle: not simulated (only scf.for without "
          "results may hold them)");
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
  /// outside the launch, the thread's copy when it crossed from an earlier
  /// stretch, else its side-effect-free definition recomputed.
  FailureOr<Value> materialize(Value v, IRMapping &map, Operation *user) {
    if (Value known = map.lookupOrNull(v))
      return known;
    if (!launch.getBody().isAncestor(v.getParentRegion()))
      return v;
    Value thread = map.lookupOrNull(launch.getThreadIds().x);
    if (Value buffer = spills.lookup(v); buffer && thread) {
      Value copy = memref::LoadOp::create(b, v.getLoc(), buffer, thread);
      map.map(v, copy);
      return copy;
    }
    Operation *def = v.getDefiningOp();
    if (!def || !isRecomputable(def) || spills.contains(v))
      return user->emitOpError(
          "uses a thread's own value where all threads run together: not "
          "simulated");
    for (Value operand : def->getOperands())
      if (failed(materialize(operand, map, user)))
        return failure();
    return b.clone(*def, map)->getResult(cast<OpResult>(v).getResultNumber());
  }

  /// Whether a stretch after `stretch` (in `block`) reads `v`, directly or
  /// through an operation it recomputes.
  bool usedLater(Value v, Block &block,
                 const SmallPtrSetImpl<Operation *> &stretch,
                 DenseMap<Value, bool> &memo) {
    auto [it, inserted] = memo.try_emplace(v, false);
    if (!inserted)
      return it->second;
    bool later = false;
    for (Operation *user : v.getUsers()) {
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top || !stretch.contains(top))
        later = true;
      else if (top == user && isRecomputable(user))
        later = llvm::any_of(user->getResults(), [&](Value r) {
          return usedLater(r, block, stretch, memo);
        });
      if (later)
        break;
    }
    memo[v] = later;
    return later;
  }

  /// The buffer of one `v` per thread, made at the block's start.
  Value spillBuffer(Value v) {
    Value &buffer = spills[v];
    if (!buffer) {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(bufferBlock);
      buffer = memref::AllocOp::create(
          b, v.getLoc(), MemRefType::get({threadCount}, v.getType()));
      spillBuffers.push_back(buffer);
    }
    return buffer;
  }

  /// A loop over the threads with `ids` mapped, the private rows too.
  scf::ForOp threadLoop(Location loc, const IRMapping &map, IRMapping &inner) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    auto loop = scf::ForOp::create(b, loc, zero, threads, one);
    b.setInsertionPoint(loop.getBody()->getTerminator());
    inner = map;
    Value thread = loop.getInductionVar();
    inner.map(launch.getThreadIds().x, thread);
    for (auto [attribution, rows] : privates)
      inner.map(attribution, threadRow(rows, thread, loc));
    return loop;
  }

  /// Stores `copy`, `original`'s value on `thread`, where later stretches
  /// read it (when they do).
  void keep(Value original, Value copy, Value thread, Block &block,
            const SmallPtrSetImpl<Operation *> &stretch,
            DenseMap<Value, bool> &memo) {
    if (isRecomputable(original.getDefiningOp()) ||
        !usedLater(original, block, stretch, memo))
      return;
    memref::StoreOp::create(b, original.getLoc(), copy, spillBuffer(original),
                            thread);
  }

  /// One loop over the threads running `ops`.
  LogicalResult runStretch(ArrayRef<Operation *> ops, const IRMapping &map) {
    if (ops.empty())
      return success();
    OpBuilder::InsertionGuard guard(b);
    IRMapping inner;
    scf::ForOp loop = threadLoop(ops.front()->getLoc(), map, inner);
    Block &block = *ops.front()->getBlock();
    SmallPtrSet<Operation *, 16> stretch(ops.begin(), ops.end());
    DenseMap<Value, bool> memo;
    for (Operation *op : ops) {
      SetVector<Value> used;
      getUsedValuesDefinedAbove(op->getRegions(), used);
      used.insert(op->operand_begin(), op->operand_end());
      for (Value v : used)
        if (failed(materialize(v, inner, op)))
          return failure();
      Operation *copy = b.clone(*op, inner);
      for (auto [original, value] :
           llvm::zip(op->getResults(), copy->getResults()))
        keep(original, value, loop.getInductionVar(), block, stretch, memo);
    }
    return success();
  }

  /// A warp shuffle as a loop over the threads: each reads the value of its
  /// source lane in its warp of 32, or its own when the source is outside
  /// the `width` lanes (then `valid` is false).
  LogicalResult runShuffle(gpu::ShuffleOp shuffle, const IRMapping &map) {
    if (threadCount % 32 != 0)
      return shuffle.emitOpError("in a block of ")
             << threadCount << " threads (not whole warps of 32) is not "
             << "simulated";
    Location loc = shuffle.getLoc();
    OpBuilder::InsertionGuard guard(b);
    IRMapping inner;
    scf::ForOp loop = threadLoop(loc, map, inner);
    Value thread = loop.getInductionVar();
    FailureOr<Value> offset = materialize(shuffle.getOffset(), inner, shuffle);
    FailureOr<Value> width = materialize(shuffle.getWidth(), inner, shuffle);
    if (failed(offset) || failed(width))
      return failure();
    auto index = [&](Value i32) {
      return arith::IndexCastOp::create(b, loc, b.getIndexType(), i32);
    };
    Value by = index(*offset), lanes = index(*width);
    Value warpSize = arith::ConstantIndexOp::create(b, loc, 32);
    Value lane = arith::RemUIOp::create(b, loc, thread, warpSize);
    Value warpStart = arith::SubIOp::create(b, loc, thread, lane);
    Value source;
    switch (shuffle.getMode()) {
    case gpu::ShuffleMode::XOR:
      source = arith::XOrIOp::create(b, loc, lane, by);
      break;
    case gpu::ShuffleMode::DOWN:
      source = arith::AddIOp::create(b, loc, lane, by);
      break;
    case gpu::ShuffleMode::UP:
      source = arith::SubIOp::create(b, loc, lane, by);
      break;
    case gpu::ShuffleMode::IDX:
      source = by;
      break;
    }
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value valid = arith::AndIOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, source, zero),
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, source,
                              lanes));
    Value sourceThread = arith::SelectOp::create(
        b, loc, valid, arith::AddIOp::create(b, loc, warpStart, source),
        thread);
    IRMapping fromSource = inner;
    fromSource.map(launch.getThreadIds().x, sourceThread);
    FailureOr<Value> value =
        materialize(shuffle.getValue(), fromSource, shuffle);
    if (failed(value))
      return failure();
    for (auto [result, copy] :
         llvm::zip(shuffle->getResults(), ValueRange{*value, valid}))
      if (!result.use_empty())
        memref::StoreOp::create(b, loc, copy, spillBuffer(result), thread);
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

/// A launch with barriers, shuffles or attributions: an scf.parallel over the
/// blocks whose body allocates the block's buffers and runs the threads in
/// stretches between barriers.
LogicalResult convertBlockwise(gpu::LaunchOp launch, Value zero, Value one) {
  gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
  gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
  auto threadCount = block.x.getDefiningOp<arith::ConstantIndexOp>();
  if (!threadCount)
    return launch.emitOpError("with barriers, shuffles or attributions and a "
                              "dynamic block size is not simulated");
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

  BlockRunner runner(b, launch, block.x, threadCount.value());
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
  llvm::append_range(buffers, runner.spillBuffers);
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
      launch.getNumPrivateAttributions() || containsCollective(launch))
    return convertBlockwise(launch, zero, one);
  auto loop = scf::ParallelOp::create(b, loc, ValueRange{zero, zero},
                                      ValueRange{grid.x, block.x},
                                      ValueRange{one, one});
  b.setInsertionPoint(loop.getBody()->getTerminator());
  // Last block and thread first: a GPU runs them in no order, and the CPU
  // runs the loop in order (or in order within each OpenMP chunk), so that
  // a launch relying on its first threads running first (a store that a
  // later thread's load expects) computes something else here.
  auto reversed = [&](Value id, Value count) {
    return arith::SubIOp::create(b, loc,
                                 arith::SubIOp::create(b, loc, count, one), id);
  };
  IRMapping map =
      launchMapping(launch, reversed(loop.getInductionVars()[0], grid.x),
                    reversed(loop.getInductionVars()[1], block.x), zero, one);
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
