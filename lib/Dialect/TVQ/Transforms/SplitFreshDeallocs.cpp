//===- SplitFreshDeallocs.cpp - Plain frees for buffers no result holds ---===//
//
// `tvq-split-fresh-deallocs` takes out of each `bufferization.dealloc` the
// buffers allocated in its block, owned unconditionally, that no retained
// value can be: they become plain `memref.dealloc`s, which
// `tvq-free-after-last-use` can then move up to their last use. Without
// `buffer-deallocation-simplification` (too slow for the CUDA pipeline's
// long functions) such a buffer stays in the block's one dealloc of
// hundreds of buffers, lowered to a run-time alias check at the block's end.
//
// A buffer `%m` qualifies when it is a `memref.alloc` of the dealloc's block,
// its condition is the constant true, it appears once in the list, no
// retained value is `%m` or a view of it, and neither `%m` nor any view of it
// reaches an op through which it could become another value: a terminator,
// a call, a non-view op with buffer results, a store of the buffer itself,
// a pointer extraction, or another deallocation. Then no retained value
// aliases `%m`, so the dealloc's updated ownerships do not change.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "tvq/Dialect/TVQ/Transforms/BufferUses.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/CallInterfaces.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSPLITFRESHDEALLOCS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// The buffer that `value` views, through view-like ops.
Value rootBuffer(Value value) {
  while (auto view = value.getDefiningOp<ViewLikeOpInterface>())
    value = view.getViewSource();
  return value;
}

/// Whether `buffer` or a view of it reaches an op through which it could
/// become another value or be freed elsewhere; `dealloc` is not counted.
bool mayEscape(Value buffer, Operation *dealloc) {
  return !tvq::forEachUseThroughViews(buffer, [&](OpOperand &use) {
    Operation *user = use.getOwner();
    if (user == dealloc)
      return true;
    if (user->hasTrait<OpTrait::IsTerminator>() ||
        isa<CallOpInterface, memref::DeallocOp, bufferization::DeallocOp,
            memref::ExtractAlignedPointerAsIndexOp>(user))
      return false;
    if (auto store = dyn_cast<memref::StoreOp>(user))
      if (&use == &store.getValueMutable())
        return false;
    return llvm::none_of(user->getResultTypes(), llvm::IsaPred<BaseMemRefType>);
  });
}

/// Whether the `index`-th buffer of `dealloc` may be freed on its own.
bool isFresh(bufferization::DeallocOp dealloc, unsigned index) {
  Value buffer = dealloc.getMemrefs()[index];
  auto alloc = buffer.getDefiningOp<memref::AllocOp>();
  if (!alloc || alloc->getBlock() != dealloc->getBlock())
    return false;
  if (!matchPattern(dealloc.getConditions()[index], m_One()))
    return false;
  if (llvm::count(dealloc.getMemrefs(), buffer) != 1)
    return false;
  if (llvm::any_of(dealloc.getRetained(), [&](Value retained) {
        return rootBuffer(retained) == buffer;
      }))
    return false;
  return !mayEscape(buffer, dealloc);
}

struct SplitFreshDeallocsPass
    : public tvq::impl::TVQSplitFreshDeallocsBase<SplitFreshDeallocsPass> {
  void runOnOperation() override {
    getOperation().walk([](bufferization::DeallocOp dealloc) {
      OpBuilder b(dealloc);
      for (unsigned i = dealloc.getMemrefs().size(); i-- > 0;) {
        if (!isFresh(dealloc, i))
          continue;
        memref::DeallocOp::create(b, dealloc.getLoc(), dealloc.getMemrefs()[i]);
        dealloc.getMemrefsMutable().erase(i);
        dealloc.getConditionsMutable().erase(i);
      }
    });
  }
};

} // namespace
