//===- Tensor.h - Tensor representation and dtype helpers -------*- C++ -*-===//

#ifndef TVQ_RUNTIME_TENSOR_H
#define TVQ_RUNTIME_TENSOR_H

#include "tvq/tvq_runtime.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

/// A dense row-major array; data is 64-byte aligned and owned.
struct tvq_tensor {
  tvq_dtype dtype;
  std::vector<int64_t> shape;
  size_t numBytes = 0;
  void *data = nullptr;
  /// Whether data is a CUDA module's managed block, taken over from its
  /// output by tvq_call instead of copied (freed with tvq::cuda::freeManaged,
  /// and passed to a CUDA module again without a copy); not padded.
  bool managed = false;
  ~tvq_tensor();
};

namespace tvq {

/// Whether dtype is one of the enumerators of tvq_dtype.
bool isValidDtype(tvq_dtype dtype);

/// The number of elements of shape, or nothing when a dim is negative or the
/// byte size for elements of elemSize bytes would overflow.
std::optional<int64_t> checkedNumElements(const std::vector<int64_t> &shape,
                                          size_t elemSize);

/// "f32[?,3]": a negative dim prints as `?`.
std::string formatType(tvq_dtype dtype, const std::vector<int64_t> &dims);

/// Creates a zero-filled tensor, or sets the error and returns null. With
/// zeroed false the elements are left uninitialized (the caller writes them
/// all; only the padding after them is zeroed).
tvq_tensor *createTensor(tvq_dtype dtype, const std::vector<int64_t> &shape,
                         bool zeroed = true);

} // namespace tvq

#endif // TVQ_RUNTIME_TENSOR_H
