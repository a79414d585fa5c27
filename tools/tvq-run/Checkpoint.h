//===- Checkpoint.h - Training checkpoints of tvq-run -----------*- C++ -*-===//
//
// A checkpoint is a safetensors file (runtime: tvq_safetensors_write/_read,
// CRC-32C, atomic replacement) holding every tensor train_step threads from
// step to step (parameters, optimizer moments, step, and inside a sequence
// the carried attention state) and metadata that says which
// model, data and settings produced it (docs/design.md §4).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_TVQ_RUN_CHECKPOINT_H
#define TVQ_TOOLS_TVQ_RUN_CHECKPOINT_H

#include "Model.h"

namespace tvq::run {

/// The metadata of a training checkpoint.
struct CheckpointInfo {
  /// Optimizer steps done (equals the `step` tensor).
  int64_t step = 0;
  uint64_t seed = 0;
  /// The state of the run's generator (tvq.rng, "KEY:COUNTER").
  tvq_rng rng{};
  /// The model fingerprint (modelFingerprint).
  std::string model;
  /// tvq_dataset_describe of the training split, and the data format
  /// (bytes, tokens, images).
  std::string data, format;
  /// T, and the global batch: rows per optimizer step over all workers.
  int64_t seqLen = 0, batch = 0;
  /// Rows per micro-batch (`--batch` of a data-parallel run or one with
  /// --accum; batch when the checkpoint does not say).
  int64_t microBatch = 0;
  /// The checkpoint's tvq.crc32c when it was read (else "").
  std::string crc;
  /// Tokens per optimizer step of each sequence (truncated BPTT); a
  /// checkpoint taken inside a sequence also holds the carried attention
  /// state (`state.*`).
  int64_t updateLen = 0;
};

/// The checkpoint file of a run directory.
constexpr const char *kCheckpointName = "checkpoint.safetensors";
/// The checkpoint before the last one, kept when a new one is written.
constexpr const char *kPreviousCheckpointName = "checkpoint.prev.safetensors";

/// RUNDIR/checkpoint.safetensors when path is a directory, else path.
std::string checkpointPath(const std::string &path);

/// Writes tensors and info to path atomically. With keepPrevious, an
/// existing file at path is first linked to checkpoint.prev.safetensors in
/// the same directory. Returns "" or the problem.
std::string writeCheckpoint(const std::string &path, const TensorMap &tensors,
                            const CheckpointInfo &info, bool keepPrevious);

/// Reads a checkpoint (its checksum is required), checks that it was
/// written for model, and copies the tensors declared in wanted (checking
/// their types) into tensors. Returns "" or the problem.
std::string readCheckpoint(const std::string &path, const Model &model,
                           const std::vector<tvq_arg> &wanted,
                           TensorMap &tensors, CheckpointInfo &info);

} // namespace tvq::run

#endif // TVQ_TOOLS_TVQ_RUN_CHECKPOINT_H
