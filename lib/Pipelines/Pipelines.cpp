//===- Pipelines.cpp - The compilation pipelines, phase by phase ----------===//

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

/// The phases the CUDA pipeline shares with the CPU one (kPhases).
constexpr Phase kSharedFront[] = {Phase::Input, Phase::TVQ, Phase::Blocks,
                                  Phase::Linalg};
} // namespace

/// Each phase's passes. Written as textual pipelines so that the docs, the
/// lit tests and `tvq-opt` runs use exactly the same strings; `{W}` is the
/// vector width and `{T}` whether to make threads (CPUOptions); `{M}` and
/// `{X86}` are empty for f32 contractions and add the bf16 options
/// (CPUOptions::matmul) otherwise, so that the default strings are unchanged.
static const PhaseInfo kPhases[] = {
    {Phase::Input, "input", ""},
    {Phase::TVQ, "tvq",
     "tvq-derive-gradients,inline,symbol-dce,tvq-derive-train-step,"
     "tvq-select-entries{entries={E}},symbol-dce,tvq-insert-runtime-checks,"
     "tvq-build-manifest{target={TGT}}"},
    {Phase::Blocks, "blocks",
     "func.func(tvq-split-attention-blocks{BLOCKS}),canonicalize,cse"},
    {Phase::Linalg, "linalg",
     "func.func(convert-tvq-to-linalg{LINALG},convert-elementwise-to-linalg),"
     "canonicalize,cse"},
    {Phase::Vectorized, "vectorized",
     "func.func(tvq-split-reductions,tvq-cpu-fuse-row-chains{threads={T}},"
     "tvq-cpu-tile-and-vectorize{vector-width={W} threads={T}{M}}),"
     "canonicalize,cse,func.func(tvq-unshare-fresh-tensors{at-writers=true})"},
    {Phase::Bufferized, "bufferized",
     "one-shot-bufferize{bufferize-function-boundaries "
     "function-boundary-type-conversion=identity-layout-map "
     "allow-return-allocs-from-loops},"
     "canonicalize,buffer-deallocation-pipeline,"
     "convert-bufferization-to-memref,canonicalize,"
     "tvq-free-after-last-use,tvq-emit-peak-bytes"},
    {Phase::Loops, "loops",
     "func.func(tvq-fold-casts-into-gathers,tvq-strided-copies-to-linalg,"
     "tvq-lower-block-scans,"
     "convert-linalg-to-loops,"
     "tvq-approximate-math),"
     "scf-forall-to-parallel,lower-affine,canonicalize,cse"},
    {Phase::LLVM, "llvm",
     "tvq-lower-output-ready,tvq-split-dynamic-expand-shapes,"
     "func.func(lower-vector-multi-reduction,"
     "convert-vector-to-scf{full-unroll=true}),"
     "expand-strided-metadata,lower-affine,convert-scf-to-openmp,"
     "func.func(tvq-openmp-serial-when-one-task),tvq-outline-parallel-regions,"
     "finalize-memref-to-llvm,convert-scf-to-cf{allow-pattern-rollback=false},"
     "convert-vector-to-llvm{reassociate-fp-reductions=true{X86}},"
     "convert-math-to-llvm,convert-arith-to-llvm,"
     "convert-index-to-llvm,convert-cf-to-llvm,convert-func-to-llvm,"
     "convert-ub-to-llvm,convert-openmp-to-llvm,"
     "reconcile-unrealized-casts,tvq-emit-entry-points,canonicalize"},
};

