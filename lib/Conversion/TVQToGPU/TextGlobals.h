//===- TextGlobals.h - Texts that generated code passes to the runtime ----===//
//
// Runtime calls that the instrumentation passes add (`tvq-instrument-races`,
// `tvq-asserts-to-runtime-errors`) take texts (a launch's name, an access's
// location) as the address of a NUL-terminated copy in a private constant
// `memref.global` named `__tvq_text*`, one per distinct text.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_CONVERSION_TVQTOGPU_TEXTGLOBALS_H
#define TVQ_CONVERSION_TVQTOGPU_TEXTGLOBALS_H

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/StringMap.h"

namespace mlir::tvq {

class TextGlobals {
public:
  explicit TextGlobals(ModuleOp module) : module(module), symbols(module) {}

  /// The address (an index) of a NUL-terminated copy of `text`, built at
  /// `b`'s insertion point.
  Value address(OpBuilder &b, Location loc, StringRef text);

  /// `func.func private @name(index x arguments)` unless declared already.
  void declareFunction(StringRef name, unsigned arguments);

private:
  ModuleOp module;
  SymbolTable symbols;
  llvm::StringMap<memref::GlobalOp> globals;
};

} // namespace mlir::tvq

#endif // TVQ_CONVERSION_TVQTOGPU_TEXTGLOBALS_H
