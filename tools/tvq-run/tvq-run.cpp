//===- tvq-run.cpp - Runs compiled tvq modules from the command line ------===//
//
// tvq-run <subcommand> ...: `call` calls an entry point with .npy inputs and
// writes or prints its outputs; `info` prints a module's entry points. Errors
// print "tvq-run: error: <message>" on stderr and exit with 1; command-line
// mistakes exit with 2.
//
//===----------------------------------------------------------------------===//

#include "tvq/tvq_runtime.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

/// Prints an error and returns the exit status for it.
int error(const std::string &message) {
  std::fprintf(stderr, "tvq-run: error: %s\n", message.c_str());
  return kExitError;
}

/// Prints a command-line error with a hint and returns the exit status.
int usageError(const std::string &message) {
  std::fprintf(stderr, "tvq-run: error: %s\nrun 'tvq-run --help' for usage\n",
               message.c_str());
  return kExitUsage;
}

struct ModuleDeleter {
  void operator()(tvq_module *module) const { tvq_module_unload(module); }
};
struct TensorDeleter {
  void operator()(tvq_tensor *tensor) const { tvq_tensor_destroy(tensor); }
};
using ModulePtr = std::unique_ptr<tvq_module, ModuleDeleter>;
using TensorPtr = std::unique_ptr<tvq_tensor, TensorDeleter>;

/// "f32[?,3]".
std::string formatType(tvq_dtype dtype, int32_t rank, const int64_t *dims) {
  char buffer[512];
  tvq_format_type(dtype, rank, dims, buffer, sizeof(buffer));
  return buffer;
}

/// "x: f32[?,3], y: f32[3]": the names and types of an entry's inputs (or
/// outputs).
std::string formatArgs(const tvq_entry *entry, bool outputs) {
  int32_t count =
      outputs ? tvq_entry_num_outputs(entry) : tvq_entry_num_inputs(entry);
  std::string text;
  for (int32_t i = 0; i < count; ++i) {
    tvq_arg arg =
        outputs ? tvq_entry_output(entry, i) : tvq_entry_input(entry, i);
    text += std::string(i ? ", " : "") + arg.name + ": " +
            formatType(arg.dtype, arg.rank, arg.dims);
  }
  return text;
}

