//===- fuzz_data.cpp - Fuzzes the data file reader and the batcher --------===//
//
// The first byte picks the format (bytes, tokens, images) and the split, the
// second and third the batch size and sequence length; the rest is the file.
// An opened dataset must serve every token in range and every batch the
// batcher accepts, with inputs = [eos] + targets[:-1].
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "tvq/tvq_runtime.h"

#include <vector>

using namespace tvq::fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 3)
    return -1;
  auto format = static_cast<tvq_data_format>(data[0] % 3);
  auto split = static_cast<tvq_split>(data[0] / 3 % 4);
  int32_t batchSize = 1 + data[1] % 4, seqLen = 1 + data[2] % 64;
  MemFile input(data + 3, size - 3);
  tvq_dataset *dataset = tvq_dataset_open(input.path(), format, split);
  if (!dataset) {
    FUZZ_CHECK(*tvq_last_error() != '\0', "a failed open sets the error");
    return 0;
  }
  int64_t n = tvq_dataset_num_tokens(dataset);
  int32_t vocab = tvq_dataset_vocab_size(dataset);
  FUZZ_CHECK(n >= 0 && vocab >= TVQ_BYTE_OFFSET, "token count and vocabulary");
  FUZZ_CHECK(format == TVQ_DATA_TOKENS || vocab == 256 + TVQ_BYTE_OFFSET,
             "byte vocabulary");
  std::vector<int32_t> tokens(static_cast<size_t>(n));
  FUZZ_CHECK(tvq_dataset_read(dataset, 0, n, tokens.data()) == 0,
             tvq_last_error());
  for (int32_t token : tokens)
    FUZZ_CHECK(token >= 0 && token < vocab, "token within the vocabulary");
  int32_t one;
  FUZZ_CHECK(tvq_dataset_read(dataset, n, 1, &one) != 0, "read past the end");

  tvq_batcher *batcher =
      tvq_batcher_create(dataset, batchSize, seqLen, data[1], data[2] & 1);
  if (batcher) {
    FUZZ_CHECK(static_cast<int64_t>(batchSize) * seqLen <= n, "batch fits");
    for (int64_t step : {int64_t(0), int64_t(1), int64_t(1) << 40}) {
      tvq_tensor *inputs = nullptr, *targets = nullptr;
      FUZZ_CHECK(tvq_batcher_batch(batcher, step, &inputs, &targets) == 0,
                 tvq_last_error());
      const auto *in = static_cast<const int32_t *>(tvq_tensor_data(inputs));
      const auto *out = static_cast<const int32_t *>(tvq_tensor_data(targets));
      for (int32_t r = 0; r < batchSize; ++r) {
        int64_t window = tvq_batcher_window(batcher, step, r);
        FUZZ_CHECK(window >= 0 && window < n / seqLen, "window in range");
        for (int32_t t = 0; t < seqLen; ++t) {
          int64_t i = static_cast<int64_t>(r) * seqLen + t;
          FUZZ_CHECK(out[i] == tokens[window * seqLen + t], "targets");
          FUZZ_CHECK(in[i] == (t ? out[i - 1] : TVQ_TOKEN_EOS), "inputs");
        }
      }
      tvq_tensor_destroy(inputs);
      tvq_tensor_destroy(targets);
    }
    tvq_batcher_destroy(batcher);
  } else {
    FUZZ_CHECK(static_cast<int64_t>(batchSize) * seqLen > n,
               "a batcher is refused only for short data");
  }
  tvq_dataset_close(dataset);
  return 0;
}
