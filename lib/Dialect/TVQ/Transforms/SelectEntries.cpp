//===- SelectEntries.cpp - Keep only the named entry points ---------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSELECTENTRIES
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

struct TVQSelectEntriesPass
    : tvq::impl::TVQSelectEntriesBase<TVQSelectEntriesPass> {
  using Base::Base;

  void runOnOperation() override {
    if (entries.empty())
      return;
    ModuleOp module = getOperation();
    SmallVector<std::string> available;
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal())
        available.push_back(func.getName().str());
    for (const std::string &name : entries)
      if (!llvm::is_contained(available, name)) {
        mlir::emitError(module.getLoc())
            << "no entry point '" << name
            << "' to select; entry points: " << llvm::join(available, ", ");
        return signalPassFailure();
      }
    for (auto func : module.getOps<func::FuncOp>())
      if (func.isPublic() && !llvm::is_contained(entries, func.getName()))
        func.setPrivate();
  }
};

} // namespace
