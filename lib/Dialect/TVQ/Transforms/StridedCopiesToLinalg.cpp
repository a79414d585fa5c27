//===- StridedCopiesToLinalg.cpp - memref.copy of views to linalg.copy ----===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSTRIDEDCOPIESTOLINALG
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

static bool hasIdentityLayout(Value v) {
  return cast<MemRefType>(v.getType()).getLayout().isIdentity();
}

struct TVQStridedCopiesToLinalgPass
    : tvq::impl::TVQStridedCopiesToLinalgBase<TVQStridedCopiesToLinalgPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (all || !hasIdentityLayout(copy.getSource()) ||
          !hasIdentityLayout(copy.getTarget()))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder b(copy);
      linalg::CopyOp::create(b, copy.getLoc(), copy.getSource(),
                             copy.getTarget());
      copy.erase();
    }
  }
};

} // namespace
