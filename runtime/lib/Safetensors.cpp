//===- Safetensors.cpp - Checkpoints as safetensors files -----------------===//
//
// Implements tvq_safetensors_write and tvq_safetensors_read (the format is in
// SafetensorsHeader.h). The checksum "tvq.crc32c" in "__metadata__" is the
// CRC-32C of the whole file (length prefix, header and data) computed with
// the checksum's own 8 hex digits replaced by "00000000", so that a change to
// any byte, metadata included, is detected.
//
//===----------------------------------------------------------------------===//

#include "AtomicFile.h"
#include "Crc32c.h"
#include "Error.h"
#include "Json.h"
#include "SafetensorsHeader.h"
#include "Tensor.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <sys/stat.h>

using namespace tvq;
using namespace tvq::safetensors;

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "safetensors data is little-endian, as is the host");

namespace {

struct TensorDeleter {
  void operator()(tvq_tensor *tensor) const { tvq_tensor_destroy(tensor); }
};
struct FileCloser {
  void operator()(std::FILE *file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

/// "0000abcd".
std::string hexDigits(uint32_t value) {
  char buffer[kChecksumDigits + 1];
  std::snprintf(buffer, sizeof(buffer), "%08x", value);
  return buffer;
}

/// The 8-byte little-endian length prefix of a header of size bytes.
std::string lengthPrefix(uint64_t size) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i)
    bytes[i] = static_cast<char>(size >> (8 * i) & 0xff);
  return bytes;
}

FileDtype fileDtypeOf(tvq_dtype dtype) {
  switch (dtype) {
  case TVQ_F64:
    return FileDtype::F64;
  case TVQ_I32:
    return FileDtype::I32;
  case TVQ_I64:
    return FileDtype::I64;
  case TVQ_F32:
    break;
  }
  return FileDtype::F32;
}

/// The tvq dtype a file dtype is read as.
tvq_dtype tensorDtypeOf(FileDtype dtype) {
  switch (dtype) {
  case FileDtype::F64:
    return TVQ_F64;
  case FileDtype::I32:
    return TVQ_I32;
  case FileDtype::I64:
    return TVQ_I64;
  default:
    return TVQ_F32;
  }
}

/// IEEE binary16 bits to float.
float halfToFloat(uint16_t half) {
  uint32_t sign = static_cast<uint32_t>(half & 0x8000) << 16;
  uint32_t exponent = half >> 10 & 0x1f;
  uint32_t mantissa = half & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) { // infinity or NaN
    bits = sign | 0x7f800000 | mantissa << 13;
  } else if (exponent != 0) { // normal
    bits = sign | (exponent + 112) << 23 | mantissa << 13;
  } else if (mantissa == 0) { // zero
    bits = sign;
  } else { // subnormal: renormalize
    exponent = 113;
    while (!(mantissa & 0x400)) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | exponent << 23 | (mantissa & 0x3ff) << 13;
  }
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// Widens count F16 or BF16 elements from raw into out.
void widen(FileDtype dtype, const uint16_t *raw, size_t count, float *out) {
  for (size_t i = 0; i < count; ++i) {
    if (dtype == FileDtype::F16) {
      out[i] = halfToFloat(raw[i]);
    } else {
      uint32_t bits = static_cast<uint32_t>(raw[i]) << 16;
      std::memcpy(&out[i], &bits, sizeof(float));
    }
  }
}

} // namespace

/// The contents of a file: tensors sorted by name, metadata sorted by key.
struct tvq_safetensors {
  std::string path;
  std::vector<std::string> names;
  std::vector<std::unique_ptr<tvq_tensor, TensorDeleter>> tensors;
  std::vector<std::pair<std::string, std::string>> metadata;
};

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