/// Element i of tensor as text.
std::string formatElement(const tvq_tensor *tensor, int64_t i) {
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
void printTensor(const char *name, const tvq_tensor *tensor) {
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

/// The value of a `--name=value` argument, or nothing when arg is not one.
std::optional<std::string> flagValue(const std::string &arg,
                                     const std::string &name) {
  std::string prefix = "--" + name + "=";
  if (arg.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  return arg.substr(prefix.size());
}

bool isHelp(const std::string &arg) { return arg == "-h" || arg == "--help"; }

void printUsage(std::FILE *stream = stdout);

//===----------------------------------------------------------------------===//
// tvq-run call
//===----------------------------------------------------------------------===//

int runCall(const std::vector<std::string> &args) {
  std::string modulePath, function;
  std::vector<std::string> inputPaths, outputPaths;
  for (const std::string &arg : args) {
    if (isHelp(arg)) {
      printUsage();
      return 0;
    }
    if (auto value = flagValue(arg, "function")) {
      if (!function.empty())
        return usageError("--function given twice");
      if (value->empty())
        return usageError("--function needs an entry name");
      function = *value;
      continue;
    }
    auto input = flagValue(arg, "input");
    auto output = flagValue(arg, "output");
    if (input || output) {
      const std::string &value = input ? *input : *output;
      if (value.size() < 2 || value[0] != '@')
        return usageError(std::string(input ? "--input" : "--output") +
                          " expects @FILE.npy, got '" + value + "'");
      (input ? inputPaths : outputPaths).push_back(value.substr(1));
      continue;
    }
    if (!arg.empty() && arg[0] == '-')
      return usageError("unknown option '" + arg + "' for 'call'");
    if (!modulePath.empty())
      return usageError("unexpected argument '" + arg + "' for 'call'");
    modulePath = arg;
  }
  if (modulePath.empty())
    return usageError("'call' needs a module: tvq-run call MODULE.so ...");

  ModulePtr module(tvq_module_load(modulePath.c_str()));
  if (!module)
    return error(tvq_last_error());
  const tvq_entry *entry = nullptr;
  if (!function.empty()) {
    entry = tvq_module_find_entry(module.get(), function.c_str());
  } else if (tvq_module_num_entries(module.get()) == 1) {
    entry = tvq_module_entry(module.get(), 0);
  } else {
    std::string names;
    for (int32_t i = 0; i < tvq_module_num_entries(module.get()); ++i)
      names += std::string(i ? ", " : "") +
               tvq_entry_name(tvq_module_entry(module.get(), i));
    return error("module '" + modulePath + "' has " +
                 std::to_string(tvq_module_num_entries(module.get())) +
                 " entries (" + names + "); choose one with --function");
  }
  if (!entry)
    return error(tvq_last_error());

  int32_t numOutputs = tvq_entry_num_outputs(entry);
  if (!outputPaths.empty() &&
      outputPaths.size() != static_cast<size_t>(numOutputs))
    return error("entry '" + std::string(tvq_entry_name(entry)) + "' has " +
                 std::to_string(numOutputs) + " outputs (" +
                 formatArgs(entry, /*outputs=*/true) + "), but " +
                 std::to_string(outputPaths.size()) +
                 " --output were given; give none or one per output");

  std::vector<TensorPtr> inputs;
  std::vector<const tvq_tensor *> inputPointers;
  for (const std::string &path : inputPaths) {
    inputs.emplace_back(tvq_npy_read(path.c_str()));
    if (!inputs.back())
      return error(tvq_last_error());
    inputPointers.push_back(inputs.back().get());
  }
  std::vector<tvq_tensor *> outputPointers(numOutputs, nullptr);
  if (tvq_call(module.get(), tvq_entry_name(entry), inputPointers.data(),
               static_cast<int32_t>(inputPointers.size()),
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

//===----------------------------------------------------------------------===//
// tvq-run info
//===----------------------------------------------------------------------===//

int runInfo(const std::vector<std::string> &args) {
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

  ModulePtr module(tvq_module_load(modulePath.c_str()));
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

//===----------------------------------------------------------------------===//
// Dispatch
//===----------------------------------------------------------------------===//

/// One subcommand: `tvq-run <name> <args...>`.
struct Subcommand {
  const char *name;
  /// The arguments after the name, for the usage text.
  const char *synopsis;
  /// What it does, for the usage text (may span lines).
  const char *summary;
  int (*run)(const std::vector<std::string> &args);
};

// Planned: train, eval, generate, bench.
const Subcommand kSubcommands[] = {
    {"call",
     "MODULE.so [--function=F] --input=@IN.npy... [--output=@OUT.npy...]",
     "Calls entry point F (optional when the module has one entry) with the\n"
     "inputs in signature order; dynamic dimensions come from the arrays.\n"
     "Writes one .npy per output, or, without --output, prints each output's\n"
     "name, type and leading values.",
     runCall},
    {"info", "MODULE.so",
     "Prints each entry point's signature (? marks a dynamic dimension) and\n"
     "its shape checks.",
     runInfo},
};

void printUsage(std::FILE *stream) {
  std::fprintf(stream,
               "usage: tvq-run <subcommand> [arguments]\n\nsubcommands:\n");
  for (const Subcommand &subcommand : kSubcommands) {
    std::fprintf(stream, "  %s %s\n", subcommand.name, subcommand.synopsis);
    std::string summary = subcommand.summary;
    size_t start = 0;
    while (start < summary.size()) {
      size_t end = summary.find('\n', start);
      if (end == std::string::npos)
        end = summary.size();
      std::fprintf(stream, "      %s\n",
                   summary.substr(start, end - start).c_str());
      start = end + 1;
    }
  }
  std::fprintf(stream, "\noptions:\n  -h, --help  print this help\n");
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    printUsage(stderr);
    return kExitUsage;
  }
  std::string name = argv[1];
  if (isHelp(name)) {
    printUsage();
    return 0;
  }
  for (const Subcommand &subcommand : kSubcommands)
    if (name == subcommand.name)
      return subcommand.run(std::vector<std::string>(argv + 2, argv + argc));
  if (!name.empty() && name[0] == '-')
    return usageError("unknown option '" + name + "'");
  return usageError("unknown subcommand '" + name + "'");
}
