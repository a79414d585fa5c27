//===- Philox.h - The Philox4x64-10 counter-based generator -----*- C++ -*-===//
//
// Philox4x64-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3",
// SC'11) maps a 256-bit counter and a 128-bit key to 256 random bits with
// integer multiplies and xors only, so every machine computes the same bits.
// It is the generator behind numpy.random.Philox, which the tests compare
// against bit for bit.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_PHILOX_H
#define TVQ_RUNTIME_PHILOX_H

#include <array>
#include <cstdint>

namespace tvq {

/// Philox4x64 with 10 rounds applied to counter under key.
std::array<uint64_t, 4> philox4x64(std::array<uint64_t, 4> counter,
                                   std::array<uint64_t, 2> key);

/// An endless sequence of 64-bit values: value i is
/// philox4x64({i / 4, stream, domain, 0}, {key, 0})[i % 4]. The domain keeps
/// the runtime's uses apart (0: tvq_rng, 1: batch shuffles); stream numbers
/// independent sequences within a domain (e.g. the epoch).
class PhiloxStream {
public:
  PhiloxStream(uint64_t key, uint64_t domain, uint64_t stream,
               uint64_t position = 0)
      : key(key), domain(domain), stream(stream), position(position) {}

  /// Value `position` of the sequence; advances the position.
  uint64_t next();

  /// The index of the value next() returns.
  uint64_t getPosition() const { return position; }

private:
  uint64_t key, domain, stream, position;
  /// The last block computed and its index (position / 4).
  std::array<uint64_t, 4> block{};
  uint64_t blockIndex = 0;
  bool haveBlock = false;
};

/// A uniform integer in [0, n) (n > 0) from next(), by Lemire's
/// multiply-and-reject method: exact, and the same on every machine.
template <typename Next> uint64_t uniformBelow(Next &&next, uint64_t n) {
  unsigned __int128 product = static_cast<unsigned __int128>(next()) * n;
  uint64_t low = static_cast<uint64_t>(product);
  if (low < n) {
    const uint64_t threshold = (0 - n) % n;
    while (low < threshold) {
      product = static_cast<unsigned __int128>(next()) * n;
      low = static_cast<uint64_t>(product);
    }
  }
  return static_cast<uint64_t>(product >> 64);
}

/// A uniform double in [0, 1) from the top 53 bits of bits.
inline double uniformDouble(uint64_t bits) {
  return static_cast<double>(bits >> 11) * 0x1.0p-53;
}

} // namespace tvq

#endif // TVQ_RUNTIME_PHILOX_H
