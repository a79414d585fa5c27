//===- SafetensorsTest.cpp - Tests of safetensors checkpoints -------------===//

#include "Crc32c.h"
#include "TestSupport.h"

#include <cmath>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace tvq::test;

namespace {

struct SafetensorsDeleter {
  void operator()(tvq_safetensors *file) const {
    tvq_safetensors_destroy(file);
  }
};
using SafetensorsPtr = std::unique_ptr<tvq_safetensors, SafetensorsDeleter>;

/// The 8-byte little-endian length of header, the header, then data.
std::string fileBytes(const std::string &header, const std::string &data) {
  std::string bytes;
  for (int i = 0; i < 8; ++i)
    bytes += static_cast<char>(header.size() >> (8 * i) & 0xff);
  return bytes + header + data;
}

/// The names of the files in directory.
std::vector<std::string> listDir(const std::string &directory) {
  std::vector<std::string> names;
  if (DIR *dir = opendir(directory.c_str())) {
    while (dirent *entry = readdir(dir))
      if (std::strcmp(entry->d_name, ".") && std::strcmp(entry->d_name, ".."))
        names.push_back(entry->d_name);
    closedir(dir);
  }
  std::sort(names.begin(), names.end());
  return names;
}

class SafetensorsTest : public testing::Test {
protected:
  /// Writes a checkpoint with tensors "w" (f32 [2,3]), "b" (f64 [3]),
  /// "codes" (i32 [4]), "step_count" (i64 scalar) and "empty" (f32 [0,5]),
  /// and metadata step=1200 and rng=0123:0004.
  int writeSample(const std::string &path) {
    const char *names[] = {"w", "b", "codes", "step_count", "empty"};
    const tvq_tensor *tensors[] = {w.get(), b.get(), codes.get(), count.get(),
                                   empty.get()};
    const char *keys[] = {"step", "rng"};
    const char *values[] = {"1200", "0123:0004"};
    return tvq_safetensors_write(path.c_str(), names, tensors, 5, keys, values,
                                 2);
  }

  /// Reads path with flags, expecting success.
  SafetensorsPtr readOk(const std::string &path, int flags = 0) {
    SafetensorsPtr file(tvq_safetensors_read(path.c_str(), flags));
    EXPECT_TRUE(file) << tvq_last_error();
    return file;
  }

