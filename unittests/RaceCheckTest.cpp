//===- RaceCheckTest.cpp - Tests of the simulated kernels' race check -----===//

#include "RaceCheck.h"

#include <gtest/gtest.h>

using tvq::RaceChecker;

namespace {

constexpr int64_t kLoad = 0, kStore = RaceChecker::kStore;
constexpr int64_t kShared = RaceChecker::kWorkgroup;

class RaceCheckTest : public ::testing::Test {
protected:
  RaceCheckTest() { races.launch("gpu.launch #0 in @f"); }
  /// Whether the access races with an earlier one.
  bool race(int64_t address, int64_t block, int64_t thread, int64_t kind) {
    return races.access(address, block, thread, kind, "access").has_value();
  }
  RaceChecker races;
};

TEST_F(RaceCheckTest, OwnElementsDoNotRace) {
  for (int64_t t = 0; t < 4; ++t) {
    EXPECT_FALSE(race(100 + 4 * t, 0, t, kLoad));
    EXPECT_FALSE(race(100 + 4 * t, 0, t, kStore));
    EXPECT_FALSE(race(100 + 4 * t, 0, t, kLoad));
  }
  EXPECT_EQ(races.accesses(), 12);
}

TEST_F(RaceCheckTest, LoadsOfOneElementDoNotRace) {
  for (int64_t b = 0; b < 3; ++b)
    for (int64_t t = 0; t < 4; ++t)
      EXPECT_FALSE(race(100, b, t, kLoad));
}

TEST_F(RaceCheckTest, StoreThenLoadByAnotherThreadRaces) {
  EXPECT_FALSE(race(100, 0, 1, kStore));
  EXPECT_TRUE(race(100, 0, 2, kLoad));
}

TEST_F(RaceCheckTest, LoadThenStoreByAnotherThreadRaces) {
  EXPECT_FALSE(race(100, 0, 1, kLoad));
  EXPECT_FALSE(race(100, 0, 1, kLoad));
  EXPECT_TRUE(race(100, 0, 2, kStore));
}

TEST_F(RaceCheckTest, AnyOtherReaderRacesWithAStore) {
  // Thread 2 stores an element that it and thread 1 loaded.
  EXPECT_FALSE(race(100, 0, 2, kLoad));
  EXPECT_FALSE(race(100, 0, 1, kLoad));
  EXPECT_TRUE(race(100, 0, 2, kStore));
}

TEST_F(RaceCheckTest, TwoStoresRace) {
  EXPECT_FALSE(race(100, 0, 1, kStore));
  EXPECT_TRUE(race(100, 0, 2, kStore));
}

TEST_F(RaceCheckTest, BarrierOrdersThreadsOfABlock) {
  EXPECT_FALSE(race(100, 0, 1, kStore | kShared));
  for (int64_t t = 0; t < 4; ++t)
    races.barrier(0, t);
  for (int64_t t = 0; t < 4; ++t)
    EXPECT_FALSE(race(100, 0, t, kLoad | kShared));
  for (int64_t t = 0; t < 4; ++t)
    races.barrier(0, t);
  EXPECT_FALSE(race(100, 0, 3, kStore | kShared));
  // Without a barrier after that store, thread 0's load races.
  EXPECT_TRUE(race(100, 0, 0, kLoad | kShared));
}

TEST_F(RaceCheckTest, BarrierDoesNotOrderOtherBlocks) {
  EXPECT_FALSE(race(100, 0, 1, kStore));
  races.barrier(0, 1);
  races.barrier(1, 1);
  EXPECT_TRUE(race(100, 1, 1, kLoad));
}

TEST_F(RaceCheckTest, LoadsFromAnotherBlockRaceWithAnyStore) {
  EXPECT_FALSE(race(100, 0, 0, kLoad));
  EXPECT_FALSE(race(100, 1, 0, kLoad));
  races.barrier(0, 0);
  EXPECT_TRUE(race(100, 0, 0, kStore));
}

TEST_F(RaceCheckTest, WorkgroupMemoryOfAnotherBlockIsAnotherAllocation) {
  // The simulation frees block 0's shared buffers before block 1 reuses the
  // address: not a race.
  EXPECT_FALSE(race(100, 0, 1, kStore | kShared));
  EXPECT_FALSE(race(100, 1, 2, kStore | kShared));
  EXPECT_FALSE(race(100, 1, 2, kLoad | kShared));
  EXPECT_TRUE(race(100, 1, 3, kLoad | kShared));
}

TEST_F(RaceCheckTest, ALaunchForgetsTheLastOnesAccesses) {
  EXPECT_FALSE(race(100, 0, 1, kStore));
  races.launch("gpu.launch #1 in @f");
  EXPECT_FALSE(race(100, 0, 2, kLoad));
  races.barrier(0, 2);
  races.launch("gpu.launch #2 in @f");
  // Epochs start again: a store by thread 2 and a load by thread 3 race.
  EXPECT_FALSE(race(100, 0, 2, kStore));
  EXPECT_TRUE(race(100, 0, 3, kLoad));
  EXPECT_EQ(races.launches(), 3);
}

TEST_F(RaceCheckTest, DescribesBothAccesses) {
  ASSERT_FALSE(races.access(0x40, 0, 7, kStore | kShared, "memref.store A"));
  std::optional<std::string> race =
      races.access(0x40, 0, 9, kLoad | kShared, "memref.load B");
  ASSERT_TRUE(race);
  EXPECT_EQ(*race, "data race in gpu.launch #0 in @f: thread 9 of block 0 "
                   "loads from workgroup memory at 0x40 (memref.load B), "
                   "which thread 7 of block 0 stored to (memref.store A) "
                   "with no barrier between");
}

} // namespace
