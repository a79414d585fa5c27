//===- TVQDialect.cpp - The tvq dialect -----------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQDialect.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Transforms/InliningUtils.h"

using namespace mlir;
using namespace mlir::tvq;

#include "tvq/Dialect/TVQ/IR/TVQOpsDialect.cpp.inc"

namespace {
/// tvq ops are pure tensor computations: any of them may be inlined.
struct TVQInlinerInterface : public DialectInlinerInterface {
  using DialectInlinerInterface::DialectInlinerInterface;
  bool isLegalToInline(Operation *, Region *, bool, IRMapping &) const final {
    return true;
  }
};
} // namespace

void TVQDialect::initialize() {
  addInterfaces<TVQInlinerInterface>();
  addOperations<
#define GET_OP_LIST
#include "tvq/Dialect/TVQ/IR/TVQOps.cpp.inc"
      >();
}
