//===- RaceCheck.cpp - Data races in simulated kernels --------------------===//

#include "RaceCheck.h"

#include <cinttypes>
#include <cstdio>

using tvq::RaceChecker;

namespace {

/// (block, thread) as one key; blocks have at most 1024 threads.
int64_t threadKey(int64_t block, int64_t thread) {
  return block * 4096 + thread;
}

} // namespace

void RaceChecker::launch(const char *name) {
  launchName = name;
  elements.clear();
  epochs.clear();
  ++launchCount;
}

void RaceChecker::barrier(int64_t block, int64_t thread) {
  ++epochs[threadKey(block, thread)];
}

bool RaceChecker::ordered(const Access &before, const Access &after) const {
  return before.block == after.block &&
         (before.thread == after.thread || before.epoch < after.epoch);
}

std::string RaceChecker::describe(const Access &racing, const Access &earlier,
                                  bool earlierStored, int64_t address,
                                  int64_t kind) const {
  char where[64];
  std::snprintf(where, sizeof where, "0x%" PRIx64, uint64_t(address));
  std::string text =
      std::string("data race in ") + launchName + ": thread " +
      std::to_string(racing.thread) + " of block " +
      std::to_string(racing.block) +
      ((kind & kStore) ? " stores to " : " loads from ") +
      ((kind & kWorkgroup) ? "workgroup" : "global") + " memory at " + where +
      " (" + racing.what + "), which thread " + std::to_string(earlier.thread) +
      " of block " + std::to_string(earlier.block) +
      (earlierStored ? " stored to (" : " loaded from (") + earlier.what + ")";
  if (earlier.block != racing.block)
    return text + "; blocks of one launch run in no order";
  return text + " with no barrier between";
}

std::optional<std::string> RaceChecker::access(int64_t address, int64_t block,
                                               int64_t thread, int64_t kind,
                                               const char *what) {
  ++accessCount;
  Access now{block, thread, 0, what};
  if (auto it = epochs.find(threadKey(block, thread)); it != epochs.end())
    now.epoch = it->second;
  Element &element = elements[address];
  // Workgroup memory belongs to one block: what another block did at this
  // address was in an earlier allocation of the simulation's.
  if ((kind & kWorkgroup) &&
      ((element.store.block >= 0 && element.store.block != block) ||
       (element.load.block >= 0 && element.load.block != block)))
    element = Element();

  if (element.store.block >= 0 && !ordered(element.store, now))
    return describe(now, element.store, true, address, kind);

  if (!(kind & kStore)) {
    Access &load = element.load;
    if (load.block < 0 || (load.block == block && load.epoch < now.epoch &&
                           !element.otherBlock)) {
      load = now;
      element.otherLoad = Access();
    } else if (load.block != block) {
      element.otherBlock = true;
      element.otherLoad = now;
    } else if (load.thread != thread && element.otherLoad.block < 0) {
      element.otherLoad = now;
    }
    return std::nullopt;
  }

  for (const Access *load : {&element.load, &element.otherLoad})
    if (load->block >= 0 && !ordered(*load, now))
      return describe(now, *load, false, address, kind);
  element.store = now;
  element.load = Access();
  element.otherLoad = Access();
  element.otherBlock = false;
  return std::nullopt;
}
