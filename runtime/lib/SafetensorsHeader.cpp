//===- SafetensorsHeader.cpp - The JSON header of safetensors -------------===//

#include "SafetensorsHeader.h"

#include "Json.h"

#include <algorithm>
#include <tuple>

using namespace tvq;
using namespace tvq::safetensors;
using json::Value;

namespace {

constexpr FileDtype kDtypes[] = {FileDtype::F32, FileDtype::F64,
                                 FileDtype::I32, FileDtype::I64,
                                 FileDtype::F16, FileDtype::BF16};
constexpr const char kMetadataKey[] = "__metadata__";
/// The most dimensions a tensor may have (as for .npy files).
constexpr size_t kMaxRank = 64;

/// "[2,3]".
std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? "," : "") + std::to_string(shape[i]);
  return text + "]";
}

/// "[0, 24)".
std::string formatRange(uint64_t begin, uint64_t end) {
  return "[" + std::to_string(begin) + ", " + std::to_string(end) + ")";
}

/// Parses the "__metadata__" object into header.
std::string parseMetadata(std::string_view text, const Value &object,
                          Header &header) {
  if (object.kind != Value::Kind::Object)
    return std::string("'__metadata__' must be an object of strings, not ") +
           json::describe(object.kind);
  for (size_t i = 0; i < object.keys.size(); ++i) {
    const std::string &key = object.keys[i];
    const Value &value = object.items[i];
    if (value.kind != Value::Kind::String)
      return "metadata '" + key + "' must be a string, not " +
             json::describe(value.kind);
    if (key.find('\0') != std::string::npos ||
        value.text.find('\0') != std::string::npos)
      return "metadata '" + key + "' contains a NUL character";
    if (key == kChecksumKey) {
      bool digits =
          value.text.size() == kChecksumDigits &&
          std::all_of(value.text.begin(), value.text.end(), [](char c) {
            return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
          });
      // The checksum is computed over the raw header text, so its digits must
      // be there literally.
      if (!digits || text.substr(value.offset + 1, kChecksumDigits + 1) !=
                         value.text + '"')
        return std::string("metadata '") + kChecksumKey +
               "' must be 8 lowercase hex digits written without escapes";
      header.checksumOffset = value.offset + 1;
    }
    header.metadata.emplace_back(key, value.text);
  }
  std::sort(header.metadata.begin(), header.metadata.end());
  return "";
}

/// Parses one tensor entry {"dtype": ..., "shape": ..., "data_offsets": ...}.
std::string parseTensor(const std::string &name, const Value &entry,
                        TensorInfo &info) {
  const std::string where = "tensor '" + name + "': ";
  if (name.find('\0') != std::string::npos)
    return where + "the name contains a NUL character";
  if (entry.kind != Value::Kind::Object)
    return where +
           "expected an object with dtype, shape and data_offsets, "
           "not " +
           json::describe(entry.kind);
  for (const std::string &key : entry.keys)
    if (key != "dtype" && key != "shape" && key != "data_offsets")
      return where + "unexpected key '" + key + "'";
  const Value *dtype = entry.find("dtype");
  const Value *shape = entry.find("shape");
  const Value *offsets = entry.find("data_offsets");
  if (!dtype || !shape || !offsets)
    return where + "missing '" +
           (!dtype   ? "dtype"
            : !shape ? "shape"
                     : "data_offsets") +
           "'";

  info.name = name;
  if (dtype->kind != Value::Kind::String)
    return where + "'dtype' must be a string";
  auto known = std::find_if(
      std::begin(kDtypes), std::end(kDtypes),
      [&](FileDtype candidate) { return dtype->text == dtypeName(candidate); });
  if (known == std::end(kDtypes))
    return where + "unsupported dtype '" + dtype->text +
           "' (supported: F32, F64, I32, I64, F16, BF16)";
  info.dtype = *known;

  const std::string badShape =
      where + "'shape' must be an array of non-negative integers";
  if (shape->kind != Value::Kind::Array)
    return badShape;
  if (shape->items.size() > kMaxRank)
    return where + "'shape' has more than " + std::to_string(kMaxRank) +
           " dimensions";
  for (const Value &dim : shape->items) {
    std::optional<int64_t> size = dim.asIndex();
    if (!size)
      return badShape;
    info.shape.push_back(*size);
  }

  std::optional<int64_t> begin, end;
  if (offsets->kind == Value::Kind::Array && offsets->items.size() == 2) {
    begin = offsets->items[0].asIndex();
    end = offsets->items[1].asIndex();
  }
  if (!begin || !end || *begin > *end)
    return where + "'data_offsets' must be [BEGIN, END] with integers "
                   "0 <= BEGIN <= END";
  info.begin = static_cast<uint64_t>(*begin);
  info.end = static_cast<uint64_t>(*end);

  // The byte size from shape and dtype, with overflow checks.
  uint64_t bytes = dtypeSize(info.dtype);
  bool overflow = false;
  for (int64_t dim : info.shape) {
    if (dim != 0 && bytes > UINT64_MAX / static_cast<uint64_t>(dim))
      overflow = true;
    bytes *= static_cast<uint64_t>(dim);
  }
  if (overflow)
    return where + "shape " + formatShape(info.shape) + " is too large";
  if (bytes != info.end - info.begin)
    return where + dtype->text + formatShape(info.shape) + " takes " +
           std::to_string(bytes) + " bytes, but its data_offsets " +
           formatRange(info.begin, info.end) + " span " +
           std::to_string(info.end - info.begin);
  return "";
}

} // namespace

