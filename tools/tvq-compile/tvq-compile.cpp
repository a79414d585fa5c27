//===- tvq-compile.cpp - Compiles a tvq model file to a shared library ----===//
//
//   tvq-compile IN.mlir -o OUT.so [--target=cpu|cuda] [--compile-to=PHASE]
//
// Runs the CPU or CUDA pipeline (include/tvq/Pipelines/Pipelines.h),
// translates the LLVM dialect to LLVM IR, optimizes it, emits an object file
// for the host CPU and links it into a shared library that the runtime loads.
// For CUDA the kernels are PTX embedded in that library. `--compile-to`
// stops after any phase and writes that phase's IR instead (`ptx`: the PTX
// text).
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/TVQDialect.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"
#include "tvq/Pipelines/Pipelines.h"

#include "../common/NestingLimit.h"
#include "LaunchArgumentSlots.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

#include <chrono>
#include <mutex>
#include <sys/resource.h>

using namespace mlir;
namespace cl = llvm::cl;

static cl::opt<std::string>
    inputFilename(cl::Positional, cl::desc("<input .mlir file>"), cl::Required);
static cl::opt<std::string> outputFilename("o", cl::desc("Output file"),
                                           cl::value_desc("filename"),
                                           cl::Required);
static cl::opt<std::string>
    compileTo("compile-to",
              cl::desc("Stop after a phase and write its IR: input, tvq, "
                       "blocks, linalg, vectorized (cpu), bufferized, loops, "
                       "gpu, nvvm (cuda), llvm (MLIR), ptx (cuda: the "
                       "kernels' PTX text), llvmir (host LLVM IR after "
                       "optimization), asm (host assembly)"),
              cl::init("so"));
static cl::opt<std::string>
    target("target",
           cl::desc("Target: cpu (this host's CPU), cuda (NVIDIA GPUs: "
                    "PTX kernels, run with tvq-run --device=cuda) or "
                    "cuda-sim (the CUDA pipeline's kernels run as CPU "
                    "loops: a CPU module for checking the GPU mapping)"),
           cl::init("cpu"));
static cl::opt<std::string>
    cudaArch("cuda-arch",
             cl::desc("With --target=cuda: sm_90a (Hopper, default) or sm_80"),
             cl::init("sm_90a"));
static cl::opt<std::string> cudaGemm(
    "cuda-gemm",
    cl::desc("With --target=cuda or cuda-sim: f32 matrix products call "
             "cuBLAS (cublas, default; loaded at run time, the generated "
             "kernels run where it is missing) or are generated kernels "
             "only (kernels)"),
    cl::init("cublas"));
static cl::opt<std::string> cudaMatmul(
    "cuda-matmul",
    cl::desc(
        "With --target=cuda or cuda-sim: how the generated matrix-product "
        "tiles and the fused attention kernels multiply: f32 (FMAs, "
        "default) or bf16 (operands rounded to bf16, f32 sums, on tensor "
        "cores with mma.sync; cuda-sim computes the same lane by lane) "
        "or wgmma (bf16, the tiles with sm_90a's wgmma.mma_async, the "
        "fused attention kernels with mma.sync; needs --cuda-arch=sm_90a). "
        "cuBLAS calls are unchanged (TVQ_CUBLAS_MATH sets theirs)"),
    cl::init("f32"));
static cl::opt<std::string> cudaAttention(
    "cuda-attention",
    cl::desc("With --target=cuda or cuda-sim: each attention block's output "
             "as score products and elementwise kernels (generic, default), "
             "as one kernel writing the softmax weights then two products "
             "(softmax), or as one kernel with a running softmax max and sum "
             "that never stores a score (fused)"),
    cl::init("generic"));
static cl::opt<std::string> cudaActivations(
    "cuda-activations",
    cl::desc("With --target=cuda or cuda-sim: how elementwise kernels store "
             "the activations other kernels read: f32 (default) or bf16 "
             "(rounded to nearest even, widened to f32 where read; "
             "reductions, statistics, parameters and optimizer states stay "
             "f32; products reading one run as generated tiles, not cuBLAS)"),
    cl::init("f32"));
static cl::opt<bool> cudaSimRaceCheck(
    "cuda-sim-race-check",
    cl::desc("With --target=cuda-sim: the simulated kernels report every "
             "global and workgroup load and store and every barrier to the "
             "runtime, which stops at the first element two threads of a "
             "launch touch without a barrier between, one of them storing "
             "(tvq-instrument-races; slow, for tests)"),
    cl::init(false));
