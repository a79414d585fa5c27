//===- DataTest.cpp - Tests of data files and the batcher -----------------===//

#include "TestSupport.h"

#include <fcntl.h>
#include <set>
#include <unistd.h>

using namespace tvq::test;

namespace {

struct DatasetDeleter {
  void operator()(tvq_dataset *dataset) const { tvq_dataset_close(dataset); }
};
using DatasetPtr = std::unique_ptr<tvq_dataset, DatasetDeleter>;
struct BatcherDeleter {
  void operator()(tvq_batcher *batcher) const { tvq_batcher_destroy(batcher); }
};
using BatcherPtr = std::unique_ptr<tvq_batcher, BatcherDeleter>;

class DataTest : public testing::Test {
protected:
  /// Opens a dataset, expecting success.
  DatasetPtr open(const std::string &path, tvq_data_format format,
                  tvq_split split = TVQ_SPLIT_ALL) {
    DatasetPtr dataset(tvq_dataset_open(path.c_str(), format, split));
    EXPECT_TRUE(dataset) << tvq_last_error();
    return dataset;
  }

  /// Expects opening bytes as a file of format to fail with problem, after
  /// the file's name.
  void expectOpenError(const std::string &bytes, tvq_data_format format,
                       const std::string &problem,
                       tvq_split split = TVQ_SPLIT_ALL) {
    std::string path = dir.path("bad.npy");
    writeFile(path, bytes);
    DatasetPtr dataset(tvq_dataset_open(path.c_str(), format, split));
    EXPECT_FALSE(dataset) << "should fail with: " << problem;
    EXPECT_EQ(std::string(tvq_last_error()), "'" + path + "': " + problem);
  }

  /// All tokens of dataset.
  static std::vector<int32_t> tokens(const tvq_dataset *dataset) {
    std::vector<int32_t> out(tvq_dataset_num_tokens(dataset));
    EXPECT_EQ(tvq_dataset_read(dataset, 0, out.size(), out.data()), 0);
    return out;
  }

  /// A file of n bytes, byte i being (7 i) mod 256.
  std::string writeBytes(const std::string &name, size_t n) {
    std::string bytes(n, '\0');
    for (size_t i = 0; i < n; ++i)
      bytes[i] = static_cast<char>(i * 7 % 256);
    std::string path = dir.path(name);
    writeFile(path, bytes);
    return path;
  }

  TempDir dir;
};

TEST_F(DataTest, ByteSplits) {
  std::string path = writeBytes("text", 1000);
  struct Case {
    tvq_split split;
    int64_t begin, end;
    const char *name;
  };
  for (Case c : {Case{TVQ_SPLIT_TRAIN, 0, 900, "train"},
                 Case{TVQ_SPLIT_VALID, 900, 950, "valid"},
                 Case{TVQ_SPLIT_TEST, 950, 1000, "test"},
                 Case{TVQ_SPLIT_ALL, 0, 1000, "whole"}}) {
    DatasetPtr dataset = open(path, TVQ_DATA_BYTES, c.split);
    ASSERT_TRUE(dataset);
    EXPECT_EQ(tvq_dataset_num_tokens(dataset.get()), c.end - c.begin);
    EXPECT_EQ(tvq_dataset_vocab_size(dataset.get()), 259);
    EXPECT_EQ(std::string(tvq_dataset_describe(dataset.get())),
              "'" + path + "' " + c.name + " split (bytes [" +
                  std::to_string(c.begin) + ", " + std::to_string(c.end) +
                  ") of 1000)");
    std::vector<int32_t> expected;
    for (int64_t i = c.begin; i < c.end; ++i)
      expected.push_back(static_cast<int32_t>(i * 7 % 256) + 3);
    EXPECT_EQ(tokens(dataset.get()), expected);
  }
  // Floors: 7 bytes give 6 / 0 / 1.
  path = writeBytes("seven", 7);
  EXPECT_EQ(
      tvq_dataset_num_tokens(open(path, TVQ_DATA_BYTES, TVQ_SPLIT_TRAIN).get()),
      6);
  EXPECT_EQ(
      tvq_dataset_num_tokens(open(path, TVQ_DATA_BYTES, TVQ_SPLIT_VALID).get()),
      0);
  EXPECT_EQ(
      tvq_dataset_num_tokens(open(path, TVQ_DATA_BYTES, TVQ_SPLIT_TEST).get()),
      1);
}

TEST_F(DataTest, Enwik8SizedSplitsAreExact) {
  // A sparse 100,000,000-byte file with marks around the split points.
  std::string path = dir.path("enwik8");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, 100000000), 0);
  for (int64_t at : {89999999, 90000000, 94999999, 95000000, 99999999}) {
    char mark = static_cast<char>(at % 100);
    ASSERT_EQ(pwrite(fd, &mark, 1, at), 1);
  }
  close(fd);
  DatasetPtr valid = open(path, TVQ_DATA_BYTES, TVQ_SPLIT_VALID);
  DatasetPtr test = open(path, TVQ_DATA_BYTES, TVQ_SPLIT_TEST);
  ASSERT_TRUE(valid && test);
  EXPECT_EQ(tvq_dataset_num_tokens(valid.get()), 5000000);
  EXPECT_EQ(tvq_dataset_num_tokens(test.get()), 5000000);
  EXPECT_NE(std::string(tvq_dataset_describe(valid.get()))
                .find("valid split (bytes [90000000, 95000000) of 100000000)"),
            std::string::npos);
  int32_t token;
  ASSERT_EQ(tvq_dataset_read(valid.get(), 0, 1, &token), 0);
  EXPECT_EQ(token, 0 + 3); // byte 90,000,000
  ASSERT_EQ(tvq_dataset_read(valid.get(), 4999999, 1, &token), 0);
  EXPECT_EQ(token, 99 + 3); // byte 94,999,999
  ASSERT_EQ(tvq_dataset_read(test.get(), 0, 1, &token), 0);
  EXPECT_EQ(token, 0 + 3); // byte 95,000,000
  ASSERT_EQ(tvq_dataset_read(test.get(), 4999999, 1, &token), 0);
  EXPECT_EQ(token, 99 + 3); // byte 99,999,999
  DatasetPtr train = open(path, TVQ_DATA_BYTES, TVQ_SPLIT_TRAIN);
  ASSERT_TRUE(train);
  EXPECT_EQ(tvq_dataset_num_tokens(train.get()), 90000000);
  ASSERT_EQ(tvq_dataset_read(train.get(), 89999999, 1, &token), 0);
  EXPECT_EQ(token, 99 + 3); // byte 89,999,999
}

