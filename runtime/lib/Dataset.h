//===- Dataset.h - Data files held as token streams -------------*- C++ -*-===//

#ifndef TVQ_RUNTIME_DATASET_H
#define TVQ_RUNTIME_DATASET_H

#include "tvq/tvq_runtime.h"

#include <cstdint>
#include <string>
#include <vector>

/// One split of a data file: its elements as stored (1, 2 or 4 bytes each,
/// little-endian), mapped to token ids on access.
struct tvq_dataset {
  std::string path;
  std::string description;
  /// The bytes of the split's elements.
  std::vector<unsigned char> storage;
  /// The size of one stored element: 1 (bytes, images), 2 (uint16 ids) or
  /// 4 (int32 ids).
  size_t width = 1;
  /// Added to each stored element to give its token id.
  int32_t offset = 0;
  int64_t numTokens = 0;
  int32_t vocabSize = 0;

  /// Token i (0 <= i < numTokens).
  int32_t token(int64_t i) const {
    const unsigned char *at = storage.data() + i * width;
    switch (width) {
    case 1:
      return at[0] + offset;
    case 2:
      return (at[0] | at[1] << 8) + offset;
    default:
      return static_cast<int32_t>(static_cast<uint32_t>(at[0]) |
                                  static_cast<uint32_t>(at[1]) << 8 |
                                  static_cast<uint32_t>(at[2]) << 16 |
                                  static_cast<uint32_t>(at[3]) << 24) +
             offset;
    }
  }
};

#endif // TVQ_RUNTIME_DATASET_H
