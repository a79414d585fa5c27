//===- PhiloxTest.cpp - Tests of the Philox4x64-10 generator --------------===//

#include "Philox.h"

#include <gtest/gtest.h>

using namespace tvq;

namespace {

TEST(PhiloxTest, KnownAnswers) {
  // The known-answer vectors of Random123 (kat_vectors, philox4x64 10).
  using Block = std::array<uint64_t, 4>;
  EXPECT_EQ(philox4x64({0, 0, 0, 0}, {0, 0}),
            (Block{0x16554d9eca36314cull, 0xdb20fe9d672d0fdcull,
                   0xd7e772cee186176bull, 0x7e68b68aec7ba23bull}));
  EXPECT_EQ(philox4x64({~0ull, ~0ull, ~0ull, ~0ull}, {~0ull, ~0ull}),
            (Block{0x87b092c3013fe90bull, 0x438c3c67be8d0224ull,
                   0x9cc7d7c69cd777b6ull, 0xa09caebf594f0ba0ull}));
  EXPECT_EQ(philox4x64({0x243f6a8885a308d3ull, 0x13198a2e03707344ull,
                        0xa4093822299f31d0ull, 0x082efa98ec4e6c89ull},
                       {0x452821e638d01377ull, 0xbe5466cf34e90c6cull}),
            (Block{0xa528f45403e61d95ull, 0x38c72dbd566e9788ull,
                   0xa5a1610e72fd18b5ull, 0x57bd43b5e52b7fe6ull}));
}

TEST(PhiloxTest, StreamMatchesNumpy) {
  // numpy.random.Philox(key=12345, counter=2**256 - 1).random_raw(6): numpy
  // increments the counter before each block, so it starts at block 0 too.
  PhiloxStream stream(12345, /*domain=*/0, /*stream=*/0);
  const uint64_t expected[] = {
      7386187461004060729ull, 6072199406495932739ull,  454147532797423872ull,
      6155246410477371369ull, 11923609910150341984ull, 14282716219641783572ull};
  for (uint64_t value : expected)
    EXPECT_EQ(stream.next(), value);
  EXPECT_EQ(stream.getPosition(), 6u);
  // Starting mid-sequence gives the same values.
  PhiloxStream resumed(12345, 0, 0, 5);
  EXPECT_EQ(resumed.next(), expected[5]);
  // Other domains and streams give other values.
  EXPECT_NE(PhiloxStream(12345, 1, 0).next(), expected[0]);
  EXPECT_NE(PhiloxStream(12345, 0, 1).next(), expected[0]);
}

TEST(PhiloxTest, UniformBelow) {
  PhiloxStream stream(7, 0, 0);
  auto next = [&] { return stream.next(); };
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 30000; ++i) {
    uint64_t value = uniformBelow(next, 3);
    ASSERT_LT(value, 3u);
    ++counts[value];
  }
  for (int count : counts)
    EXPECT_NEAR(count, 10000, 400); // about 5 standard deviations
  EXPECT_EQ(uniformBelow(next, 1), 0u);
  // A huge bound: the top bits pass through.
  uint64_t big = uint64_t(1) << 63;
  for (int i = 0; i < 100; ++i)
    EXPECT_LT(uniformBelow(next, big + 1), big + 1);
}

TEST(PhiloxTest, UniformDouble) {
  EXPECT_EQ(uniformDouble(0), 0.0);
  EXPECT_EQ(uniformDouble(~0ull), 1.0 - 0x1.0p-53);
  EXPECT_EQ(uniformDouble(1ull << 63), 0.5);
}

} // namespace
