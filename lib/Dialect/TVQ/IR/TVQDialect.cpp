//===- TVQDialect.cpp - The tvq dialect -----------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQDialect.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

using namespace mlir;
using namespace mlir::tvq;

#include "tvq/Dialect/TVQ/IR/TVQOpsDialect.cpp.inc"

void TVQDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "tvq/Dialect/TVQ/IR/TVQOps.cpp.inc"
      >();
}