  /// Expects reading bytes (as a file) to fail with a message naming the file
  /// and containing problem.
  void expectReadError(const std::string &bytes, const std::string &problem,
                       int flags = 0) {
    std::string path = dir.path("bad.safetensors");
    writeFile(path, bytes);
    SafetensorsPtr file(tvq_safetensors_read(path.c_str(), flags));
    EXPECT_FALSE(file) << "reading should fail with: " << problem;
    std::string message = tvq_last_error();
    EXPECT_EQ(message.rfind("'" + path + "': ", 0), 0u) << message;
    EXPECT_NE(message.find(problem), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << problem;
  }

  /// Expects a write of one tensor called name with the metadata to fail.
  void expectWriteError(const char *name, std::vector<const char *> keys,
                        std::vector<const char *> values,
                        const std::string &problem) {
    std::string path = dir.path("out.safetensors");
    const tvq_tensor *tensors[] = {w.get()};
    EXPECT_NE(tvq_safetensors_write(path.c_str(), &name, tensors, 1,
                                    keys.data(), values.data(),
                                    static_cast<int32_t>(keys.size())),
              0);
    std::string message = tvq_last_error();
    EXPECT_NE(message.find("cannot write '" + path + "': " + problem),
              std::string::npos)
        << message;
    EXPECT_EQ(listDir(dir.path("")), std::vector<std::string>{});
  }

  TempDir dir;
  TensorPtr w = makeTensor<float>({2, 3}, {1, -2, 3.5f, 4, 5, -0.25f});
  TensorPtr b = makeTensor<double>({3}, {0.1, -1e300, 3});
  TensorPtr codes = makeTensor<int32_t>({4}, {7, -1, 0, 2147483647});
  TensorPtr count = makeTensor<int64_t>({}, {int64_t(1) << 40});
  TensorPtr empty = makeTensor<float>({0, 5}, {});
};

TEST(Crc32cTest, KnownValues) {
  EXPECT_EQ(tvq::crc32c(0, "123456789", 9), 0xE3069283u);
  EXPECT_EQ(tvq::crc32c(0, "", 0), 0u);
  // 32 zero bytes (RFC 3720, B.4).
  std::string zeros(32, '\0');
  EXPECT_EQ(tvq::crc32c(0, zeros.data(), zeros.size()), 0x8A9136AAu);
  // Chaining, across the 8-byte fast path.
  std::string text = "The quick brown fox jumps over the lazy dog";
  uint32_t whole = tvq::crc32c(0, text.data(), text.size());
  for (size_t split : {size_t(0), size_t(3), size_t(8), size_t(17)})
    EXPECT_EQ(tvq::crc32c(tvq::crc32c(0, text.data(), split),
                          text.data() + split, text.size() - split),
              whole);
  EXPECT_EQ(whole, 0x22620404u);
}

TEST_F(SafetensorsTest, RoundTrip) {
  std::string path = dir.path("ckpt.safetensors");
  ASSERT_EQ(writeSample(path), 0) << tvq_last_error();
  SafetensorsPtr file = readOk(path, TVQ_SAFETENSORS_REQUIRE_CHECKSUM);
  ASSERT_TRUE(file);

  ASSERT_EQ(tvq_safetensors_num_tensors(file.get()), 5);
  std::vector<std::string> names;
  for (int32_t i = 0; i < 5; ++i)
    names.push_back(tvq_safetensors_tensor_name(file.get(), i));
  EXPECT_EQ(names, (std::vector<std::string>{"b", "codes", "empty",
                                             "step_count", "w"}));
  EXPECT_EQ(tvq_safetensors_tensor_name(file.get(), 5), nullptr);
  EXPECT_EQ(tvq_safetensors_tensor(file.get(), -1), nullptr);

  const tvq_tensor *readW = tvq_safetensors_find(file.get(), "w");
  ASSERT_TRUE(readW);
  EXPECT_EQ(shapeOf(readW), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<float>(readW), valuesOf<float>(w.get()));
  EXPECT_EQ(valuesOf<double>(tvq_safetensors_find(file.get(), "b")),
            valuesOf<double>(b.get()));
  EXPECT_EQ(valuesOf<int32_t>(tvq_safetensors_find(file.get(), "codes")),
            valuesOf<int32_t>(codes.get()));
  const tvq_tensor *readCount = tvq_safetensors_find(file.get(), "step_count");
  EXPECT_EQ(tvq_tensor_rank(readCount), 0);
  EXPECT_EQ(valuesOf<int64_t>(readCount), std::vector<int64_t>{1ll << 40});
  EXPECT_EQ(shapeOf(tvq_safetensors_find(file.get(), "empty")),
            (std::vector<int64_t>{0, 5}));

  ASSERT_EQ(tvq_safetensors_num_metadata(file.get()), 3);
  EXPECT_STREQ(tvq_safetensors_metadata_key(file.get(), 0), "rng");
  EXPECT_STREQ(tvq_safetensors_metadata_value(file.get(), 0), "0123:0004");
  EXPECT_STREQ(tvq_safetensors_metadata_key(file.get(), 1), "step");
  EXPECT_STREQ(tvq_safetensors_metadata_key(file.get(), 2), "tvq.crc32c");
  EXPECT_EQ(tvq_safetensors_metadata_key(file.get(), 3), nullptr);
  EXPECT_STREQ(tvq_safetensors_metadata(file.get(), "step"), "1200");

  EXPECT_EQ(tvq_safetensors_find(file.get(), "nope"), nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            "'" + path +
                "' has no tensor 'nope' (tensors: b, codes, empty, "
                "step_count, w)");
  EXPECT_EQ(tvq_safetensors_metadata(file.get(), "epoch"), nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            "'" + path + "' has no metadata 'epoch'");
}

TEST_F(SafetensorsTest, MetadataAroundTheChecksumKey) {
  // Keys sorting before and after "tvq.crc32c" (a training checkpoint's
  // tvq.batch and tvq.step): the checksum goes between them, comma and all.
  std::string path = dir.path("ckpt.safetensors");
  const char *names[] = {"w"};
  const tvq_tensor *tensors[] = {w.get()};
  const char *keys[] = {"tvq.batch", "tvq.step", "a"};
  const char *values[] = {"8", "20", "first"};
  ASSERT_EQ(
      tvq_safetensors_write(path.c_str(), names, tensors, 1, keys, values, 3),
      0)
      << tvq_last_error();
  SafetensorsPtr file = readOk(path, TVQ_SAFETENSORS_REQUIRE_CHECKSUM);
  ASSERT_TRUE(file);
  ASSERT_EQ(tvq_safetensors_num_metadata(file.get()), 4);
  EXPECT_STREQ(tvq_safetensors_metadata(file.get(), "tvq.batch"), "8");
  EXPECT_STREQ(tvq_safetensors_metadata(file.get(), "tvq.step"), "20");
  EXPECT_STREQ(tvq_safetensors_metadata(file.get(), "a"), "first");
}

TEST_F(SafetensorsTest, ExactLayout) {
  std::string path = dir.path("ckpt.safetensors");
  ASSERT_EQ(writeSample(path), 0) << tvq_last_error();
  std::string bytes = readFile(path);
  ASSERT_GE(bytes.size(), 8u);
  uint64_t headerSize = 0;
  for (int i = 0; i < 8; ++i)
    headerSize |= uint64_t(static_cast<unsigned char>(bytes[i])) << (8 * i);
  EXPECT_EQ(headerSize % 8, 0u);
  ASSERT_LE(8 + headerSize, bytes.size());
  std::string header = bytes.substr(8, headerSize);
  std::string json = header.substr(0, header.find_last_not_of(' ') + 1);
  EXPECT_LT(header.size() - json.size(), 8u);
  // 8-byte elements first (by name), then 4-byte ones (by name).
  std::string crc = "\"tvq.crc32c\":\"";
  size_t at = json.find(crc);
  ASSERT_NE(at, std::string::npos);
  std::string digits = json.substr(at + crc.size(), 8);
  EXPECT_EQ(json, "{\"__metadata__\":{\"rng\":\"0123:0004\",\"step\":\"1200\","
                  "\"tvq.crc32c\":\"" +
                      digits +
                      "\"},"
                      "\"b\":{\"dtype\":\"F64\",\"shape\":[3],"
                      "\"data_offsets\":[0,24]},"
                      "\"step_count\":{\"dtype\":\"I64\",\"shape\":[],"
                      "\"data_offsets\":[24,32]},"
                      "\"codes\":{\"dtype\":\"I32\",\"shape\":[4],"
                      "\"data_offsets\":[32,48]},"
                      "\"empty\":{\"dtype\":\"F32\",\"shape\":[0,5],"
                      "\"data_offsets\":[48,48]},"
                      "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                      "\"data_offsets\":[48,72]}}");
  std::string data = bytes.substr(8 + headerSize);
  EXPECT_EQ(data, rawBytes(valuesOf<double>(b.get())) +
                      rawBytes(valuesOf<int64_t>(count.get())) +
                      rawBytes(valuesOf<int32_t>(codes.get())) +
                      rawBytes(valuesOf<float>(w.get())));

  // The checksum: CRC-32C of the file with its digits zeroed.
  std::string zeroed = bytes;
  zeroed.replace(8 + at + crc.size(), 8, "00000000");
  char expected[9];
  std::snprintf(expected, sizeof(expected), "%08x",
                tvq::crc32c(0, zeroed.data(), zeroed.size()));
  EXPECT_EQ(digits, expected);
}

TEST_F(SafetensorsTest, ReplacesAtomically) {
  std::string path = dir.path("ckpt.safetensors");
  writeFile(path, "old contents");
  ASSERT_EQ(writeSample(path), 0) << tvq_last_error();
  EXPECT_EQ(listDir(dir.path("")),
            std::vector<std::string>{"ckpt.safetensors"});
  EXPECT_TRUE(readOk(path));
  std::string good = readFile(path);

  // A write that fails half-way (here: over the file size limit) leaves the
  // old file as it was and no temporary file behind.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::signal(SIGXFSZ, SIG_IGN);
    rlimit limit = {40, 40};
    setrlimit(RLIMIT_FSIZE, &limit);
    int status = writeSample(path);
    bool named = std::string(tvq_last_error()).find("File too large") !=
                 std::string::npos;
    _exit(status != 0 && named ? 0 : 1);
  }
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
      << "the limited write should fail with 'File too large'";
  EXPECT_EQ(readFile(path), good);
  EXPECT_EQ(listDir(dir.path("")),
            std::vector<std::string>{"ckpt.safetensors"});
}

TEST_F(SafetensorsTest, RemovesTheTemporariesOfKilledWriters) {
  // A writer killed mid-write leaves PATH.tmp.PID.XXXXXX; the next write of
  // PATH removes it when PID no longer runs, and leaves a live one's.
  pid_t gone = fork();
  ASSERT_GE(gone, 0);
  if (gone == 0)
    _exit(0);
  waitpid(gone, nullptr, 0);
  std::string path = dir.path("ckpt.safetensors");
  std::string stale = path + ".tmp." + std::to_string(gone) + ".a1b2c3";
  std::string live = path + ".tmp." + std::to_string(getppid()) + ".d4e5f6";
  std::string other =
      dir.path("other.safetensors.tmp.") + std::to_string(gone) + ".g7h8i9";
  for (const std::string &file : {stale, live, other})
    writeFile(file, "partial");
  ASSERT_EQ(writeSample(path), 0) << tvq_last_error();
  std::vector<std::string> expected = {
      "ckpt.safetensors",
      "ckpt.safetensors.tmp." + std::to_string(getppid()) + ".d4e5f6",
      "other.safetensors.tmp." + std::to_string(gone) + ".g7h8i9"};
  EXPECT_EQ(listDir(dir.path("")), expected);
}

TEST_F(SafetensorsTest, WriteErrors) {
  std::string missing = dir.path("no/such/dir/ckpt.safetensors");
  EXPECT_NE(writeSample(missing), 0);
  EXPECT_NE(std::string(tvq_last_error())
                .find("cannot write '" + missing +
                      "': cannot create a temporary file"),
            std::string::npos)
      << tvq_last_error();
  expectWriteError("", {}, {}, "invalid tensor name ''");
  expectWriteError("__metadata__", {}, {},
                   "invalid tensor name '__metadata__'");
  expectWriteError("bad\xff", {}, {}, "invalid tensor name");
  expectWriteError("w", {"tvq.crc32c"}, {"0"},
                   "the metadata key 'tvq.crc32c' is reserved");
  expectWriteError("w", {"k", "k"}, {"1", "2"},
                   "the metadata key 'k' is given twice");
  expectWriteError("w", {"k"}, {"\xc0"}, "metadata 'k' is not valid UTF-8");

  const char *names[] = {"x", "x"};
  const tvq_tensor *tensors[] = {w.get(), b.get()};
  std::string path = dir.path("dup.safetensors");
  EXPECT_NE(tvq_safetensors_write(path.c_str(), names, tensors, 2, nullptr,
                                  nullptr, 0),
            0);
  EXPECT_NE(std::string(tvq_last_error()).find("two tensors are called 'x'"),
            std::string::npos);
  EXPECT_NE(
      tvq_safetensors_write(nullptr, names, tensors, 1, nullptr, nullptr, 0),
      0);
  EXPECT_STREQ(tvq_last_error(), "tvq_safetensors_write: null path");
}

TEST_F(SafetensorsTest, NoTensors) {
  std::string path = dir.path("meta.safetensors");
  const char *key = "note", *value = "only metadata: \"quoted\"\n";
  ASSERT_EQ(
      tvq_safetensors_write(path.c_str(), nullptr, nullptr, 0, &key, &value, 1),
      0)
      << tvq_last_error();
  SafetensorsPtr file = readOk(path, TVQ_SAFETENSORS_REQUIRE_CHECKSUM);
  ASSERT_TRUE(file);
  EXPECT_EQ(tvq_safetensors_num_tensors(file.get()), 0);
  EXPECT_STREQ(tvq_safetensors_metadata(file.get(), "note"), value);
}

TEST_F(SafetensorsTest, DetectsCorruption) {
  std::string path = dir.path("ckpt.safetensors");
  ASSERT_EQ(writeSample(path), 0) << tvq_last_error();
  std::string good = readFile(path);

  // A flipped bit in the data.
  std::string bytes = good;
  bytes[bytes.size() - 3] ^= 0x10;
  expectReadError(bytes, "checksum mismatch: the file is corrupted");
  // A changed metadata value that still parses.
  bytes = good;
  size_t step = bytes.find("\"1200\"");
  ASSERT_NE(step, std::string::npos);
  bytes[step + 1] = '9';
  expectReadError(bytes, "checksum mismatch");
  // A changed checksum digit.
  bytes = good;
  size_t crc = bytes.find("\"tvq.crc32c\":\"") + 14;
  bytes[crc] = bytes[crc] == 'a' ? 'b' : 'a';
  expectReadError(bytes, "checksum mismatch");
  // Checksum digits must be literal lowercase hex.
  bytes = good;
  bytes[crc] = 'G';
  expectReadError(bytes, "must be 8 lowercase hex digits");
  // Truncated data and header.
  expectReadError(good.substr(0, good.size() - 1),
                  "truncated: the tensors take 72 bytes of data, but the file "
                  "has only 71 after the header");
  expectReadError(good.substr(0, 100), "truncated: header length");
  expectReadError(good.substr(0, 5),
                  "truncated: the file has 5 bytes, less than the 8-byte "
                  "header length");
  expectReadError("", "truncated: the file has 0 bytes");
  // Extra bytes.
  expectReadError(good + "x", "the tensors take only 72 (trailing bytes)");
}

TEST_F(SafetensorsTest, BadHeaders) {
  const std::string w24 = "\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                          "\"data_offsets\":[0,24]}";
  const std::string data(24, '\0');
  EXPECT_EQ(w24.size(), 55u);

  expectReadError(std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8),
                  "bad header: header length 9223372036854775807 is over the "
                  "limit of 100000000 (not a safetensors file?)");
  expectReadError(fileBytes("[" + w24 + "]", data),
                  "bad header: the header does not start with '{'");
  expectReadError(fileBytes("{" + w24 + ",}", data),
                  "bad header: invalid JSON at byte 57: expected a string key");
  expectReadError(fileBytes("{" + w24 + "} x", data),
                  "bad header: invalid JSON at byte 58: unexpected text");
  expectReadError(fileBytes("{" + w24 + "," + w24 + "}", data),
                  "duplicate key \"w\"");
  expectReadError(
      fileBytes("{\"w\":{\"dtype\":\"U8\",\"shape\":[24],"
                "\"data_offsets\":[0,24]}}",
                data),
      "bad header: tensor 'w': unsupported dtype 'U8' (supported: F32, F64, "
      "I32, I64, F16, BF16)");
  expectReadError(
      fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-3],"
                "\"data_offsets\":[0,24]}}",
                data),
      "tensor 'w': 'shape' must be an array of non-negative integers");
  expectReadError(fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3.0],"
                            "\"data_offsets\":[0,24]}}",
                            data),
                  "'shape' must be an array of non-negative integers");
  expectReadError(fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                            "\"data_offsets\":[24,0]}}",
                            data),
                  "'data_offsets' must be [BEGIN, END]");
  expectReadError(
      fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],"
                "\"data_offsets\":[0,20]}}",
                data),
      "tensor 'w': F32[2,3] takes 24 bytes, but its data_offsets [0, 20) span "
      "20");
  expectReadError(
      fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3]}}", data),
      "tensor 'w': missing 'data_offsets'");
  expectReadError(
      fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,3],\"data_offsets\":"
                "[0,24],\"extra\":1}}",
                data),
      "tensor 'w': unexpected key 'extra'");
  expectReadError(fileBytes("{\"w\":[1]}", data),
                  "tensor 'w': expected an object with dtype, shape and "
                  "data_offsets, not an array");
  expectReadError(
      fileBytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,"
                "4294967296],\"data_offsets\":[0,24]}}",
                data),
      "tensor 'w': shape [4294967296,4294967296,4294967296] is too large");
  expectReadError(
      fileBytes("{\"__metadata__\":{\"step\":3}," + w24 + "}", data),
      "bad header: metadata 'step' must be a string, not a number");
  expectReadError(fileBytes("{\"__metadata__\":[]," + w24 + "}", data),
                  "'__metadata__' must be an object of strings, not an array");
  expectReadError(
      fileBytes("{\"__metadata__\":{\"tvq.crc32c\":\"\\u0030000000\"}," + w24 +
                    "}",
                data),
      "must be 8 lowercase hex digits written without escapes");
  expectReadError(fileBytes("{" + w24 + "}", data),
                  "no 'tvq.crc32c' checksum in the metadata (not a tvq "
                  "checkpoint?)",
                  TVQ_SAFETENSORS_REQUIRE_CHECKSUM);
}

