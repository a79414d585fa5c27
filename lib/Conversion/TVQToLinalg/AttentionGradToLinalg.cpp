//===- AttentionGradToLinalg.cpp - Backward of VQ attention ---------------===//

#include "GenericBuilder.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

using namespace mlir;
using namespace mlir::tvq;

void mlir::tvq::populateAttentionGradToLinalgPatterns(
    RewritePatternSet &patterns) {
  // Filled in by the lowering of tvq.vq_attention_grad.
  (void)patterns;
}