static cl::opt<bool> cudaSimBoundsCheck(
    "cuda-sim-bounds-check",
    cl::desc("With --target=cuda-sim: every load, store and view in the "
             "simulated kernels and the host code checks its indices "
             "against the buffer's bounds when it runs, and the first one "
             "out of bounds stops the program with its location "
             "(generate-runtime-verification; slow, for tests)"),
    cl::init(false));
static cl::opt<std::string>
    cpu("cpu", cl::desc("CPU to generate code for (default: this host's)"),
        cl::init(""));
static cl::list<std::string>
    entries("entries",
            cl::desc("Compile only these entry points (comma-separated), "
                     "e.g. train_step,eval_loss,decode_step"),
            cl::CommaSeparated);
static cl::opt<unsigned> vectorWidth(
    "vector-width",
    cl::desc("f32 lanes per vector (default: 16 where the CPU has AVX-512, "
             "8 with AVX2 or AVX, 4 otherwise)"),
    cl::init(0));
static cl::opt<std::string> cpuMatmul(
    "cpu-matmul",
    cl::desc("Large contractions on the CPU: f32 (FMA, default) or bf16 "
             "(operands rounded to bf16, f32 accumulation with AVX512-BF16's "
             "vdpbf16ps; about 1e-2 relative error; needs a CPU with "
             "avx512bf16, this host's or --cpu's)"),
    cl::init("f32"));
static cl::opt<bool>
    openmp("openmp",
           cl::desc("Run the parallel loops on OpenMP threads (links "
                    "libomp; OMP_NUM_THREADS sets the count at run time)"),
           cl::init(true));
static cl::opt<int> optLevel(
    "O",
    cl::desc("LLVM optimization level of the host code, 0 to 3 (default: 3 "
             "for --target=cpu and cuda-sim; 0 for cuda, whose host code only "
             "sizes buffers and launches kernels: optimizing and scheduling "
             "its one long function took most of the compile time, growing "
             "faster than the model)"),
    cl::init(-1), cl::Prefix);
static cl::opt<bool> llvmUnroll(
    "llvm-unroll",
    cl::desc("Let LLVM unroll loops too (off: the vectorized phase already "
             "unrolled the register tiles; LLVM's unrolling roughly doubled "
             "the compile time of the models without a measurable gain)"),
    cl::init(false));

static cl::opt<bool> timeStages(
    "time-stages",
    cl::desc("Print each stage's wall time and the peak memory so far to "
             "stderr: the MLIR passes, translation to LLVM IR, LLVM's "
             "optimization, code generation, linking (--mlir-timing breaks "
             "the passes down)"),
    cl::init(false));

/// The process's peak resident memory so far, in MiB.
static double peakMemoryMiB() {
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss / 1024.0;
}

/// With --time-stages, prints one line per finished stage to stderr.
class StageTimer {
public:
  void finish(llvm::StringRef stage) {
    auto now = std::chrono::steady_clock::now();
    double seconds = std::chrono::duration<double>(now - start).count();
    start = now;
    if (!timeStages)
      return;
    llvm::errs() << llvm::format(
        "tvq-compile: %-28s %8.2f s, peak memory %7.0f MiB\n",
        stage.str().c_str(), seconds, peakMemoryMiB());
  }

private:
  std::chrono::steady_clock::time_point start =
      std::chrono::steady_clock::now();
};

/// With --time-stages, names each pass after which the peak memory rose by
/// more than 256 MiB (where a compile's memory goes). Nested pass managers
/// call it from several threads.
class PeakMemoryInstrumentation : public PassInstrumentation {
public:
  void runAfterPass(Pass *pass, Operation *) override {
    double now = peakMemoryMiB();
    std::lock_guard<std::mutex> lock(mutex);
    if (now - reported < 256)
      return;
    llvm::errs() << llvm::format(
        "tvq-compile:   peak memory %7.0f MiB after %s\n", now,
        pass->getName().str().c_str());
    reported = now;
  }

private:
  std::mutex mutex;
  double reported = peakMemoryMiB();
};

