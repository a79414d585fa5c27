//===- GenericBuilder.h - Building linalg.generic ops tersely ---*- C++ -*-===//
//
// Shared by the tvq-to-linalg patterns: affine maps by dimension lists,
// filled tensors, and linalg.generic with a body callback.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_LIB_CONVERSION_TVQTOLINALG_GENERICBUILDER_H
#define TVQ_LIB_CONVERSION_TVQTOLINALG_GENERICBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StructuredOpsUtils.h"
#include "mlir/IR/AffineMap.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/StringSwitch.h"

#include <optional>

namespace mlir {
namespace tvq {

using utils::IteratorType;
inline constexpr IteratorType kPar = IteratorType::parallel;
inline constexpr IteratorType kRed = IteratorType::reduction;

/// Small builder for the linalg ops of one lowering: keeps the location and
/// names the recurring shapes of code.
class GenericBuilder {
public:
  GenericBuilder(OpBuilder &b, Location loc) : b(b), loc(loc) {}

  OpBuilder &builder() { return b; }
  Location location() { return loc; }

  /// Affine map over `numDims` loops selecting `dims`.
  AffineMap map(unsigned numDims, ArrayRef<unsigned> dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned d : dims)
      exprs.push_back(getAffineDimExpr(d, b.getContext()));
    return AffineMap::get(numDims, 0, exprs, b.getContext());
  }

  /// An uninitialized tensor of the given sizes and element type.
  Value empty(ArrayRef<OpFoldResult> sizes, Type elt) {
    return tensor::EmptyOp::create(b, loc, sizes, elt);
  }

  /// A tensor of the given sizes filled with `value`.
  Value filled(ArrayRef<OpFoldResult> sizes, Type elt, TypedAttr value) {
    Value cst = arith::ConstantOp::create(b, loc, value);
    return linalg::FillOp::create(b, loc, cst, empty(sizes, elt)).getResult(0);
  }

  /// A float tensor filled with `value`.
  Value filledF32(ArrayRef<OpFoldResult> sizes, double value) {
    return filled(sizes, b.getF32Type(), b.getF32FloatAttr(value));
  }

  /// A linalg.generic with one result.
  Value generic(ValueRange inputs, Value init, ArrayRef<AffineMap> maps,
                ArrayRef<IteratorType> iterators,
                function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
    return genericN(inputs, {init}, maps, iterators,
                    [&](OpBuilder &nb, Location nl, ValueRange args) {
                      return SmallVector<Value>{body(nb, nl, args)};
                    })[0];
  }

  /// A linalg.generic with several results.
  SmallVector<Value>
  genericN(ValueRange inputs, ValueRange inits, ArrayRef<AffineMap> maps,
           ArrayRef<IteratorType> iterators,
           function_ref<SmallVector<Value>(OpBuilder &, Location, ValueRange)>
               body) {
    auto op = linalg::GenericOp::create(
        b, loc, TypeRange(inits), inputs, inits, maps, iterators,
        [&](OpBuilder &nb, Location nl, ValueRange args) {
          linalg::YieldOp::create(nb, nl, body(nb, nl, args));
        });
    return llvm::to_vector_of<Value>(op.getResults());
  }

  /// sizes of `v`, as OpFoldResults.
  SmallVector<OpFoldResult> sizes(Value v) {
    return tensor::getMixedSizes(b, loc, v);
  }
  OpFoldResult size(Value v, int64_t dim) {
    return tensor::getMixedSize(b, loc, v, dim);
  }
  OpFoldResult index(int64_t i) { return b.getIndexAttr(i); }

  /// onehot[b, t, n] = [codes[b, t] == n] as f32 1 or 0, for n < `n`: the
  /// i32 codes or token ids [B, T] as a one-hot tensor [B, T, n], so that a
  /// sum over the positions of each code becomes a matrix product.
  Value oneHot(Value codes, OpFoldResult n) {
    Value init = empty({size(codes, 0), size(codes, 1), n}, b.getF32Type());
    return generic(
        {codes}, init, {map(3, {0, 1}), map(3, {0, 1, 2})}, {kPar, kPar, kPar},
        [](OpBuilder &nb, Location l, ValueRange a) {
          Value n = arith::IndexCastOp::create(
              nb, l, nb.getI32Type(), linalg::IndexOp::create(nb, l, 2));
          Value hit =
              arith::CmpIOp::create(nb, l, arith::CmpIPredicate::eq, a[0], n);
          Value one =
              arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(1.0f));
          Value zero =
              arith::ConstantOp::create(nb, l, nb.getF32FloatAttr(0.0f));
          return arith::SelectOp::create(nb, l, hit, one, zero).getResult();
        });
  }

private:
  OpBuilder &b;
  Location loc;
};