/// The CUDA pipeline after the phases it shares with the CPU (kSharedFront).
/// `{CHIP}`/`{FEATURES}` come from CUDAOptions, `{B}` is the block size.
static const PhaseInfo kCUDAPhases[] = {
    // Elementwise producers fused into their consumers first (fewer kernels
    // and intermediate buffers), then
    // buffer-deallocation-pipeline without buffer-deallocation-simplification,
    // whose time grows faster than quadratically with the number of GAUs
    // (4 s for 6 GAUs, 27 s for 12); without it, frees that may alias are
    // decided at run time on the host.
    {Phase::Bufferized, "bufferized",
     "func.func(tvq-fuse-elementwise-ops,"
     "tvq-split-reductions{allow-dynamic=true parallel-first=true "
     "row-reduction-depth=32}{ACT}),"
     "canonicalize,cse,func.func(tvq-unshare-fresh-tensors),"
     "one-shot-bufferize{bufferize-function-boundaries "
     "function-boundary-type-conversion=identity-layout-map "
     "allow-return-allocs-from-loops},"
     "canonicalize,expand-realloc{emit-deallocs=false},canonicalize,"
     "ownership-based-buffer-deallocation,canonicalize,"
     "func.func(tvq-split-fresh-deallocs),canonicalize,"
     "bufferization-lower-deallocations,cse,canonicalize,"
     "convert-bufferization-to-memref,canonicalize"},
    {Phase::Loops, "loops",
     "{GEMM}func.func(tvq-fused-attention-to-gpu{MATH},tvq-lower-block-scans,"
     "tvq-strided-copies-to-linalg{all=true},"
     "tvq-tile-matrix-products{TILEMATH},"
     "tvq-scalar-ops-to-kernels,"
     "convert-linalg-to-parallel-loops,tvq-approximate-math),"
     "lower-affine,canonicalize,cse,"
     "func.func(tvq-fuse-parallel-loops,tvq-row-kernels,"
     "tvq-join-independent-loops),"
     "tvq-free-after-last-use,tvq-emit-peak-bytes"},
    {Phase::GPU, "gpu",
     "func.func(tvq-parallel-loops-to-gpu{block-size={B}},"
     "tvq-promote-loop-accumulators,tvq-sink-constants-into-launches),"
     "gpu-kernel-outlining,"
     "tvq-merge-gpu-modules,"
     "tvq-async-launches,"
     "canonicalize,cse"},
    {Phase::NVVM, "nvvm",
     "nvvm-attach-target{chip={CHIP} {FEATURES}O=3},"
     "gpu.module(tvq-align-workgroup-memory,"
     "scf-parallel-for-to-nested-fors,expand-strided-metadata,"
     "lower-affine,convert-scf-to-cf{allow-pattern-rollback=false},"
     "math-expand-ops{ops=rsqrt},"
     "tvq-gpu-math-to-intrinsics,"
     "convert-gpu-to-nvvm,convert-nvvm-to-llvm,"
     "canonicalize,cse),"
     "reconcile-unrealized-casts"},
    {Phase::PTX, "ptx", "gpu-module-to-binary{format=isa}"},
    {Phase::LLVM, "llvm",
     "tvq-lower-output-ready,tvq-split-dynamic-expand-shapes,"
     "expand-strided-metadata,lower-affine,"
     "convert-scf-to-cf{allow-pattern-rollback=false},"
     "finalize-memref-to-llvm{use-generic-functions=true},gpu-to-llvm,"
     "convert-math-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
     "convert-cf-to-llvm,convert-func-to-llvm,convert-ub-to-llvm,"
     "reconcile-unrealized-casts,tvq-emit-entry-points,canonicalize"},
};

/// CUDASim: the CUDA phases up to `loops`, then the launches run as CPU loops
/// and the CPU's `llvm` phase follows.
static const PhaseInfo kCUDASimGPUPhase = {
    Phase::GPU, "gpu",
    "func.func(tvq-parallel-loops-to-gpu{block-size={B}},"
    "tvq-promote-loop-accumulators),{RACE}func.func(tvq-gpu-launch-to-loops),"
    "{BOUNDS}arith-expand{include-bf16=true},canonicalize,cse"};

static const PhaseInfo *cpuPhase(Phase phase) {
  for (const PhaseInfo &p : kPhases)
    if (p.phase == phase)
      return &p;
  return nullptr;
}

/// The phases of `target`, in order.
static llvm::SmallVector<const PhaseInfo *> targetPhases(Target target) {
  llvm::SmallVector<const PhaseInfo *> phases;
  if (target == Target::CPU) {
    for (const PhaseInfo &p : kPhases)
      phases.push_back(&p);
    return phases;
  }
  for (Phase shared : kSharedFront)
    phases.push_back(cpuPhase(shared));
  for (const PhaseInfo &p : kCUDAPhases) {
    if (target == Target::CUDASim && p.phase >= Phase::GPU)
      break;
    phases.push_back(&p);
  }
  if (target == Target::CUDASim) {
    phases.push_back(&kCUDASimGPUPhase);
    phases.push_back(cpuPhase(Phase::LLVM));
  }
  return phases;
}

