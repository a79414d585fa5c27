//===- Pipelines.h - The compilation pipelines, phase by phase -*- C++ -*-===//
#ifndef TVQ_PIPELINES_PIPELINES_H
#define TVQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>

namespace mlir {
namespace tvq {

/// The phases of the pipelines, in order. Each names the IR after it. A
/// target runs only some of them (`Vectorized` is CPU only; `GPU`, `NVVM`
/// and `PTX` are CUDA only).
enum class Phase {
  Input,      ///< Parsed and verified.
  TVQ,        ///< Runtime checks and manifest added; still tvq ops.
  Blocks,     ///< Attention as an scf.for over blocks carrying the state.
  Linalg,     ///< linalg/tensor/arith/math on tensors.
  Vectorized, ///< CPU: tiled into scf.forall tasks and register tiles.
  Bufferized, ///< memrefs, with deallocation.
  Loops,      ///< scf loops over memrefs (CUDA: scf.parallel per op).
  GPU,        ///< CUDA: kernels outlined into a gpu.module, launch_func.
  NVVM,       ///< CUDA: kernels in the NVVM and LLVM dialects.
  PTX,        ///< CUDA: kernels serialized to PTX in a gpu.binary.
  LLVM,       ///< LLVM dialect with the runtime's entry points.
};

/// What a pipeline generates code for. CUDASim is the CUDA pipeline up to
/// its kernels, which then run as CPU loops (tvq-gpu-launch-to-loops): a CPU
/// module that checks the GPU mapping without a GPU.
enum class Target { CPU, CUDA, CUDASim };

/// How kernels are generated for NVIDIA GPUs.
struct CUDAOptions {
  /// The SM architecture: sm_90a (Hopper) or sm_80 (Ampere).
  std::string chip = "sm_90a";
  /// Threads per block of the flat launches.
  int64_t blockSize = 256;
  /// Whether f32 matrix products call the runtime's GEMM (cuBLAS for
  /// --target=cuda, a host reference for cuda-sim) with generated kernels as
  /// the fallback (`tvq-contractions-to-library`), or are kernels only.
  bool libraryGemm = true;
  /// How the generated matrix-product tiles (`tvq-tile-matrix-products`) and
  /// the fused attention kernels (`tvq-fused-attention-to-gpu`) multiply: f32
  /// FMAs, or bf16 operands with f32 sums on tensor cores (mma.sync; lane by
  /// lane for cuda-sim).
  bool bf16Tiles = false;
  /// With bf16Tiles: the matrix-product tiles multiply with sm_90a's
  /// wgmma.mma_async (bf16 stages in shared memory read by descriptors; the
  /// lane-by-lane equivalent for cuda-sim) instead of mma.sync. The fused
  /// attention kernels keep mma.sync.
  bool wgmmaTiles = false;
  /// How each attention block's output is computed: `generic` (score
  /// products and elementwise kernels, the scores in memory), `softmax` (the
  /// softmax weights from one generated kernel, `tvq.fused_block_softmax`,
  /// then the weighted sums as products) or `fused` (scores, online softmax
  /// and weighted sums as one generated kernel, `tvq.fused_block_attention`).
  /// `tvq-fused-attention-to-gpu` generates both kernels.
  std::string attention = "generic";
  /// Whether elementwise kernels' activations are stored as bf16 (widened to
  /// f32 where read; `tvq-bf16-activations`) or as f32.
  bool bf16Activations = false;
  /// cuda-sim only: the simulated kernels report their loads, stores and
  /// barriers to the runtime's race check (`tvq-instrument-races`).
  bool raceCheck = false;
  /// cuda-sim only: every memref access and view in the simulated kernels
  /// and the host code is checked against its buffer's bounds when it runs
  /// (upstream `generate-runtime-verification`, after
  /// `tvq-gpu-launch-to-loops`).
  bool boundsCheck = false;
};

/// The CUDA pipeline's choices by name, as tvq-compile's `--cuda-*` flags and
/// tvq-opt's `tvq-cuda-pipeline` options give them.
struct CUDAChoices {
  std::string chip = "sm_90a";       ///< sm_90a or sm_80
  std::string gemm = "cublas";       ///< cublas or kernels
  std::string matmul = "f32";        ///< f32, bf16 or wgmma
  std::string attention = "generic"; ///< generic, softmax or fused
  std::string activations = "f32";   ///< f32 or bf16
};

/// Checks every choice and fills `cuda` from them. Returns what is wrong with
/// the first bad one, naming options as `spell` writes them (tvq-opt: the
/// name; tvq-compile: its flag), e.g. "unknown --cuda-matmul 'fp8' (f32, bf16
/// or wgmma)"; empty when all are good.
std::string
parseCUDAChoices(const CUDAChoices &choices, CUDAOptions &cuda,
                 llvm::function_ref<std::string(llvm::StringRef)> spell);

/// How the CPU pipeline computes large f32 contractions.
enum class CPUMatmul {
  F32,  ///< f32 FMAs (the default).
  BF16, ///< Operands rounded to bf16, products accumulated in f32 with
        ///< AVX512-BF16's vdpbf16ps (`x86vector.avx512.dot`).
};

/// Parses `f32` or `bf16`; std::nullopt otherwise.
std::optional<CPUMatmul> parseCPUMatmul(llvm::StringRef name);

/// What the code is generated for (tvq-compile derives it from the target
/// CPU's features; tvq-opt takes it as pipeline options).
struct CPUOptions {
  /// f32 lanes of a vector register: 16 with AVX-512, 8 with AVX2 or AVX,
  /// 4 with SSE.
  int64_t vectorWidth = 16;
  /// Tile into scf.forall tasks and run them on OpenMP threads.
  bool threads = true;
  /// Contractions with a static reduction of at least 64 that become the
  /// outer-product kernel: in f32 or with bf16 operands (needs AVX512-BF16
  /// and a vector width of 16).
  CPUMatmul matmul = CPUMatmul::F32;
};

/// The target's phase names as `--compile-to` spells them, in order.
llvm::SmallVector<llvm::StringRef> phaseNames(Target target = Target::CPU);

/// Parses the name of one of the target's phases; std::nullopt when unknown.
std::optional<Phase> parsePhase(llvm::StringRef name,
                                Target target = Target::CPU);

/// The textual pass pipeline that takes the IR from the phase before `phase`
/// to `phase` (empty for Input). `entries` selects entry points (all when
/// empty).
std::string phasePipeline(Phase phase, const CPUOptions &cpu = {},
                          llvm::ArrayRef<std::string> entries = {});

/// Appends the passes that take the input up to and including `last` to
/// `pm` (anchored on builtin.module). A non-empty `entries` keeps only
/// those entry points once the derived ones exist.
LogicalResult buildCPUPipeline(OpPassManager &pm, Phase last,
                               llvm::ArrayRef<std::string> entries = {},
                               const CPUOptions &cpu = {});

/// The same for the CUDA target: the kernels end as PTX inside a
/// `gpu.binary`, the host code calls the runtime's `mgpu*` functions.
/// `target` is CUDA or CUDASim.
LogicalResult buildCUDAPipeline(OpPassManager &pm, Phase last,
                                llvm::ArrayRef<std::string> entries = {},
                                const CUDAOptions &cuda = {},
                                Target target = Target::CUDA);

/// The textual pass pipeline of one CUDA (or CUDASim) phase (empty when it
/// has none).
std::string cudaPhasePipeline(Phase phase, const CUDAOptions &cuda = {},
                              llvm::ArrayRef<std::string> entries = {},
                              Target target = Target::CUDA);

/// Registers `tvq-cpu-pipeline` and `tvq-cuda-pipeline` (with option
/// `compile-to`) for tvq-opt.
void registerTVQPipelines();

} // namespace tvq
} // namespace mlir

#endif // TVQ_PIPELINES_PIPELINES_H
