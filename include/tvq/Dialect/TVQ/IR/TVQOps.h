//===- TVQOps.h - Operations of the tvq dialect -----------------*- C++ -*-===//
#ifndef TVQ_DIALECT_TVQ_IR_TVQOPS_H
#define TVQ_DIALECT_TVQ_IR_TVQOPS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "tvq/Dialect/TVQ/IR/ShapeContract.h"
#include "tvq/Dialect/TVQ/IR/TVQDialect.h"

#define GET_OP_CLASSES
#include "tvq/Dialect/TVQ/IR/TVQOps.h.inc"

namespace mlir {
namespace tvq {
/// The shape contract of any tvq op; std::nullopt for other ops.
std::optional<ShapeContract> getShapeContract(Operation *op);
} // namespace tvq
} // namespace mlir

#endif // TVQ_DIALECT_TVQ_IR_TVQOPS_H