/// LLVM's default pipeline at `level` (0 to 3), with loop unrolling only when
/// `unroll` is set.
static void optimizeLLVM(llvm::Module &module, llvm::TargetMachine &machine,
                         unsigned level, bool unroll) {
  llvm::LoopAnalysisManager lam;
  llvm::FunctionAnalysisManager fam;
  llvm::CGSCCAnalysisManager cgam;
  llvm::ModuleAnalysisManager mam;
  llvm::PipelineTuningOptions tuning;
  tuning.LoopUnrolling = unroll;
  tuning.LoopInterleaving = unroll;
  tuning.LoopVectorization = level > 1;
  tuning.SLPVectorization = level > 1;
  llvm::PassBuilder builder(&machine, tuning);
  builder.registerModuleAnalyses(mam);
  builder.registerCGSCCAnalyses(cgam);
  builder.registerFunctionAnalyses(fam);
  builder.registerLoopAnalyses(lam);
  builder.crossRegisterProxies(lam, fam, cgam, mam);
  llvm::OptimizationLevel levels[] = {
      llvm::OptimizationLevel::O0, llvm::OptimizationLevel::O1,
      llvm::OptimizationLevel::O2, llvm::OptimizationLevel::O3};
  llvm::OptimizationLevel chosen = levels[std::min(level, 3u)];
  llvm::ModulePassManager passes =
      level == 0 ? builder.buildO0DefaultPipeline(chosen)
                 : builder.buildPerModuleDefaultPipeline(chosen);
  passes.run(module, mam);
}

static int fail(const llvm::Twine &message) {
  llvm::errs() << "tvq-compile: error: " << message << "\n";
  return 1;
}

/// Writes `text` to the output file atomically enough for a compiler: only
/// when the whole text exists.
static int writeOutput(llvm::function_ref<void(llvm::raw_ostream &)> print) {
  std::string error;
  auto out = openOutputFile(outputFilename, &error);
  if (!out)
    return fail(error);
  print(out->os());
  out->keep();
  return 0;
}

/// The code generator's optimization level for LLVM's -O`level`.
static llvm::CodeGenOptLevel codeGenLevel(unsigned level) {
  switch (level) {
  case 0:
    return llvm::CodeGenOptLevel::None;
  case 1:
    return llvm::CodeGenOptLevel::Less;
  case 2:
    return llvm::CodeGenOptLevel::Default;
  default:
    return llvm::CodeGenOptLevel::Aggressive;
  }
}

/// A target machine for the host (or `--cpu`), position-independent code.
static std::unique_ptr<llvm::TargetMachine>
createHostTargetMachine(unsigned level) {
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *t = llvm::TargetRegistry::lookupTarget(triple, error);
  if (!t) {
    fail("no LLVM target for " + triple.str() + ": " + error);
    return nullptr;
  }
  std::string cpuName = cpu.empty() ? llvm::sys::getHostCPUName().str() : cpu;
  llvm::SubtargetFeatures features;
  if (cpu.empty())
    for (auto &f : llvm::sys::getHostCPUFeatures())
      features.AddFeature(f.first(), f.second);
  llvm::TargetOptions options;
  return std::unique_ptr<llvm::TargetMachine>(t->createTargetMachine(
      triple, cpuName, features.getString(), options, llvm::Reloc::PIC_,
      std::nullopt, codeGenLevel(level)));
}

/// f32 lanes of the widest vector registers the target machine has.
static unsigned defaultVectorWidth(llvm::TargetMachine &machine) {
  const llvm::MCSubtargetInfo *info = machine.getMCSubtargetInfo();
  if (info->checkFeatures("+avx512f"))
    return 16;
  if (info->checkFeatures("+avx"))
    return 8;
  return 4;
}

/// compiler-rt's builtins for x86-64, from LLVM 22's clang.
static constexpr llvm::StringLiteral kCompilerRTBuiltins =
    "/usr/lib/llvm-22/lib/clang/22/lib/linux/libclang_rt.builtins-x86_64.a";

/// Links `object` into the shared library `output` with the system driver.
static int linkSharedLibrary(llvm::StringRef object, llvm::StringRef output,
                             bool withOpenMP) {
  auto cc = llvm::sys::findProgramByName("cc");
  if (!cc)
    return fail("no C compiler driver 'cc' on PATH to link the shared "
                "library (scripts/setup.sh installs one)");
  std::string outputTmp = (output + ".tmp").str();
  llvm::SmallVector<llvm::StringRef> args = {*cc,       "-shared", "-o",
                                             outputTmp, object,    "-lm"};
  if (withOpenMP) // The OpenMP runtime (libomp-22-dev, scripts/setup.sh).
    args.append({"-L/usr/lib/llvm-22/lib", "-lomp"});
  // The helpers LLVM's x86 code generator may call, which GCC 12's libgcc
  // lacks: without bf16 instructions, a bf16 value that LLVM's optimizer
  // merges into a phi or select (a bf16 store sunk below a branch, as the
  // cuda-sim bounds checks make) is widened to f32 and narrowed again by
  // __truncsfbf2 (libclang-rt-22-dev, scripts/setup.sh). A static archive:
  // only the helpers the object calls are linked in.
  if (llvm::sys::fs::exists(kCompilerRTBuiltins))
    args.push_back(kCompilerRTBuiltins);
  std::string error;
  int rc = llvm::sys::ExecuteAndWait(*cc, args, std::nullopt, {}, 0, 0, &error);
  if (rc != 0) {
    llvm::sys::fs::remove(outputTmp);
    return fail("linking " + output + " failed" +
                (error.empty() ? "" : ": " + error));
  }
  if (std::error_code ec = llvm::sys::fs::rename(outputTmp, output))
    return fail("cannot write " + output + ": " + ec.message());
  return 0;
}

