//===- Sampling.cpp - The seeded generator and nucleus sampling -----------===//

#include "Error.h"
#include "Philox.h"

#include "tvq/tvq_runtime.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace tvq;

tvq_rng tvq_rng_create(uint64_t seed) { return tvq_rng{seed, 0}; }

uint64_t tvq_rng_next_u64(tvq_rng *rng) {
  uint64_t value = PhiloxStream(rng->key, 0, 0, rng->counter).next();
  ++rng->counter;
  return value;
}

double tvq_rng_next_double(tvq_rng *rng) {
  return uniformDouble(tvq_rng_next_u64(rng));
}

size_t tvq_rng_format(const tvq_rng *rng, char *buf, size_t size) {
  char text[40];
  int length = std::snprintf(text, sizeof(text), "%016" PRIx64 ":%016" PRIx64,
                             rng->key, rng->counter);
  if (buf && size > 0)
    std::snprintf(buf, size, "%s", text);
  return static_cast<size_t>(length);
}

/// Parses exactly 16 lowercase hex digits at text.
static bool parseHex16(const char *text, uint64_t &value) {
  value = 0;
  for (int i = 0; i < 16; ++i) {
    char c = text[i];
    int digit = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                       : -1;
    if (digit < 0)
      return false;
    value = value << 4 | static_cast<uint64_t>(digit);
  }
  return true;
}

int tvq_rng_parse(const char *text, tvq_rng *rng) {
  tvq_rng parsed;
  if (!text || !rng || std::strlen(text) != 33 || text[16] != ':' ||
      !parseHex16(text, parsed.key) || !parseHex16(text + 17, parsed.counter)) {
    setError("invalid random generator state '" +
             std::string(text ? text : "") +
             "' (expected KEY:COUNTER, 16 lowercase hex digits each)");
    return 1;
  }
  *rng = parsed;
  return 0;
}

int32_t tvq_sample_top_p(const float *logits, int32_t vocab_size,
                         float temperature, float top_p, tvq_rng *rng) {
  auto fail = [](const std::string &message) {
    setError("tvq_sample_top_p: " + message);
    return -1;
  };
  if (!logits || !rng || vocab_size <= 0)
    return fail("needs logits, a generator and a positive vocab_size");
  if (!(temperature >= 0) || std::isinf(temperature))
    return fail("temperature must be finite and >= 0, got " +
                std::to_string(temperature));
  if (!(top_p >= 0 && top_p <= 1))
    return fail("top_p must be in [0, 1], got " + std::to_string(top_p));
  int32_t argmax = -1;
  for (int32_t i = 0; i < vocab_size; ++i) {
    if (std::isnan(logits[i]) || logits[i] == INFINITY)
      return fail("logit " + std::to_string(i) + " is " +
                  std::to_string(logits[i]) + " (must be finite or -inf)");
    if (logits[i] != -INFINITY && (argmax < 0 || logits[i] > logits[argmax]))
      argmax = i;
  }
  if (argmax < 0)
    return fail("all " + std::to_string(vocab_size) + " logits are -inf");

  // One value per call whatever the path, so that the stream stays aligned.
  double uniform = tvq_rng_next_double(rng);
  if (temperature == 0 || top_p == 0)
    return argmax;

  // Unnormalized probabilities relative to the largest logit.
  std::vector<double> weights(vocab_size);
  for (int32_t i = 0; i < vocab_size; ++i)
    weights[i] = std::exp((static_cast<double>(logits[i]) - logits[argmax]) /
                          temperature);
  std::vector<int32_t> order(vocab_size);
  for (int32_t i = 0; i < vocab_size; ++i)
    order[i] = i;
  std::sort(order.begin(), order.end(), [&](int32_t a, int32_t b) {
    return weights[a] != weights[b] ? weights[a] > weights[b] : a < b;
  });
  // The total in the same order as the prefix sums, so that top_p = 1 keeps
  // every token with a nonzero weight.
  double total = 0;
  for (int32_t i : order)
    total += weights[i];
  double threshold = static_cast<double>(top_p) * total;
  double kept = 0;
  size_t numKept = 0;
  while (numKept < order.size() && (numKept == 0 || kept < threshold) &&
         weights[order[numKept]] > 0)
    kept += weights[order[numKept++]];

  double target = uniform * kept, sum = 0;
  for (size_t k = 0; k < numKept; ++k) {
    sum += weights[order[k]];
    if (target < sum)
      return order[k];
  }
  return order[numKept - 1]; // only when rounding puts target at the end
}
