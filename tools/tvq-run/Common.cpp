//===- Common.cpp - Helpers shared by the tvq-run subcommands -------------===//

#include "Common.h"
#include "Flags.h"

using namespace tvq;
using namespace tvq::run;

int run::error(const std::string &message) {
  std::fprintf(stderr, "tvq-run: error: %s\n", message.c_str());
  return kExitError;
}

int run::usageError(const std::string &message) {
  std::fprintf(stderr, "tvq-run: error: %s\nrun 'tvq-run --help' for usage\n",
               message.c_str());
  return kExitUsage;
}

std::optional<std::string> run::flagValue(const std::string &arg,
                                          const std::string &name) {
  std::string prefix = "--" + name + "=";
  if (arg.compare(0, prefix.size(), prefix) != 0)
    return std::nullopt;
  return arg.substr(prefix.size());
}

bool run::isHelp(const std::string &arg) {
  return arg == "-h" || arg == "--help";
}

std::string run::formatType(tvq_dtype dtype, int32_t rank,
                            const int64_t *dims) {
  char buffer[512];
  tvq_format_type(dtype, rank, dims, buffer, sizeof(buffer));
  return buffer;
}

std::string run::formatArgs(const tvq_entry *entry, bool outputs) {
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

tvq_module *run::loadModule(const std::string &path,
                            const std::string &device) {
  return tvq_module_load_device(path.c_str(),
                                device.empty() ? nullptr : device.c_str());
}

bool run::parseEntryArg(const std::string &subcommand, const std::string &arg,
                        EntryArgs &args, int &status) {
  status = 0;
  if (auto value = flagValue(arg, "function")) {
    if (!args.function.empty())
      status = usageError("--function given twice");
    else if (value->empty())
      status = usageError("--function needs an entry name");
    args.function = *value;
    return true;
  }
  if (auto value = flagValue(arg, kDeviceFlag.name)) {
    if (!args.device.empty())
      status = usageError("--device given twice");
    else if (std::string problem = checkDevice(*value); !problem.empty())
      status = usageError(problem);
    args.device = *value;
    return true;
  }
  if (auto input = flagValue(arg, "input")) {
    if (input->size() < 2 || (*input)[0] != '@')
      status = usageError("--input expects @FILE.npy, got '" + *input + "'");
    else
      args.inputPaths.push_back(input->substr(1));
    return true;
  }
  if (!arg.empty() && arg[0] == '-')
    return false;
  if (!args.modulePath.empty())
    status = usageError("unexpected argument '" + arg + "' for '" + subcommand +
                        "'");
  args.modulePath = arg;
  return true;
}

int run::loadEntry(const std::string &subcommand, const EntryArgs &args,
                   Invocation &invocation) {
  if (args.modulePath.empty())
    return usageError("'" + subcommand + "' needs a module: tvq-run " +
                      subcommand + " MODULE.so ...");
  invocation.module.reset(loadModule(args.modulePath, args.device));
  tvq_module *module = invocation.module.get();
  if (!module)
    return error(tvq_last_error());
  if (!args.function.empty()) {
    invocation.entry = tvq_module_find_entry(module, args.function.c_str());
  } else if (tvq_module_num_entries(module) == 1) {
    invocation.entry = tvq_module_entry(module, 0);
  } else {
    std::string names;
    for (int32_t i = 0; i < tvq_module_num_entries(module); ++i)
      names += std::string(i ? ", " : "") +
               tvq_entry_name(tvq_module_entry(module, i));
    return error("module '" + args.modulePath + "' has " +
                 std::to_string(tvq_module_num_entries(module)) + " entries (" +
                 names + "); choose one with --function");
  }
  if (!invocation.entry)
    return error(tvq_last_error());
  return 0;
}

int run::readInputs(const EntryArgs &args, Invocation &invocation) {
  for (const std::string &path : args.inputPaths) {
    invocation.inputs.emplace_back(tvq_npy_read(path.c_str()));
    if (!invocation.inputs.back())
      return error(tvq_last_error());
    invocation.inputPointers.push_back(invocation.inputs.back().get());
  }
  return 0;
}
