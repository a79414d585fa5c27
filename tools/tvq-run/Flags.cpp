//===- Flags.cpp - Command-line flags of train, eval and generate ---------===//

#include "Flags.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>

using namespace tvq::run;

std::string Flags::parse(const std::string &subcommand,
                         const std::vector<std::string> &args,
                         const std::vector<FlagSpec> &specs) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string &arg = args[i];
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0 || arg == "--") {
      if (!arg.empty() && arg[0] == '-' && arg != "-")
        return "unknown option '" + arg + "' for '" + subcommand + "'";
      positional.push_back(arg);
      continue;
    }
    size_t equals = arg.find('=');
    std::string name = arg.substr(
        2, equals == std::string::npos ? std::string::npos : equals - 2);
    const FlagSpec *spec = nullptr;
    for (const FlagSpec &candidate : specs)
      if (name == candidate.name)
        spec = &candidate;
    if (!spec)
      return "unknown option '--" + name + "' for '" + subcommand + "'";
    if (values.count(name))
      return "--" + name + " given twice";
    if (!spec->takesValue) {
      if (equals != std::string::npos)
        return "--" + name + " takes no value";
      values[name] = "";
      continue;
    }
    if (equals != std::string::npos) {
      values[name] = arg.substr(equals + 1);
    } else {
      if (i + 1 == args.size())
        return "--" + name + " needs a value";
      values[name] = args[++i];
    }
  }
  return "";
}

std::string tvq::run::checkDevice(const std::string &device) {
  if (device == "cpu" || device == "cuda")
    return "";
  return "--device expects cpu or cuda, got '" + device + "'";
}

std::string Flags::getDevice(std::string &device) const {
  device = get("device");
  return has("device") ? checkDevice(device) : "";
}

std::string Flags::get(const std::string &name,
                       const std::string &fallback) const {
  auto it = values.find(name);
  return it == values.end() ? fallback : it->second;
}

std::string Flags::getInt(const std::string &name, int64_t min, int64_t max,
                          int64_t &value) const {
  auto it = values.find(name);
  if (it == values.end())
    return "";
  const std::string &text = it->second;
  errno = 0;
  char *end = nullptr;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || parsed < min ||
      parsed > max)
    return "--" + name + " expects an integer in [" + std::to_string(min) +
           ", " + std::to_string(max) + "], got '" + text + "'";
  value = parsed;
  return "";
}

std::string Flags::getDouble(const std::string &name, double min, double max,
                             double &value) const {
  auto it = values.find(name);
  if (it == values.end())
    return "";
  const std::string &text = it->second;
  char *end = nullptr;
  double parsed = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !std::isfinite(parsed) || parsed < min ||
      parsed > max) {
    char range[96];
    std::snprintf(range, sizeof(range), "[%g, %g]", min, max);
    return "--" + name + " expects a number in " + range + ", got '" + text +
           "'";
  }
  value = parsed;
  return "";
}