TEST_F(DataTest, TokenFiles) {
  std::vector<int32_t> ids = {5, 0, 1, 2, 31999, 7, 7, 8, 9, 10};
  std::string path = dir.path("ids.npy");
  TensorPtr tensor = makeTensor<int32_t>({10}, ids);
  ASSERT_EQ(tvq_npy_write(path.c_str(), tensor.get()), 0);
  DatasetPtr dataset = open(path, TVQ_DATA_TOKENS);
  ASSERT_TRUE(dataset);
  EXPECT_EQ(tokens(dataset.get()), ids);
  EXPECT_EQ(tvq_dataset_vocab_size(dataset.get()), 32000);
  DatasetPtr train = open(path, TVQ_DATA_TOKENS, TVQ_SPLIT_TRAIN);
  ASSERT_TRUE(train);
  EXPECT_EQ(tokens(train.get()),
            std::vector<int32_t>(ids.begin(), ids.begin() + 9));
  EXPECT_EQ(tvq_dataset_vocab_size(train.get()), 32000);
  DatasetPtr test = open(path, TVQ_DATA_TOKENS, TVQ_SPLIT_TEST);
  EXPECT_EQ(tokens(test.get()), std::vector<int32_t>{10});
  EXPECT_EQ(tvq_dataset_vocab_size(test.get()), 11);

  std::vector<uint16_t> small = {3, 65535, 0};
  path = dir.path("ids16.npy");
  writeFile(path, npyFileBytes("<u2", "(3,)", rawBytes(small)));
  dataset = open(path, TVQ_DATA_TOKENS);
  ASSERT_TRUE(dataset);
  EXPECT_EQ(tokens(dataset.get()), (std::vector<int32_t>{3, 65535, 0}));
  EXPECT_EQ(tvq_dataset_vocab_size(dataset.get()), 65536);
}

