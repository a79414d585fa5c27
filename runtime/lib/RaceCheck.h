//===- RaceCheck.h - Data races in simulated kernels ------------*- C++ -*-===//
//
// What cuda-sim modules compiled with `--cuda-sim-race-check` report to the
// runtime (the calls `tvq-instrument-races` adds): each kernel launch, each
// barrier a thread passes and each element of global or workgroup memory a
// thread loads or stores. RaceChecker finds the first element that two
// threads of one launch touch, at least one of them storing, with nothing
// ordering the two: threads of different blocks are never ordered within a
// launch; threads of one block are ordered when a barrier of the block lies
// between (the earlier access's thread had passed fewer barriers). A
// thread's own accesses are in program order.
//
// For each element it keeps the last store and the loads since, not every
// access: a load only matters to a later store when it is not ordered before
// it, and once a block's threads pass a barrier its earlier loads are
// ordered before everything that follows in the block.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_RACECHECK_H
#define TVQ_RUNTIME_RACECHECK_H

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

namespace tvq {

class RaceChecker {
public:
  /// What an access is: bit 0 a store, bit 1 workgroup (shared) memory.
  static constexpr int64_t kStore = 1, kWorkgroup = 2;

  /// Starts a launch described by `name`: forgets the last one's accesses.
  void launch(const char *name);

  /// Thread `thread` of block `block` passes a barrier.
  void barrier(int64_t block, int64_t thread);

  /// Records an access to the element at `address`; returns a description
  /// of the race when an earlier access of this launch races with it.
  std::optional<std::string> access(int64_t address, int64_t block,
                                    int64_t thread, int64_t kind,
                                    const char *what);

  int64_t launches() const { return launchCount; }
  int64_t accesses() const { return accessCount; }

private:
  struct Access {
    int64_t block = -1; ///< -1: none.
    int64_t thread = 0;
    int64_t epoch = 0; ///< Barriers the thread had passed.
    const char *what = "";
  };
  struct Element {
    Access store;
    /// A load in the newest barrier interval with loads (of `read.block`).
    Access load;
    /// A load by another thread than `load`'s in that interval, or by
    /// another block (then `otherBlock`).
    Access otherLoad;
    bool otherBlock = false;
  };

  bool ordered(const Access &before, const Access &after) const;
  std::string describe(const Access &racing, const Access &earlier,
                       bool earlierStored, int64_t address, int64_t kind) const;

  const char *launchName = "";
  std::unordered_map<int64_t, Element> elements;
  std::unordered_map<int64_t, int64_t> epochs; ///< (block, thread) → epoch.
  int64_t launchCount = 0, accessCount = 0;
};

} // namespace tvq

#endif // TVQ_RUNTIME_RACECHECK_H
