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
// of the buffer itself, or another deallocation; or whose pointer
// (`memref.extract_aligned_pointer_as_index`) goes anywhere but to calls of
// external functions. Such a call (the GEMM library calls of the CUDA
// pipeline) counts as a use: it is assumed not to keep the pointer past its
// return (work it queues on the GPU is covered by the runtime, which reuses
// a block freed while work is queued only after the next wait).
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "tvq/Dialect/TVQ/Transforms/BufferUses.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/CallInterfaces.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQFREEAFTERLASTUSE
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `call` calls a function declared without a body.
bool callsExternalFunction(CallOpInterface call,
                           SymbolTableCollection &symbols) {
  auto callee = dyn_cast_if_present<CallableOpInterface>(
      call.resolveCallableInTable(&symbols));
  return callee && !callee.getCallableRegion();
}

/// Whether `user`'s use of the buffer (or a view of it) `operand` may let
/// the buffer outlive what the block shows.
bool escapes(Operation *user, OpOperand &operand,
             SymbolTableCollection &symbols) {
  if (user->hasTrait<OpTrait::IsTerminator>() || isa<CallOpInterface>(user))
    return true;
  if (isa<memref::DeallocOp>(user))
    return true;
  if (auto pointer = dyn_cast<memref::ExtractAlignedPointerAsIndexOp>(user))
    return llvm::any_of(pointer->getUsers(), [&](Operation *pointerUser) {
      auto call = dyn_cast<CallOpInterface>(pointerUser);
      return !call || !callsExternalFunction(call, symbols);
    });
  if (auto store = dyn_cast<memref::StoreOp>(user))
    return &operand == &store.getValueMutable();
  return llvm::any_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>);
}

/// The last op of `block` that uses `buffer` or a view of it, other than
/// `dealloc`; `buffer`'s own definition when nothing uses it. Null when a
/// use escapes (see `escapes`).
Operation *lastUseInBlock(Value buffer, Operation *dealloc, Block &block,
                          SymbolTableCollection &symbols) {
  Operation *last = buffer.getDefiningOp();
  bool bounded = tvq::forEachUseThroughViews(buffer, [&](OpOperand &use) {
    Operation *user = use.getOwner();
    if (user == dealloc)
      return true;
    if (escapes(user, use, symbols))
      return false;
    // A pointer's calls use the buffer as well.
    SmallVector<Operation *> users = {user};
    if (isa<memref::ExtractAlignedPointerAsIndexOp>(user))
      llvm::append_range(users, user->getUsers());
    for (Operation *u : users) {
      Operation *inBlock = block.findAncestorOpInBlock(*u);
      if (!inBlock)
        return false;
      if (last->isBeforeInBlock(inBlock))
        last = inBlock;
    }
    return true;
  });
  return bounded ? last : nullptr;
}

struct FreeAfterLastUsePass
    : public tvq::impl::TVQFreeAfterLastUseBase<FreeAfterLastUsePass> {
  void runOnOperation() override {
    SymbolTableCollection symbols;
    SmallVector<memref::DeallocOp> deallocs;
    getOperation().walk(
        [&](memref::DeallocOp dealloc) { deallocs.push_back(dealloc); });
    for (memref::DeallocOp dealloc : deallocs) {
      Value buffer = dealloc.getMemref();
      auto alloc = buffer.getDefiningOp<memref::AllocOp>();
      Block *block = dealloc->getBlock();
      if (!alloc || alloc->getBlock() != block)
        continue;
      Operation *last = lastUseInBlock(buffer, dealloc, *block, symbols);
      if (last && last->isBeforeInBlock(dealloc))
        dealloc->moveAfter(last);
    }
  }
};

} // namespace
