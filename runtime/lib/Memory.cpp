//===- Memory.cpp - How much memory the process can still allocate -------===//
//
// Implements tvq_memory_available: large tensors and training states are
// checked against it before they are allocated, so that a model or batch
// too large for the machine fails with the bytes it needs instead of being
// killed by the kernel's OOM killer (or crashing on a failed allocation).
//
//===----------------------------------------------------------------------===//

#include "tvq/tvq_runtime.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

namespace {

/// The value of "Key:   123 kB" in a /proc file, in bytes.
std::optional<uint64_t> procField(const char *path, const std::string &key) {
  std::ifstream file(path);
  std::string line;
  while (std::getline(file, line)) {
    if (line.compare(0, key.size() + 1, key + ":") != 0)
      continue;
    std::istringstream fields(line.substr(key.size() + 1));
    uint64_t value = 0;
    std::string unit;
    if (!(fields >> value))
      return std::nullopt;
    fields >> unit;
    return unit == "kB" ? value * 1024 : value;
  }
  return std::nullopt;
}

/// A number in a cgroup file ("max" and unreadable files give nothing).
std::optional<uint64_t> cgroupValue(const char *path) {
  std::ifstream file(path);
  uint64_t value;
  if (file >> value)
    return value;
  return std::nullopt;
}

/// limit - used, or nothing when there is no limit.
std::optional<uint64_t> remaining(std::optional<uint64_t> limit,
                                  std::optional<uint64_t> used) {
  if (!limit)
    return std::nullopt;
  uint64_t usage = used.value_or(0);
  return *limit > usage ? *limit - usage : 0;
}

std::optional<uint64_t> rlimitRemaining(int resource, const char *statusKey) {
  struct rlimit limit;
  if (getrlimit(resource, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return std::nullopt;
  return remaining(static_cast<uint64_t>(limit.rlim_cur),
                   procField("/proc/self/status", statusKey));
}

} // namespace

uint64_t tvq_memory_available(void) {
  if (const char *text = std::getenv("TVQ_MEMORY_LIMIT")) {
    char *end = nullptr;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (*text && *end == '\0')
      return value;
  }
  std::optional<uint64_t> system = procField("/proc/meminfo", "MemAvailable");
  if (!system) {
    long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    system = pages > 0 && size > 0
                 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(size)
                 : UINT64_MAX;
  }
  uint64_t available = *system;
  for (std::optional<uint64_t> bound :
       {rlimitRemaining(RLIMIT_AS, "VmSize"),
        rlimitRemaining(RLIMIT_DATA, "VmData"),
        // cgroup v2, then v1 (an unlimited v1 group reads as about 2^63).
        remaining(cgroupValue("/sys/fs/cgroup/memory.max"),
                  cgroupValue("/sys/fs/cgroup/memory.current")),
        remaining(cgroupValue("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                  cgroupValue("/sys/fs/cgroup/memory/memory.usage_in_bytes"))})
    if (bound)
      available = std::min(available, *bound);
  return available;
}