/// Body helpers.
inline Value addF(OpBuilder &b, Location l, Value x, Value y) {
  return arith::AddFOp::create(b, l, x, y);
}
inline Value mulF(OpBuilder &b, Location l, Value x, Value y) {
  return arith::MulFOp::create(b, l, x, y);
}
inline Value constF(OpBuilder &b, Location l, float v) {
  return arith::ConstantOp::create(b, l, b.getF32FloatAttr(v));
}
inline Value constIndex(OpBuilder &b, Location l, int64_t v) {
  return arith::ConstantIndexOp::create(b, l, v);
}
inline Value loopIndex(OpBuilder &b, Location l, unsigned dim) {
  return linalg::IndexOp::create(b, l, dim);
}

/// Casts `v` to the type of `like` when the static information differs.
inline Value castTo(OpBuilder &b, Value like, Value v) {
  if (like.getType() == v.getType())
    return v;
  return tensor::CastOp::create(b, v.getLoc(), like.getType(), v);
}

/// Identity map dimension list 0..rank-1.
inline SmallVector<unsigned> allDims(unsigned rank) {
  SmallVector<unsigned> dims;
  for (unsigned i = 0; i < rank; ++i)
    dims.push_back(i);
  return dims;
}

/// How a one-block vq_attention's output is computed (convert-tvq-to-linalg's
/// `attention`, tvq-compile's --cuda-attention).
enum class AttentionKernels {
  /// Scores, softmax and weighted sums as generics (the scores in memory).
  Generic,
  /// The softmax weights as one tvq.fused_block_softmax (written out, [B, L,
  /// S] and [B, L, M + L]), then the weighted sums as products.
  Softmax,
  /// One tvq.fused_block_attention: no score leaves the kernel.
  Fused,
};

/// `generic`, `softmax` or `fused`; none for anything else.
inline std::optional<AttentionKernels> parseAttentionKernels(StringRef name) {
  return llvm::StringSwitch<std::optional<AttentionKernels>>(name)
      .Case("generic", AttentionKernels::Generic)
      .Case("softmax", AttentionKernels::Softmax)
      .Case("fused", AttentionKernels::Fused)
      .Default(std::nullopt);
}

/// Adds the patterns of AttentionToLinalg.cpp (vq_quantize, codebook_ema,
/// one-block vq_attention, whose output `kernels` computes). With
/// `oneHotProducts` the codebook statistics' key sums are a product with a
/// one-hot tensor of the codes, and with `transposedCodebook` the distances
/// to the codes read the codebook transposed (both the CUDA pipeline).
void populateAttentionToLinalgPatterns(
    RewritePatternSet &patterns,
    AttentionKernels kernels = AttentionKernels::Generic,
    bool oneHotProducts = false, bool transposedCodebook = false);
/// Adds the pattern of AttentionGradToLinalg.cpp (vq_attention_grad).
/// With `parallelBlocks`, ops with M = L compute every block's backward at
/// once (the CUDA pipeline); others keep the block loops. With
/// `kernels` softmax or fused too, the blocks' softmax weights are
/// recomputed by one tvq.fused_block_softmax.
void populateAttentionGradToLinalgPatterns(
    RewritePatternSet &patterns, bool parallelBlocks = false,
    AttentionKernels kernels = AttentionKernels::Generic);
/// Adds the patterns of GradOpsToLinalg.cpp (the other gradient ops). With
/// `oneHotProducts` the embedding gradient is a product with a one-hot tensor
/// of the token ids (the CUDA pipeline).
void populateGradOpsToLinalgPatterns(RewritePatternSet &patterns,
                                     bool oneHotProducts = false);
/// Adds the patterns of OptimizerToLinalg.cpp (lr_schedule, global_norm,
/// adamw_update).
void populateOptimizerToLinalgPatterns(RewritePatternSet &patterns);
/// Adds the patterns of ModelOpsToLinalg.cpp (embedding, norms, dense, ...).
void populateModelOpsToLinalgPatterns(RewritePatternSet &patterns);

} // namespace tvq
} // namespace mlir

#endif // TVQ_LIB_CONVERSION_TVQTOLINALG_GENERICBUILDER_H
