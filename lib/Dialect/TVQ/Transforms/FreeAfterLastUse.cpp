//===- FreeAfterLastUse.cpp - Free each buffer right after its last use ---===//
//
// `tvq-free-after-last-use` moves each `memref.dealloc %a` of a
// `memref.alloc` of the same block up to just after the last op of that
// block that uses `%a` or a view of it. The ownership-based deallocation
// pipeline frees a block's buffers at the block's end, so without this a
// training step held nearly every temporary until it returned.
//
// A buffer whose uses it cannot bound stays where it is: one that a view
// chain hands to a terminator (scf.yield, func.return), a call, an op with
// buffer results that is not a view (an scf.for's initial value), a store
// of the buffer itself, a pointer extraction, or another deallocation.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQFREEAFTERLASTUSE
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `user`'s use of the buffer (or a view of it) `operand` may let
/// the buffer outlive what the block shows.
bool escapes(Operation *user, OpOperand &operand) {
  if (user->hasTrait<OpTrait::IsTerminator>() || isa<CallOpInterface>(user))
    return true;
  if (isa<memref::DeallocOp, memref::ExtractAlignedPointerAsIndexOp>(user))
    return true;
  if (auto store = dyn_cast<memref::StoreOp>(user))
    return &operand == &store.getValueMutable();
  return llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>);
}

/// The last op of `block` that uses `buffer` or a view of it, other than
/// `dealloc`; `buffer`'s own definition when nothing uses it. Null when a
/// use escapes (see `escapes`).
Operation *lastUseInBlock(Value buffer, Operation *dealloc, Block &block) {
  Operation *last = buffer.getDefiningOp();
  SmallVector<Value> views = {buffer};
  while (!views.empty()) {
    Value view = views.pop_back_val();
    for (OpOperand &use : view.getUses()) {
      Operation *user = use.getOwner();
      if (user == dealloc)
        continue;
      auto viewLike = dyn_cast<ViewLikeOpInterface>(user);
      if (viewLike && viewLike.getViewSource() == view) {
        for (Value result : user->getResults())
          if (isa<BaseMemRefType>(result.getType()))
            views.push_back(result);
      } else if (escapes(user, use)) {
        return nullptr;
      }
      Operation *inBlock = block.findAncestorOpInBlock(*user);
      if (!inBlock)
        return nullptr;
      if (last->isBeforeInBlock(inBlock))
        last = inBlock;
    }
  }
  return last;
}

struct FreeAfterLastUsePass
    : public tvq::impl::TVQFreeAfterLastUseBase<FreeAfterLastUsePass> {
  void runOnOperation() override {
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk(
        [&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (memref::DeallocOp dealloc : deallocs) {
      Value buffer = dealloc.getMemref();
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block)
        continue;
      Operation *last = lastUseInBlock(buffer, dealloc, *block);
      if (last && last->isBeforeInBlock(dealloc))
        dealloc->moveAfter(last);
    }
  }
};

} // namespace