int tvq_safetensors_write(const char *path, const char *const *names,
                          const tvq_tensor *const *tensors, int32_t num_tensors,
                          const char *const *metadata_keys,
                          const char *const *metadata_values,
                          int32_t num_metadata) {
  if (!path) {
    setError("tvq_safetensors_write: null path");
    return 1;
  }
  const std::string prefix = "cannot write '" + std::string(path) + "': ";
  auto fail = [&](const std::string &message) {
    setError(prefix + message);
    return 1;
  };
  if (num_tensors < 0 || num_metadata < 0 ||
      (num_tensors > 0 && (!names || !tensors)) ||
      (num_metadata > 0 && (!metadata_keys || !metadata_values)))
    return fail("invalid tensor or metadata arrays");

  // Tensors in data order: larger elements first (so each is aligned to its
  // element size after the 8-byte aligned header), then by name.
  std::vector<TensorInfo> infos;
  std::vector<const tvq_tensor *> order;
  std::set<std::string> seen;
  for (int32_t i = 0; i < num_tensors; ++i) {
    if (!names[i] || !tensors[i])
      return fail("tensor " + std::to_string(i) + " has a null name or data");
    std::string name = names[i];
    if (name.empty() || name == "__metadata__" || !json::isValidUtf8(name))
      return fail("invalid tensor name '" + name +
                  "' (names must be non-empty UTF-8, not '__metadata__')");
    if (!seen.insert(name).second)
      return fail("two tensors are called '" + name + "'");
    TensorInfo info;
    info.name = name;
    info.dtype = fileDtypeOf(tensors[i]->dtype);
    info.shape = tensors[i]->shape;
    infos.push_back(info);
    order.push_back(tensors[i]);
  }
  std::vector<size_t> index(infos.size());
  for (size_t i = 0; i < index.size(); ++i)
    index[i] = i;
  std::sort(index.begin(), index.end(), [&](size_t a, size_t b) {
    size_t sizeA = dtypeSize(infos[a].dtype), sizeB = dtypeSize(infos[b].dtype);
    return sizeA != sizeB ? sizeA > sizeB : infos[a].name < infos[b].name;
  });
  std::vector<TensorInfo> sortedInfos;
  std::vector<const tvq_tensor *> sortedTensors;
  uint64_t offset = 0;
  for (size_t i : index) {
    TensorInfo info = infos[i];
    info.begin = offset;
    offset += order[i]->numBytes;
    info.end = offset;
    sortedInfos.push_back(info);
    sortedTensors.push_back(order[i]);
  }

  std::map<std::string, std::string> metadata;
  for (int32_t i = 0; i < num_metadata; ++i) {
    if (!metadata_keys[i] || !metadata_values[i])
      return fail("metadata pair " + std::to_string(i) +
                  " has a null key or value");
    std::string key = metadata_keys[i];
    if (key == kChecksumKey)
      return fail(std::string("the metadata key '") + kChecksumKey +
                  "' is reserved for the checksum the writer adds");
    if (!json::isValidUtf8(key) || !json::isValidUtf8(metadata_values[i]))
      return fail("metadata '" + key + "' is not valid UTF-8");
    if (!metadata.emplace(key, metadata_values[i]).second)
      return fail("the metadata key '" + key + "' is given twice");
  }

  size_t checksumOffset = 0;
  std::string header = buildHeader(
      sortedInfos, {metadata.begin(), metadata.end()}, checksumOffset);
  if (header.size() > kMaxHeaderSize)
    return fail("the header would be " + std::to_string(header.size()) +
                " bytes, more than the limit of " +
                std::to_string(kMaxHeaderSize));
  std::string length = lengthPrefix(header.size());
  uint32_t crc = crc32c(0, length.data(), length.size());
  crc = crc32c(crc, header.data(), header.size());
  for (const tvq_tensor *tensor : sortedTensors)
    crc = crc32c(crc, tensor->data, tensor->numBytes);
  header.replace(checksumOffset, kChecksumDigits, hexDigits(crc));

  AtomicFile file;
  std::string error = file.open(path);
  if (error.empty())
    error = file.write(length.data(), length.size());
  if (error.empty())
    error = file.write(header.data(), header.size());
  for (const tvq_tensor *tensor : sortedTensors)
    if (error.empty())
      error = file.write(tensor->data, tensor->numBytes);
  if (error.empty())
    error = file.commit();
  if (!error.empty())
    return fail(error);
  return 0;
}

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

