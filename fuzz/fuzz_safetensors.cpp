//===- fuzz_safetensors.cpp - Fuzzes the safetensors reader ---------------===//
//
// Any bytes go to tvq_safetensors_read, with and without a required
// checksum. A file it accepts must have consistent accessors, and writing
// its contents back (tvq.crc32c aside) and reading them again must give the
// same tensors and metadata.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "tvq/tvq_runtime.h"

#include <cstring>
#include <vector>

using namespace tvq::fuzz;

/// A directory for the round trips: the writer replaces files atomically
/// through a temporary file beside them, which a memfd cannot have.
static std::string scratchDirectory() {
  static std::string directory = [] {
    std::string pattern = (access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    pattern += "/tvq-fuzz-XXXXXX";
    if (!mkdtemp(pattern.data()))
      fuzzCheckFailed("mkdtemp failed");
    return pattern;
  }();
  return directory;
}

static bool sameTensor(const tvq_tensor *a, const tvq_tensor *b) {
  if (tvq_tensor_dtype(a) != tvq_tensor_dtype(b) ||
      tvq_tensor_rank(a) != tvq_tensor_rank(b) ||
      tvq_tensor_num_bytes(a) != tvq_tensor_num_bytes(b))
    return false;
  for (int32_t d = 0; d < tvq_tensor_rank(a); ++d)
    if (tvq_tensor_shape(a)[d] != tvq_tensor_shape(b)[d])
      return false;
  return std::memcmp(tvq_tensor_data(a), tvq_tensor_data(b),
                     tvq_tensor_num_bytes(a)) == 0;
}

/// Writes file's contents to a new file and checks that it reads back equal.
static void checkRoundTrip(const tvq_safetensors *file) {
  std::vector<const char *> names, keys, values;
  std::vector<const tvq_tensor *> tensors;
  for (int32_t i = 0; i < tvq_safetensors_num_tensors(file); ++i) {
    names.push_back(tvq_safetensors_tensor_name(file, i));
    tensors.push_back(tvq_safetensors_tensor(file, i));
  }
  for (int32_t i = 0; i < tvq_safetensors_num_metadata(file); ++i) {
    if (std::strcmp(tvq_safetensors_metadata_key(file, i), "tvq.crc32c") == 0)
      continue;
    keys.push_back(tvq_safetensors_metadata_key(file, i));
    values.push_back(tvq_safetensors_metadata_value(file, i));
  }
  std::string path = scratchDirectory() + "/round-trip.safetensors";
  if (tvq_safetensors_write(path.c_str(), names.data(), tensors.data(),
                            static_cast<int32_t>(names.size()), keys.data(),
                            values.data(),
                            static_cast<int32_t>(keys.size())) != 0)
    return; // e.g. a name the reader accepts but the writer refuses ("").
  tvq_safetensors *again =
      tvq_safetensors_read(path.c_str(), TVQ_SAFETENSORS_REQUIRE_CHECKSUM);
  FUZZ_CHECK(again, tvq_last_error());
  FUZZ_CHECK(tvq_safetensors_num_tensors(again) ==
                 static_cast<int32_t>(names.size()),
             "round trip tensor count");
  for (size_t i = 0; i < names.size(); ++i) {
    FUZZ_CHECK(std::strcmp(tvq_safetensors_tensor_name(again, i), names[i]) ==
                   0,
               "round trip names");
    FUZZ_CHECK(sameTensor(tvq_safetensors_tensor(again, i), tensors[i]),
               "round trip tensor");
  }
  FUZZ_CHECK(tvq_safetensors_num_metadata(again) ==
                 static_cast<int32_t>(keys.size() + 1),
             "round trip metadata count");
  for (size_t i = 0; i < keys.size(); ++i) {
    const char *value = tvq_safetensors_metadata(again, keys[i]);
    FUZZ_CHECK(value && std::strcmp(value, values[i]) == 0,
               "round trip metadata");
  }
  tvq_safetensors_destroy(again);
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MemFile input(data, size);
  tvq_safetensors *strict =
      tvq_safetensors_read(input.path(), TVQ_SAFETENSORS_REQUIRE_CHECKSUM);
  tvq_safetensors *file = tvq_safetensors_read(input.path(), 0);
  FUZZ_CHECK(!strict || file, "a file with a checksum reads without one");
  tvq_safetensors_destroy(strict);
  if (!file) {
    FUZZ_CHECK(*tvq_last_error() != '\0', "a failed read sets the error");
    return 0;
  }
  size_t total = 0;
  for (int32_t i = 0; i < tvq_safetensors_num_tensors(file); ++i) {
    const char *name = tvq_safetensors_tensor_name(file, i);
    const tvq_tensor *tensor = tvq_safetensors_tensor(file, i);
    FUZZ_CHECK(name && tensor, "tensor accessors");
    FUZZ_CHECK(tvq_safetensors_find(file, name) == tensor, "find by name");
    FUZZ_CHECK(i == 0 || std::strcmp(tvq_safetensors_tensor_name(file, i - 1),
                                     name) < 0,
               "tensors sorted by name");
    total += tvq_tensor_num_bytes(tensor);
  }
  // F16 and BF16 data doubles when widened to f32.
  FUZZ_CHECK(total <= 2 * size, "tensors within the file");
  FUZZ_CHECK(
      !tvq_safetensors_tensor(file, -1) &&
          !tvq_safetensors_tensor(file, tvq_safetensors_num_tensors(file)),
      "out-of-range tensor index");
  for (int32_t i = 0; i < tvq_safetensors_num_metadata(file); ++i) {
    const char *key = tvq_safetensors_metadata_key(file, i);
    FUZZ_CHECK(key && tvq_safetensors_metadata(file, key) ==
                          tvq_safetensors_metadata_value(file, i),
               "metadata by key");
  }
  checkRoundTrip(file);
  tvq_safetensors_destroy(file);
  return 0;
}
