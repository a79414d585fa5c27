//===- ScalarOpsToKernels.cpp - Scalar ops as one-thread launches ---------===//
//
// `tvq-scalar-ops-to-kernels`: a linalg op or a copy over rank-0 buffers (the
// optimizer's scalars: a sum's zero copied into its accumulator, the norm's
// square root, the step counter plus one) has no loop, so it would run as
// host code, and the host must wait for the GPU before each such load or
// store of a device buffer (`_tvq_cuda_wait`). Here, before that conversion,
// each becomes an `scf.parallel` of one iteration around the same body:
// one-thread kernels that run in stream order, which the loop passes may fuse
// or join with their neighbours.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSCALAROPSTOKERNELS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Creates a launch of one block of one thread before `op` and moves the
/// insertion point into its body. (An `scf.parallel` of one iteration would
/// be what the loop passes work on, but canonicalization inlines it.)
void oneThread(RewriterBase &rewriter, Operation *op) {
  Location loc = op->getLoc();
  rewriter.setInsertionPoint(op);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  auto launch =
      gpu::LaunchOp::create(rewriter, loc, one, one, one, one, one, one);
  rewriter.setInsertionPointToEnd(&launch.getBody().front());
  auto terminator = gpu::TerminatorOp::create(rewriter, loc);
  rewriter.setInsertionPoint(terminator);
}

/// Whether host code loads from `buffer` (a value the host itself needs,
/// such as a seed that becomes a kernel argument): then computing it on the
/// GPU would only move the wait.
bool loadedOnHost(Value buffer) {
  return llvm::any_of(buffer.getUsers(), [](Operation *user) {
    return isa<memref::LoadOp>(user) && tvq::isOnHost(user);
  });
}

/// Whether an operand of `op` is a buffer on the host's stack.
bool touchesHostStack(Operation *op) {
  return llvm::any_of(op->getOperands(), [](Value v) {
    return isa<MemRefType>(v.getType()) && tvq::isOnHostStack(v);
  });
}

/// `generic`, of no loops on buffers, as a one-thread launch: its inputs
/// loaded (scalars taken as they are), its body, its yielded values stored
/// to its outputs.
void toKernel(RewriterBase &rewriter, linalg::GenericOp generic) {
  Location loc = generic.getLoc();
  oneThread(rewriter, generic);
  Block &body = generic.getRegion().front();
  IRMapping map;
  for (OpOperand &operand : generic->getOpOperands()) {
    Value value = operand.get();
    BlockArgument arg = body.getArgument(operand.getOperandNumber());
    if (arg.use_empty())
      continue;
    if (isa<MemRefType>(value.getType()))
      value = memref::LoadOp::create(rewriter, loc, value, ValueRange{});
    map.map(arg, value);
  }
  for (Operation &op : body.without_terminator())
    rewriter.clone(op, map);
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  for (auto [value, output] :
       llvm::zip_equal(yield.getValues(), generic.getDpsInits()))
    memref::StoreOp::create(rewriter, loc, map.lookupOrDefault(value), output,
                            ValueRange{});
  rewriter.eraseOp(generic);
}

/// A copy of one rank-0 buffer into another as a one-thread launch.
void toKernel(RewriterBase &rewriter, memref::CopyOp copy) {
  Location loc = copy.getLoc();
  oneThread(rewriter, copy);
  Value value =
      memref::LoadOp::create(rewriter, loc, copy.getSource(), ValueRange{});
  memref::StoreOp::create(rewriter, loc, value, copy.getTarget(), ValueRange{});
  rewriter.eraseOp(copy);
}

struct ScalarOpsToKernels
    : tvq::impl::TVQScalarOpsToKernelsBase<ScalarOpsToKernels> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> scalarOps;
    SmallVector<memref::CopyOp> scalarCopies;
    getOperation().walk([&](Operation *op) {
      if (!tvq::isOnHost(op) || touchesHostStack(op))
        return;
      if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
        if (linalgOp.getNumLoops() == 0 && linalgOp.hasPureBufferSemantics() &&
            llvm::none_of(linalgOp.getDpsInits(), loadedOnHost))
          scalarOps.push_back(linalgOp);
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        auto type = dyn_cast<MemRefType>(copy.getSource().getType());
        if (type && type.getRank() == 0 && !loadedOnHost(copy.getTarget()))
          scalarCopies.push_back(copy);
      }
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : scalarCopies)
      toKernel(rewriter, copy);
    for (linalg::LinalgOp op : scalarOps) {
      auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      if (!generic) {
        rewriter.setInsertionPoint(op);
        FailureOr<linalg::GenericOp> general =
            linalg::generalizeNamedOp(rewriter, op);
        if (failed(general))
          continue;
        generic = *general;
      }
      toKernel(rewriter, generic);
    }
  }
};

} // namespace
