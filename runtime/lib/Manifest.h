//===- Manifest.h - The compiled-module manifest (docs/abi.md) --*- C++ -*-===//

#ifndef TVQ_RUNTIME_MANIFEST_H
#define TVQ_RUNTIME_MANIFEST_H

#include "tvq/tvq_runtime.h"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tvq {

/// The manifest version this runtime reads.
constexpr int kManifestVersion = 1;

/// The declared type of one input or output.
struct ArgSpec {
  std::string name;
  tvq_dtype dtype = TVQ_F32;
  /// One entry per dimension; -1 marks a dynamic (`?`) dimension.
  std::vector<int64_t> dims;
};

/// One `entry` record with its inputs, outputs and check messages.
struct EntrySpec {
  std::string name;
  std::vector<ArgSpec> inputs;
  std::vector<ArgSpec> outputs;
  /// checks[n-1] is the message of check n.
  std::vector<std::string> checks;
};

/// A parsed manifest.
struct Manifest {
  int version = 0;
  std::string target;
  std::vector<EntrySpec> entries;
};

/// Parses manifest text. On failure returns false and sets error to a
/// message such as "line 4: ..." (or one about an unsupported version).
bool parseManifest(std::string_view text, Manifest &manifest,
                   std::string &error);

} // namespace tvq

#endif // TVQ_RUNTIME_MANIFEST_H
