//===- Pipelines.h - The CPU compilation pipeline, phase by phase -*- C++
//-*-===//
#ifndef TVQ_PIPELINES_PIPELINES_H
#define TVQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <optional>
#include <string>

namespace mlir {
namespace tvq {

/// The phases of the CPU pipeline, in order. Each names the IR after it.
enum class Phase {
  Input,      ///< Parsed and verified.
  TVQ,        ///< Runtime checks and manifest added; still tvq ops.
  Blocks,     ///< Attention as an scf.for over blocks carrying the state.
  Linalg,     ///< linalg/tensor/arith/math on tensors.
  Vectorized, ///< Tiled into scf.forall tasks and register tiles, vectors.
  Bufferized, ///< memrefs, with deallocation.
  Loops,      ///< scf loops over memrefs.
  LLVM,       ///< LLVM dialect with the runtime's entry points.
};

/// What the code is generated for (tvq-compile derives it from the target
/// CPU's features; tvq-opt takes it as pipeline options).
struct CPUOptions {
  /// f32 lanes of a vector register: 16 with AVX-512, 8 with AVX2 or AVX,
  /// 4 with SSE.
  int64_t vectorWidth = 16;
  /// Tile into scf.forall tasks and run them on OpenMP threads.
  bool threads = true;
};

/// Phase names as `--compile-to` spells them, in order.
llvm::ArrayRef<llvm::StringRef> phaseNames();

/// Parses a phase name; std::nullopt when unknown.
std::optional<Phase> parsePhase(llvm::StringRef name);

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

/// Registers `tvq-cpu-pipeline` (with option `compile-to`) for tvq-opt.
void registerTVQPipelines();

} // namespace tvq
} // namespace mlir

#endif // TVQ_PIPELINES_PIPELINES_H
