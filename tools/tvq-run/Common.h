//===- Common.h - Helpers shared by the tvq-run subcommands -----*- C++ -*-===//

#ifndef TVQ_TOOLS_TVQ_RUN_COMMON_H
#define TVQ_TOOLS_TVQ_RUN_COMMON_H

#include "tvq/tvq_runtime.h"

#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tvq::run {

constexpr int kExitError = 1;
constexpr int kExitUsage = 2;

/// Prints "tvq-run: error: <message>" and returns kExitError.
int error(const std::string &message);

/// Prints a command-line error with a hint and returns kExitUsage.
int usageError(const std::string &message);

/// Prints the usage text of every subcommand.
void printUsage(std::FILE *stream = stdout);

/// The value of a `--name=value` argument, or nothing when arg is not one.
std::optional<std::string> flagValue(const std::string &arg,
                                     const std::string &name);

bool isHelp(const std::string &arg);

struct ModuleDeleter {
  void operator()(tvq_module *module) const { tvq_module_unload(module); }
};
struct TensorDeleter {
  void operator()(tvq_tensor *tensor) const { tvq_tensor_destroy(tensor); }
};
using ModulePtr = std::unique_ptr<tvq_module, ModuleDeleter>;
using TensorPtr = std::unique_ptr<tvq_tensor, TensorDeleter>;

/// "f32[?,3]".
std::string formatType(tvq_dtype dtype, int32_t rank, const int64_t *dims);

/// "x: f32[?,3], y: f32[3]": the names and types of an entry's inputs (or
/// outputs).
std::string formatArgs(const tvq_entry *entry, bool outputs);

/// The arguments `call` and `bench` share: MODULE.so [--function=F]
/// [--device=D] --input=@IN.npy...
struct EntryArgs {
  /// device: "" (the module's target), "cpu" or "cuda".
  std::string modulePath, function, device;
  std::vector<std::string> inputPaths;
};

/// Loads the module at path for device ("": the module's target, else "cpu"
/// or "cuda"); null with tvq_last_error() set on failure.
tvq_module *loadModule(const std::string &path, const std::string &device);

/// Consumes arg into args when it is the module, --function, --device or
/// --input;
/// returns false when arg is something else, and sets status to a usage
/// error's exit status when arg is one of them but wrong.
bool parseEntryArg(const std::string &subcommand, const std::string &arg,
                   EntryArgs &args, int &status);

/// A module loaded for a call: the entry and the inputs read.
struct Invocation {
  ModulePtr module;
  const tvq_entry *entry = nullptr;
  std::vector<TensorPtr> inputs;
  std::vector<const tvq_tensor *> inputPointers;
};

/// Loads the module and picks the entry (--function, or the only one).
/// Returns 0, or prints the error and returns its exit status.
int loadEntry(const std::string &subcommand, const EntryArgs &args,
              Invocation &invocation);

/// Reads the inputs. Returns 0, or prints the error and returns its exit
/// status.
int readInputs(const EntryArgs &args, Invocation &invocation);

/// The subcommands: each takes the arguments after its name and returns the
/// exit status.
int runCall(const std::vector<std::string> &args);
int runInfo(const std::vector<std::string> &args);
int runBench(const std::vector<std::string> &args);

} // namespace tvq::run

#endif // TVQ_TOOLS_TVQ_RUN_COMMON_H
