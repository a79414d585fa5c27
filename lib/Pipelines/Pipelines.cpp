//===- Pipelines.cpp - The CPU compilation pipeline, phase by phase -------===//

#include "tvq/Pipelines/Pipelines.h"

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

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
/// lit tests and `tvq-opt` runs use exactly the same strings; `{W}` is the
/// vector width and `{T}` whether to make threads (CPUOptions).
static const PhaseInfo kPhases[] = {
    {Phase::Input, "input", ""},
    {Phase::TVQ, "tvq",
     "inline,symbol-dce,tvq-derive-gradients,tvq-derive-train-step,"
     "tvq-select-entries{entries={E}},symbol-dce,tvq-insert-runtime-checks,"
     "tvq-build-manifest"},
    {Phase::Blocks, "blocks",
     "func.func(tvq-split-attention-blocks),canonicalize,cse"},
    {Phase::Linalg, "linalg",
     "func.func(convert-tvq-to-linalg,convert-elementwise-to-linalg),"
     "canonicalize,cse"},
    {Phase::Vectorized, "vectorized",
     "func.func(tvq-cpu-tile-and-vectorize{vector-width={W} threads={T}}),"
     "canonicalize,cse"},
    {Phase::Bufferized, "bufferized",
     "one-shot-bufferize{bufferize-function-boundaries "
     "function-boundary-type-conversion=identity-layout-map "
     "allow-return-allocs-from-loops},"
     "canonicalize,buffer-deallocation-pipeline,"
     "convert-bufferization-to-memref,canonicalize"},
    {Phase::Loops, "loops",
     "func.func(tvq-strided-copies-to-linalg,convert-linalg-to-loops,"
     "tvq-approximate-math),"
     "scf-forall-to-parallel,lower-affine,canonicalize,cse"},
    {Phase::LLVM, "llvm",
     "func.func(lower-vector-multi-reduction,"
     "convert-vector-to-scf{full-unroll=true}),"
     "expand-strided-metadata,lower-affine,convert-scf-to-openmp,"
     "func.func(tvq-openmp-serial-when-one-task),"
     "finalize-memref-to-llvm,convert-scf-to-cf,"
     "convert-vector-to-llvm{reassociate-fp-reductions=true},"
     "convert-math-to-llvm,convert-arith-to-llvm,"
     "convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,"
     "convert-ub-to-llvm,convert-openmp-to-llvm,"
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

std::string mlir::tvq::phasePipeline(Phase phase, const CPUOptions &cpu,
                                     ArrayRef<std::string> entries) {
  std::string text = kPhases[static_cast<int>(phase)].pipeline.str();
  auto substitute = [&](llvm::StringRef key, const std::string &value) {
    for (size_t pos; (pos = text.find(key.str())) != std::string::npos;)
      text.replace(pos, key.size(), value);
  };
  substitute("{W}", std::to_string(cpu.vectorWidth));
  substitute("{T}", cpu.threads ? "true" : "false");
  substitute("{E}", llvm::join(entries, ","));
  return text;
}

LogicalResult mlir::tvq::buildCPUPipeline(OpPassManager &pm, Phase last,
                                          ArrayRef<std::string> entries,
                                          const CPUOptions &cpu) {
  for (const PhaseInfo &p : kPhases) {
    if (!p.pipeline.empty() &&
        failed(parsePassPipeline(phasePipeline(p.phase, cpu, entries), pm,
                                 llvm::errs())))
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
                     "vectorized, bufferized, loops, llvm)"),
      llvm::cl::init("llvm")};
  Option<int64_t> vectorWidth{
      *this, "vector-width",
      llvm::cl::desc("f32 lanes per vector register (16: AVX-512, 8: AVX2)"),
      llvm::cl::init(16)};
  Option<bool> threads{*this, "threads",
                       llvm::cl::desc("Tile into OpenMP tasks"),
                       llvm::cl::init(true)};
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
        CPUOptions cpu;
        cpu.vectorWidth = options.vectorWidth;
        cpu.threads = options.threads;
        (void)buildCPUPipeline(pm, *phase, {}, cpu);
      });
}