TEST_F(SafetensorsTest, BadOffsets) {
  auto entry = [](const std::string &name, int begin, int end) {
    return "\"" + name + "\":{\"dtype\":\"I32\",\"shape\":[" +
           std::to_string((end - begin) / 4) + "],\"data_offsets\":[" +
           std::to_string(begin) + "," + std::to_string(end) + "]}";
  };
  const std::string data(16, '\0');
  expectReadError(
      fileBytes("{" + entry("a", 0, 8) + "," + entry("b", 4, 16) + "}", data),
      "bad header: tensors 'a' [0, 8) and 'b' [4, 16) overlap");
  expectReadError(
      fileBytes("{" + entry("a", 0, 8) + "," + entry("b", 12, 16) + "}", data),
      "bad header: bytes [8, 12) of the data section belong to no tensor");
  expectReadError(fileBytes("{" + entry("a", 4, 16) + "}", data),
                  "bytes [0, 4) of the data section belong to no tensor");
  // Zero-size tensors may share an offset.
  std::string path = dir.path("ok.safetensors");
  writeFile(path, fileBytes("{" + entry("a", 0, 16) + "," + entry("e", 16, 16) +
                                "," + entry("f", 16, 16) + "}",
                            data));
  SafetensorsPtr file = readOk(path);
  ASSERT_TRUE(file);
  EXPECT_EQ(tvq_safetensors_num_tensors(file.get()), 3);
}