llvm::SmallVector<llvm::StringRef> mlir::tvq::phaseNames(Target target) {
  llvm::SmallVector<llvm::StringRef> names;
  for (const PhaseInfo *p : targetPhases(target))
    names.push_back(p->name);
  return names;
}

/// "a", "a or b", "a, b or c".
static std::string alternatives(ArrayRef<StringRef> values) {
  std::string text;
  for (auto [i, v] : llvm::enumerate(values))
    text += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ") + v.str();
  return text;
}

std::string
mlir::tvq::parseCUDAChoices(const CUDAChoices &choices, CUDAOptions &cuda,
                            function_ref<std::string(StringRef)> spell) {
  struct Choice {
    StringRef option;
    const std::string &value;
    SmallVector<StringRef> accepted;
  };
  const Choice table[] = {
      {"chip", choices.chip, {"sm_90a", "sm_80"}},
      {"gemm", choices.gemm, {"cublas", "kernels"}},
      {"matmul", choices.matmul, {"f32", "bf16", "wgmma"}},
      {"attention", choices.attention, {"generic", "softmax", "fused"}},
      {"activations", choices.activations, {"f32", "bf16"}},
  };
  for (const Choice &c : table)
    if (!llvm::is_contained(c.accepted, c.value))
      return "unknown " + spell(c.option) + " '" + c.value + "' (" +
             alternatives(c.accepted) + ")";
  if (choices.matmul == "wgmma" && choices.chip != "sm_90a")
    return spell("matmul") + "=wgmma needs " + spell("chip") +
           "=sm_90a (wgmma is Hopper's; " + spell("matmul") +
           "=bf16 uses mma.sync)";
  cuda.chip = choices.chip;
  cuda.libraryGemm = choices.gemm == "cublas";
  cuda.bf16Tiles = choices.matmul != "f32";
  cuda.wgmmaTiles = choices.matmul == "wgmma";
  cuda.attention = choices.attention;
  cuda.bf16Activations = choices.activations == "bf16";
  return "";
}

std::optional<CPUMatmul> mlir::tvq::parseCPUMatmul(llvm::StringRef name) {
  if (name == "f32")
    return CPUMatmul::F32;
  if (name == "bf16")
    return CPUMatmul::BF16;
  return std::nullopt;
}

std::optional<Phase> mlir::tvq::parsePhase(llvm::StringRef name,
                                           Target target) {
  for (const PhaseInfo *p : targetPhases(target))
    if (p->name == name)
      return p->phase;
  return std::nullopt;
}

/// Replaces every `key` in `text` with `value`.
static void substitute(std::string &text, llvm::StringRef key,
                       const std::string &value) {
  for (size_t pos; (pos = text.find(key.str())) != std::string::npos;)
    text.replace(pos, key.size(), value);
}

