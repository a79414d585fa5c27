//===- BufferUses.h - Uses of a buffer through its views --------*- C++ -*-===//
//
// Shared by the deallocation passes (tvq-split-fresh-deallocs,
// tvq-free-after-last-use): every use of a buffer or of a view of it that
// is not itself the making of a view.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_DIALECT_TVQ_TRANSFORMS_BUFFERUSES_H
#define TVQ_DIALECT_TVQ_TRANSFORMS_BUFFERUSES_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace mlir::tvq {

/// Calls `visit` on each use of `buffer`, or of a view of it (through
/// `ViewLikeOpInterface`, transitively), by an op that does not make a view
/// of it. Stops and returns false as soon as `visit` returns false.
inline bool
forEachUseThroughViews(Value buffer,
                       llvm::function_ref<bool(OpOperand &)> visit) {
  SmallVector<Value> views = {buffer};
  while (!views.empty()) {
    Value view = views.pop_back_val();
    for (OpOperand &use : view.getUses()) {
      auto viewLike = dyn_cast<ViewLikeOpInterface>(use.getOwner());
      if (viewLike && viewLike.getViewSource() == view) {
        for (Value result : use.getOwner()->getResults())
          if (isa<BaseMemRefType>(result.getType()))
            views.push_back(result);
        continue;
      }
      if (!visit(use))
        return false;
    }
  }
  return true;
}

} // namespace mlir::tvq

#endif // TVQ_DIALECT_TVQ_TRANSFORMS_BUFFERUSES_H
