//===- MergeGPUModules.cpp - All outlined kernels into one gpu.module -----===//
//
// `gpu-kernel-outlining` puts every kernel into a gpu.module of its own.
// `tvq-merge-gpu-modules` moves them all into one module, `@tvq_kernels`,
// each kernel renamed after the module it came from (those names are unique),
// so the host loads one PTX image and the NVPTX backend runs once. Kernels
// whose code is identical (every layer of a model launches the same ones)
// are kept once.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringMap.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQMERGEGPUMODULES
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

constexpr llvm::StringLiteral kMergedName = "tvq_kernels";

/// The kernel's code as text, its name left out: equal for kernels that
/// differ only in their names.
std::string kernelKey(gpu::GPUFuncOp func) {
  StringAttr name = func.getNameAttr();
  func.setName("kernel");
  std::string text;
  llvm::raw_string_ostream os(text);
  func->print(os, OpPrintingFlags().useLocalScope().enableDebugInfo(false));
  func.setName(name);
  return text;
}

/// "op at file:line:col" (the file's base name) for a launch's location,
/// as far as it tells.
std::string describeSource(Location loc) {
  std::string text;
  if (auto named = dyn_cast<NameLoc>(loc)) {
    text = named.getName().str();
    loc = named.getChildLoc();
  } else if (auto fused = dyn_cast<FusedLoc>(loc)) {
    // Loops that tvq-join-independent-loops ran in one kernel: each one.
    if (auto tag = dyn_cast_or_null<StringAttr>(fused.getMetadata());
        tag && tag.getValue() == tvq::kJoinedLoopsTag) {
      SmallVector<std::string> parts;
      for (Location part : fused.getLocations()) {
        std::string described = describeSource(part);
        if (!described.empty() && !llvm::is_contained(parts, described))
          parts.push_back(std::move(described));
      }
      return llvm::join(parts, " + ");
    }
    for (Location part : fused.getLocations())
      if (isa<NameLoc>(part))
        return describeSource(part);
    if (!fused.getLocations().empty())
      loc = fused.getLocations().front();
  }
  // An op of an inlined function: where it is written in that function.
  while (auto call = dyn_cast<CallSiteLoc>(loc))
    loc = call.getCallee();
  if (auto file = dyn_cast<FileLineColLoc>(loc)) {
    StringRef path = file.getFilename().getValue();
    std::string where = path.rsplit('/').second.empty()
                            ? path.str()
                            : path.rsplit('/').second.str();
    where += ":" + std::to_string(file.getLine()) + ":" +
             std::to_string(file.getColumn());
    text = text.empty() ? where : text + " at " + where;
  }
  return text;
}

struct MergeGPUModulesPass
    : public tvq::impl::TVQMergeGPUModulesBase<MergeGPUModulesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<gpu::GPUModuleOp> sources(module.getOps<gpu::GPUModuleOp>());
    if (sources.empty())
      return;
    if (module.lookupSymbol(kMergedName)) {
      module.emitError("tvq-merge-gpu-modules: a symbol named '")
          << kMergedName << "' exists already";
      return signalPassFailure();
    }
    OpBuilder b(sources.front());
    auto merged =
        gpu::GPUModuleOp::create(b, sources.front().getLoc(), kMergedName);
    Block &body = merged.getBodyRegion().front();

    // Old (module, kernel) pair → the kernel's new name; code → the name of
    // the first kernel with that code.
    llvm::DenseMap<std::pair<StringAttr, StringAttr>, StringAttr> renamed;
    llvm::StringMap<StringAttr> byCode;
    for (gpu::GPUModuleOp source : sources) {
      SmallVector<gpu::GPUFuncOp> funcs(source.getOps<gpu::GPUFuncOp>());
      for (gpu::GPUFuncOp func : funcs) {
        std::string name = source.getName().str();
        if (funcs.size() > 1)
          name += "__" + func.getName().str();
        auto [it, isNew] =
            byCode.try_emplace(kernelKey(func), b.getStringAttr(name));
        renamed[{source.getNameAttr(), func.getNameAttr()}] = it->second;
        if (!isNew) {
          func.erase();
          continue;
        }
        func->moveBefore(&body, body.end());
        func.setName(it->second);
      }
      if (!source.getBody()->without_terminator().empty()) {
        source.emitError("tvq-merge-gpu-modules: the module holds more than "
                         "kernels");
        return signalPassFailure();
      }
      source.erase();
    }

    // Each kernel's source, from its first launch: "name\tsource\n" lines in
    // the tvq.kernel_sources attribute (tvq-emit-entry-points makes it the
    // _tvq_kernel_sources global; the CUDA profile prints it).
    llvm::StringMap<std::string> kernelSources;
    std::string table;
    WalkResult result = module.walk([&](gpu::LaunchFuncOp launch) {
      auto it =
          renamed.find({launch.getKernelModuleName(), launch.getKernelName()});
      if (it == renamed.end()) {
        launch.emitError("launches a kernel that was not merged");
        return WalkResult::interrupt();
      }
      launch.setKernelAttr(SymbolRefAttr::get(
          b.getStringAttr(kMergedName), {FlatSymbolRefAttr::get(it->second)}));
      std::string source = describeSource(launch.getLoc());
      if (!source.empty() &&
          kernelSources.try_emplace(it->second.getValue(), source).second)
        table += it->second.getValue().str() + "\t" + source + "\n";
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    if (!table.empty())
      module->setAttr("tvq.kernel_sources", b.getStringAttr(table));
  }
};

} // namespace
