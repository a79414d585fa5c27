//===- Data.cpp - Reading the splits of data files ------------------------===//
//
// Implements tvq_dataset_open and its accessors. Three formats:
//   bytes   any file; byte b is token b + 3 (enwik8)
//   tokens  a .npy of a 1-D int32 ('<i4') or uint16 ('<u2') array of token
//           ids, used as they are
//   images  a .npy of uint8 ('|u1') [N, 64, 64, 3]; each image is 12288
//           tokens in raster order (row, column, channel), v being v + 3
// The split takes elements (bytes, ids or whole images) [floor(0.9 n),
// floor(0.95 n)) and so on; only the split is read into memory.
//
//===----------------------------------------------------------------------===//

#include "Dataset.h"
#include "Error.h"
#include "NpyFormat.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <sys/stat.h>

using namespace tvq;

namespace {

/// The image shape of TVQ_DATA_IMAGES.
constexpr int64_t kImageHeight = 64, kImageWidth = 64, kImageChannels = 3;
constexpr int64_t kImageTokens = kImageHeight * kImageWidth * kImageChannels;
/// The vocabulary of bytes and subpixels: 256 values and 3 special ids.
constexpr int32_t kByteVocab = 256 + TVQ_BYTE_OFFSET;

struct FileCloser {
  void operator()(std::FILE *file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

/// floor(n * numerator / denominator) without overflow.
int64_t fraction(int64_t n, int64_t numerator, int64_t denominator) {
  return static_cast<int64_t>(static_cast<__int128>(n) * numerator /
                              denominator);
}

/// The elements [begin, end) of split among n, and its name.
void splitRange(tvq_split split, int64_t n, int64_t &begin, int64_t &end,
                const char *&name) {
  int64_t train = fraction(n, 9, 10), valid = fraction(n, 19, 20);
  switch (split) {
  case TVQ_SPLIT_TRAIN:
    begin = 0, end = train, name = "train";
    return;
  case TVQ_SPLIT_VALID:
    begin = train, end = valid, name = "valid";
    return;
  case TVQ_SPLIT_TEST:
    begin = valid, end = n, name = "test";
    return;
  case TVQ_SPLIT_ALL:
    break;
  }
  begin = 0, end = n, name = "whole";
}

/// "(1, 2, 3)".
std::string formatShape(const std::vector<int64_t> &shape) {
  std::string text = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + (shape.size() == 1 ? ",)" : ")");
}

/// Reads the split of an open file into dataset. elementBytes is the size of
/// one split element (1 for a byte, 12288 for an image...), dataOffset where
/// the n elements start. Returns "" or the problem.
std::string readSplit(std::FILE *file, uint64_t fileSize, uint64_t dataOffset,
                      int64_t n, size_t elementBytes, tvq_split split,
                      const char *unit, tvq_dataset &dataset) {
  int64_t begin, end;
  const char *name;
  splitRange(split, n, begin, end, name);
  dataset.description = "'" + dataset.path + "' " + name + " split (" + unit +
                        " [" + std::to_string(begin) + ", " +
                        std::to_string(end) + ") of " + std::to_string(n) + ")";
  uint64_t available = fileSize - dataOffset;
  if (static_cast<uint64_t>(n) > available / elementBytes)
    return "truncated data (expected " + std::to_string(n) + " " + unit +
           " of " + std::to_string(elementBytes) + " bytes, found " +
           std::to_string(available) + " bytes)";
  size_t bytes = static_cast<size_t>(end - begin) * elementBytes;
  dataset.storage.resize(bytes);
  off_t start = static_cast<off_t>(dataOffset +
                                   static_cast<uint64_t>(begin) * elementBytes);
  if (fseeko(file, start, SEEK_SET) != 0 ||
      std::fread(dataset.storage.data(), 1, bytes, file) != bytes)
    return std::string("cannot read the data: ") + std::strerror(errno);
  dataset.numTokens = static_cast<int64_t>(bytes / dataset.width);
  return "";
}

/// Reads a .npy token-id file.
std::string openTokens(std::FILE *file, uint64_t fileSize, tvq_split split,
                       tvq_dataset &dataset) {
  npy::Header header;
  if (std::string error = npy::readHeader(file, fileSize, header);
      !error.empty())
    return error;
  bool bigEndian;
  std::string type = npy::typeCode(header.descr, bigEndian);
  if (bigEndian || (type != "i4" && type != "u2"))
    return "token ids must be int32 ('<i4') or uint16 ('<u2'), got '" +
           header.descr + "'";
  if (header.shape.size() != 1 || header.fortranOrder)
    return "token ids must be a 1-D array, got shape " +
           formatShape(header.shape);
  dataset.width = type == "i4" ? 4 : 2;
  if (std::string error =
          readSplit(file, fileSize, header.dataOffset, header.shape[0],
                    dataset.width, split, "tokens", dataset);
      !error.empty())
    return error;
  int32_t largest = TVQ_BYTE_OFFSET - 1;
  for (int64_t i = 0; i < dataset.numTokens; ++i) {
    int32_t id = dataset.token(i);
    if (id < 0)
      return "token id " + std::to_string(id) + " at index " +
             std::to_string(i) + " of the split is negative";
    // The vocabulary (largest id + 1) must fit in an int32.
    if (id == std::numeric_limits<int32_t>::max())
      return "token id " + std::to_string(id) + " at index " +
             std::to_string(i) +
             " of the split is too large (the vocabulary "
             "would have more than 2^31 - 1 entries)";
    largest = std::max(largest, id);
  }
  dataset.vocabSize = largest + 1;
  return "";
}

/// Reads a .npy file of uint8 images [N, 64, 64, 3].
std::string openImages(std::FILE *file, uint64_t fileSize, tvq_split split,
                       tvq_dataset &dataset) {
  npy::Header header;
  if (std::string error = npy::readHeader(file, fileSize, header);
      !error.empty())
    return error;
  bool bigEndian;
  std::string type = npy::typeCode(header.descr, bigEndian);
  const std::vector<int64_t> &shape = header.shape;
  if (type != "u1" || header.fortranOrder || shape.size() != 4 ||
      shape[1] != kImageHeight || shape[2] != kImageWidth ||
      shape[3] != kImageChannels)
    return "images must be a C-order uint8 ('|u1') array of shape (N, 64, "
           "64, 3), got '" +
           header.descr + "' " + formatShape(shape) +
           (header.fortranOrder ? " in Fortran order" : "");
  dataset.width = 1;
  dataset.offset = TVQ_BYTE_OFFSET;
  dataset.vocabSize = kByteVocab;
  return readSplit(file, fileSize, header.dataOffset, shape[0], kImageTokens,
                   split, "images", dataset);
}

} // namespace

tvq_dataset *tvq_dataset_open(const char *path, tvq_data_format format,
                              tvq_split split) {
  if (!path) {
    setError("tvq_dataset_open: null path");
    return nullptr;
  }
  if (format < TVQ_DATA_BYTES || format > TVQ_DATA_IMAGES ||
      split < TVQ_SPLIT_ALL || split > TVQ_SPLIT_TEST) {
    setError("tvq_dataset_open: invalid format or split for '" +
             std::string(path) + "'");
    return nullptr;
  }
  const std::string name = "'" + std::string(path) + "'";
  File file(std::fopen(path, "rb"));
  struct stat info;
  if (!file || fstat(fileno(file.get()), &info) != 0) {
    setError("cannot open " + name + ": " + std::strerror(errno));
    return nullptr;
  }
  if (S_ISDIR(info.st_mode)) {
    setError("cannot read " + name + ": it is a directory");
    return nullptr;
  }
  uint64_t fileSize = static_cast<uint64_t>(info.st_size);

  auto dataset = std::make_unique<tvq_dataset>();
  dataset->path = path;
  std::string error;
  switch (format) {
  case TVQ_DATA_BYTES:
    dataset->offset = TVQ_BYTE_OFFSET;
    dataset->vocabSize = kByteVocab;
    error = readSplit(file.get(), fileSize, 0, static_cast<int64_t>(fileSize),
                      1, split, "bytes", *dataset);
    break;
  case TVQ_DATA_TOKENS:
    error = openTokens(file.get(), fileSize, split, *dataset);
    break;
  case TVQ_DATA_IMAGES:
    error = openImages(file.get(), fileSize, split, *dataset);
    break;
  }
  if (!error.empty()) {
    setError(name + ": " + error);
    return nullptr;
  }
  return dataset.release();
}

void tvq_dataset_close(tvq_dataset *dataset) { delete dataset; }

int64_t tvq_dataset_num_tokens(const tvq_dataset *dataset) {
  return dataset->numTokens;
}

int32_t tvq_dataset_vocab_size(const tvq_dataset *dataset) {
  return dataset->vocabSize;
}

const char *tvq_dataset_describe(const tvq_dataset *dataset) {
  return dataset->description.c_str();
}

int tvq_dataset_read(const tvq_dataset *dataset, int64_t offset, int64_t count,
                     int32_t *out) {
  if ((!out && count > 0) || offset < 0 || count < 0 ||
      offset > dataset->numTokens || count > dataset->numTokens - offset) {
    setError("tvq_dataset_read: cannot read " + std::to_string(count) +
             " tokens at offset " + std::to_string(offset) + " of " +
             dataset->description + ", which has " +
             std::to_string(dataset->numTokens) + " tokens");
    return 1;
  }
  for (int64_t i = 0; i < count; ++i)
    out[i] = dataset->token(offset + i);
  return 0;
}