TEST_F(DataTest, Images) {
  // 20 images whose subpixel (n, y, x, c) is (n + y + 2x + 3c) mod 256.
  const int64_t n = 20, size = 64 * 64 * 3;
  std::string data(n * size, '\0');
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < 64; ++y)
      for (int64_t x = 0; x < 64; ++x)
        for (int64_t c = 0; c < 3; ++c)
          data[i * size + (y * 64 + x) * 3 + c] =
              static_cast<char>((i + y + 2 * x + 3 * c) % 256);
  std::string path = dir.path("images.npy");
  writeFile(path, npyFileBytes("|u1", "(20, 64, 64, 3)", data));
  DatasetPtr train = open(path, TVQ_DATA_IMAGES, TVQ_SPLIT_TRAIN);
  DatasetPtr valid = open(path, TVQ_DATA_IMAGES, TVQ_SPLIT_VALID);
  ASSERT_TRUE(train && valid);
  EXPECT_EQ(tvq_dataset_num_tokens(train.get()), 18 * 12288);
  EXPECT_EQ(tvq_dataset_num_tokens(valid.get()), 12288);
  EXPECT_EQ(tvq_dataset_vocab_size(valid.get()), 259);
  EXPECT_NE(std::string(tvq_dataset_describe(valid.get()))
                .find("valid split (images [18, 19) of 20)"),
            std::string::npos);
  // Image 18 in raster order: token (y * 64 + x) * 3 + c.
  std::vector<int32_t> image = tokens(valid.get());
  for (int64_t y : {0, 5, 63})
    for (int64_t x : {0, 17, 63})
      for (int64_t c : {0, 1, 2})
        EXPECT_EQ(image[(y * 64 + x) * 3 + c],
                  (18 + y + 2 * x + 3 * c) % 256 + 3);
}

TEST_F(DataTest, OpenErrors) {
  std::string missing = dir.path("missing.txt");
  EXPECT_EQ(tvq_dataset_open(missing.c_str(), TVQ_DATA_BYTES, TVQ_SPLIT_ALL),
            nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            "cannot open '" + missing + "': No such file or directory");
  EXPECT_EQ(
      tvq_dataset_open(dir.path("").c_str(), TVQ_DATA_BYTES, TVQ_SPLIT_ALL),
      nullptr);
  EXPECT_NE(std::string(tvq_last_error()).find("it is a directory"),
            std::string::npos);

  std::string ids = rawBytes<int32_t>({1, 2, 3});
  expectOpenError("plain text", TVQ_DATA_TOKENS,
                  "not a .npy file (bad magic string)");
  expectOpenError(npyFileBytes("<f4", "(3,)", ids), TVQ_DATA_TOKENS,
                  "token ids must be int32 ('<i4') or uint16 ('<u2'), got "
                  "'<f4'");
  expectOpenError(npyFileBytes(">i4", "(3,)", ids), TVQ_DATA_TOKENS,
                  "token ids must be int32 ('<i4') or uint16 ('<u2'), got "
                  "'>i4'");
  expectOpenError(npyFileBytes("<i4", "(1, 3)", ids), TVQ_DATA_TOKENS,
                  "token ids must be a 1-D array, got shape (1, 3)");
  expectOpenError(npyFileBytes("<i4", "(4,)", ids), TVQ_DATA_TOKENS,
                  "truncated data (expected 4 tokens of 4 bytes, found 12 "
                  "bytes)");
  expectOpenError(npyFileBytes("<i4", "(3,)", rawBytes<int32_t>({1, -5, 3})),
                  TVQ_DATA_TOKENS,
                  "token id -5 at index 1 of the split is negative");
  // The vocabulary (largest id + 1) must fit in an int32 (found by fuzz_data:
  // fuzz/regressions/data/token-id-int32-max).
  expectOpenError(
      npyFileBytes("<i4", "(3,)", rawBytes<int32_t>({1, 2147483647, 3})),
      TVQ_DATA_TOKENS,
      "token id 2147483647 at index 1 of the split is too large (the "
      "vocabulary would have more than 2^31 - 1 entries)");
  expectOpenError(npyFileBytes("|u1", "(2, 3, 64, 64)", ""), TVQ_DATA_IMAGES,
                  "images must be a C-order uint8 ('|u1') array of shape (N, "
                  "64, 64, 3), got '|u1' (2, 3, 64, 64)");
  expectOpenError(npyFileBytes("<i4", "(2, 64, 64, 3)", ""), TVQ_DATA_IMAGES,
                  "images must be a C-order uint8 ('|u1') array of shape (N, "
                  "64, 64, 3), got '<i4' (2, 64, 64, 3)");
  expectOpenError(
      npyFileBytes("|u1", "(2, 64, 64, 3)", std::string(12288, 'x')),
      TVQ_DATA_IMAGES,
      "truncated data (expected 2 images of 12288 bytes, found "
      "12288 bytes)");
  EXPECT_EQ(tvq_dataset_open(missing.c_str(), static_cast<tvq_data_format>(7),
                             TVQ_SPLIT_ALL),
            nullptr);
  EXPECT_NE(std::string(tvq_last_error()).find("invalid format or split"),
            std::string::npos);
}

