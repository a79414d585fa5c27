//===- ShapeContract.cpp - Verifying symbolic shape rules -----------------===//

#include "tvq/Dialect/TVQ/IR/ShapeContract.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::tvq;

std::string mlir::tvq::formatExpected(const ValueSpec &spec) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(spec.dims, os, [&](const DimSpec &d) {
    if (d.isSymbol())
      os << d.symbol;
    else
      os << d.fixed;
  });
  os << "]";
  return s;
}

static std::string formatType(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

namespace {
/// A symbol's size as first seen on a static dimension.
struct Binding {
  int64_t size;
  unsigned valueIndex;
};
} // namespace

LogicalResult mlir::tvq::verifyShapeContract(Operation *op,
                                             const ShapeContract &c) {
  // Ranks first, so that dimension indexing below is safe.
  for (const ValueSpec &spec : c.values) {
    auto type = cast<RankedTensorType>(spec.value.getType());
    if (type.getRank() != static_cast<int64_t>(spec.dims.size()))
      return op->emitOpError()
             << spec.name << " must have rank " << spec.dims.size()
             << " with shape " << formatExpected(spec) << ", but has type "
             << formatType(type);
  }

  // Bind each symbol to the first static size that carries it.
  llvm::StringMap<Binding> bound;
  for (auto [index, spec] : llvm::enumerate(c.values)) {
    auto shape = cast<RankedTensorType>(spec.value.getType()).getShape();
    for (auto [dim, d] : llvm::enumerate(spec.dims))
      if (d.isSymbol() && !ShapedType::isDynamic(shape[dim]))
        bound.try_emplace(d.symbol,
                          Binding{shape[dim], static_cast<unsigned>(index)});
  }

  for (const ValueSpec &spec : c.values) {
    auto type = cast<RankedTensorType>(spec.value.getType());
    for (auto [dim, d] : llvm::enumerate(spec.dims)) {
      int64_t actual = type.getShape()[dim];
      if (ShapedType::isDynamic(actual))
        continue;
      if (!d.isSymbol()) {
        if (actual != d.fixed)
          return op->emitOpError()
                 << spec.name << " must have shape " << formatExpected(spec)
                 << ", but dimension " << dim << " is " << actual << " in type "
                 << formatType(type);
        continue;
      }
      const Binding &b = bound.find(d.symbol)->second;
      if (actual != b.size)
        return op->emitOpError()
               << spec.name << " must have shape " << formatExpected(spec)
               << " with " << d.symbol << " = " << b.size << " (from "
               << c.values[b.valueIndex].name << "), but dimension " << dim
               << " is " << actual << " in type " << formatType(type);
    }
  }

  for (const DivisibilityRule &rule : c.rules) {
    auto it = bound.find(rule.symbol);
    if (it == bound.end())
      continue;
    if (it->second.size % rule.divisor != 0)
      return op->emitOpError()
             << rule.symbol << " = " << it->second.size << " (from "
             << c.values[it->second.valueIndex].name
             << ") must be a multiple of " << rule.divisorName << " "
             << rule.divisor;
  }
  return success();
}

llvm::StringMap<SymbolSite>
mlir::tvq::firstOperandSites(Operation *op, const ShapeContract &c) {
  llvm::StringMap<SymbolSite> sites;
  for (auto [index, spec] : llvm::enumerate(c.values)) {
    if (isa<OpResult>(spec.value) &&
        cast<OpResult>(spec.value).getOwner() == op)
      continue;
    for (auto [dim, d] : llvm::enumerate(spec.dims))
      if (d.isSymbol())
        sites.try_emplace(d.symbol, SymbolSite{static_cast<unsigned>(index),
                                               static_cast<unsigned>(dim)});
  }
  return sites;
}
