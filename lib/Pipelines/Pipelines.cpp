//===- Pipelines.cpp - The CPU compilation pipeline, phase by phase -------===//

#include "tvq/Pipelines/Pipelines.h"

#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::tvq;

namespace {
struct PhaseInfo {
  Phase phase;
  llvm::StringRef name;
  llvm::StringRef pipeline;
};
} // namespace

/// Each phase's passes. Written as textual pipelines so that the docs, the
/// lit tests and `tvq-opt` runs use exactly the same strings.
static const PhaseInfo kPhases[] = {
    {Phase::Input, "input", ""},
    {Phase::TVQ, "tvq",
     "inline,symbol-dce,tvq-derive-gradients,tvq-derive-train-step,"
     "tvq-insert-runtime-checks,"
     "tvq-build-manifest"},
    {Phase::Blocks, "blocks",
     "func.func(tvq-split-attention-blocks),canonicalize,cse"},
    {Phase::Linalg, "linalg",
     "func.func(convert-tvq-to-linalg,convert-elementwise-to-linalg),"
     "canonicalize,cse"},
    {Phase::Bufferized, "bufferized",
     "one-shot-bufferize{bufferize-function-boundaries "
     "function-boundary-type-conversion=identity-layout-map "
     "allow-return-allocs-from-loops},"
     "canonicalize,buffer-deallocation-pipeline,"
     "convert-bufferization-to-memref,canonicalize"},
    {Phase::Loops, "loops",
     "func.func(tvq-strided-copies-to-linalg,convert-linalg-to-loops),"
     "lower-affine,canonicalize,cse"},
    {Phase::LLVM, "llvm",
     "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
     "finalize-memref-to-llvm,convert-math-to-llvm,convert-arith-to-llvm,"
     "convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,"
     "reconcile-unrealized-casts,tvq-emit-entry-points,canonicalize"},
};

llvm::ArrayRef<llvm::StringRef> mlir::tvq::phaseNames() {
  static const llvm::SmallVector<llvm::StringRef> names = [] {
    llvm::SmallVector<llvm::StringRef> n;
    for (const PhaseInfo &p : kPhases)
      n.push_back(p.name);
    return n;
  }();
  return names;
}

std::optional<Phase> mlir::tvq::parsePhase(llvm::StringRef name) {
  for (const PhaseInfo &p : kPhases)
    if (p.name == name)
      return p.phase;
  return std::nullopt;
}

llvm::StringRef mlir::tvq::phasePipeline(Phase phase) {
  return kPhases[static_cast<int>(phase)].pipeline;
}

LogicalResult mlir::tvq::buildCPUPipeline(OpPassManager &pm, Phase last) {
  for (const PhaseInfo &p : kPhases) {
    if (!p.pipeline.empty() &&
        failed(parsePassPipeline(p.pipeline, pm, llvm::errs())))
      return failure();
    if (p.phase == last)
      break;
  }
  return success();
}

namespace {
struct CPUPipelineOptions : public PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> compileTo{
      *this, "compile-to",
      llvm::cl::desc("Stop after this phase (input, tvq, blocks, linalg, "
                     "bufferized, loops, llvm)"),
      llvm::cl::init("llvm")};
};
} // namespace

void mlir::tvq::registerTVQPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "tvq-cpu-pipeline",
      "Lower tvq to the LLVM dialect for the CPU, up to a phase",
      [](OpPassManager &pm, const CPUPipelineOptions &options) {
        std::optional<Phase> phase = parsePhase(options.compileTo);
        if (!phase) {
          llvm::errs() << "tvq-cpu-pipeline: unknown phase '"
                       << options.compileTo << "'\n";
          return;
        }
        (void)buildCPUPipeline(pm, *phase);
      });
}
