//===- ShapeContract.h - Symbolic shape rules of tvq ops --------*- C++ -*-===//
//
// Each tvq op states its shape rules once, as a ShapeContract: every operand
// and result with symbolic dimensions ("B", "T", "K", ...) or fixed sizes,
// plus divisibility rules. The verifier, shape reification and the runtime
// shape checks inserted for dynamic dimensions are all derived from it.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_DIALECT_TVQ_IR_SHAPECONTRACT_H
#define TVQ_DIALECT_TVQ_IR_SHAPECONTRACT_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include <string>

namespace mlir {
namespace tvq {

/// One expected dimension: either a symbol shared across operands or a fixed
/// size.
struct DimSpec {
  std::string symbol; ///< Empty for a fixed size.
  int64_t fixed = 0;

  static DimSpec sym(llvm::StringRef s) { return {s.str(), 0}; }
  static DimSpec size(int64_t n) { return {"", n}; }
  bool isSymbol() const { return !symbol.empty(); }
};

/// The expected shape of one operand or result.
struct ValueSpec {
  std::string name; ///< How diagnostics name it, e.g. "operand 'q'".
  Value value;
  llvm::SmallVector<DimSpec> dims;
};

/// A rule `symbol % divisor == 0`, with the attribute that sets the divisor.
struct DivisibilityRule {
  std::string symbol;
  int64_t divisor;
  std::string divisorName; ///< E.g. "block_len".
};

/// The shape rules of one op.
struct ShapeContract {
  llvm::SmallVector<ValueSpec> values;
  llvm::SmallVector<DivisibilityRule> rules;

  void add(llvm::StringRef kind, llvm::StringRef name, Value v,
           llvm::ArrayRef<DimSpec> dims) {
    values.push_back({(kind + " '" + name + "'").str(), v,
                      llvm::SmallVector<DimSpec>(dims)});
  }
};

/// A location of a symbol: dimension `dim` of `values[valueIndex]`.
struct SymbolSite {
  unsigned valueIndex;
  unsigned dim;
};

/// Verifies ranks, static sizes and divisibility against the contract,
/// emitting a diagnostic on `op` that names the operand and its expected
/// shape on the first violation.
LogicalResult verifyShapeContract(Operation *op, const ShapeContract &c);

/// For each symbol, the first operand (not result) dimension that carries it.
llvm::StringMap<SymbolSite> firstOperandSites(Operation *op,
                                              const ShapeContract &c);

/// Renders the expected shape of `spec`, e.g. "[B, T, 32]".
std::string formatExpected(const ValueSpec &spec);

} // namespace tvq
} // namespace mlir

#endif // TVQ_DIALECT_TVQ_IR_SHAPECONTRACT_H
