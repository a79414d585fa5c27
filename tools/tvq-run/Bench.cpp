//===- Bench.cpp - tvq-run bench: timing an entry point -------------------===//
//
// Places the inputs where the module computes (tvq_tensor_copy_for_module:
// CUDA managed memory for a CUDA module), calls the entry W times untimed
// (warm-up), then N times, timing each whole tvq_call (input validation, the
// check function, the entry and taking its outputs) with steady_clock;
// prints one JSON object on stdout.
//
//===----------------------------------------------------------------------===//

#include "Common.h"
#include "Json.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>

using namespace tvq;
using namespace tvq::run;

/// Parses a decimal count in [minimum, 1e9]; nothing when it is not one.
static std::optional<int64_t> parseCount(const std::string &text,
                                         int64_t minimum) {
  if (text.empty() || text.size() > 10 ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  int64_t value = std::stoll(text);
  if (value < minimum || value > 1000000000)
    return std::nullopt;
  return value;
}

/// Calls the entry once; returns the milliseconds taken, or a negative
/// number after printing the error.
static double timedCall(const Invocation &invocation) {
  int32_t numOutputs = tvq_entry_num_outputs(invocation.entry);
  std::vector<tvq_tensor *> outputs(numOutputs, nullptr);
  auto start = std::chrono::steady_clock::now();
  int status =
      tvq_call(invocation.module.get(), tvq_entry_name(invocation.entry),
               invocation.inputPointers.data(),
               static_cast<int32_t>(invocation.inputPointers.size()),
               outputs.data(), numOutputs);
  auto stop = std::chrono::steady_clock::now();
  for (tvq_tensor *output : outputs)
    tvq_tensor_destroy(output);
  if (status != 0) {
    error(tvq_last_error());
    return -1;
  }
  return std::chrono::duration<double, std::milli>(stop - start).count();
}

int run::runBench(const std::vector<std::string> &args) {
  EntryArgs entryArgs;
  int64_t repeat = 10, warmup = 1;
  for (const std::string &arg : args) {
    if (isHelp(arg)) {
      printUsage();
      return 0;
    }
    if (auto value = flagValue(arg, "repeat")) {
      std::optional<int64_t> count = parseCount(*value, 1);
      if (!count)
        return usageError("--repeat expects a count of at least 1, got '" +
                          *value + "'");
      repeat = *count;
      continue;
    }
    if (auto value = flagValue(arg, "warmup")) {
      std::optional<int64_t> count = parseCount(*value, 0);
      if (!count)
        return usageError("--warmup expects a count of at least 0, got '" +
                          *value + "'");
      warmup = *count;
      continue;
    }
    int status;
    if (!parseEntryArg("bench", arg, entryArgs, status))
      return usageError("unknown option '" + arg + "' for 'bench'");
    if (status)
      return status;
  }

  Invocation invocation;
  if (int status = loadEntry("bench", entryArgs, invocation))
    return status;
  if (int status = readInputs(entryArgs, invocation))
    return status;
  // The inputs are placed once where the module computes (a CUDA module's
  // managed memory), as a framework's tensors live on its device: the calls
  // then time the module, not a copy of its inputs.
  for (size_t i = 0; i < invocation.inputs.size(); ++i) {
    TensorPtr placed(tvq_tensor_copy_for_module(invocation.module.get(),
                                                invocation.inputs[i].get()));
    if (!placed) {
      error(tvq_last_error());
      return kExitError;
    }
    invocation.inputPointers[i] = placed.get();
    invocation.inputs[i] = std::move(placed);
  }

  for (int64_t i = 0; i < warmup; ++i)
    if (timedCall(invocation) < 0)
      return kExitError;
  std::vector<double> times;
  for (int64_t i = 0; i < repeat; ++i) {
    double ms = timedCall(invocation);
    if (ms < 0)
      return kExitError;
    times.push_back(ms);
  }

  double sum = 0;
  for (double ms : times)
    sum += ms;
  double mean = sum / times.size(), squares = 0;
  for (double ms : times)
    squares += (ms - mean) * (ms - mean);
  std::vector<double> sorted = times;
  std::sort(sorted.begin(), sorted.end());
  size_t middle = sorted.size() / 2;
  double median = sorted.size() % 2 ? sorted[middle]
                                    : (sorted[middle - 1] + sorted[middle]) / 2;

  std::string line = "{\"function\": ";
  json::appendString(line, tvq_entry_name(invocation.entry));
  line += ", \"module\": ";
  json::appendString(line, entryArgs.modulePath);
  line += ", \"repeat\": " + std::to_string(repeat) +
          ", \"warmup\": " + std::to_string(warmup);
  auto field = [&](const char *key, double value) {
    line += std::string(", \"") + key + "\": ";
    json::appendNumber(line, value);
  };
  field("median_ms", median);
  field("min_ms", sorted.front());
  field("max_ms", sorted.back());
  field("mean_ms", mean);
  field("stddev_ms", std::sqrt(squares / times.size()));
  line += "}";
  std::printf("%s\n", line.c_str());
  return 0;
}
