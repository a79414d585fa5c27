//===- Dtype.h - The manifest names of tvq_dtype ----------------*- C++ -*-===//

#ifndef TVQ_RUNTIME_DTYPE_H
#define TVQ_RUNTIME_DTYPE_H

#include "tvq/tvq_runtime.h"

#include <string_view>

namespace tvq {

/// The manifest spelling of each dtype, indexed by tvq_dtype.
inline constexpr const char *kDtypeNames[] = {"f32", "f64", "i32", "i64"};

/// Parses a manifest dtype name ("f32", ...); false when unknown.
inline bool parseDtypeName(std::string_view name, tvq_dtype &dtype) {
  for (tvq_dtype candidate : {TVQ_F32, TVQ_F64, TVQ_I32, TVQ_I64}) {
    if (name == kDtypeNames[candidate]) {
      dtype = candidate;
      return true;
    }
  }
  return false;
}

} // namespace tvq

#endif // TVQ_RUNTIME_DTYPE_H