/// Writes the PTX of every `gpu.binary` in `module` (one per kernel module;
/// the pipeline makes one) to the output file.
static int writePTX(ModuleOp module) {
  std::string ptx;
  module.walk([&](gpu::BinaryOp binary) {
    for (Attribute object : binary.getObjects())
      ptx += cast<gpu::ObjectAttr>(object).getObject().getValue().str();
  });
  if (ptx.empty())
    return fail("the module has no kernels");
  return writeOutput([&](llvm::raw_ostream &os) { os << ptx; });
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  registerAllPasses();
  tvq::registerTVQPasses();
  tvq::registerTVQConversionPasses();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::ParseCommandLineOptions(
      argc, argv, "tvq-compile: tvq model file to shared library\n");

  if (target != "cpu" && target != "cuda" && target != "cuda-sim")
    return fail("unknown --target '" + target +
                "'; targets: cpu, cuda, cuda-sim");
  bool cuda = target == "cuda", cudaSim = target == "cuda-sim";
  bool levelGiven = optLevel.getNumOccurrences() > 0;
  if (levelGiven && (optLevel < 0 || optLevel > 3))
    return fail("-O" + llvm::Twine(optLevel.getValue()) +
                ": the optimization levels are 0 to 3");
  unsigned hostOptLevel = levelGiven ? optLevel : cuda ? 0 : 3;
  tvq::Target pipelineTarget = cuda      ? tvq::Target::CUDA
                               : cudaSim ? tvq::Target::CUDASim
                                         : tvq::Target::CPU;
  tvq::CUDAChoices choices;
  choices.chip = cudaArch;
  choices.gemm = cudaGemm;
  choices.matmul = cudaMatmul;
  choices.attention = cudaAttention;
  choices.activations = cudaActivations;
  tvq::CUDAOptions cudaOptions;
  if (std::string problem =
          tvq::parseCUDAChoices(choices, cudaOptions,
                                [](llvm::StringRef name) {
                                  return name == "chip"
                                             ? std::string("--cuda-arch")
                                             : "--cuda-" + name.str();
                                });
      !problem.empty())
    return fail(problem);
  if (cudaSimRaceCheck && !cudaSim)
    return fail("--cuda-sim-race-check needs --target=cuda-sim (it checks "
                "the simulated kernels)");
  cudaOptions.raceCheck = cudaSimRaceCheck;
  if (cudaSimBoundsCheck && !cudaSim)
    return fail("--cuda-sim-bounds-check needs --target=cuda-sim (it checks "
                "the simulated kernels)");
  cudaOptions.boundsCheck = cudaSimBoundsCheck;

  // Which phase to stop after; the non-MLIR ones come after `llvm`.
  std::optional<tvq::Phase> phase = tvq::parsePhase(compileTo, pipelineTarget);
  bool toLLVMIR = compileTo == "llvmir", toAsm = compileTo == "asm",
       toSharedLib = compileTo == "so";
  if (!phase && !toLLVMIR && !toAsm && !toSharedLib)
    return fail("unknown --compile-to phase '" + compileTo +
                "' for --target=" + target + "; phases: " +
                llvm::join(tvq::phaseNames(pipelineTarget), ", ") +
                ", llvmir, asm, so");

  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  registry.insert<tvq::TVQDialect>();
  MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  std::string error;
  auto file = openInputFile(inputFilename, &error);
  if (!file)
    return fail(error);
  if (!tvq::checkNesting(*file, llvm::errs()))
    return 1;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 1; // The parser or verifier printed a located diagnostic.

  // The target machine decides the vector width (AVX-512: 16 f32 lanes).
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  std::unique_ptr<llvm::TargetMachine> machine =
      createHostTargetMachine(hostOptLevel);
  if (!machine)
    return 1;
  tvq::CPUOptions cpuOptions;
  cpuOptions.threads = openmp;
  cpuOptions.vectorWidth =
      vectorWidth ? vectorWidth : defaultVectorWidth(*machine);
  std::optional<tvq::CPUMatmul> matmul = tvq::parseCPUMatmul(cpuMatmul);
  if (!matmul)
    return fail("unknown --cpu-matmul '" + cpuMatmul + "' (f32 or bf16)");
  if (*matmul == tvq::CPUMatmul::BF16 && !cuda && !cudaSim) {
    // Detected like the vector width: from the target machine's features,
    // which --cpu overrides (e.g. --cpu=sapphirerapids to cross-compile).
    if (!machine->getMCSubtargetInfo()->checkFeatures("+avx512bf16"))
      return fail("--cpu-matmul=bf16 needs AVX512-BF16 (vdpbf16ps), which " +
                  (cpu.empty() ? "this host's CPU (" +
                                     machine->getTargetCPU().str() + ")"
                               : "--cpu=" + cpu) +
                  " lacks; use --cpu-matmul=f32, or --cpu=NAME of a CPU with "
                  "avx512bf16 to compile for another machine");
    if (cpuOptions.vectorWidth != 16)
      return fail("--cpu-matmul=bf16 needs --vector-width=16 (AVX-512), not " +
                  llvm::Twine(cpuOptions.vectorWidth));
  }
  cpuOptions.matmul = *matmul;

  PassManager pm(&context, ModuleOp::getOperationName());
  std::vector<std::string> entryList(entries.begin(), entries.end());
  LogicalResult built =
      cuda || cudaSim
          ? tvq::buildCUDAPipeline(pm, phase.value_or(tvq::Phase::LLVM),
                                   entryList, cudaOptions, pipelineTarget)
          : tvq::buildCPUPipeline(pm, phase.value_or(tvq::Phase::LLVM),
                                  entryList, cpuOptions);
  if (failed(built))
    return fail("cannot build the pass pipeline");
  if (failed(applyPassManagerCLOptions(pm)))
    return fail("bad pass manager options");
  applyDefaultTimingPassManagerCLOptions(pm);
  if (timeStages)
    pm.addInstrumentation(std::make_unique<PeakMemoryInstrumentation>());
  StageTimer timer;
  if (failed(pm.run(*module)))
    return 1; // A pass printed a located diagnostic.
  timer.finish("MLIR passes");
  if (phase == tvq::Phase::PTX)
    return writePTX(*module);
  if (phase)
    return writeOutput([&](llvm::raw_ostream &os) { module->print(os); });

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, inputFilename);
  if (!llvmModule)
    return fail("translation to LLVM IR failed");
  timer.finish("translation to LLVM IR");
  llvmModule->setTargetTriple(machine->getTargetTriple());
  llvmModule->setDataLayout(machine->createDataLayout());
  if (cuda) {
    tvq::LaunchSlotStats slots = tvq::shareLaunchArgumentSlots(*llvmModule);
    if (timeStages)
      llvm::errs() << "tvq-compile: " << slots.shared << " of "
                   << slots.launches
                   << " kernel launches share one argument slot ("
                   << slots.allocasRemoved << " allocas removed)\n";
  }
  optimizeLLVM(*llvmModule, *machine, hostOptLevel, llvmUnroll);
  timer.finish("LLVM optimization");
  if (toLLVMIR)
    return writeOutput(
        [&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });

  // Emit assembly or an object file.
  llvm::SmallString<128> objectPath;
  std::string emitPath;
  if (toAsm) {
    emitPath = outputFilename;
  } else {
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("tvq", "o", objectPath))
      return fail("cannot create a temporary object file: " + ec.message());
    emitPath = objectPath.str().str();
  }
  {
    std::error_code ec;
    llvm::ToolOutputFile out(emitPath, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot write " + emitPath + ": " + ec.message());
    llvm::legacy::PassManager codegen;
    if (machine->addPassesToEmitFile(codegen, out.os(), nullptr,
                                     toAsm ? llvm::CodeGenFileType::AssemblyFile
                                           : llvm::CodeGenFileType::ObjectFile))
      return fail("the target cannot emit this file type");
    codegen.run(*llvmModule);
    out.keep();
  }
  timer.finish("code generation");
  if (toAsm)
    return 0;
  // A CUDA module's host code calls the runtime's mgpu* functions, which
  // tvq-run provides when it loads the module.
  int rc = linkSharedLibrary(objectPath, outputFilename, openmp && !cuda);
  llvm::sys::fs::remove(objectPath);
  timer.finish("linking");
  return rc;
}
