//===- Gemm.h - Matrix products handed to BLAS ------------------*- C++ -*-===//
//
// `tvq-contractions-to-library` turns each f32 matrix product of a CUDA module
// into a call `_tvq_cublas_gemm_f32(...)` (`_tvq_host_gemm_f32` for cuda-sim)
// that describes it in row-major terms with arbitrary strides (docs/abi.md,
// "GEMM calls"). This file decodes those arguments and plans the equivalent
// call of a column-major BLAS (cublasSgemmStridedBatched's arguments), or
// says that BLAS cannot take the layout; and it runs such a call on the host,
// as BLAS defines it, for cuda-sim and the tests.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_GEMM_H
#define TVQ_RUNTIME_GEMM_H

#include <cstdint>
#include <optional>

namespace tvq::gemm {

/// C[p][i][j] += sum_l A[p][i][l] * B[p][l][j], p < batch, i < m, j < n,
/// l < k; each operand a pointer and its strides in elements.
struct Problem {
  int64_t batch = 1, m = 0, n = 0, k = 0;
  const float *a = nullptr;
  int64_t aBatch = 0, aRow = 0, aCol = 0; // strides of (p, i, l)
  const float *b = nullptr;
  int64_t bBatch = 0, bRow = 0, bCol = 0; // strides of (p, l, j)
  float *c = nullptr;
  int64_t cBatch = 0, cRow = 0, cCol = 0; // strides of (p, i, j)
};

/// The 22 arguments of a GEMM call, as the pass passes them: batch, m, n,
/// the two reduction sizes k1 (outer) and k2, then for A its aligned pointer,
/// offset and the strides of (batch, m, k1, k2), for B the same with n, and
/// for C its pointer, offset and the strides of (batch, m, n). A stride is 0
/// for a dimension the operand lacks.
struct CallArguments {
  int64_t batch, m, n, k1, k2;
  int64_t aPointer, aOffset, aBatch, aM, aK1, aK2;
  int64_t bPointer, bOffset, bBatch, bN, bK1, bK2;
  int64_t cPointer, cOffset, cBatch, cM, cN;
};

/// The problem of a call; nullopt when its two reductions cannot be
/// collapsed into one strided dimension or a size is negative.
std::optional<Problem> decode(const CallArguments &args);

/// One cublasSgemmStridedBatched call (alpha = beta = 1): for each batch p,
/// C_p = op(A_p) op(B_p) + C_p, column-major, op(A_p) m x k, op(B_p) k x n.
struct BlasCall {
  bool transA = false, transB = false;
  int m = 0, n = 0, k = 0, batch = 0;
  const float *a = nullptr;
  int lda = 1;
  long long strideA = 0;
  const float *b = nullptr;
  int ldb = 1;
  long long strideB = 0;
  float *c = nullptr;
  int ldc = 1;
  long long strideC = 0;
};

/// The BLAS call that computes `problem`; nullopt when no operand order or
/// transposition matches its strides (no unit stride in a matrix, rows that
/// overlap, sizes beyond int). The problem must not be empty (isEmpty).
std::optional<BlasCall> plan(const Problem &problem);

/// Whether the problem changes nothing (a zero size).
bool isEmpty(const Problem &problem);

/// Runs `call` on the host exactly as BLAS defines it (f32 sums in order).
void runOnHost(const BlasCall &call);

} // namespace tvq::gemm

#endif // TVQ_RUNTIME_GEMM_H
