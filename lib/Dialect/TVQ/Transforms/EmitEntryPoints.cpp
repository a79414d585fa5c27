//===- EmitEntryPoints.cpp - The runtime's symbols (LLVM dialect) ---------===//
//
// Adds `_tvq_packed_F`, `_tvq_check_F` and the `tvq_manifest` global of
// docs/abi.md to a module already lowered to the LLVM dialect.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/ADT/StringExtras.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQEMITENTRYPOINTS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// An entry point as the manifest lists it.
struct Entry {
  std::string name;
  unsigned numInputs;
  unsigned numOutputs;
};

static SmallVector<Entry> parseEntries(StringRef manifest) {
  SmallVector<Entry> entries;
  SmallVector<StringRef> lines;
  manifest.split(lines, '\n');
  for (StringRef line : lines) {
    SmallVector<StringRef> fields;
    line.split(fields, ' ');
    if (fields.size() != 4 || fields[0] != "entry")
      continue;
    Entry e{fields[1].str(), 0, 0};
    (void)fields[2].getAsInteger(10, e.numInputs);
    (void)fields[3].getAsInteger(10, e.numOutputs);
    entries.push_back(e);
  }
  return entries;
}

/// Defines `wrapper(ptr args) -> ret` that loads `numArgs` pointers from
/// `args` and calls `callee` with them. With `lastFirst`, the last pointer
/// (the result storage) becomes the callee's first argument, as the C
/// interface of a function with results wants it.
static LogicalResult emitPackedWrapper(OpBuilder &b, ModuleOp module,
                                       StringRef wrapper, StringRef callee,
                                       unsigned numArgs, bool lastFirst) {
  auto target = module.lookupSymbol<LLVM::LLVMFuncOp>(callee);
  if (!target)
    return module.emitError()
           << "missing C interface function '" << callee << "'";
  Location loc = target.getLoc();
  MLIRContext *ctx = module.getContext();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  Type ret = target.getFunctionType().getReturnType();
  if (target.getFunctionType().getNumParams() != numArgs)
    return target.emitError() << "expected " << numArgs << " parameters";
  auto func = LLVM::LLVMFuncOp::create(b, loc, wrapper,
                                       LLVM::LLVMFunctionType::get(ret, {ptr}));
  Block *entry = func.addEntryBlock(b);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(entry);
  SmallVector<Value> args;
  for (unsigned i = 0; i < numArgs; ++i) {
    Value slot =
        LLVM::GEPOp::create(b, loc, ptr, ptr, entry->getArgument(0),
                            ArrayRef<LLVM::GEPArg>{static_cast<int32_t>(i)});
    args.push_back(LLVM::LoadOp::create(b, loc, ptr, slot));
  }
  if (lastFirst && !args.empty())
    std::rotate(args.begin(), args.end() - 1, args.end());
  auto call = LLVM::CallOp::create(b, loc, target, args);
  if (isa<LLVM::LLVMVoidType>(ret))
    LLVM::ReturnOp::create(b, loc, ValueRange{});
  else
    LLVM::ReturnOp::create(b, loc, call.getResult());
  return success();
}

struct TVQEmitEntryPointsPass
    : tvq::impl::TVQEmitEntryPointsBase<TVQEmitEntryPointsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto manifest = module->getAttrOfType<StringAttr>(kManifestAttr);
    if (!manifest) {
      module.emitError("no tvq.manifest attribute; run tvq-build-manifest "
                       "before lowering");
      return signalPassFailure();
    }
    OpBuilder b(module.getBodyRegion());
    b.setInsertionPointToEnd(module.getBody());
    for (const Entry &e : parseEntries(manifest.getValue())) {
      // The C interface takes the result storage first when there are
      // results; the runtime passes it last, after the inputs.
      unsigned numArgs = e.numInputs + (e.numOutputs > 0 ? 1 : 0);
      if (failed(emitPackedWrapper(b, module, "_tvq_packed_" + e.name,
                                   "_mlir_ciface_" + e.name, numArgs,
                                   /*lastFirst=*/e.numOutputs > 0)) ||
          failed(emitPackedWrapper(
              b, module, "_tvq_check_" + e.name,
              "_mlir_ciface_" + e.name + kCheckSuffix.str(), e.numInputs,
              /*lastFirst=*/false)))
        return signalPassFailure();
      // The estimate of the entry's buffers (tvq-emit-peak-bytes), when the
      // pipeline made one.
      std::string peak = "_mlir_ciface_" + e.name + "__tvq_peak_bytes";
      if (module.lookupSymbol<LLVM::LLVMFuncOp>(peak) &&
          failed(emitPackedWrapper(b, module, "_tvq_peak_bytes_" + e.name, peak,
                                   e.numInputs, /*lastFirst=*/false)))
        return signalPassFailure();
    }
    std::string text = manifest.getValue().str();
    text.push_back('\0');
    auto type = LLVM::LLVMArrayType::get(IntegerType::get(&getContext(), 8),
                                         text.size());
    LLVM::GlobalOp::create(b, module.getLoc(), type, /*isConstant=*/true,
                           LLVM::Linkage::External, "tvq_manifest",
                           b.getStringAttr(text));
    module->removeAttr(kManifestAttr);
    // Which op each GPU kernel computes (tvq-merge-gpu-modules), for the
    // runtime's CUDA profile.
    if (auto sources =
            module->getAttrOfType<StringAttr>("tvq.kernel_sources")) {
      std::string table = sources.getValue().str();
      table.push_back('\0');
      auto tableType = LLVM::LLVMArrayType::get(
          IntegerType::get(&getContext(), 8), table.size());
      LLVM::GlobalOp::create(b, module.getLoc(), tableType,
                             /*isConstant=*/true, LLVM::Linkage::External,
                             "_tvq_kernel_sources", b.getStringAttr(table));
      module->removeAttr("tvq.kernel_sources");
    }
  }
};

} // namespace
