//===- SafetensorsHeader.h - The JSON header of safetensors -----*- C++ -*-===//
//
// A safetensors file (https://github.com/huggingface/safetensors): an 8-byte
// little-endian header length N, N bytes of JSON header, then the data
// section. The header is an object mapping each tensor name to
//   {"dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END]}
// (byte offsets into the data section) plus an optional "__metadata__" object
// of string values. The tensors must cover the data section exactly: no
// overlap, no gap, no trailing bytes. tvq's writer pads the header with
// spaces to a multiple of 8 bytes and stores the tensors largest element
// first, so every tensor is aligned to its element size.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_SAFETENSORSHEADER_H
#define TVQ_RUNTIME_SAFETENSORSHEADER_H

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tvq::safetensors {

/// Headers longer than this are rejected (the limit of the reference reader).
inline constexpr uint64_t kMaxHeaderSize = 100000000;
/// The metadata key of tvq's checksum (see Safetensors.cpp).
inline constexpr char kChecksumKey[] = "tvq.crc32c";
/// The checksum value: 8 lowercase hex digits.
inline constexpr size_t kChecksumDigits = 8;

/// The element types tvq reads.
enum class FileDtype { F32, F64, I32, I64, F16, BF16 };

/// The safetensors spelling ("F32", ...).
const char *dtypeName(FileDtype dtype);
/// The size of one element in bytes.
size_t dtypeSize(FileDtype dtype);

/// One tensor of the header.
struct TensorInfo {
  std::string name;
  FileDtype dtype = FileDtype::F32;
  std::vector<int64_t> shape;
  /// Byte offsets [begin, end) in the data section.
  uint64_t begin = 0, end = 0;
};

/// A parsed and validated header.
struct Header {
  /// In data order (increasing offsets).
  std::vector<TensorInfo> tensors;
  /// Sorted by key.
  std::vector<std::pair<std::string, std::string>> metadata;
  /// The byte offset in the header text of the checksum's digits, when the
  /// metadata has kChecksumKey.
  std::optional<size_t> checksumOffset;
};

/// Parses and validates header text for a data section of dataSize bytes:
/// JSON syntax, the key and value types, dtype names, that each tensor's
/// shape and dtype give its byte size, and that the tensors cover the data
/// section exactly. Returns "" or a message without the file name.
std::string parseHeader(std::string_view text, uint64_t dataSize,
                        Header &header);

/// The header text for tensors (which must already be in data order with
/// their offsets set) and metadata (sorted, unique keys, without
/// kChecksumKey), padded with spaces to a multiple of 8 bytes. The metadata
/// gets kChecksumKey with the value "00000000"; checksumOffset receives the
/// offset of those digits.
std::string
buildHeader(const std::vector<TensorInfo> &tensors,
            const std::vector<std::pair<std::string, std::string>> &metadata,
            size_t &checksumOffset);

} // namespace tvq::safetensors

#endif // TVQ_RUNTIME_SAFETENSORSHEADER_H
