//===- LowerOutputReady.cpp - Announced results call the runtime's hook ---===//
//
// `tvq-lower-output-ready` (Passes.td) turns each bufferized
// `tvq.output_ready` into a guarded indirect call through the exported
// global `_tvq_output_hook`, which a runtime sets to start sending a
// finished gradient while the backward pass goes on (docs/abi.md).
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQLOWEROUTPUTREADY
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

constexpr StringLiteral kHookName = "_tvq_output_hook";
constexpr StringLiteral kContextName = "_tvq_output_hook_context";

/// An exported pointer global named `name`, initially null.
static void createNullPointerGlobal(OpBuilder &b, ModuleOp module,
                                    StringRef name) {
  if (module.lookupSymbol(name))
    return;
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  b.setInsertionPointToStart(module.getBody());
  auto global = LLVM::GlobalOp::create(b, module.getLoc(), ptr,
                                       /*isConstant=*/false,
                                       LLVM::Linkage::External, name,
                                       /*value=*/Attribute());
  Block *init = b.createBlock(&global.getInitializerRegion());
  b.setInsertionPointToStart(init);
  Value null = LLVM::ZeroOp::create(b, module.getLoc(), ptr);
  LLVM::ReturnOp::create(b, module.getLoc(), null);
}

/// The size in bytes of buffer, computed at run time for dynamic sizes.
static Value bufferBytes(OpBuilder &b, Location loc, Value buffer) {
  auto type = cast<MemRefType>(buffer.getType());
  Value bytes =
      arith::ConstantIndexOp::create(b, loc, type.getElementTypeBitWidth() / 8);
  for (int64_t d = 0; d < type.getRank(); ++d) {
    Value size =
        type.isDynamicDim(d)
            ? memref::DimOp::create(b, loc, buffer, d).getResult()
            : arith::ConstantIndexOp::create(b, loc, type.getDimSize(d))
                  .getResult();
    bytes = arith::MulIOp::create(b, loc, bytes, size);
  }
  return arith::IndexCastOp::create(b, loc, b.getI64Type(), bytes);
}

/// Replaces op by `if (hook) hook(context, index, data, bytes)`.
static void lowerToHookCall(OpBuilder &b, OutputReadyOp op) {
  Location loc = op.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto i64 = b.getI64Type();
  b.setInsertionPoint(op);
  Value hookAddress = LLVM::AddressOfOp::create(b, loc, ptr, kHookName);
  Value hook = LLVM::LoadOp::create(b, loc, ptr, hookAddress);
  Value null = LLVM::ZeroOp::create(b, loc, ptr);
  Value set = LLVM::ICmpOp::create(b, loc, LLVM::ICmpPredicate::ne, hook, null);
  auto ifOp = scf::IfOp::create(b, loc, set, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifOp.thenBlock());
  Value contextAddress = LLVM::AddressOfOp::create(b, loc, ptr, kContextName);
  Value context = LLVM::LoadOp::create(b, loc, ptr, contextAddress);
  Value index = LLVM::ConstantOp::create(
      b, loc, i64, b.getI64IntegerAttr(static_cast<int64_t>(op.getIndex())));
  Value address =
      memref::ExtractAlignedPointerAsIndexOp::create(b, loc, op.getValue());
  Value address64 = arith::IndexCastOp::create(b, loc, i64, address);
  Value data = LLVM::IntToPtrOp::create(b, loc, ptr, address64);
  Value bytes = bufferBytes(b, loc, op.getValue());
  auto hookType = LLVM::LLVMFunctionType::get(
      LLVM::LLVMVoidType::get(b.getContext()), {ptr, i64, ptr, i64});
  LLVM::CallOp::create(b, loc, hookType,
                       ValueRange{hook, context, index, data, bytes});
  op.erase();
}

struct TVQLowerOutputReadyPass
    : tvq::impl::TVQLowerOutputReadyBase<TVQLowerOutputReadyPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<OutputReadyOp> ops;
    WalkResult walk = module.walk([&](OutputReadyOp op) {
      if (!isa<MemRefType>(op.getValue().getType())) {
        op.emitOpError("must be bufferized before tvq-lower-output-ready");
        return WalkResult::interrupt();
      }
      ops.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    // The hook takes one contiguous block: views with offsets or strides
    // are left to the runtime's copy after the call.
    llvm::erase_if(ops, [](OutputReadyOp op) {
      if (cast<MemRefType>(op.getValue().getType()).getLayout().isIdentity())
        return false;
      op.erase();
      return true;
    });
    if (ops.empty())
      return;
    OpBuilder b(&getContext());
    createNullPointerGlobal(b, module, kHookName);
    createNullPointerGlobal(b, module, kContextName);
    for (OutputReadyOp op : ops)
      lowerToHookCall(b, op);
  }
};

} // namespace
