//===- Pipelines.h - The CPU compilation pipeline, phase by phase -*- C++ -*-===//
#ifndef TVQ_PIPELINES_PIPELINES_H
#define TVQ_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include <optional>

namespace mlir {
namespace tvq {

/// The phases of the CPU pipeline, in order. Each names the IR after it.
enum class Phase {
  Input,      ///< Parsed and verified.
  TVQ,        ///< Runtime checks and manifest added; still tvq ops.
  Blocks,     ///< Attention as an scf.for over blocks carrying the state.
  Linalg,     ///< linalg/tensor/arith/math on tensors.
  Bufferized, ///< memrefs, with deallocation.
  Loops,      ///< scf loops over memrefs.
  LLVM,       ///< LLVM dialect with the runtime's entry points.
};

/// Phase names as `--compile-to` spells them, in order.
llvm::ArrayRef<llvm::StringRef> phaseNames();

/// Parses a phase name; std::nullopt when unknown.
std::optional<Phase> parsePhase(llvm::StringRef name);

/// The textual pass pipeline that takes the IR from the phase before `phase`
/// to `phase` (empty for Input).
llvm::StringRef phasePipeline(Phase phase);

/// Appends the passes that take the input up to and including `last` to
/// `pm` (anchored on builtin.module).
LogicalResult buildCPUPipeline(OpPassManager &pm, Phase last);

/// Registers `tvq-cpu-pipeline` (with option `compile-to`) for tvq-opt.
void registerTVQPipelines();

} // namespace tvq
} // namespace mlir

#endif // TVQ_PIPELINES_PIPELINES_H
