//===- NpyFormat.h - Parsing the header of NumPy .npy files -----*- C++ -*-===//
//
// The .npy format: the magic "\x93NUMPY", a major and minor version byte, the
// header length (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and
// 3.0), then the header, a Python dict literal such as
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// padded with spaces and a final newline, then the raw data. Shared by the
// tensor reader (Npy.cpp) and the data loaders (Data.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_NPYFORMAT_H
#define TVQ_RUNTIME_NPYFORMAT_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace tvq::npy {

inline constexpr char kMagic[] = "\x93NUMPY";
inline constexpr size_t kMagicSize = 6;

/// The fields of a .npy header that matter, and where the data starts.
struct Header {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  /// The byte offset of the data in the file.
  uint64_t dataOffset = 0;
};

/// Reads the magic, version and header dict of a .npy file of fileSize bytes
/// from file, positioned at its start; on success leaves it at the data.
/// Accepts versions 1.0, 2.0 and 3.0. Returns "" or a message without the
/// file name (e.g. "not a .npy file (bad magic string)").
std::string readHeader(std::FILE *file, uint64_t fileSize, Header &header);

/// The descr without its byte-order character ('<', '=', '|' or '>'), e.g.
/// "f4" for "<f4"; bigEndian tells whether that character was '>'.
std::string typeCode(const std::string &descr, bool &bigEndian);

} // namespace tvq::npy

#endif // TVQ_RUNTIME_NPYFORMAT_H
