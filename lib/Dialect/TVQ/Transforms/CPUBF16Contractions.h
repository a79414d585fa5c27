//===- CPUBF16Contractions.h - bf16 contractions for the CPU ----*- C++ -*-===//
//
// The bf16 mode of tvq-cpu-tile-and-vectorize (`matmul=bf16`): large f32
// contractions take bf16 operands and accumulate in f32 with AVX512-BF16's
// vdpbf16ps (`x86vector.avx512.dot`). Internal to TVQTransforms.
//
//===----------------------------------------------------------------------===//
#ifndef TVQ_LIB_DIALECT_TVQ_TRANSFORMS_CPUBF16CONTRACTIONS_H
#define TVQ_LIB_DIALECT_TVQ_TRANSFORMS_CPUBF16CONTRACTIONS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir {
namespace tvq {

/// The loop index of the `pos`-th result of `map`, if it is a plain dim
/// (shared by the CPU tiling and the bf16 rewrite).
inline std::optional<unsigned> resultDim(AffineMap map, int pos) {
  if (pos < 0 || pos >= static_cast<int>(map.getNumResults()))
    return std::nullopt;
  if (auto d = dyn_cast<AffineDimExpr>(map.getResult(pos)))
    return d.getPosition();
  return std::nullopt;
}

/// Inside a task of a fused row chain (tvq-cpu-fuse-row-chains), an operand
/// `src` of `op` may be a slice (one batch row, same rank, unit strides) of a
/// value defined outside the task: that slice, so that its source can be
/// rewritten once outside the task and sliced again; null otherwise (shared
/// by the CPU tiling and the bf16 rewrite).
inline tensor::ExtractSliceOp sliceOfTaskInvariant(Operation *op, Value src) {
  auto slice = src.getDefiningOp<tensor::ExtractSliceOp>();
  auto task = op->getParentOfType<scf::ForallOp>();
  if (!slice || !task ||
      task->isAncestor(slice.getSource().getParentBlock()->getParentOp()) ||
      slice.getSourceType().getRank() != slice.getResultType().getRank() ||
      !slice.hasUnitStride())
    return nullptr;
  return slice;
}

/// Smallest static reduction length that a contraction is computed in bf16
/// with.
inline constexpr int64_t kMinBF16Reduction = 64;

/// If `op` is an f32 contraction `out[.., m, n] += a[.., m, k] * b[.., k, n]`
/// (any operand layouts that are projected permutations; one operand without
/// the output's lane loop n, the other without its row loop m, so that the
/// Lanes plan makes it the outer-product kernel) with one reduction loop k of
/// static length >= kMinBF16Reduction, whose result does not feed an
/// arg-min/arg-max (an op with an integer output: vq_quantize's distances
/// stay f32, so that codes do not move at near-ties), rewrites it to the
/// bf16-pair form: the operands rounded to bf16 (arith.truncf: round to nearest
/// even), k split into kk = k/2 (padded with a zero when odd) and a last
/// reduction loop p of 2, a read as [.., kk, p] with p innermost and b packed
/// as
/// [.., kk, n, p] (the pair-interleaved VNNI layout; packs of reused
/// operands are made once, like transposeReusedInputs' transposes). The body
/// is `acc + extf(a) * extf(b)`. Returns the new op and appends the packing
/// ops to `packs`; failure (nothing changed) when `op` does not qualify.
FailureOr<linalg::GenericOp>
rewriteToBF16Pairs(RewriterBase &rewriter, linalg::GenericOp op,
                   SmallVectorImpl<linalg::LinalgOp> &packs);

/// The pair loop p of an op made by rewriteToBF16Pairs (its last loop), or
/// std::nullopt for other ops.
std::optional<unsigned> bf16PairLoop(linalg::LinalgOp op);

/// For a pack made by rewriteToBF16Pairs whose output ends in [.., n, 2]
/// (b's layout), the loop of n; std::nullopt for other ops.
std::optional<unsigned> bf16PackRowLoop(linalg::LinalgOp op);

/// Rewrites the static register tiles of bf16-pair ops in `root` (after
/// tiling and dropping unit loops: out[m, n] += a[m, p] * b[n, p] with p = 2,
/// n a multiple of 16) into one `x86vector.avx512.dot` per row and 16 lanes:
/// a's pair broadcast as one 32-bit lane, b's [16 x 2] read as 32 bf16.
void lowerBF16PairTiles(RewriterBase &rewriter, Operation *root);

} // namespace tvq
} // namespace mlir

#endif // TVQ_LIB_DIALECT_TVQ_TRANSFORMS_CPUBF16CONTRACTIONS_H
