//===- Module.h - A loaded compiled module ----------------------*- C++ -*-===//

#ifndef TVQ_RUNTIME_MODULE_H
#define TVQ_RUNTIME_MODULE_H

#include "Manifest.h"
#include "tvq/tvq_runtime.h"

#include <memory>
#include <string>
#include <vector>

/// One entry point: its manifest record and its two symbols.
struct tvq_entry {
  tvq::EntrySpec spec;
  /// `_tvq_packed_<F>`: runs the entry.
  void (*packed)(void **args) = nullptr;
  /// `_tvq_check_<F>`: 0, or the 1-based number of the first failing check.
  int32_t (*check)(void **args) = nullptr;
  /// `_tvq_peak_bytes_<F>` (optional): the bytes of the buffers the entry
  /// holds at once for these inputs, or -1 when the compiler could not tell.
  int64_t (*peakBytes)(void **args) = nullptr;
};

/// A module opened with dlopen; closes it when destroyed.
struct tvq_module {
  std::string path;
  void *handle = nullptr;
  std::string target;
  /// Loaded with device "inspect": entries are listed, never called.
  bool inspectOnly = false;
  /// Held by pointer so that tvq_entry pointers stay valid.
  std::vector<std::unique_ptr<tvq_entry>> entries;
  /// tvq_module_set_output_hook's hook and context (a CUDA module calls a
  /// trampoline that first waits for the device, then these).
  tvq_output_hook outputHook = nullptr;
  void *outputHookContext = nullptr;
  ~tvq_module();
};

#endif // TVQ_RUNTIME_MODULE_H