/// The passes of `phase` for `target` (empty when it has none or the target
/// skips it), with the options filled in.
static std::string phaseText(Phase phase, Target target, const CPUOptions &cpu,
                             const CUDAOptions &cuda,
                             ArrayRef<std::string> entries) {
  std::string text;
  for (const PhaseInfo *p : targetPhases(target))
    if (p->phase == phase)
      text = p->pipeline.str();
  substitute(text, "{E}", llvm::join(entries, ","));
  substitute(text, "{TGT}", target == Target::CUDA ? "cuda" : "cpu");
  // The GPU computes all attention blocks at once; the CPU goes block by
  // block (its row-chain fusion keeps each block's rows in cache).
  substitute(text, "{BLOCKS}", target == Target::CPU ? "" : "{parallel=true}");
  std::string linalg;
  if (target != Target::CPU)
    linalg = "{parallel-blocks=true attention=" + cuda.attention +
             " onehot-products=true transposed-codebook=true}";
  substitute(text, "{LINALG}", linalg);
  substitute(text, "{W}", std::to_string(cpu.vectorWidth));
  substitute(text, "{T}", cpu.threads ? "true" : "false");
  bool bf16 = cpu.matmul == CPUMatmul::BF16;
  substitute(text, "{M}", bf16 ? " matmul=bf16" : "");
  substitute(text, "{X86}", bf16 ? " enable-x86vector=true" : "");
  substitute(text, "{B}", std::to_string(cuda.blockSize));
  std::string gemm;
  if (cuda.libraryGemm)
    gemm = std::string("tvq-contractions-to-library{callee=") +
           (target == Target::CUDA ? "_tvq_cublas_gemm_f32"
                                   : "_tvq_host_gemm_f32") +
           "},";
  substitute(text, "{GEMM}", gemm);
  // bf16 tiles and fused attention kernels use tensor cores on the GPU;
  // cuda-sim computes the same layout lane by lane.
  std::string math;
  if (cuda.bf16Tiles)
    math = target == Target::CUDA ? "{math=bf16}" : "{math=bf16 mma=false}";
  substitute(text, "{MATH}", math);
  // The tiles can use sm_90a's wgmma instead (the fused kernels cannot).
  std::string tileMath = math;
  if (cuda.bf16Tiles && cuda.wgmmaTiles)
    tileMath = target == Target::CUDA ? "{math=bf16 wgmma=true}"
                                      : "{math=bf16 mma=false wgmma=true}";
  substitute(text, "{TILEMATH}", tileMath);
  substitute(text, "{ACT}",
             cuda.bf16Activations ? ",tvq-bf16-activations" : "");
  substitute(text, "{RACE}", cuda.raceCheck ? "tvq-instrument-races," : "");
  // Messages with the op's location only: printing each op is slow.
  substitute(text, "{BOUNDS}",
             cuda.boundsCheck
                 ? "generate-runtime-verification{verbose-level=0},"
                   "tvq-asserts-to-runtime-errors,"
                 : "");
  substitute(text, "{CHIP}", cuda.chip);
  // Hopper's tensor-core instructions need PTX 8.0; sm_80 takes the default.
  substitute(text, "{FEATURES}",
             llvm::StringRef(cuda.chip).starts_with("sm_9") ? "features=+ptx80 "
                                                            : "");
  return text;
}

/// Appends `target`'s phases up to and including `last` to `pm`.
static LogicalResult buildPipeline(OpPassManager &pm, Target target, Phase last,
                                   ArrayRef<std::string> entries,
                                   const CPUOptions &cpu,
                                   const CUDAOptions &cuda) {
  for (const PhaseInfo *p : targetPhases(target)) {
    std::string text = phaseText(p->phase, target, cpu, cuda, entries);
    if (!text.empty() && failed(parsePassPipeline(text, pm, llvm::errs())))
      return failure();
    if (p->phase == last)
      break;
  }
  return success();
}

std::string mlir::tvq::phasePipeline(Phase phase, const CPUOptions &cpu,
                                     ArrayRef<std::string> entries) {
  return phaseText(phase, Target::CPU, cpu, {}, entries);
}

std::string mlir::tvq::cudaPhasePipeline(Phase phase, const CUDAOptions &cuda,
                                         ArrayRef<std::string> entries,
                                         Target target) {
  return phaseText(phase, target, {}, cuda, entries);
}

LogicalResult mlir::tvq::buildCUDAPipeline(OpPassManager &pm, Phase last,
                                           ArrayRef<std::string> entries,
                                           const CUDAOptions &cuda,
                                           Target target) {
  return buildPipeline(pm, target, last, entries, {}, cuda);
}

LogicalResult mlir::tvq::buildCPUPipeline(OpPassManager &pm, Phase last,
                                          ArrayRef<std::string> entries,
                                          const CPUOptions &cpu) {
  return buildPipeline(pm, Target::CPU, last, entries, cpu, {});
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
  Option<std::string> matmul{
      *this, "matmul",
      llvm::cl::desc("Large f32 contractions: f32 (FMA) or bf16 (bf16 "
                     "operands, f32 accumulation with AVX512-BF16)"),
      llvm::cl::init("f32")};
};
} // namespace

