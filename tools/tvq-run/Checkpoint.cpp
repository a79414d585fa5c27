//===- Checkpoint.cpp - Training checkpoints of tvq-run -------------------===//

#include "Checkpoint.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>

using namespace tvq;
using namespace tvq::run;

namespace {
struct SafetensorsDeleter {
  void operator()(tvq_safetensors *file) const {
    tvq_safetensors_destroy(file);
  }
};
using SafetensorsPtr = std::unique_ptr<tvq_safetensors, SafetensorsDeleter>;
} // namespace

std::string run::checkpointPath(const std::string &path) {
  struct stat info;
  if (stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode))
    return path + "/" + kCheckpointName;
  return path;
}

/// The directory part of path ("." when none).
static std::string directoryOf(const std::string &path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string run::writeCheckpoint(const std::string &path,
                                 const TensorMap &tensors,
                                 const CheckpointInfo &info,
                                 bool keepPrevious) {
  if (keepPrevious && access(path.c_str(), F_OK) == 0) {
    // A hard link keeps the old file under its second name while the new
    // one replaces the first; best effort (the new file is written anyway).
    std::string previous = directoryOf(path) + "/" + kPreviousCheckpointName;
    std::string temporary = previous + ".tmp";
    unlink(temporary.c_str());
    if (link(path.c_str(), temporary.c_str()) == 0) {
      (void)rename(temporary.c_str(), previous.c_str());
      // When previous already is this file (a run killed after the link was
      // renamed but before the new checkpoint replaced path), rename does
      // nothing and leaves the temporary link: remove it.
      unlink(temporary.c_str());
    }
  }
  std::vector<const char *> names;
  std::vector<const tvq_tensor *> pointers;
  for (const auto &[name, tensor] : tensors) {
    names.push_back(name.c_str());
    pointers.push_back(tensor.get());
  }
  char rng[64];
  tvq_rng_format(&info.rng, rng, sizeof(rng));
  std::vector<std::pair<std::string, std::string>> metadata = {
      {"tvq.step", std::to_string(info.step)},
      {"tvq.seed", std::to_string(info.seed)},
      {"tvq.rng", rng},
      {"tvq.model", info.model},
      {"tvq.data", info.data},
      {"tvq.format", info.format},
      {"tvq.seq_len", std::to_string(info.seqLen)},
      {"tvq.batch", std::to_string(info.batch)},
      {"tvq.micro_batch",
       std::to_string(info.microBatch ? info.microBatch : info.batch)},
      {"tvq.update_len", std::to_string(info.updateLen)},
  };
  std::vector<const char *> keys, values;
  for (const auto &[key, value] : metadata) {
    keys.push_back(key.c_str());
    values.push_back(value.c_str());
  }
  if (tvq_safetensors_write(path.c_str(), names.data(), pointers.data(),
                            static_cast<int32_t>(names.size()), keys.data(),
                            values.data(),
                            static_cast<int32_t>(keys.size())) != 0)
    return std::string("cannot write checkpoint: ") + tvq_last_error();
  return "";
}

/// Parses a decimal metadata value into value; false when it is not one.
static bool parseUnsigned(const char *text, uint64_t &value) {
  if (!text || !*text)
    return false;
  errno = 0;
  char *end = nullptr;
  unsigned long long parsed = std::strtoull(text, &end, 10);
  if (*end != '\0' || errno == ERANGE || text[0] == '-')
    return false;
  value = parsed;
  return true;
}

std::string run::readCheckpoint(const std::string &path, const Model &model,
                                const std::vector<tvq_arg> &wanted,
                                TensorMap &tensors, CheckpointInfo &info) {
  if (access(path.c_str(), F_OK) != 0)
    return "no checkpoint at '" + path + "'";
  // The file is read whole, then the wanted tensors are copied out of it:
  // check both fit before reading (resume, eval and generate all come here).
  struct stat fileInfo;
  if (stat(path.c_str(), &fileInfo) == 0)
    if (std::string problem = checkMemory(
            "checkpoint '" + path + "' (" + std::to_string(fileInfo.st_size) +
                " bytes, read and then copied)",
            2 * static_cast<uint64_t>(fileInfo.st_size));
        !problem.empty())
      return problem;
  SafetensorsPtr file(
      tvq_safetensors_read(path.c_str(), TVQ_SAFETENSORS_REQUIRE_CHECKSUM));
  if (!file)
    return std::string("cannot read checkpoint: ") + tvq_last_error();
  auto meta = [&](const char *key) -> const char * {
    for (int32_t i = 0; i < tvq_safetensors_num_metadata(file.get()); ++i)
      if (std::strcmp(tvq_safetensors_metadata_key(file.get(), i), key) == 0)
        return tvq_safetensors_metadata_value(file.get(), i);
    return nullptr;
  };
  const char *fingerprint = meta("tvq.model");
  if (!fingerprint)
    return "'" + path +
           "' is not a tvq training checkpoint (no tvq.model "
           "in its metadata)";
  info.model = fingerprint;
  if (info.model != model.fingerprint) {
    std::string detail;
    for (const tvq_arg &arg : model.params) {
      std::string expected = formatType(arg.dtype, arg.rank, arg.dims);
      const tvq_tensor *tensor = nullptr;
      for (int32_t i = 0; i < tvq_safetensors_num_tensors(file.get()); ++i)
        if (std::strcmp(tvq_safetensors_tensor_name(file.get(), i), arg.name) ==
            0)
          tensor = tvq_safetensors_tensor(file.get(), i);
      if (!tensor) {
        detail = "; it has no '" + std::string(arg.name) + "' (" + expected +
                 " in the module)";
        break;
      }
      if (!hasType(tensor, arg)) {
        detail = "; its '" + std::string(arg.name) + "' is " +
                 formatType(tvq_tensor_dtype(tensor), tvq_tensor_rank(tensor),
                            tvq_tensor_shape(tensor)) +
                 ", the module's " + expected;
        break;
      }
    }
    return "checkpoint '" + path +
           "' was written for another model "
           "(fingerprint " +
           info.model + ", module '" + model.path + "' has " +
           model.fingerprint + ")" + detail;
  }
  uint64_t step = 0, seed = 0, seqLen = 0, batch = 0;
  const char *rng = meta("tvq.rng");
  if (!parseUnsigned(meta("tvq.step"), step) ||
      !parseUnsigned(meta("tvq.seed"), seed) ||
      !parseUnsigned(meta("tvq.seq_len"), seqLen) ||
      !parseUnsigned(meta("tvq.batch"), batch) || !rng ||
      tvq_rng_parse(rng, &info.rng) != 0)
    return "checkpoint '" + path +
           "' lacks or has malformed tvq.step, "
           "tvq.seed, tvq.seq_len, tvq.batch or tvq.rng metadata";
  info.step = static_cast<int64_t>(step);
  info.seed = seed;
  info.seqLen = static_cast<int64_t>(seqLen);
  info.batch = static_cast<int64_t>(batch);
  // Checkpoints from before truncated BPTT have no tvq.update_len: one
  // window per sequence.
  uint64_t updateLen = seqLen;
  if (meta("tvq.update_len") &&
      (!parseUnsigned(meta("tvq.update_len"), updateLen) || updateLen == 0))
    return "checkpoint '" + path + "' has a malformed tvq.update_len";
  info.updateLen = static_cast<int64_t>(updateLen);
  // Checkpoints from before data parallelism have no tvq.micro_batch: one
  // micro-batch per step.
  uint64_t microBatch = batch;
  if (meta("tvq.micro_batch") &&
      (!parseUnsigned(meta("tvq.micro_batch"), microBatch) || microBatch == 0 ||
       batch % microBatch != 0))
    return "checkpoint '" + path + "' has a malformed tvq.micro_batch";
  info.microBatch = static_cast<int64_t>(microBatch);
  info.crc = meta("tvq.crc32c") ? meta("tvq.crc32c") : "";
  info.data = meta("tvq.data") ? meta("tvq.data") : "";
  info.format = meta("tvq.format") ? meta("tvq.format") : "";
  for (const tvq_arg &arg : wanted) {
    const tvq_tensor *tensor = nullptr;
    for (int32_t i = 0; i < tvq_safetensors_num_tensors(file.get()); ++i)
      if (std::strcmp(tvq_safetensors_tensor_name(file.get(), i), arg.name) ==
          0)
        tensor = tvq_safetensors_tensor(file.get(), i);
    if (!tensor)
      return "checkpoint '" + path + "' has no tensor '" + arg.name + "'";
    if (!hasType(tensor, arg))
      return "checkpoint '" + path + "': tensor '" + arg.name + "' is " +
             formatType(tvq_tensor_dtype(tensor), tvq_tensor_rank(tensor),
                        tvq_tensor_shape(tensor)) +
             ", expected " + formatType(arg.dtype, arg.rank, arg.dims);
    tensors[arg.name] = copyTensor(tensor);
  }
  auto stepTensor = tensors.find("step");
  if (stepTensor != tensors.end() &&
      scalarValue(stepTensor->second.get()) != static_cast<double>(step))
    return "checkpoint '" + path +
           "': tensor 'step' disagrees with its "
           "tvq.step metadata";
  return "";
}
