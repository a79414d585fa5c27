//===- TensorTest.cpp - Tests of tensors and dtype helpers ----------------===//

#include "TestSupport.h"

#include <cstdint>

using namespace tvq::test;

namespace {

TEST(TensorTest, CreateIsZeroFilledAndAligned) {
  std::vector<int64_t> shape = {2, 3, 5};
  TensorPtr tensor(tvq_tensor_create(TVQ_F64, 3, shape.data()));
  ASSERT_TRUE(tensor) << tvq_last_error();
  EXPECT_EQ(tvq_tensor_dtype(tensor.get()), TVQ_F64);
  EXPECT_EQ(shapeOf(tensor.get()), shape);
  EXPECT_EQ(tvq_tensor_num_elements(tensor.get()), 30);
  EXPECT_EQ(tvq_tensor_num_bytes(tensor.get()), 240u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(tvq_tensor_data(tensor.get())) % 64,
            0u);
  for (double value : valuesOf<double>(tensor.get()))
    EXPECT_EQ(value, 0.0);
}

TEST(TensorTest, ScalarAndEmpty) {
  TensorPtr scalar(tvq_tensor_create(TVQ_I32, 0, nullptr));
  ASSERT_TRUE(scalar) << tvq_last_error();
  EXPECT_EQ(tvq_tensor_rank(scalar.get()), 0);
  EXPECT_EQ(tvq_tensor_num_elements(scalar.get()), 1);
  int64_t zero[] = {4, 0};
  TensorPtr empty(tvq_tensor_create(TVQ_I32, 2, zero));
  ASSERT_TRUE(empty) << tvq_last_error();
  EXPECT_EQ(tvq_tensor_num_elements(empty.get()), 0);
  EXPECT_NE(tvq_tensor_data(empty.get()), nullptr);
}

TEST(TensorTest, CreateRejectsBadArguments) {
  int64_t negative[] = {2, -1};
  EXPECT_FALSE(tvq_tensor_create(TVQ_F32, 2, negative));
  EXPECT_NE(std::string(tvq_last_error()).find("invalid tensor shape f32[2,?]"),
            std::string::npos)
      << tvq_last_error();
  int64_t huge[] = {INT64_MAX / 2, 4};
  EXPECT_FALSE(tvq_tensor_create(TVQ_F32, 2, huge));
  EXPECT_NE(std::string(tvq_last_error()).find("size overflow"),
            std::string::npos);
  EXPECT_FALSE(tvq_tensor_create(static_cast<tvq_dtype>(9), 0, nullptr));
  EXPECT_STREQ(tvq_last_error(), "invalid dtype 9");
  EXPECT_FALSE(tvq_tensor_create(TVQ_F32, -1, nullptr));
  EXPECT_STREQ(tvq_last_error(), "invalid tensor rank -1");
}

/// Sets TVQ_MEMORY_LIMIT for the scope.
class MemoryLimit {
public:
  explicit MemoryLimit(const char *bytes) {
    setenv("TVQ_MEMORY_LIMIT", bytes, 1);
  }
  ~MemoryLimit() { unsetenv("TVQ_MEMORY_LIMIT"); }
};

TEST(TensorTest, RefusesTensorsLargerThanMemory) {
  EXPECT_GT(tvq_memory_available(), 0u);
  MemoryLimit limit("100000000");
  EXPECT_EQ(tvq_memory_available(), 100000000u);
  // 128 MiB: refused before allocating, with the bytes it needs.
  int64_t big[] = {32, 1 << 20};
  EXPECT_FALSE(tvq_tensor_create(TVQ_F32, 2, big));
  EXPECT_STREQ(tvq_last_error(),
               "out of memory: a f32[32,1048576] tensor needs 134217728 "
               "bytes, but only 100000000 bytes of memory are available");
  // Tensors under TVQ_LARGE_TENSOR_BYTES are not checked.
  MemoryLimit none("0");
  int64_t small[] = {1 << 20};
  EXPECT_TRUE(TensorPtr(tvq_tensor_create(TVQ_F32, 1, small)));
}

TEST(TensorTest, DtypeHelpers) {
  EXPECT_EQ(tvq_dtype_size(TVQ_F32), 4u);
  EXPECT_EQ(tvq_dtype_size(TVQ_F64), 8u);
  EXPECT_EQ(tvq_dtype_size(TVQ_I32), 4u);
  EXPECT_EQ(tvq_dtype_size(TVQ_I64), 8u);
  EXPECT_EQ(tvq_dtype_size(static_cast<tvq_dtype>(7)), 0u);
  EXPECT_STREQ(tvq_dtype_name(TVQ_I64), "i64");
  EXPECT_EQ(tvq_dtype_name(static_cast<tvq_dtype>(7)), nullptr);
}

TEST(TensorTest, FormatType) {
  int64_t dims[] = {-1, -1, 48};
  char buffer[32];
  EXPECT_EQ(tvq_format_type(TVQ_F32, 3, dims, buffer, sizeof(buffer)), 11u);
  EXPECT_STREQ(buffer, "f32[?,?,48]");
  EXPECT_EQ(tvq_format_type(TVQ_I64, 0, nullptr, buffer, sizeof(buffer)), 5u);
  EXPECT_STREQ(buffer, "i64[]");
  // Truncates like snprintf but reports the full length.
  EXPECT_EQ(tvq_format_type(TVQ_F32, 3, dims, buffer, 5), 11u);
  EXPECT_STREQ(buffer, "f32[");
}

} // namespace
