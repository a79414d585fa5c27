//===- FoldCastsIntoGathers.cpp - vector.gather reads the uncast memref ---===//
//
// `vector.gather` has no folder for a `memref.cast` of its base (unlike
// `vector.transfer_read` or `memref.load`), and `convert-vector-to-llvm`
// lowers a gather only from a memref whose innermost stride is known to be
// 1. One-shot bufferization may read a gathered tensor through a cast to a
// fully dynamic layout; this pass makes the gather read the cast's source
// wherever the cast only forgets static layout information.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQFOLDCASTSINTOGATHERS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

struct TVQFoldCastsIntoGathersPass
    : tvq::impl::TVQFoldCastsIntoGathersBase<TVQFoldCastsIntoGathersPass> {
  void runOnOperation() override {
    getOperation().walk([](vector::GatherOp gather) {
      auto cast = gather.getBase().getDefiningOp<memref::CastOp>();
      if (cast && memref::CastOp::canFoldIntoConsumerOp(cast))
        gather.getBaseMutable().assign(cast.getSource());
    });
  }
};

} // namespace
