//===- Passes.h - Passes on the tvq dialect ---------------------*- C++ -*-===//
#ifndef TVQ_DIALECT_TVQ_TRANSFORMS_PASSES_H
#define TVQ_DIALECT_TVQ_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace tvq {

#define GEN_PASS_DECL
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"

/// Suffix of the shape-check function derived for an entry point.
inline constexpr llvm::StringLiteral kCheckSuffix = "__tvq_check";
/// Name of the module attribute holding the manifest text.
inline constexpr llvm::StringLiteral kManifestAttr = "tvq.manifest";
/// Marks a function built by a derivation pass (gradients, train step).
inline constexpr llvm::StringLiteral kDerivedAttr = "tvq.derived";
/// Marks a function whose forward tvq-derive-gradients recomputes in the
/// backward instead of keeping its activations (activation recomputation).
inline constexpr llvm::StringLiteral kRecomputeAttr = "tvq.recompute";
/// Marks the ops of such a recomputation (tvq-derive-train-step updates the
/// codebook from the forward's quantizers, not from these copies).
inline constexpr llvm::StringLiteral kRecomputedAttr = "tvq.recomputed";
/// Name of the check function attribute holding the check messages.
inline constexpr llvm::StringLiteral kCheckMessagesAttr = "tvq.check_messages";

} // namespace tvq
} // namespace mlir

#endif // TVQ_DIALECT_TVQ_TRANSFORMS_PASSES_H