namespace {
struct CUDAPipelineOptions : public PassPipelineOptions<CUDAPipelineOptions> {
  Option<std::string> compileTo{
      *this, "compile-to",
      llvm::cl::desc("Stop after this phase (input, tvq, blocks, linalg, "
                     "bufferized, loops, gpu, nvvm, ptx, llvm)"),
      llvm::cl::init("llvm")};
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("sm_90a (Hopper) or sm_80"),
                           llvm::cl::init("sm_90a")};
  Option<std::string> gemm{
      *this, "gemm",
      llvm::cl::desc("f32 matrix products: cublas (a runtime call, kernels "
                     "as the fallback) or kernels"),
      llvm::cl::init("cublas")};
  Option<std::string> matmul{
      *this, "matmul",
      llvm::cl::desc("The generated matrix-product tiles: f32 (FMAs), "
                     "bf16 (tensor cores with mma.sync, f32 sums) or wgmma "
                     "(bf16 with sm_90a's wgmma for the tiles)"),
      llvm::cl::init("f32")};
  Option<std::string> attention{
      *this, "attention",
      llvm::cl::desc("Each attention block's output: generic (score "
                     "products and elementwise kernels), softmax (one "
                     "softmax-weights kernel, then products) or fused (one "
                     "online-softmax kernel)"),
      llvm::cl::init("generic")};
  Option<std::string> activations{
      *this, "activations",
      llvm::cl::desc("How elementwise kernels store activations: f32 or "
                     "bf16 (widened to f32 where read)"),
      llvm::cl::init("f32")};
};
} // namespace

/// Registers pipeline `arg` whose builder checks its options: a bad one is
/// reported through the error handler and fails (tvq-opt exits non-zero).
template <typename Options>
static void registerCheckedPipeline(
    StringRef arg, StringRef description,
    std::function<LogicalResult(OpPassManager &, const Options &,
                                std::string &)>
        build) {
  registerPassPipeline(
      arg, description,
      [arg, build](OpPassManager &pm, StringRef text,
                   function_ref<LogicalResult(const Twine &)> errorHandler) {
        Options options;
        if (failed(options.parseFromString(text)))
          return failure();
        std::string problem;
        if (failed(build(pm, options, problem)))
          return errorHandler(arg + ": " + problem);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(Options());
      });
}

void mlir::tvq::registerTVQPipelines() {
  registerCheckedPipeline<CUDAPipelineOptions>(
      "tvq-cuda-pipeline",
      "Lower tvq to PTX kernels and LLVM-dialect host code, up to a phase",
      [](OpPassManager &pm, const CUDAPipelineOptions &options,
         std::string &problem) {
        std::optional<Phase> phase =
            parsePhase(options.compileTo, Target::CUDA);
        if (!phase) {
          problem = "unknown phase '" + options.compileTo + "'";
          return failure();
        }
        CUDAChoices choices;
        choices.chip = options.chip;
        choices.gemm = options.gemm;
        choices.matmul = options.matmul;
        choices.attention = options.attention;
        choices.activations = options.activations;
        CUDAOptions cuda;
        problem = parseCUDAChoices(choices, cuda,
                                   [](StringRef name) { return name.str(); });
        if (!problem.empty())
          return failure();
        return buildCUDAPipeline(pm, *phase, {}, cuda);
      });
  registerCheckedPipeline<CPUPipelineOptions>(
      "tvq-cpu-pipeline",
      "Lower tvq to the LLVM dialect for the CPU, up to a phase",
      [](OpPassManager &pm, const CPUPipelineOptions &options,
         std::string &problem) {
        std::optional<Phase> phase = parsePhase(options.compileTo);
        std::optional<CPUMatmul> matmul = parseCPUMatmul(options.matmul);
        if (!phase)
          problem = "unknown phase '" + options.compileTo + "'";
        else if (!matmul)
          problem = "unknown matmul '" + options.matmul + "' (f32 or bf16)";
        if (!problem.empty())
          return failure();
        CPUOptions cpu;
        cpu.vectorWidth = options.vectorWidth;
        cpu.threads = options.threads;
        cpu.matmul = *matmul;
        return buildCPUPipeline(pm, *phase, {}, cpu);
      });
}
