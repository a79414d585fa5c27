//===- RaceCheckCalls.cpp - What race-checked cuda-sim modules call -------===//
//
// The functions `tvq-instrument-races` calls in cuda-sim modules compiled
// with `tvq-compile --target=cuda-sim --cuda-sim-race-check` (RaceCheck.h).
// The first race ends the process: "tvq runtime: data race in gpu.launch #3
// in @train_step at model.mlir:12:5: thread 5 of block 0 stores to ..." on
// stderr, exit status 1. A process that checked launches and found no race
// prints "tvq race check: L launches, A accesses, no data race" to stderr at
// exit. The simulation runs blocks on several threads: one lock serializes
// the checker.
//
//===----------------------------------------------------------------------===//

#include "RaceCheck.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace {

struct Checker {
  std::mutex mutex;
  tvq::RaceChecker races;
  ~Checker() {
    if (races.launches() > 0)
      std::fprintf(stderr,
                   "tvq race check: %" PRId64 " launches, %" PRId64
                   " accesses, no data race\n",
                   races.launches(), races.accesses());
  }
};

Checker &checker() {
  static Checker instance;
  return instance;
}

const char *text(int64_t address) {
  return reinterpret_cast<const char *>(static_cast<intptr_t>(address));
}

} // namespace

#define TVQ_EXPORT extern "C" __attribute__((visibility("default")))

TVQ_EXPORT void _tvq_race_launch(int64_t name) {
  Checker &c = checker();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.races.launch(text(name));
}

TVQ_EXPORT void _tvq_race_barrier(int64_t block, int64_t thread) {
  Checker &c = checker();
  std::lock_guard<std::mutex> lock(c.mutex);
  c.races.barrier(block, thread);
}

TVQ_EXPORT void _tvq_race_access(int64_t address, int64_t block, int64_t thread,
                                 int64_t kind, int64_t what) {
  Checker &c = checker();
  std::lock_guard<std::mutex> lock(c.mutex);
  if (std::optional<std::string> race =
          c.races.access(address, block, thread, kind, text(what))) {
    std::fflush(stdout);
    std::fprintf(stderr, "tvq runtime: %s\n", race->c_str());
    std::fflush(stderr);
    std::_Exit(1);
  }
}