/// Reads the file at path into contents; returns "" or the problem.
static std::string readFile(const char *path, int flags,
                            tvq_safetensors &contents) {
  File file(std::fopen(path, "rb"));
  struct stat info;
  if (!file || fstat(fileno(file.get()), &info) != 0)
    return std::string("cannot open: ") + std::strerror(errno);
  if (S_ISDIR(info.st_mode))
    return "cannot read: it is a directory";
  uint64_t fileSize = static_cast<uint64_t>(info.st_size);
  if (fileSize < 8)
    return "truncated: the file has " + std::to_string(fileSize) +
           " bytes, less than the 8-byte header length";

  unsigned char lengthBytes[8];
  if (std::fread(lengthBytes, 1, 8, file.get()) != 8)
    return std::string("cannot read: ") + std::strerror(errno);
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i)
    headerSize |= static_cast<uint64_t>(lengthBytes[i]) << (8 * i);
  if (headerSize > kMaxHeaderSize)
    return "bad header: header length " + std::to_string(headerSize) +
           " is over the limit of " + std::to_string(kMaxHeaderSize) +
           " (not a safetensors file?)";
  if (headerSize > fileSize - 8)
    return "truncated: header length " + std::to_string(headerSize) +
           ", but only " + std::to_string(fileSize - 8) +
           " bytes follow the length";
  std::string headerText(headerSize, '\0');
  if (std::fread(headerText.data(), 1, headerSize, file.get()) != headerSize)
    return std::string("cannot read the header: ") + std::strerror(errno);
  Header header;
  uint64_t dataSize = fileSize - 8 - headerSize;
  if (std::string error = parseHeader(headerText, dataSize, header);
      !error.empty())
    return error.rfind("truncated", 0) == 0 ? error : "bad header: " + error;
  if (!header.checksumOffset && (flags & TVQ_SAFETENSORS_REQUIRE_CHECKSUM))
    return std::string("no '") + kChecksumKey +
           "' checksum in the metadata (not a tvq checkpoint?)";

  // The checksum covers the header with its own digits zeroed.
  uint32_t crc = crc32c(0, lengthBytes, 8);
  if (header.checksumOffset)
    std::fill_n(headerText.begin() + *header.checksumOffset, kChecksumDigits,
                '0');
  crc = crc32c(crc, headerText.data(), headerText.size());

  // The tensors tile the data section in order, so read them one by one.
  for (const TensorInfo &tensorInfo : header.tensors) {
    tvq_tensor *tensor =
        createTensor(tensorDtypeOf(tensorInfo.dtype), tensorInfo.shape);
    if (!tensor)
      return tvq_last_error();
    contents.names.push_back(tensorInfo.name);
    contents.tensors.emplace_back(tensor);
    size_t bytes = tensorInfo.end - tensorInfo.begin;
    bool narrow = dtypeSize(tensorInfo.dtype) < tvq_dtype_size(tensor->dtype);
    std::vector<uint16_t> raw(narrow ? bytes / 2 : 0);
    void *target = narrow ? static_cast<void *>(raw.data()) : tensor->data;
    if (std::fread(target, 1, bytes, file.get()) != bytes)
      return "truncated: cannot read the data of tensor '" + tensorInfo.name +
             "'";
    crc = crc32c(crc, target, bytes);
    if (narrow)
      widen(tensorInfo.dtype, raw.data(), raw.size(),
            static_cast<float *>(tensor->data));
  }
  if (header.checksumOffset) {
    std::string stored;
    for (const auto &[key, value] : header.metadata)
      if (key == kChecksumKey)
        stored = value;
    if (stored != hexDigits(crc))
      return "checksum mismatch: the file is corrupted (" +
             std::string(kChecksumKey) + " is " + stored +
             ", the contents give " + hexDigits(crc) + ")";
  }
  contents.metadata = std::move(header.metadata);
  return "";
}

