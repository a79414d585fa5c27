//===- GemmTest.cpp - Tests of the GEMM calls' BLAS planning --------------===//
//
// Gemm.h decodes the arguments that `tvq-contractions-to-library` passes and
// plans a column-major BLAS call for them. Each test builds random strided
// operands, plans, runs the plan on the host as BLAS defines it, and compares
// with a float64 loop over the strided row-major views themselves.
//
//===----------------------------------------------------------------------===//

#include "Gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

using namespace tvq::gemm;

namespace {

/// A strided rows x cols matrix per batch in its own buffer.
struct Strided {
  int64_t batchStride = 0, rowStride = 0, colStride = 0;
  std::vector<float> data;
  float at(int64_t p, int64_t i, int64_t j) const {
    return data[p * batchStride + i * rowStride + j * colStride];
  }
};

enum class Layout { RowMajor, ColumnMajor, Unusable };

/// Random values in a buffer laid out as `layout` with padded rows/columns;
/// batchStride 0 when `broadcast`.
Strided makeOperand(std::mt19937 &rng, int64_t batch, int64_t rows,
                    int64_t cols, Layout layout, bool broadcast) {
  std::uniform_int_distribution<int> pad(0, 3);
  Strided s;
  switch (layout) {
  case Layout::RowMajor:
    s.colStride = 1, s.rowStride = cols + pad(rng);
    break;
  case Layout::ColumnMajor:
    s.rowStride = 1, s.colStride = rows + pad(rng);
    break;
  case Layout::Unusable: // no unit stride: every other element
    s.colStride = 2, s.rowStride = 2 * cols + 1;
    break;
  }
  int64_t matrix = (rows - 1) * s.rowStride + (cols - 1) * s.colStride + 1;
  s.batchStride = broadcast ? 0 : matrix + pad(rng);
  s.data.resize((broadcast ? 0 : (batch - 1) * s.batchStride) + matrix);
  std::uniform_real_distribution<float> value(-1.0f, 1.0f);
  for (float &v : s.data)
    v = value(rng);
  return s;
}

Layout pick(std::mt19937 &rng, bool allowUnusable) {
  int n = std::uniform_int_distribution<int>(0, allowUnusable ? 5 : 1)(rng);
  return n == 0   ? Layout::RowMajor
         : n == 1 ? Layout::ColumnMajor
                  : (n == 2 ? Layout::Unusable
                            : (n % 2 ? Layout::RowMajor : Layout::ColumnMajor));
}

TEST(GemmTest, PlannedCallsMatchStridedLoops) {
  std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int64_t> size(1, 9), batches(1, 3);
  int planned = 0, refused = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    int64_t batch = batches(rng), m = size(rng), n = size(rng), k = size(rng);
    Layout la = pick(rng, true), lb = pick(rng, true), lc = pick(rng, true);
    bool broadcastA = batch > 1 && rng() % 3 == 0,
         broadcastB = !broadcastA && batch > 1 && rng() % 3 == 0;
    Strided a = makeOperand(rng, batch, m, k, la, broadcastA);
    Strided b = makeOperand(rng, batch, k, n, lb, broadcastB);
    Strided c = makeOperand(rng, batch, m, n, lc, false);
    Problem p;
    p.batch = batch, p.m = m, p.n = n, p.k = k;
    p.a = a.data.data(), p.aBatch = a.batchStride, p.aRow = a.rowStride,
    p.aCol = a.colStride;
    p.b = b.data.data(), p.bBatch = b.batchStride, p.bRow = b.rowStride,
    p.bCol = b.colStride;
    p.c = c.data.data(), p.cBatch = c.batchStride, p.cRow = c.rowStride,
    p.cCol = c.colStride;
    std::optional<BlasCall> call = plan(p);
    // Unit strides in some dimension of every matrix (or a trivial one) are
    // what BLAS takes; an "unusable" matrix of more than one row and column
    // has none.
    auto usable = [](Layout l, int64_t rows, int64_t cols) {
      return l != Layout::Unusable || rows == 1 || cols == 1;
    };
    bool expectPlan = usable(la, m, k) && usable(lb, k, n) && usable(lc, m, n);
    if (!expectPlan) {
      EXPECT_FALSE(call.has_value()) << "trial " << trial;
      ++refused;
      continue;
    }
    ASSERT_TRUE(call.has_value())
        << "trial " << trial << ": m " << m << " n " << n << " k " << k;
    ++planned;
    Strided before = c;
    runOnHost(*call);
    for (int64_t q = 0; q < batch; ++q)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double expected = before.at(q, i, j);
          for (int64_t l = 0; l < k; ++l)
            expected += static_cast<double>(a.at(q, i, l)) * b.at(q, l, j);
          ASSERT_NEAR(c.at(q, i, j), expected, 1e-5)
              << "trial " << trial << " at (" << q << ", " << i << ", " << j
              << ")";
        }
    // Nothing outside C's elements changed.
    std::vector<bool> inside(c.data.size(), false);
    for (int64_t q = 0; q < batch; ++q)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j)
          inside[q * c.batchStride + i * c.rowStride + j * c.colStride] = true;
    for (size_t e = 0; e < c.data.size(); ++e) {
      if (!inside[e]) {
        ASSERT_EQ(c.data[e], before.data[e]) << "trial " << trial;
      }
    }
  }
  EXPECT_GT(planned, 500);
  EXPECT_GT(refused, 100);
}

