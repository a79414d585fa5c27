//===- UnshareFreshTensors.cpp - One fresh tensor per use -----------------===//
//
// `tvq-unshare-fresh-tensors` gives each use of a fresh tensor its own copy
// of it. A fresh tensor is a `tensor.empty`, or a fill of one: a
// `linalg.fill`, or a `linalg.generic` without inputs whose body does not
// read its output (a constant, or a function of the indices). `cse` merges
// equal fresh tensors (the same shape, the same zeros), and one-shot
// bufferization makes one buffer of each: ops that write into a shared
// `tensor.empty` write into that one buffer, which lives from the first of
// them to the last, over a whole training step when the layers' forward and
// backward share it; ops that update a shared fill in place (a running sum
// from zeros) each get a copy of it, and the fill's buffer lives until the
// last copy. With a copy per use, each gets a buffer of its own, freed after
// its own last use, and is written in place.
//
// The copy is made just before the use's ancestor in the fresh tensor's
// block, so that a use inside a loop still gets one buffer for all
// iterations.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/IRMapping.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQUNSHAREFRESHTENSORS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Whether every op nested in `op` only writes tensors made inside `op`:
/// ops without tensor operands or results and without memory effects
/// (constants, index arithmetic), and tensor writes with the slicing and loop
/// ops around them (a fill after `tvq-cpu-tile-and-vectorize`) whose tensor
/// operands are all defined inside `op`.
bool writesOnlyTensorsOfItsOwn(Operation *op) {
  auto isTensor = [](Value v) { return isa<TensorType>(v.getType()); };
  WalkResult walk = op->walk([&](Operation *nested) {
    if (nested == op)
      return WalkResult::advance();
    bool touchesTensors = llvm::any_of(nested->getOperands(), isTensor) ||
                          llvm::any_of(nested->getResults(), isTensor);
    if (!touchesTensors && nested->getNumRegions() == 0 &&
        isMemoryEffectFree(nested))
      return WalkResult::advance();
    if (!isa<scf::ForOp, scf::YieldOp, scf::InParallelOp,
             tensor::ParallelInsertSliceOp, tensor::ExtractSliceOp,
             tensor::InsertSliceOp, vector::TransferWriteOp, linalg::FillOp>(
            nested))
      return WalkResult::interrupt();
    for (Value v : nested->getOperands())
      if (isTensor(v) && !op->isAncestor(v.getParentRegion()->getParentOp()))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !walk.wasInterrupted();
}

/// Whether `op` fills a `tensor.empty` without reading anything else that
/// is a tensor: its one result is then as fresh as the empty. A fill is a
/// `linalg.fill`, a `linalg.generic` without inputs whose body does not read
/// its output, or an `scf.forall` or `scf.for` whose one shared output or
/// iteration argument starts from the empty and whose body only writes
/// tiles of it (a tiled fill).
bool isFill(Operation *op) {
  if (op->getNumResults() != 1)
    return false;
  if (isa<scf::ForallOp, scf::ForOp>(op)) {
    auto loop = cast<LoopLikeOpInterface>(op);
    return loop.getInits().size() == 1 &&
           loop.getInits().front().getDefiningOp<tensor::EmptyOp>() &&
           writesOnlyTensorsOfItsOwn(op);
  }
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInits() != 1)
    return false;
  OpOperand *init = linalgOp.getDpsInitOperand(0);
  if (!init->get().getDefiningOp<tensor::EmptyOp>())
    return false;
  if (isa<linalg::FillOp>(op))
    return true;
  auto generic = dyn_cast<linalg::GenericOp>(op);
  return generic && generic.getNumDpsInputs() == 0 &&
         !generic.payloadUsesValueFromOperand(init);
}

/// The `tensor.empty` that `fill` (isFill) writes.
Operation *filledEmpty(Operation *fill) {
  if (auto loop = dyn_cast<LoopLikeOpInterface>(fill))
    return loop.getInits().front().getDefiningOp();
  return cast<linalg::LinalgOp>(fill)
      .getDpsInitOperand(0)
      ->get()
      .getDefiningOp();
}

/// Whether `use` is updated in place by its owner: the destination of a
/// destination-style op (a linalg op, an scf.forall's shared output) or the
/// initial value of an scf.for's iteration argument.
bool isWrittenInPlace(OpOperand *use) {
  Operation *owner = use->getOwner();
  if (auto dps = dyn_cast<DestinationStyleOpInterface>(owner))
    return dps.isDpsInit(use);
  if (auto loop = dyn_cast<scf::ForOp>(owner))
    return llvm::is_contained(loop.getInitArgsMutable(), *use);
  return false;
}

/// Gives every use of `op`'s one result, if it has several, its own copy of
/// `op`, made by `copy` just before the use's ancestor in `op`'s block, or,
/// with `atWriters`, just before a use that writes it in place however deep
/// it is nested; then erases `op` (unused). Returns whether it did.
bool unshare(Operation *op, bool atWriters,
             function_ref<Value(OpBuilder &, Operation *)> copy) {
  SmallVector<OpOperand *> uses;
  for (OpOperand &use : op->getResult(0).getUses())
    uses.push_back(&use);
  if (uses.size() < 2)
    return false;
  for (OpOperand *use : uses) {
    Operation *at = op->getBlock()->findAncestorOpInBlock(*use->getOwner());
    if (atWriters && isWrittenInPlace(use))
      at = use->getOwner();
    OpBuilder b(at);
    use->set(copy(b, op));
  }
  op->erase();
  return true;
}

struct UnshareFreshTensorsPass
    : public tvq::impl::TVQUnshareFreshTensorsBase<UnshareFreshTensorsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<Operation *> fills;
    getOperation().walk([&](Operation *op) {
      if (isFill(op))
        fills.push_back(op);
    });
    // A fill's copy fills a copy of its empty; an empty left unused goes.
    for (Operation *fill : fills) {
      Operation *empty = filledEmpty(fill);
      bool copied = unshare(fill, atWriters, [&](OpBuilder &b, Operation *op) {
        IRMapping map;
        map.map(empty->getResult(0), b.clone(*empty)->getResult(0));
        return b.clone(*op, map)->getResult(0);
      });
      if (copied && empty->use_empty())
        empty->erase();
    }
    SmallVector<tensor::EmptyOp> empties;
    getOperation().walk([&](tensor::EmptyOp op) { empties.push_back(op); });
    for (tensor::EmptyOp empty : empties)
      unshare(empty, atWriters, [](OpBuilder &b, Operation *op) {
        return b.clone(*op)->getResult(0);
      });
  }
};

} // namespace