const char *safetensors::dtypeName(FileDtype dtype) {
  switch (dtype) {
  case FileDtype::F32:
    return "F32";
  case FileDtype::F64:
    return "F64";
  case FileDtype::I32:
    return "I32";
  case FileDtype::I64:
    return "I64";
  case FileDtype::F16:
    return "F16";
  case FileDtype::BF16:
    return "BF16";
  }
  return "?";
}

size_t safetensors::dtypeSize(FileDtype dtype) {
  switch (dtype) {
  case FileDtype::F64:
  case FileDtype::I64:
    return 8;
  case FileDtype::F32:
  case FileDtype::I32:
    return 4;
  case FileDtype::F16:
  case FileDtype::BF16:
    return 2;
  }
  return 0;
}

std::string safetensors::parseHeader(std::string_view text, uint64_t dataSize,
                                     Header &header) {
  header = Header();
  if (text.empty() || text[0] != '{')
    return "the header does not start with '{'";
  Value root;
  if (std::string error = json::parse(text, root); !error.empty())
    return "invalid JSON " + error;
  if (root.kind != Value::Kind::Object)
    return "the header is not a JSON object";
  for (size_t i = 0; i < root.keys.size(); ++i) {
    std::string error;
    if (root.keys[i] == kMetadataKey) {
      error = parseMetadata(text, root.items[i], header);
    } else {
      header.tensors.emplace_back();
      error = parseTensor(root.keys[i], root.items[i], header.tensors.back());
    }
    if (!error.empty())
      return error;
  }

  // The tensors must tile the data section: sort by offsets and walk it.
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorInfo &a, const TensorInfo &b) {
              return std::tie(a.begin, a.end, a.name) <
                     std::tie(b.begin, b.end, b.name);
            });
  uint64_t covered = 0;
  const TensorInfo *previous = nullptr;
  for (const TensorInfo &tensor : header.tensors) {
    if (tensor.begin < covered)
      return "tensors '" + previous->name + "' " +
             formatRange(previous->begin, previous->end) + " and '" +
             tensor.name + "' " + formatRange(tensor.begin, tensor.end) +
             " overlap";
    if (tensor.begin > covered)
      return "bytes " + formatRange(covered, tensor.begin) +
             " of the data section belong to no tensor";
    covered = tensor.end;
    previous = &tensor;
  }
  if (covered > dataSize)
    return "truncated: the tensors take " + std::to_string(covered) +
           " bytes of data, but the file has only " + std::to_string(dataSize) +
           " after the header";
  if (covered < dataSize)
    return "the file has " + std::to_string(dataSize) +
           " bytes of data, but the tensors take only " +
           std::to_string(covered) + " (trailing bytes)";
  return "";
}

std::string safetensors::buildHeader(
    const std::vector<TensorInfo> &tensors,
    const std::vector<std::pair<std::string, std::string>> &metadata,
    size_t &checksumOffset) {
  std::string text = "{";
  json::appendString(text, kMetadataKey);
  text += ":{";
  bool checksumWritten = false;
  auto writeChecksum = [&] {
    json::appendString(text, kChecksumKey);
    text += ":\"";
    checksumOffset = text.size();
    text += std::string(kChecksumDigits, '0') + "\"";
    checksumWritten = true;
  };
  bool first = true;
  for (const auto &[key, value] : metadata) {
    if (!checksumWritten && key > kChecksumKey) {
      if (!first)
        text += ',';
      writeChecksum();
      first = false;
    }
    if (!first)
      text += ',';
    first = false;
    json::appendString(text, key);
    text += ':';
    json::appendString(text, value);
  }
  if (!checksumWritten) {
    if (!first)
      text += ',';
    writeChecksum();
  }
  text += '}';
  for (const TensorInfo &tensor : tensors) {
    text += ',';
    json::appendString(text, tensor.name);
    text += ":{\"dtype\":\"" + std::string(dtypeName(tensor.dtype)) +
            "\",\"shape\":" + formatShape(tensor.shape) +
            ",\"data_offsets\":[" + std::to_string(tensor.begin) + "," +
            std::to_string(tensor.end) + "]}";
  }
  text += '}';
  text.append((8 - text.size() % 8) % 8, ' ');
  return text;
}
