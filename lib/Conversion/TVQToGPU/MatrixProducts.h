//===- MatrixProducts.h - Recognizing f32 matrix products -------*- C++ -*-===//
//
// The (batched) f32 matrix products that tvq-contractions-to-library hands to
// a GEMM library, recognized on tensors or buffers; tvq-fuse-elementwise-ops
// keeps them as they are so that they stay recognizable.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_LIB_CONVERSION_TVQTOGPU_MATRIXPRODUCTS_H
#define TVQ_LIB_CONVERSION_TVQTOGPU_MATRIXPRODUCTS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include <optional>

namespace mlir {
namespace tvq {

/// The unit attribute on the `scf.if` around a product that runs only when
/// the library call declined it (tvq-contractions-to-library); the kernels
/// launched inside are that fallback.
constexpr llvm::StringLiteral kLibraryFallbackAttr = "tvq.library_fallback";

/// The loop dimensions of a matched product C[b, m, n] += A[b, m, k] B[b, k,
/// n]; b may be two loops (b1, b2), which the call sees as one batch of
/// b1 x b2 when every operand's strides allow (checked at run time).
struct MatrixProduct {
  unsigned a = 0, b = 0; // DPS input numbers of A (has m) and B (has n)
  SmallVector<unsigned, 2> batches; // none, one or two, outermost first
  unsigned m = 0, n = 0;
  SmallVector<unsigned, 2> reductions; // one or two, outermost first
  /// Per DPS input: bf16, widened to f32 in the body (tvq-bf16-activations).
  bool widened[2] = {false, false};

  bool anyWidened() const { return widened[0] || widened[1]; }

  std::optional<unsigned> batch() const {
    if (batches.empty())
      return std::nullopt;
    return batches.back();
  }
};

/// The loop dimensions that `map` (a projected permutation) reads.
inline SmallVector<unsigned> dimsOf(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(cast<AffineDimExpr>(e).getPosition());
  return dims;
}

/// The product `op` computes: a linalg.generic with two f32 inputs (tensors,
/// or buffers with strided layouts; an input may be bf16 that the body
/// widens first), an f32 output, body `out + in0 * in1`,
/// projected-permutation maps, an output (b1?, b2?, m, n), one or two
/// reductions read by both inputs, one input with m and not n, the other
/// with n and not m; nothing when `op` is not one.
std::optional<MatrixProduct> matchMatrixProduct(linalg::GenericOp op);

} // namespace tvq
} // namespace mlir

#endif // TVQ_LIB_CONVERSION_TVQTOGPU_MATRIXPRODUCTS_H
