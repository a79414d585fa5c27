//===- Flags.h - Command-line flags of train, eval and generate -*- C++ -*-===//
//
// A small parser for `--name VALUE`, `--name=VALUE` and boolean `--name`
// flags plus positional arguments, with typed accessors whose errors name the
// flag.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_TVQ_RUN_FLAGS_H
#define TVQ_TOOLS_TVQ_RUN_FLAGS_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tvq::run {

/// A flag a subcommand accepts.
struct FlagSpec {
  const char *name;
  /// Whether it takes a value (`--name VALUE` or `--name=VALUE`); otherwise
  /// it is a switch (`--name`).
  bool takesValue;
};

/// `--device cpu|cuda`, taken by every subcommand that runs a module.
constexpr FlagSpec kDeviceFlag = {"device", true};

/// "" when device names a device the runtime has ("cpu", "cuda"), else the
/// usage error.
std::string checkDevice(const std::string &device);

/// The parsed command line of one subcommand.
class Flags {
public:
  /// Parses args against specs. Returns "" or a usage error message.
  std::string parse(const std::string &subcommand,
                    const std::vector<std::string> &args,
                    const std::vector<FlagSpec> &specs);

  bool has(const std::string &name) const { return values.count(name) != 0; }
  /// The value of a flag, or fallback when it was not given.
  std::string get(const std::string &name,
                  const std::string &fallback = "") const;

  /// Reads an integer flag in [min, max]; returns "" or the problem. value is
  /// left as it is when the flag was not given.
  std::string getInt(const std::string &name, int64_t min, int64_t max,
                     int64_t &value) const;
  /// Reads a finite number flag in [min, max]; as getInt.
  std::string getDouble(const std::string &name, double min, double max,
                        double &value) const;

  /// Reads --device ("" when not given: the module's target); returns "" or
  /// the problem.
  std::string getDevice(std::string &device) const;

  /// The positional arguments, in order.
  std::vector<std::string> positional;

private:
  std::map<std::string, std::string> values;
};

} // namespace tvq::run

#endif // TVQ_TOOLS_TVQ_RUN_FLAGS_H
