//===- Call.cpp - tvq-run call and tvq-run info ---------------------------===//

#include "Common.h"

#include <cinttypes>

using namespace tvq;
using namespace tvq::run;

/// Element i of tensor as text.
static std::string formatElement(const tvq_tensor *tensor, int64_t i) {
  const void *data = tvq_tensor_data(tensor);
  char buffer[64];
  switch (tvq_tensor_dtype(tensor)) {
  case TVQ_F32:
    std::snprintf(buffer, sizeof(buffer), "%g",
                  static_cast<const float *>(data)[i]);
    break;
  case TVQ_F64:
    std::snprintf(buffer, sizeof(buffer), "%g",
                  static_cast<const double *>(data)[i]);
    break;
  case TVQ_I32:
    std::snprintf(buffer, sizeof(buffer), "%" PRId32,
                  static_cast<const int32_t *>(data)[i]);
    break;
  case TVQ_I64:
    std::snprintf(buffer, sizeof(buffer), "%" PRId64,
                  static_cast<const int64_t *>(data)[i]);
    break;
  }
  return buffer;
}

/// Prints "name: f32[2,3] = [v0, v1, ...]" with at most kShown values.
static void printTensor(const char *name, const tvq_tensor *tensor) {
  constexpr int64_t kShown = 8;
  std::string text =
      std::string(name) + ": " +
      formatType(tvq_tensor_dtype(tensor), tvq_tensor_rank(tensor),
                 tvq_tensor_shape(tensor)) +
      " = ";
  int64_t count = tvq_tensor_num_elements(tensor);
  if (tvq_tensor_rank(tensor) == 0) {
    text += formatElement(tensor, 0);
  } else {
    text += "[";
    for (int64_t i = 0; i < count && i < kShown; ++i)
      text += (i ? ", " : "") + formatElement(tensor, i);
    if (count > kShown)
      text += ", ...";
    text += "]";
  }
  std::printf("%s\n", text.c_str());
}

int run::runCall(const std::vector<std::string> &args) {
  EntryArgs entryArgs;
  std::vector<std::string> outputPaths;
  for (const std::string &arg : args) {
    if (isHelp(arg)) {
      printUsage();
      return 0;
    }
    if (auto output = flagValue(arg, "output")) {
      if (output->size() < 2 || (*output)[0] != '@')
        return usageError("--output expects @FILE.npy, got '" + *output + "'");
      outputPaths.push_back(output->substr(1));
      continue;
    }
    int status;
    if (!parseEntryArg("call", arg, entryArgs, status))
      return usageError("unknown option '" + arg + "' for 'call'");
    if (status)
      return status;
  }

  Invocation invocation;
  if (int status = loadEntry("call", entryArgs, invocation))
    return status;
  const tvq_entry *entry = invocation.entry;
  int32_t numOutputs = tvq_entry_num_outputs(entry);
  if (!outputPaths.empty() &&
      outputPaths.size() != static_cast<size_t>(numOutputs))
    return error("entry '" + std::string(tvq_entry_name(entry)) + "' has " +
                 std::to_string(numOutputs) + " outputs (" +
                 formatArgs(entry, /*outputs=*/true) + "), but " +
                 std::to_string(outputPaths.size()) +
                 " --output were given; give none or one per output");
  if (int status = readInputs(entryArgs, invocation))
    return status;

  std::vector<tvq_tensor *> outputPointers(numOutputs, nullptr);
  if (tvq_call(invocation.module.get(), tvq_entry_name(entry),
               invocation.inputPointers.data(),
               static_cast<int32_t>(invocation.inputPointers.size()),
               outputPointers.data(), numOutputs) != 0)
    return error(tvq_last_error());
  std::vector<TensorPtr> outputs(outputPointers.begin(), outputPointers.end());

  for (int32_t j = 0; j < numOutputs; ++j) {
    if (outputPaths.empty()) {
      printTensor(tvq_entry_output(entry, j).name, outputs[j].get());
    } else if (tvq_npy_write(outputPaths[j].c_str(), outputs[j].get()) != 0) {
      return error(tvq_last_error());
    }
  }
  return 0;
}

int run::runInfo(const std::vector<std::string> &args) {
  std::string modulePath;
  for (const std::string &arg : args) {
    if (isHelp(arg)) {
      printUsage();
      return 0;
    }
    if (!arg.empty() && arg[0] == '-')
      return usageError("unknown option '" + arg + "' for 'info'");
    if (!modulePath.empty())
      return usageError("unexpected argument '" + arg + "' for 'info'");
    modulePath = arg;
  }
  if (modulePath.empty())
    return usageError("'info' needs a module: tvq-run info MODULE.so");

  // The manifest only: a CUDA module is described without a driver.
  ModulePtr module(tvq_module_load_device(modulePath.c_str(), "inspect"));
  if (!module)
    return error(tvq_last_error());
  std::printf("module %s\ntarget %s\n", modulePath.c_str(),
              tvq_module_target(module.get()));
  for (int32_t i = 0; i < tvq_module_num_entries(module.get()); ++i) {
    const tvq_entry *entry = tvq_module_entry(module.get(), i);
    std::printf("entry %s(%s) -> (%s)\n", tvq_entry_name(entry),
                formatArgs(entry, /*outputs=*/false).c_str(),
                formatArgs(entry, /*outputs=*/true).c_str());
    for (int32_t n = 1; n <= tvq_entry_num_checks(entry); ++n)
      std::printf("  check %d: %s\n", n, tvq_entry_check(entry, n));
  }
  return 0;
}
