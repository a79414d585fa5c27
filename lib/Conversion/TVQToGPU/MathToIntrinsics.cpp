//===- MathToIntrinsics.cpp - math ops in kernels to LLVM intrinsics ------===//
//
// `convert-gpu-to-nvvm` turns `math.sqrt`, `math.fma` and others into calls
// of libdevice (`__nv_sqrtf`, `__nv_fmaf`), which only CUDA's toolkit
// provides: ptxas then fails with "Unresolved extern function". This pass
// calls LLVM's intrinsics instead, which the NVPTX backend emits as single
// instructions (`sqrt.rn.f32`, `fma.rn.f32`, `cvt.rmi.f32.f32`, ...).
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQGPUMATHTOINTRINSICS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// The LLVM intrinsic (without its type suffix) for a math op; empty when the
/// op is not one this pass lowers.
StringRef intrinsicFor(Operation *op) {
  return llvm::TypeSwitch<Operation *, StringRef>(op)
      .Case<math::SqrtOp>([](auto) { return "llvm.sqrt"; })
      .Case<math::FmaOp>([](auto) { return "llvm.fma"; })
      .Case<math::FloorOp>([](auto) { return "llvm.floor"; })
      .Case<math::CeilOp>([](auto) { return "llvm.ceil"; })
      .Case<math::AbsFOp>([](auto) { return "llvm.fabs"; })
      .Default([](Operation *) { return ""; });
}

struct MathToIntrinsicsPass
    : public tvq::impl::TVQGPUMathToIntrinsicsBase<MathToIntrinsicsPass> {
  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      if (!intrinsicFor(op).empty())
        ops.push_back(op);
    });
    for (Operation *op : ops) {
      Type type = op->getResult(0).getType();
      if (!type.isF32() && !type.isF64()) {
        op->emitOpError("on ") << type << " is not lowered for the GPU";
        return signalPassFailure();
      }
      std::string name =
          (intrinsicFor(op) + (type.isF32() ? ".f32" : ".f64")).str();
      OpBuilder b(op);
      auto call = LLVM::CallIntrinsicOp::create(
          b, op->getLoc(), type, b.getStringAttr(name), op->getOperands());
      op->getResult(0).replaceAllUsesWith(call->getResult(0));
      op->erase();
    }
  }
};

} // namespace
