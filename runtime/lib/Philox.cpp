//===- Philox.cpp - The Philox4x64-10 counter-based generator -------------===//

#include "Philox.h"

using namespace tvq;

namespace {

constexpr uint64_t kMultiplier0 = 0xD2E7470EE14C6C93ull;
constexpr uint64_t kMultiplier1 = 0xCA5A826395121157ull;
constexpr uint64_t kWeyl0 = 0x9E3779B97F4A7C15ull;
constexpr uint64_t kWeyl1 = 0xBB67AE8584CAA73Bull;
constexpr int kRounds = 10;

/// The high and low halves of the 128-bit product a * b.
void multiply(uint64_t a, uint64_t b, uint64_t &high, uint64_t &low) {
  unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  high = static_cast<uint64_t>(product >> 64);
  low = static_cast<uint64_t>(product);
}

} // namespace

std::array<uint64_t, 4> tvq::philox4x64(std::array<uint64_t, 4> counter,
                                        std::array<uint64_t, 2> key) {
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    uint64_t high0, low0, high1, low1;
    multiply(kMultiplier0, counter[0], high0, low0);
    multiply(kMultiplier1, counter[2], high1, low1);
    counter = {high1 ^ counter[1] ^ key[0], low1, high0 ^ counter[3] ^ key[1],
               low0};
  }
  return counter;
}

uint64_t PhiloxStream::next() {
  uint64_t index = position / 4;
  if (!haveBlock || blockIndex != index) {
    block = philox4x64({index, stream, domain, 0}, {key, 0});
    blockIndex = index;
    haveBlock = true;
  }
  return block[position++ % 4];
}
