//===- Tensor.cpp - Tensors, dtypes and type formatting -------------------===//

#include "Tensor.h"

#include "CudaRuntime.h"
#include "Dtype.h"
#include "Error.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

using namespace tvq;

/// Data buffers are aligned (and padded) to this many bytes.
static constexpr size_t kAlignment = 64;

tvq_tensor::~tvq_tensor() {
  if (managed)
    tvq::cuda::freeManaged(data);
  else
    std::free(data);
}

bool tvq::isValidDtype(tvq_dtype dtype) {
  return dtype == TVQ_F32 || dtype == TVQ_F64 || dtype == TVQ_I32 ||
         dtype == TVQ_I64;
}

std::optional<int64_t>
tvq::checkedNumElements(const std::vector<int64_t> &shape, size_t elemSize) {
  // Keep the byte size (plus alignment padding) representable.
  const int64_t limit =
      (std::numeric_limits<int64_t>::max() - kAlignment) / elemSize;
  int64_t count = 1;
  for (int64_t dim : shape) {
    if (dim < 0)
      return std::nullopt;
    if (dim != 0 && count > limit / dim)
      return std::nullopt;
    count *= dim;
  }
  return count;
}

std::string tvq::formatType(tvq_dtype dtype, const std::vector<int64_t> &dims) {
  const char *name = tvq_dtype_name(dtype);
  std::string text = name ? name : "<invalid dtype>";
  text += '[';
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i)
      text += ',';
    text += dims[i] < 0 ? "?" : std::to_string(dims[i]);
  }
  text += ']';
  return text;
}

tvq_tensor *tvq::createTensor(tvq_dtype dtype,
                              const std::vector<int64_t> &shape, bool zeroed) {
  if (!isValidDtype(dtype)) {
    setError("invalid dtype " + std::to_string(static_cast<int>(dtype)));
    return nullptr;
  }
  std::optional<int64_t> count =
      checkedNumElements(shape, tvq_dtype_size(dtype));
  if (!count) {
    setError("invalid tensor shape " + formatType(dtype, shape) +
             ": negative dimension or size overflow");
    return nullptr;
  }
  size_t numBytes = static_cast<size_t>(*count) * tvq_dtype_size(dtype);
  // Refuse what cannot fit before allocating: with overcommit, a too-large
  // allocation may succeed and the process be killed while zeroing it.
  if (numBytes >= TVQ_LARGE_TENSOR_BYTES) {
    uint64_t available = tvq_memory_available();
    if (numBytes > available) {
      setError("out of memory: a " + formatType(dtype, shape) +
               " tensor needs " + std::to_string(numBytes) +
               " bytes, but only " + std::to_string(available) +
               " bytes of memory are available");
      return nullptr;
    }
  }
  // Never allocate 0 bytes, so that data is a valid non-null pointer.
  size_t padded = (numBytes / kAlignment + 1) * kAlignment;
  void *data = std::aligned_alloc(kAlignment, padded);
  if (!data) {
    setError("out of memory allocating " + std::to_string(numBytes) +
             " bytes for a " + formatType(dtype, shape) + " tensor");
    return nullptr;
  }
  size_t cleared = zeroed ? 0 : numBytes;
  std::memset(static_cast<char *>(data) + cleared, 0, padded - cleared);
  auto *tensor = new tvq_tensor;
  tensor->dtype = dtype;
  tensor->shape = shape;
  tensor->numBytes = numBytes;
  tensor->data = data;
  return tensor;
}

size_t tvq_dtype_size(tvq_dtype dtype) {
  switch (dtype) {
  case TVQ_F32:
  case TVQ_I32:
    return 4;
  case TVQ_F64:
  case TVQ_I64:
    return 8;
  }
  return 0;
}

const char *tvq_dtype_name(tvq_dtype dtype) {
  return isValidDtype(dtype) ? kDtypeNames[dtype] : nullptr;
}

size_t tvq_format_type(tvq_dtype dtype, int32_t rank, const int64_t *dims,
                       char *buf, size_t size) {
  std::vector<int64_t> dimVector;
  if (rank > 0 && dims)
    dimVector.assign(dims, dims + rank);
  std::string text = formatType(dtype, dimVector);
  if (buf && size > 0)
    std::snprintf(buf, size, "%s", text.c_str());
  return text.size();
}

tvq_tensor *tvq_tensor_create(tvq_dtype dtype, int32_t rank,
                              const int64_t *shape) {
  if (rank < 0 || (rank > 0 && !shape)) {
    setError("invalid tensor rank " + std::to_string(rank) +
             (rank > 0 ? " with a null shape" : ""));
    return nullptr;
  }
  return createTensor(dtype, std::vector<int64_t>(shape, shape + rank));
}

void tvq_tensor_destroy(tvq_tensor *tensor) { delete tensor; }

tvq_dtype tvq_tensor_dtype(const tvq_tensor *tensor) { return tensor->dtype; }

int32_t tvq_tensor_rank(const tvq_tensor *tensor) {
  return static_cast<int32_t>(tensor->shape.size());
}

const int64_t *tvq_tensor_shape(const tvq_tensor *tensor) {
  return tensor->shape.data();
}

int64_t tvq_tensor_num_elements(const tvq_tensor *tensor) {
  return static_cast<int64_t>(tensor->numBytes / tvq_dtype_size(tensor->dtype));
}

size_t tvq_tensor_num_bytes(const tvq_tensor *tensor) {
  return tensor->numBytes;
}

void *tvq_tensor_data(const tvq_tensor *tensor) { return tensor->data; }