TEST_F(DataTest, ReadOutOfRange) {
  DatasetPtr dataset = open(writeBytes("text", 10), TVQ_DATA_BYTES);
  ASSERT_TRUE(dataset);
  int32_t out[11];
  EXPECT_EQ(tvq_dataset_read(dataset.get(), 0, 10, out), 0);
  EXPECT_EQ(tvq_dataset_read(dataset.get(), 10, 0, out), 0);
  EXPECT_NE(tvq_dataset_read(dataset.get(), 5, 6, out), 0);
  EXPECT_EQ(std::string(tvq_last_error()),
            "tvq_dataset_read: cannot read 6 tokens at offset 5 of " +
                std::string(tvq_dataset_describe(dataset.get())) +
                ", which has 10 tokens");
  EXPECT_NE(tvq_dataset_read(dataset.get(), -1, 1, out), 0);
  // Nothing to copy needs no buffer (an empty split's whole read).
  EXPECT_EQ(tvq_dataset_read(dataset.get(), 0, 0, nullptr), 0);
  EXPECT_NE(tvq_dataset_read(dataset.get(), 0, 1, nullptr), 0);
}

//===----------------------------------------------------------------------===//
// The batcher
//===----------------------------------------------------------------------===//

class BatcherTest : public DataTest {
protected:
  void SetUp() override {
    // 1000 bytes: W = 62 windows of 16 tokens (8 tokens unused).
    dataset = open(writeBytes("text", 1000), TVQ_DATA_BYTES);
    ASSERT_TRUE(dataset);
  }

  BatcherPtr create(int32_t batchSize, int32_t seqLen, uint64_t seed,
                    int shuffle) {
    BatcherPtr batcher(
        tvq_batcher_create(dataset.get(), batchSize, seqLen, seed, shuffle));
    EXPECT_TRUE(batcher) << tvq_last_error();
    return batcher;
  }

  /// The windows of the rows of steps [0, steps).
  static std::vector<int64_t> windows(tvq_batcher *batcher, int64_t steps,
                                      int32_t batchSize) {
    std::vector<int64_t> result;
    for (int64_t step = 0; step < steps; ++step)
      for (int32_t row = 0; row < batchSize; ++row)
        result.push_back(tvq_batcher_window(batcher, step, row));
    return result;
  }

  DatasetPtr dataset;
};

TEST_F(BatcherTest, RowsAreShiftedWindows) {
  BatcherPtr batcher = create(3, 16, 42, 1);
  ASSERT_TRUE(batcher);
  EXPECT_EQ(tvq_batcher_windows_per_epoch(batcher.get()), 62);
  tvq_tensor *inputs = nullptr, *targets = nullptr;
  ASSERT_EQ(tvq_batcher_batch(batcher.get(), 5, &inputs, &targets), 0)
      << tvq_last_error();
  TensorPtr in(inputs), out(targets);
  EXPECT_EQ(shapeOf(in.get()), (std::vector<int64_t>{3, 16}));
  EXPECT_EQ(shapeOf(out.get()), (std::vector<int64_t>{3, 16}));
  std::vector<int32_t> inValues = valuesOf<int32_t>(in.get());
  std::vector<int32_t> outValues = valuesOf<int32_t>(out.get());
  for (int32_t row = 0; row < 3; ++row) {
    int64_t window = tvq_batcher_window(batcher.get(), 5, row);
    ASSERT_GE(window, 0);
    std::vector<int32_t> expected(16);
    ASSERT_EQ(tvq_dataset_read(dataset.get(), window * 16, 16, expected.data()),
              0);
    std::vector<int32_t> target(outValues.begin() + row * 16,
                                outValues.begin() + row * 16 + 16);
    EXPECT_EQ(target, expected);
    EXPECT_EQ(inValues[row * 16], TVQ_TOKEN_EOS);
    for (int t = 1; t < 16; ++t)
      EXPECT_EQ(inValues[row * 16 + t], expected[t - 1]);
  }
}

TEST_F(BatcherTest, SequentialWithoutShuffle) {
  BatcherPtr batcher = create(4, 16, 42, 0);
  ASSERT_TRUE(batcher);
  std::vector<int64_t> got = windows(batcher.get(), 40, 4);
  for (size_t g = 0; g < got.size(); ++g)
    EXPECT_EQ(got[g], static_cast<int64_t>(g % 62)) << "row " << g;
}

