//===- Gemm.cpp - Matrix products handed to BLAS --------------------------===//

#include "Gemm.h"

#include <climits>

using namespace tvq::gemm;

std::optional<Problem> tvq::gemm::decode(const CallArguments &args) {
  if (args.batch < 0 || args.m < 0 || args.n < 0 || args.k1 < 0 || args.k2 < 0)
    return std::nullopt;
  Problem p;
  p.batch = args.batch;
  p.m = args.m;
  p.n = args.n;
  // The two reductions as one: l = l1 * k2 + l2 when both operands step by
  // k2 inner strides per outer step (or the other way round).
  int64_t aK, bK;
  if (args.k1 == 1) {
    aK = args.aK2, bK = args.bK2;
  } else if (args.k2 == 1) {
    aK = args.aK1, bK = args.bK1;
  } else if (args.aK1 == args.k2 * args.aK2 && args.bK1 == args.k2 * args.bK2) {
    aK = args.aK2, bK = args.bK2;
  } else if (args.aK2 == args.k1 * args.aK1 && args.bK2 == args.k1 * args.bK1) {
    aK = args.aK1, bK = args.bK1;
  } else {
    return std::nullopt;
  }
  p.k = args.k1 * args.k2;
  auto *a =
      reinterpret_cast<const float *>(static_cast<uintptr_t>(args.aPointer));
  auto *b =
      reinterpret_cast<const float *>(static_cast<uintptr_t>(args.bPointer));
  auto *c = reinterpret_cast<float *>(static_cast<uintptr_t>(args.cPointer));
  p.a = a + args.aOffset;
  p.aBatch = args.aBatch, p.aRow = args.aM, p.aCol = aK;
  p.b = b + args.bOffset;
  p.bBatch = args.bBatch, p.bRow = bK, p.bCol = args.bN;
  p.c = c + args.cOffset;
  p.cBatch = args.cBatch, p.cRow = args.cM, p.cCol = args.cN;
  return p;
}

bool tvq::gemm::isEmpty(const Problem &p) {
  return p.batch == 0 || p.m == 0 || p.n == 0 || p.k == 0;
}

namespace {

/// A rows x cols matrix view with strides, as a column-major BLAS operand:
/// op N with leading dimension ld, or op T (the view is the transpose of a
/// column-major cols x rows matrix).
struct ColumnMajor {
  bool transposed;
  int64_t ld;
};

std::optional<ColumnMajor> asColumnMajor(int64_t rows, int64_t cols,
                                         int64_t rowStride, int64_t colStride) {
  // Column-major: unit steps down a column, columns ld >= rows apart.
  if ((rows == 1 || rowStride == 1) && (cols == 1 || colStride >= rows))
    return ColumnMajor{false, cols == 1 ? rows : colStride};
  // Row-major: the transpose of a column-major cols x rows matrix.
  if ((cols == 1 || colStride == 1) && (rows == 1 || rowStride >= cols))
    return ColumnMajor{true, rows == 1 ? cols : rowStride};
  return std::nullopt;
}

bool fitsInt(int64_t v) { return v >= 0 && v <= INT_MAX; }

} // namespace

std::optional<BlasCall> tvq::gemm::plan(const Problem &p) {
  // BLAS writes a column-major C. With unit steps down C's columns, compute
  // C = A B; with unit steps along its rows, compute C^T = B^T A^T.
  struct View {
    int64_t rows, cols, rowStride, colStride, batchStride;
    const float *data;
  };
  View c{p.m, p.n, p.cRow, p.cCol, p.cBatch, p.c};
  View x{p.m, p.k, p.aRow, p.aCol, p.aBatch, p.a};
  View y{p.k, p.n, p.bRow, p.bCol, p.bBatch, p.b};
  std::optional<ColumnMajor> cc =
      asColumnMajor(c.rows, c.cols, c.rowStride, c.colStride);
  if (!cc || cc->transposed) {
    // C^T (n x m) = B^T (n x k) A^T (k x m).
    c = View{p.n, p.m, p.cCol, p.cRow, p.cBatch, p.c};
    x = View{p.n, p.k, p.bCol, p.bRow, p.bBatch, p.b};
    y = View{p.k, p.m, p.aCol, p.aRow, p.aBatch, p.a};
    cc = asColumnMajor(c.rows, c.cols, c.rowStride, c.colStride);
    if (!cc || cc->transposed)
      return std::nullopt;
  }
  std::optional<ColumnMajor> cx =
      asColumnMajor(x.rows, x.cols, x.rowStride, x.colStride);
  std::optional<ColumnMajor> cy =
      asColumnMajor(y.rows, y.cols, y.rowStride, y.colStride);
  if (!cx || !cy)
    return std::nullopt;
  // A batch must not write one C element twice.
  if (p.batch > 1 && c.batchStride == 0)
    return std::nullopt;
  for (int64_t v : {c.rows, c.cols, x.cols, p.batch, cc->ld, cx->ld, cy->ld})
    if (!fitsInt(v))
      return std::nullopt;
  BlasCall call;
  call.transA = cx->transposed;
  call.transB = cy->transposed;
  call.m = static_cast<int>(c.rows);
  call.n = static_cast<int>(c.cols);
  call.k = static_cast<int>(x.cols);
  call.batch = static_cast<int>(p.batch);
  call.a = x.data;
  call.lda = static_cast<int>(cx->ld < 1 ? 1 : cx->ld);
  call.b = y.data;
  call.ldb = static_cast<int>(cy->ld < 1 ? 1 : cy->ld);
  call.c = const_cast<float *>(c.data);
  call.ldc = static_cast<int>(cc->ld < 1 ? 1 : cc->ld);
  bool batched = p.batch > 1;
  call.strideA = batched ? x.batchStride : 0;
  call.strideB = batched ? y.batchStride : 0;
  call.strideC = batched ? c.batchStride : 0;
  return call;
}

void tvq::gemm::runOnHost(const BlasCall &call) {
  auto opA = [&](const float *a, int i, int l) {
    return call.transA ? a[l + static_cast<long long>(i) * call.lda]
                       : a[i + static_cast<long long>(l) * call.lda];
  };
  auto opB = [&](const float *b, int l, int j) {
    return call.transB ? b[j + static_cast<long long>(l) * call.ldb]
                       : b[l + static_cast<long long>(j) * call.ldb];
  };
  for (int p = 0; p < call.batch; ++p) {
    const float *a = call.a + p * call.strideA;
    const float *b = call.b + p * call.strideB;
    float *c = call.c + p * call.strideC;
    for (int j = 0; j < call.n; ++j)
      for (int i = 0; i < call.m; ++i) {
        float sum = 0.0f;
        for (int l = 0; l < call.k; ++l)
          sum += opA(a, i, l) * opB(b, l, j);
        float &out = c[i + static_cast<long long>(j) * call.ldc];
        out = sum + out;
      }
  }
}
