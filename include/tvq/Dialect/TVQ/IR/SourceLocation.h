//===- SourceLocation.h - Locations as users read them ----------*- C++ -*-===//
//
// How generated code names the source position of an op in the texts it
// hands to the runtime (shape-check errors, race and bounds reports).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_DIALECT_TVQ_IR_SOURCELOCATION_H
#define TVQ_DIALECT_TVQ_IR_SOURCELOCATION_H

#include "mlir/IR/Location.h"

#include <string>

namespace mlir::tvq {

/// "file:line:col" (the file's name without its directory) of the first
/// file location in `loc`, else "unknown location".
std::string formatLocation(Location loc);

} // namespace mlir::tvq

#endif // TVQ_DIALECT_TVQ_IR_SOURCELOCATION_H