TEST_F(BatcherTest, EveryEpochIsAPermutation) {
  // Batch size 1: row g is step g, so epochs are steps [62 e, 62 e + 62).
  BatcherPtr batcher = create(1, 16, 42, 1);
  ASSERT_TRUE(batcher);
  std::vector<int64_t> got = windows(batcher.get(), 3 * 62, 1);
  std::vector<std::vector<int64_t>> epochs;
  for (int e = 0; e < 3; ++e) {
    epochs.emplace_back(got.begin() + 62 * e, got.begin() + 62 * (e + 1));
    std::vector<int64_t> sorted = epochs.back();
    std::sort(sorted.begin(), sorted.end());
    for (int64_t w = 0; w < 62; ++w)
      ASSERT_EQ(sorted[w], w) << "epoch " << e;
  }
  EXPECT_NE(epochs[0], epochs[1]);
  EXPECT_NE(epochs[1], epochs[2]);
  std::vector<int64_t> identity(62);
  for (int64_t w = 0; w < 62; ++w)
    identity[w] = w;
  EXPECT_NE(epochs[0], identity);
  // Pinned: the start of epoch 0 for seed 42 (also checked against numpy).
  EXPECT_EQ(std::vector<int64_t>(got.begin(), got.begin() + 8),
            (std::vector<int64_t>{44, 30, 49, 45, 12, 43, 21, 38}));
}

TEST_F(BatcherTest, DeterministicAndResumable) {
  BatcherPtr a = create(5, 16, 7, 1), b = create(5, 16, 7, 1),
             c = create(5, 16, 8, 1);
  ASSERT_TRUE(a && b && c);
  // b jumps straight to late steps (as a resumed run does); a walks there.
  std::vector<int64_t> walked = windows(a.get(), 60, 5);
  for (int64_t step : {59, 13, 0, 37}) {
    tvq_tensor *aIn, *aOut, *bIn, *bOut;
    ASSERT_EQ(tvq_batcher_batch(a.get(), step, &aIn, &aOut), 0);
    ASSERT_EQ(tvq_batcher_batch(b.get(), step, &bIn, &bOut), 0);
    TensorPtr ai(aIn), ao(aOut), bi(bIn), bo(bOut);
    EXPECT_EQ(valuesOf<int32_t>(ai.get()), valuesOf<int32_t>(bi.get()));
    EXPECT_EQ(valuesOf<int32_t>(ao.get()), valuesOf<int32_t>(bo.get()));
    for (int32_t row = 0; row < 5; ++row)
      EXPECT_EQ(tvq_batcher_window(b.get(), step, row), walked[step * 5 + row]);
  }
  EXPECT_NE(windows(c.get(), 60, 5), walked);
}

TEST_F(BatcherTest, BatchSpanningTwoEpochs) {
  // W = 62, batch 5: step 12 holds rows 60, 61 (epoch 0) and 62..64 (epoch 1).
  BatcherPtr batcher = create(5, 16, 3, 1), single = create(1, 16, 3, 1);
  ASSERT_TRUE(batcher && single);
  for (int32_t row = 0; row < 5; ++row)
    EXPECT_EQ(tvq_batcher_window(batcher.get(), 12, row),
              tvq_batcher_window(single.get(), 60 + row, 0));
}

TEST_F(BatcherTest, Errors) {
  // 1000 bytes cannot fill 8 rows of 128 tokens.
  EXPECT_EQ(tvq_batcher_create(dataset.get(), 8, 128, 0, 1), nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            tvq_dataset_describe(dataset.get()) +
                std::string(" has 1000 tokens, but one batch of 8 rows of 128 "
                            "tokens needs 1024"));
  EXPECT_EQ(tvq_batcher_create(dataset.get(), 0, 16, 0, 1), nullptr);
  EXPECT_NE(std::string(tvq_last_error()).find("positive batch size"),
            std::string::npos);
  EXPECT_EQ(tvq_batcher_create(dataset.get(), 2, -1, 0, 1), nullptr);

  BatcherPtr batcher = create(2, 16, 0, 1);
  ASSERT_TRUE(batcher);
  tvq_tensor *in = nullptr, *out = nullptr;
  EXPECT_NE(tvq_batcher_batch(batcher.get(), -1, &in, &out), 0);
  EXPECT_EQ(in, nullptr);
  EXPECT_NE(std::string(tvq_last_error()).find("invalid step -1"),
            std::string::npos);
  EXPECT_NE(tvq_batcher_batch(batcher.get(), INT64_MAX / 2, &in, &out), 0);
  EXPECT_EQ(tvq_batcher_window(batcher.get(), 0, 2), -1);
  EXPECT_NE(tvq_batcher_batch(batcher.get(), 0, nullptr, &out), 0);
}

} // namespace
