//===- BuildManifest.cpp - Describe entry points for the runtime ----------===//
//
// Writes the manifest of docs/abi.md into the `tvq.manifest` module
// attribute and asks for C-interface wrappers of every entry point and
// check function.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQBUILDMANIFEST
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// The manifest's name for an element type, or "" when unsupported.
static StringRef dtypeName(Type t) {
  if (t.isF32())
    return "f32";
  if (t.isF64())
    return "f64";
  if (t.isSignlessInteger(32))
    return "i32";
  if (t.isSignlessInteger(64))
    return "i64";
  return "";
}

/// Writes one `input` or `output` line; fails with a located error for a
/// type the runtime cannot pass.
static LogicalResult writeTensor(llvm::raw_ostream &os, func::FuncOp func,
                                 StringRef kind, unsigned index, Type type,
                                 DictionaryAttr attrs) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  StringRef dtype = tensor ? dtypeName(tensor.getElementType()) : "";
  if (dtype.empty())
    return func.emitError() << kind << " " << index << " of entry point '"
                            << func.getName() << "' has type " << type
                            << "; entry points take and return ranked "
                               "tensors of f32, f64, i32 or i64";
  std::string name =
      (kind == "input" ? "arg" : "result") + std::to_string(index);
  if (attrs)
    if (auto named = attrs.getAs<StringAttr>("tvq.name")) {
      if (named.getValue().empty() ||
          named.getValue().find_first_of(" \t\n") != StringRef::npos)
        return func.emitError() << "tvq.name of " << kind << " " << index
                                << " must be a non-empty word";
      name = named.getValue().str();
    }
  os << kind << " " << index << " " << name << " " << dtype << " "
     << tensor.getRank();
  for (int64_t d : tensor.getShape()) {
    if (ShapedType::isDynamic(d))
      os << " ?";
    else
      os << " " << d;
  }
  os << "\n";
  return success();
}

struct TVQBuildManifestPass
    : tvq::impl::TVQBuildManifestBase<TVQBuildManifestPass> {
  using Base::Base;
  void runOnOperation() override {
    if (target != "cpu" && target != "cuda") {
      getOperation().emitError("tvq-build-manifest: unknown target '")
          << target << "' (cpu or cuda)";
      return signalPassFailure();
    }
    ModuleOp module = getOperation();
    Builder b(module.getContext());
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "tvq-manifest 1\ntarget " << target << "\n";
    for (auto func : module.getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal() ||
          func.getName().ends_with(kCheckSuffix))
        continue;
      auto check = module.lookupSymbol<func::FuncOp>(
          (func.getName() + kCheckSuffix).str());
      if (!check) {
        func.emitError("entry point has no check function; run "
                       "tvq-insert-runtime-checks first");
        return signalPassFailure();
      }
      FunctionType type = func.getFunctionType();
      os << "entry " << func.getName() << " " << type.getNumInputs() << " "
         << type.getNumResults() << "\n";
      for (unsigned i = 0; i < type.getNumInputs(); ++i)
        if (failed(writeTensor(os, func, "input", i, type.getInput(i),
                               func.getArgAttrDict(i))))
          return signalPassFailure();
      for (unsigned i = 0; i < type.getNumResults(); ++i)
        if (failed(writeTensor(os, func, "output", i, type.getResult(i),
                               func.getResultAttrDict(i))))
          return signalPassFailure();
      auto messages = check->getAttrOfType<ArrayAttr>(kCheckMessagesAttr);
      for (auto [i, message] :
           llvm::enumerate(messages.getAsValueRange<StringAttr>()))
        os << "check " << i + 1 << " " << message << "\n";
      os << "end\n";
      // The names live on in the manifest; LLVM has no use for them.
      for (unsigned i = 0; i < type.getNumInputs(); ++i)
        func.removeArgAttr(i, "tvq.name");
      for (unsigned i = 0; i < type.getNumResults(); ++i)
        func.removeResultAttr(i, b.getStringAttr("tvq.name"));
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    b.getUnitAttr());
      check->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                     b.getUnitAttr());
    }
    module->setAttr(kManifestAttr, b.getStringAttr(text));
  }
};

} // namespace