TEST_F(SafetensorsTest, ReadsForeignFilesAndHalfFloats) {
  // F16: 1, -2, 65504, 2^-24 (subnormal), inf; BF16: 1, -0.5; padded header.
  std::vector<uint16_t> half = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00};
  std::vector<uint16_t> bf16 = {0x3F80, 0xBF00};
  std::string header =
      "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
      "\"g\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[10,14]}}   ";
  std::string path = dir.path("half.safetensors");
  writeFile(path, fileBytes(header, rawBytes(half) + rawBytes(bf16)));
  SafetensorsPtr file = readOk(path);
  ASSERT_TRUE(file);
  EXPECT_EQ(tvq_safetensors_num_metadata(file.get()), 0);
  const tvq_tensor *h = tvq_safetensors_find(file.get(), "h");
  ASSERT_TRUE(h);
  EXPECT_EQ(
      valuesOf<float>(h),
      (std::vector<float>{1, -2, 65504, std::ldexp(1.0f, -24), INFINITY}));
  EXPECT_EQ(valuesOf<float>(tvq_safetensors_find(file.get(), "g")),
            (std::vector<float>{1, -0.5f}));
}

TEST_F(SafetensorsTest, MissingFile) {
  std::string path = dir.path("missing.safetensors");
  EXPECT_EQ(tvq_safetensors_read(path.c_str(), 0), nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            "'" + path + "': cannot open: No such file or directory");
  EXPECT_EQ(tvq_safetensors_read(dir.path("").c_str(), 0), nullptr);
  EXPECT_NE(std::string(tvq_last_error()).find("it is a directory"),
            std::string::npos);
}

} // namespace