TEST(GemmTest, DecodeCollapsesTwoReductions) {
  // A (k1, k2, m) and B (k1, k2, n) contiguous: l = l1 * k2 + l2, stride m/n.
  CallArguments args{};
  args.batch = 1, args.m = 4, args.n = 5, args.k1 = 3, args.k2 = 7;
  args.aM = 1, args.aK1 = 7 * 4, args.aK2 = 4;
  args.bN = 1, args.bK1 = 7 * 5, args.bK2 = 5;
  args.cM = 5, args.cN = 1;
  std::optional<Problem> p = decode(args);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->k, 21);
  EXPECT_EQ(p->aCol, 4);
  EXPECT_EQ(p->bRow, 5);
  // The other nesting order.
  std::swap(args.aK1, args.aK2);
  std::swap(args.bK1, args.bK2);
  args.aK2 = 3 * 4, args.aK1 = 4, args.bK2 = 3 * 5, args.bK1 = 5;
  p = decode(args);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->aCol, 4);
  // A single reduction (k1 = 1) takes k2's strides.
  args.k1 = 1, args.aK1 = 0, args.bK1 = 0, args.aK2 = 9, args.bK2 = 11;
  p = decode(args);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->k, 7);
  EXPECT_EQ(p->aCol, 9);
  EXPECT_EQ(p->bRow, 11);
  // Reductions that do not nest in both operands cannot be one dimension.
  args.k1 = 3, args.aK1 = 7 * 4, args.aK2 = 4, args.bK1 = 5, args.bK2 = 3 * 5;
  EXPECT_FALSE(decode(args).has_value());
  // Negative sizes are refused.
  args.k1 = -1;
  EXPECT_FALSE(decode(args).has_value());
}

TEST(GemmTest, EmptyProblems) {
  Problem p;
  p.batch = 2, p.m = 3, p.n = 0, p.k = 4;
  EXPECT_TRUE(isEmpty(p));
  p.n = 2, p.k = 0;
  EXPECT_TRUE(isEmpty(p));
  p.k = 1;
  EXPECT_FALSE(isEmpty(p));
}

TEST(GemmTest, BatchWritingOneOutputTwiceIsRefused) {
  std::vector<float> a(4, 1.0f), b(4, 1.0f), c(4, 0.0f);
  Problem p;
  p.batch = 2, p.m = 2, p.n = 2, p.k = 2;
  p.a = a.data(), p.aRow = 2, p.aCol = 1;
  p.b = b.data(), p.bRow = 2, p.bCol = 1;
  p.c = c.data(), p.cRow = 2, p.cCol = 1, p.cBatch = 0;
  EXPECT_FALSE(plan(p).has_value());
}

} // namespace
