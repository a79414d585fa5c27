//===- Batcher.cpp - Deterministic batches of token windows ---------------===//
//
// Implements tvq_batcher (see tvq_runtime.h): a batch is a pure function of
// the dataset, the sizes, the seed, the shuffle flag and the step, so a
// resumed run needs only its step to continue with the same data. Epoch
// permutations are Fisher-Yates shuffles driven by Philox (domain 1, stream
// = the epoch); the two most recent are cached.
//
//===----------------------------------------------------------------------===//

#include "Dataset.h"
#include "Error.h"
#include "Philox.h"
#include "Tensor.h"

#include <array>
#include <memory>

using namespace tvq;

namespace {

/// The Philox domain of batch shuffles (tvq_rng is domain 0).
constexpr uint64_t kShuffleDomain = 1;

struct TensorDeleter {
  void operator()(tvq_tensor *tensor) const { tvq_tensor_destroy(tensor); }
};
using TensorPtr = std::unique_ptr<tvq_tensor, TensorDeleter>;

/// One epoch's order of the windows.
struct EpochOrder {
  int64_t epoch = -1;
  std::vector<int64_t> windows;
};

} // namespace

struct tvq_batcher {
  const tvq_dataset *dataset;
  int32_t batchSize, seqLen;
  uint64_t seed;
  bool shuffle;
  int64_t windowsPerEpoch;
  /// The two most recently used epochs; a batch spans at most two.
  std::array<EpochOrder, 2> cache;
  size_t nextSlot = 0;

  /// The window of global row g.
  int64_t windowOf(int64_t row);
};

int64_t tvq_batcher::windowOf(int64_t row) {
  int64_t epoch = row / windowsPerEpoch, position = row % windowsPerEpoch;
  if (!shuffle)
    return position;
  for (const EpochOrder &order : cache)
    if (order.epoch == epoch)
      return order.windows[position];
  EpochOrder &order = cache[nextSlot];
  nextSlot = (nextSlot + 1) % cache.size();
  order.epoch = epoch;
  order.windows.resize(windowsPerEpoch);
  for (int64_t w = 0; w < windowsPerEpoch; ++w)
    order.windows[w] = w;
  PhiloxStream stream(seed, kShuffleDomain, static_cast<uint64_t>(epoch));
  auto next = [&] { return stream.next(); };
  for (int64_t i = windowsPerEpoch - 1; i > 0; --i)
    std::swap(order.windows[i],
              order.windows[uniformBelow(next, static_cast<uint64_t>(i + 1))]);
  return order.windows[position];
}

tvq_batcher *tvq_batcher_create(const tvq_dataset *dataset, int32_t batch_size,
                                int32_t seq_len, uint64_t seed, int shuffle) {
  if (!dataset || batch_size <= 0 || seq_len <= 0) {
    setError("tvq_batcher_create: needs a dataset and a positive batch size "
             "and sequence length, got " +
             std::to_string(batch_size) + " x " + std::to_string(seq_len));
    return nullptr;
  }
  int64_t needed = static_cast<int64_t>(batch_size) * seq_len;
  if (dataset->numTokens < needed) {
    setError(dataset->description + " has " +
             std::to_string(dataset->numTokens) + " tokens, but one batch of " +
             std::to_string(batch_size) + " rows of " +
             std::to_string(seq_len) + " tokens needs " +
             std::to_string(needed));
    return nullptr;
  }
  auto *batcher = new tvq_batcher;
  batcher->dataset = dataset;
  batcher->batchSize = batch_size;
  batcher->seqLen = seq_len;
  batcher->seed = seed;
  batcher->shuffle = shuffle != 0;
  batcher->windowsPerEpoch = dataset->numTokens / seq_len;
  return batcher;
}

void tvq_batcher_destroy(tvq_batcher *batcher) { delete batcher; }

int64_t tvq_batcher_windows_per_epoch(const tvq_batcher *batcher) {
  return batcher->windowsPerEpoch;
}

/// Whether step and row are valid for batcher (setting the error if not).
static bool checkStep(const tvq_batcher *batcher, int64_t step, int32_t row) {
  if (step < 0 ||
      step > (INT64_MAX - batcher->batchSize) / batcher->batchSize || row < 0 ||
      row >= batcher->batchSize) {
    setError("tvq_batcher: invalid step " + std::to_string(step) + " or row " +
             std::to_string(row) + " (batch size " +
             std::to_string(batcher->batchSize) + ")");
    return false;
  }
  return true;
}

int64_t tvq_batcher_window(tvq_batcher *batcher, int64_t step, int32_t row) {
  if (!checkStep(batcher, step, row))
    return -1;
  return batcher->windowOf(step * batcher->batchSize + row);
}

int tvq_batcher_batch(tvq_batcher *batcher, int64_t step, tvq_tensor **inputs,
                      tvq_tensor **targets) {
  if (!inputs || !targets) {
    setError("tvq_batcher_batch: null output pointer");
    return 1;
  }
  *inputs = *targets = nullptr;
  if (!checkStep(batcher, step, 0))
    return 1;
  std::vector<int64_t> shape = {batcher->batchSize, batcher->seqLen};
  TensorPtr in(createTensor(TVQ_I32, shape));
  TensorPtr out(createTensor(TVQ_I32, shape));
  if (!in || !out)
    return 1;
  auto *inData = static_cast<int32_t *>(in->data);
  auto *outData = static_cast<int32_t *>(out->data);
  const int64_t seqLen = batcher->seqLen;
  for (int32_t r = 0; r < batcher->batchSize; ++r) {
    int64_t start = batcher->windowOf(step * batcher->batchSize + r) * seqLen;
    int32_t *row = outData + r * seqLen;
    for (int64_t t = 0; t < seqLen; ++t)
      row[t] = batcher->dataset->token(start + t);
    int32_t *shifted = inData + r * seqLen;
    shifted[0] = TVQ_TOKEN_EOS;
    for (int64_t t = 1; t < seqLen; ++t)
      shifted[t] = row[t - 1];
  }
  *inputs = in.release();
  *targets = out.release();
  return 0;
}