tvq_safetensors *tvq_safetensors_read(const char *path, int flags) {
  if (!path) {
    setError("tvq_safetensors_read: null path");
    return nullptr;
  }
  auto contents = std::make_unique<tvq_safetensors>();
  contents->path = path;
  if (std::string error = readFile(path, flags, *contents); !error.empty()) {
    setError("'" + std::string(path) + "': " + error);
    return nullptr;
  }
  // Sort the tensors by name.
  std::vector<size_t> index(contents->names.size());
  for (size_t i = 0; i < index.size(); ++i)
    index[i] = i;
  std::sort(index.begin(), index.end(), [&](size_t a, size_t b) {
    return contents->names[a] < contents->names[b];
  });
  std::vector<std::string> names;
  std::vector<std::unique_ptr<tvq_tensor, TensorDeleter>> tensors;
  for (size_t i : index) {
    names.push_back(std::move(contents->names[i]));
    tensors.push_back(std::move(contents->tensors[i]));
  }
  contents->names = std::move(names);
  contents->tensors = std::move(tensors);
  return contents.release();
}

void tvq_safetensors_destroy(tvq_safetensors *file) { delete file; }

int32_t tvq_safetensors_num_tensors(const tvq_safetensors *file) {
  return static_cast<int32_t>(file->names.size());
}

const char *tvq_safetensors_tensor_name(const tvq_safetensors *file,
                                        int32_t i) {
  if (i < 0 || static_cast<size_t>(i) >= file->names.size())
    return nullptr;
  return file->names[i].c_str();
}

const tvq_tensor *tvq_safetensors_tensor(const tvq_safetensors *file,
                                         int32_t i) {
  if (i < 0 || static_cast<size_t>(i) >= file->tensors.size())
    return nullptr;
  return file->tensors[i].get();
}

const tvq_tensor *tvq_safetensors_find(const tvq_safetensors *file,
                                       const char *name) {
  auto it = std::lower_bound(file->names.begin(), file->names.end(),
                             std::string(name ? name : ""));
  if (name && it != file->names.end() && *it == name)
    return file->tensors[it - file->names.begin()].get();
  std::string list;
  for (size_t i = 0; i < file->names.size() && i < 10; ++i)
    list += (i ? ", " : "") + file->names[i];
  if (file->names.size() > 10)
    list += ", ...";
  setError("'" + file->path + "' has no tensor '" + (name ? name : "") +
           "' (tensors: " + (list.empty() ? "none" : list) + ")");
  return nullptr;
}

int32_t tvq_safetensors_num_metadata(const tvq_safetensors *file) {
  return static_cast<int32_t>(file->metadata.size());
}

const char *tvq_safetensors_metadata_key(const tvq_safetensors *file,
                                         int32_t i) {
  if (i < 0 || static_cast<size_t>(i) >= file->metadata.size())
    return nullptr;
  return file->metadata[i].first.c_str();
}

const char *tvq_safetensors_metadata_value(const tvq_safetensors *file,
                                           int32_t i) {
  if (i < 0 || static_cast<size_t>(i) >= file->metadata.size())
    return nullptr;
  return file->metadata[i].second.c_str();
}

const char *tvq_safetensors_metadata(const tvq_safetensors *file,
                                     const char *key) {
  for (const auto &[existing, value] : file->metadata)
    if (key && existing == key)
      return value.c_str();
  setError("'" + file->path + "' has no metadata '" + (key ? key : "") + "'");
  return nullptr;
}
