//===- AlignWorkgroupMemory.cpp - Aligned workgroup attributions ----------===//
//
// `tvq-align-workgroup-memory`: every workgroup attribution of a gpu.func
// that has no `llvm.align` gets one, so that its shared-memory variable is
// aligned for wgmma's matrix descriptors (16-byte units). Outlining cannot
// set it: a gpu.launch has no attribution attributes.
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQALIGNWORKGROUPMEMORY
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

struct AlignWorkgroupMemoryPass
    : public tvq::impl::TVQAlignWorkgroupMemoryBase<AlignWorkgroupMemoryPass> {
  using Base::Base;
  void runOnOperation() override {
    if (alignment <= 0 || !llvm::isPowerOf2_64(alignment)) {
      getOperation().emitError()
          << "tvq-align-workgroup-memory: alignment " << alignment.getValue()
          << " is not a power of two";
      return signalPassFailure();
    }
    StringRef name = LLVM::LLVMDialect::getAlignAttrName();
    Builder b(&getContext());
    getOperation().walk([&](gpu::GPUFuncOp func) {
      for (unsigned i = 0, e = func.getNumWorkgroupAttributions(); i < e; ++i)
        if (!func.getWorkgroupAttributionAttr(i, name))
          func.setWorkgroupAttributionAttr(i, name,
                                           b.getI64IntegerAttr(alignment));
    });
  }
};

} // namespace
