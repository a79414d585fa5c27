//===- TestSupport.h - Helpers shared by the runtime unit tests -*- C++ -*-===//

#ifndef TVQ_UNITTESTS_TESTSUPPORT_H
#define TVQ_UNITTESTS_TESTSUPPORT_H

#include "tvq/tvq_runtime.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tvq::test {

struct TensorDeleter {
  void operator()(tvq_tensor *tensor) const { tvq_tensor_destroy(tensor); }
};
/// An owning tensor handle.
using TensorPtr = std::unique_ptr<tvq_tensor, TensorDeleter>;

struct ModuleDeleter {
  void operator()(tvq_module *module) const { tvq_module_unload(module); }
};
/// An owning module handle.
using ModulePtr = std::unique_ptr<tvq_module, ModuleDeleter>;

/// A fresh temporary directory, removed with its contents on destruction.
class TempDir {
public:
  TempDir() {
    std::string pattern = testing::TempDir() + "tvq-test-XXXXXX";
    if (!mkdtemp(pattern.data()))
      ADD_FAILURE() << "mkdtemp failed for " << pattern;
    dir = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  /// The path of name inside the directory.
  std::string path(const std::string &name) const { return dir + "/" + name; }

private:
  std::string dir;
};

/// Writes bytes to path, replacing it.
inline void writeFile(const std::string &path, const std::string &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

/// Reads the whole file at path.
inline std::string readFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

/// A .npy file (format 1.0) with the given descr (e.g. "<u2"), shape text
/// (e.g. "(3,)") and raw data, laid out as NumPy writes it.
inline std::string npyFileBytes(const std::string &descr,
                                const std::string &shape,
                                const std::string &data) {
  std::string dict = "{'descr': '" + descr +
                     "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t unpadded = 10 + dict.size() + 1;
  std::string header =
      dict + std::string((64 - unpadded % 64) % 64, ' ') + "\n";
  std::string bytes = "\x93NUMPY";
  bytes += '\x01';
  bytes += '\0';
  bytes += static_cast<char>(header.size() & 0xff);
  bytes += static_cast<char>(header.size() >> 8);
  return bytes + header + data;
}

/// The raw bytes of values.
template <typename T> std::string rawBytes(const std::vector<T> &values) {
  return std::string(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(T));
}

/// A tensor of dtype T (float, double, int32_t or int64_t) with the given
/// shape and row-major values.
template <typename T> tvq_dtype dtypeOf();
template <> inline tvq_dtype dtypeOf<float>() { return TVQ_F32; }
template <> inline tvq_dtype dtypeOf<double>() { return TVQ_F64; }
template <> inline tvq_dtype dtypeOf<int32_t>() { return TVQ_I32; }
template <> inline tvq_dtype dtypeOf<int64_t>() { return TVQ_I64; }

template <typename T>
TensorPtr makeTensor(const std::vector<int64_t> &shape,
                     const std::vector<T> &values) {
  TensorPtr tensor(tvq_tensor_create(
      dtypeOf<T>(), static_cast<int32_t>(shape.size()), shape.data()));
  EXPECT_TRUE(tensor) << tvq_last_error();
  if (!tensor)
    return tensor;
  EXPECT_EQ(static_cast<size_t>(tvq_tensor_num_elements(tensor.get())),
            values.size());
  std::copy(values.begin(), values.end(),
            static_cast<T *>(tvq_tensor_data(tensor.get())));
  return tensor;
}

/// The shape of tensor as a vector.
inline std::vector<int64_t> shapeOf(const tvq_tensor *tensor) {
  const int64_t *shape = tvq_tensor_shape(tensor);
  return std::vector<int64_t>(shape, shape + tvq_tensor_rank(tensor));
}

/// The elements of tensor, which must have element type T.
template <typename T> std::vector<T> valuesOf(const tvq_tensor *tensor) {
  EXPECT_EQ(tvq_tensor_dtype(tensor), dtypeOf<T>());
  const T *data = static_cast<const T *>(tvq_tensor_data(tensor));
  return std::vector<T>(data, data + tvq_tensor_num_elements(tensor));
}

/// Paths of the test fixtures and tools, set by unittests/CMakeLists.txt.
inline const char *const kScaleAddModule = TVQ_FIXTURE_SCALE_ADD;
inline const char *const kMultiEntryModule = TVQ_FIXTURE_MULTI_ENTRY;
inline const char *const kNoManifestModule = TVQ_FIXTURE_NO_MANIFEST;
inline const char *const kBadManifestModule = TVQ_FIXTURE_BAD_MANIFEST;
inline const char *const kFutureVersionModule = TVQ_FIXTURE_FUTURE_VERSION;
inline const char *const kMissingSymbolModule = TVQ_FIXTURE_MISSING_SYMBOL;
inline const char *const kCountedModule = TVQ_FIXTURE_COUNTED;
inline const char *const kTvqRunPath = TVQ_RUN_PATH;
inline const char *const kCudaAddOneModule = TVQ_FIXTURE_CUDA_ADD_ONE;
inline const char *const kMockCudaDriver = TVQ_MOCK_CUDA_DRIVER;
inline const char *const kCudaGemmModule = TVQ_FIXTURE_CUDA_GEMM;
inline const char *const kMockCublas = TVQ_MOCK_CUBLAS;
inline const char *const kRuntimeLibrary = TVQ_RUNTIME_LIBRARY;
inline const char *const kDlopenRuntimePath = TVQ_DLOPEN_RUNTIME_PATH;

} // namespace tvq::test

#endif // TVQ_UNITTESTS_TESTSUPPORT_H
