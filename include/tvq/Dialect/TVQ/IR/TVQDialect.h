//===- TVQDialect.h - The tvq dialect ---------------------------*- C++ -*-===//
#ifndef TVQ_DIALECT_TVQ_IR_TVQDIALECT_H
#define TVQ_DIALECT_TVQ_IR_TVQDIALECT_H

#include "mlir/IR/Dialect.h"

#include "tvq/Dialect/TVQ/IR/TVQOpsDialect.h.inc"

#endif // TVQ_DIALECT_TVQ_IR_TVQDIALECT_H
