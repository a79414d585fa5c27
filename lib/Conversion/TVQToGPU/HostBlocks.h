//===- HostBlocks.h - The blocks whose loops become launches ----*- C++ -*-===//
//
// The blocks of a function outside parallel loops and launches: where each
// outermost scf.parallel is one kernel launch (tvq-fuse-parallel-loops,
// tvq-row-kernels).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_CONVERSION_TVQTOGPU_HOSTBLOCKS_H
#define TVQ_CONVERSION_TVQTOGPU_HOSTBLOCKS_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
namespace tvq {

/// Every block under `root` that no scf.parallel or gpu.launch encloses.
inline SmallVector<Block *> collectHostBlocks(Operation *root) {
  SmallVector<Block *> blocks;
  root->walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<scf::ParallelOp, gpu::LaunchOp>(op))
      return WalkResult::skip();
    for (Region &region : op->getRegions())
      for (Block &block : region)
        blocks.push_back(&block);
    return WalkResult::advance();
  });
  return blocks;
}

} // namespace tvq
} // namespace mlir

#endif // TVQ_CONVERSION_TVQTOGPU_HOSTBLOCKS_H
