//===- Npy.cpp - Reading and writing NumPy .npy files ---------------------===//
//
// The format is described in NpyFormat.h. Reading accepts
// versions 1.0, 2.0 and 3.0, C-order arrays and the dtypes of tvq_dtype in
// little-endian or native byte order. Bytes after the data are ignored, as
// NumPy does. Writing produces version 1.0.
//
//===----------------------------------------------------------------------===//

#include "Error.h"
#include "NpyFormat.h"
#include "Tensor.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sys/stat.h>

using namespace tvq;
using npy::kMagic;
using npy::kMagicSize;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the .npy reader and writer assume a little-endian host");

namespace {

/// The .npy type codes (without byte order) indexed by tvq_dtype.
constexpr const char *kTypeCodes[] = {"f4", "f8", "i4", "i8"};

/// Closes a FILE on destruction.
struct FileCloser {
  void operator()(std::FILE *file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

} // namespace

/// Maps a .npy descr to a dtype, or returns an error message.
static std::string parseDescr(const std::string &descr, tvq_dtype &dtype) {
  bool bigEndian;
  std::string type = npy::typeCode(descr, bigEndian);
  for (tvq_dtype value : {TVQ_F32, TVQ_F64, TVQ_I32, TVQ_I64}) {
    if (type != kTypeCodes[value])
      continue;
    if (bigEndian)
      return "unsupported dtype '" + descr +
             "': big-endian data is not supported";
    dtype = value;
    return "";
  }
  return "unsupported dtype '" + descr +
         "' (supported: '<f4', '<f8', '<i4', '<i8')";
}

tvq_tensor *tvq_npy_read(const char *path) {
  if (!path) {
    setError("tvq_npy_read: null path");
    return nullptr;
  }
  const std::string name = "'" + std::string(path) + "'";
  auto fail = [&](const std::string &message) -> tvq_tensor * {
    setError(name + ": " + message);
    return nullptr;
  };
  File file(std::fopen(path, "rb"));
  if (!file) {
    setError("cannot open " + name + ": " + std::strerror(errno));
    return nullptr;
  }
  struct stat info;
  if (fstat(fileno(file.get()), &info) != 0) {
    setError("cannot read " + name + ": " + std::strerror(errno));
    return nullptr;
  }
  if (S_ISDIR(info.st_mode)) {
    setError("cannot read " + name + ": it is a directory");
    return nullptr;
  }
  uint64_t fileSize = info.st_size;

  npy::Header header;
  if (std::string error = npy::readHeader(file.get(), fileSize, header);
      !error.empty())
    return fail(error);
  tvq_dtype dtype = TVQ_F32;
  if (std::string error = parseDescr(header.descr, dtype); !error.empty())
    return fail(error);
  if (header.fortranOrder)
    return fail("fortran_order arrays are not supported (save a C-order "
                "array, e.g. with numpy.ascontiguousarray)");
  std::optional<int64_t> count =
      checkedNumElements(header.shape, tvq_dtype_size(dtype));
  if (!count)
    return fail("'shape' " + formatType(dtype, header.shape) + " is too large");

  // Check the size before allocating: a corrupt shape must not exhaust memory.
  uint64_t numBytes = static_cast<uint64_t>(*count) * tvq_dtype_size(dtype);
  uint64_t available = fileSize - header.dataOffset;
  if (available < numBytes)
    return fail("truncated data (expected " + std::to_string(numBytes) +
                " bytes of data for " + formatType(dtype, header.shape) +
                ", found " + std::to_string(available) + ")");
  tvq_tensor *tensor = createTensor(dtype, header.shape);
  if (!tensor)
    return fail(tvq_last_error());
  if (std::fread(tensor->data, 1, tensor->numBytes, file.get()) !=
      tensor->numBytes) {
    tvq_tensor_destroy(tensor);
    return fail(std::string("cannot read the data: ") + std::strerror(errno));
  }
  return tensor;
}

/// The version 1.0 header text for tensor, padded so that the data starts at
/// a multiple of 64 bytes.
static std::string makeHeader(const tvq_tensor &tensor) {
  std::string shape = "(";
  for (size_t k = 0; k < tensor.shape.size(); ++k)
    shape += (k ? ", " : "") + std::to_string(tensor.shape[k]);
  if (tensor.shape.size() == 1)
    shape += ",";
  shape += ")";
  std::string header = std::string("{'descr': '<") + kTypeCodes[tensor.dtype] +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  size_t unpadded = kMagicSize + 4 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  return header;
}

int tvq_npy_write(const char *path, const tvq_tensor *tensor) {
  if (!path || !tensor) {
    setError("tvq_npy_write: null argument");
    return 1;
  }
  const std::string name = "'" + std::string(path) + "'";
  std::string header = makeHeader(*tensor);
  if (header.size() > 0xffff) {
    setError("cannot write " + name + ": the header is too long");
    return 1;
  }
  File file(std::fopen(path, "wb"));
  if (!file) {
    setError("cannot open " + name + " for writing: " + std::strerror(errno));
    return 1;
  }
  unsigned char prefix[kMagicSize + 4];
  std::memcpy(prefix, kMagic, kMagicSize);
  prefix[kMagicSize] = 1;
  prefix[kMagicSize + 1] = 0;
  prefix[kMagicSize + 2] = header.size() & 0xff;
  prefix[kMagicSize + 3] = header.size() >> 8;
  bool ok =
      std::fwrite(prefix, 1, sizeof(prefix), file.get()) == sizeof(prefix) &&
      std::fwrite(header.data(), 1, header.size(), file.get()) ==
          header.size() &&
      std::fwrite(tensor->data, 1, tensor->numBytes, file.get()) ==
          tensor->numBytes;
  ok = std::fclose(file.release()) == 0 && ok;
  if (!ok) {
    setError("cannot write " + name + ": " + std::strerror(errno));
    return 1;
  }
  return 0;
}
