//===- GradOpsToLinalg.cpp - Gradient ops to linalg -----------------------===//

#include "GenericBuilder.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

using namespace mlir;
using namespace mlir::tvq;

void mlir::tvq::populateGradOpsToLinalgPatterns(RewritePatternSet &patterns) {
  (void)patterns;
}
