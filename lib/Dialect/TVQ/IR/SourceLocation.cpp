//===- SourceLocation.cpp - Locations as users read them ------------------===//

#include "tvq/Dialect/TVQ/IR/SourceLocation.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/Path.h"

using namespace mlir;

std::string tvq::formatLocation(Location loc) {
  std::string result = "unknown location";
  loc->walk([&](Location l) {
    if (auto file = dyn_cast<FileLineColLoc>(l)) {
      result = (llvm::sys::path::filename(file.getFilename().getValue()) + ":" +
                Twine(file.getLine()) + ":" + Twine(file.getColumn()))
                   .str();
      return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result;
}
