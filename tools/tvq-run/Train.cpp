//===- Train.cpp - tvq-run train: the training loop -----------------------===//
//
// tvq-run train MODEL.so --data PATH --steps N --out RUNDIR [--resume] ...
// Truncated BPTT: each sequence of --seq-len tokens trains in windows of
// --update-len, one optimizer step each, with the attention state (state.*)
// carried from window to window and reset for each new batch.
// Initializes (or resumes) the state the step threads, then runs one step
// per window of the deterministic batcher, feeding every output whose name
// is an input's back as that input's new value. Writes
// RUNDIR/metrics.jsonl, a progress line and periodic and final checkpoints
// (docs/design.md §4).
//
// One worker with one micro-batch per step calls the fused train_step.
// Data parallelism (`mpirun -np N`, Comm.h) and gradient accumulation
// (--accum K) call train_grads on each micro-batch of --batch rows, sum the
// gradients and codebook statistics over the micro-batches and workers
// (one all-reduce per step) and call apply_update on the averaged
// gradients and summed statistics on every worker alike. Rank 0 alone
// writes metrics and checkpoints.
//
//===----------------------------------------------------------------------===//

#include "Comm.h"
#include "Commands.h"
#include "Flags.h"
#include "Json.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <set>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

using namespace tvq;
using namespace tvq::run;

namespace {

/// The settings of a run.
struct TrainOptions {
  std::string modulePath, dataPath, runDir, device;
  int64_t steps = 0, batch = 8, seqLen = 0, updateLen = 0, seed = 0,
          logEvery = 10, checkpointEvery = 500, accum = 1;
  bool resume = false, splitStep = false;
  /// Start each gradient's all-reduce as soon as train_grads announces it
  /// (off: after train_grads returns, as one bucketed sum).
  bool overlap = true;
  double commTimeout = 900;
  CommBackend comm = CommBackend::Auto;
  std::string formatName = "bytes";
  tvq_data_format format = TVQ_DATA_BYTES;
  /// --finite-check: "step" scans every new tensor every step; "loss" checks
  /// the loss, ce and gradient norm every step and scans the tensors only to
  /// name the culprit of a non-finite one and before each checkpoint; "" is
  /// the default: "loss" for a CUDA module (a host scan would move the whole
  /// training state off the GPU every step), "step" otherwise.
  std::string finiteCheck;
};

/// Set by SIGINT and SIGTERM: the loop checkpoints and stops.
volatile std::sig_atomic_t interrupted = 0;
/// What a worker of a multi-worker run prints when a signal arrives
/// (prepared beforehand: a signal handler may only write).
char signalMessage[256];
size_t signalMessageLength = 0;

void onSignal(int) {
  interrupted = 1;
  Comm::interrupted = 1;
  if (signalMessageLength)
    (void)!write(STDERR_FILENO, signalMessage, signalMessageLength);
}

/// "rank R of N: " in a run of several workers, else "".
std::string rankPrefix;

/// While a run of several workers sets up, errors are kept here instead of
/// printed: the workers then exchange them, and rank 0 reports each once.
bool captureErrors = false;
std::string capturedError;

int fail(const std::string &message) {
  if (captureErrors) {
    if (capturedError.empty())
      capturedError = message;
    return kExitError;
  }
  return error(rankPrefix + message);
}

int usageFail(const std::string &message) {
  if (captureErrors) {
    if (capturedError.empty())
      capturedError = message;
    return kExitUsage;
  }
  return usageError(rankPrefix + message);
}

struct DatasetDeleter {
  void operator()(tvq_dataset *dataset) const { tvq_dataset_close(dataset); }
};
struct BatcherDeleter {
  void operator()(tvq_batcher *batcher) const { tvq_batcher_destroy(batcher); }
};
struct MetricsDeleter {
  void operator()(tvq_metrics *metrics) const { tvq_metrics_close(metrics); }
};

/// How each step's global batch is cut: `workers` x `accum` micro-batches
/// ("shards") of `micro` rows. Shard g holds rows [g * micro, (g + 1) *
/// micro) of the batcher's batch; worker r trains shards r * accum ... r *
/// accum + accum - 1. Shards, their seeds and their order depend only on
/// (micro, shard index), so N workers with K micro-batches each compute what
/// one worker with N x K micro-batches does.
struct Sharding {
  int64_t workers = 1, rank = 0, micro = 0, accum = 1;
  int64_t shards() const { return workers * accum; }
  int64_t global() const { return micro * shards(); }
  int64_t shard(int64_t k) const { return rank * accum + k; }
};

} // namespace

/// Parses the command line into options; returns 0 or the usage error's
/// exit status.
static int parseOptions(const std::vector<std::string> &args,
                        TrainOptions &options) {
  Flags flags;
  std::string problem = flags.parse("train", args,
                                    {{"data", true},
                                     {"steps", true},
                                     {"out", true},
                                     {"resume", false},
                                     {"batch", true},
                                     {"seq-len", true},
                                     {"update-len", true},
                                     {"seed", true},
                                     {"log-every", true},
                                     {"checkpoint-every", true},
                                     {"format", true},
                                     {"accum", true},
                                     {"split-step", false},
                                     {"comm-timeout", true},
                                     {"comm", true},
                                     {"no-overlap", false},
                                     {"finite-check", true},
                                     kDeviceFlag});
  if (problem.empty() && flags.positional.size() != 1)
    problem = "'train' needs one module: tvq-run train MODEL.so --data PATH "
              "--steps N --out RUNDIR";
  for (const char *required : {"data", "steps", "out"})
    if (problem.empty() && !flags.has(required))
      problem = std::string("'train' needs --") + required;
  auto readInt = [&](const char *name, int64_t min, int64_t max,
                     int64_t &value) {
    if (problem.empty())
      problem = flags.getInt(name, min, max, value);
  };
  readInt("steps", 0, INT64_MAX / 2, options.steps);
  readInt("batch", 1, INT32_MAX, options.batch);
  readInt("seq-len", 1, INT32_MAX, options.seqLen);
  readInt("update-len", 1, INT32_MAX, options.updateLen);
  readInt("seed", 0, INT64_MAX, options.seed);
  readInt("log-every", 1, INT64_MAX, options.logEvery);
  readInt("checkpoint-every", 0, INT64_MAX, options.checkpointEvery);
  readInt("accum", 1, INT32_MAX, options.accum);
  if (problem.empty())
    problem = flags.getDouble("comm-timeout", 0, 1e9, options.commTimeout);
  if (problem.empty())
    problem = flags.getDevice(options.device);
  if (problem.empty() &&
      !parseCommBackend(flags.get("comm", "auto"), options.comm))
    problem =
        "--comm must be auto, mpi or nccl, got '" + flags.get("comm") + "'";
  options.finiteCheck = flags.get("finite-check", "");
  if (problem.empty() && flags.has("finite-check") &&
      options.finiteCheck != "step" && options.finiteCheck != "loss")
    problem = "--finite-check must be step or loss, got '" +
              options.finiteCheck + "'";
  options.formatName = flags.get("format", "bytes");
  if (problem.empty() && !parseDataFormat(options.formatName, options.format))
    problem = "--format must be bytes, tokens or images, got '" +
              options.formatName + "'";
  if (!problem.empty())
    return usageError(problem);
  options.modulePath = flags.positional[0];
  options.dataPath = flags.get("data");
  options.runDir = flags.get("out");
  options.resume = flags.has("resume");
  options.splitStep = flags.has("split-step");
  options.overlap = !flags.has("no-overlap");
  // On --resume, settings left out come from the checkpoint (batch 0, accum
  // 0, seed -1 and an empty format mark them; seq-len and update-len are 0
  // unless given).
  if (options.resume) {
    if (!flags.has("batch"))
      options.batch = 0;
    if (!flags.has("accum"))
      options.accum = 0;
    if (!flags.has("seed"))
      options.seed = -1;
    if (!flags.has("format"))
      options.formatName.clear();
  }
  return 0;
}

/// What the training loop does with each input of train_step.
enum class InputKind {
  Data,     ///< `inputs`, `targets`: a window of the current batch.
  Carried,  ///< `state.*`: the attention state, zero at each new sequence.
  Seed,     ///< `dropout_seed`, `layerdrop_seed`: drawn per step/sequence.
  Reduced,  ///< `d.*`, `stats.*` of apply_update: summed over micro-batches.
  Threaded, ///< Parameters, optimizer moments, `step`: checkpointed.
};

static InputKind inputKind(const std::string &name) {
  if (name == "inputs" || name == "targets")
    return InputKind::Data;
  if (name.rfind("state.", 0) == 0)
    return InputKind::Carried;
  if (name.rfind("d.", 0) == 0 || name.rfind("stats.", 0) == 0)
    return InputKind::Reduced;
  if (name == "dropout_seed" || name == "layerdrop_seed")
    return InputKind::Seed;
  return InputKind::Threaded;
}

/// SplitMix64's finalizer: decorrelates the per-step seeds.
static uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/// The rank-0 i64 tensor holding value.
static TensorPtr scalarI64(uint64_t value) {
  TensorPtr t(tvq_tensor_create(TVQ_I64, 0, nullptr));
  if (t)
    *static_cast<int64_t *>(tvq_tensor_data(t.get())) =
        static_cast<int64_t>(value);
  return t;
}

/// Rows [row, row + rows) and columns [start, start + width) of a [B, T] i32
/// tensor.
static TensorPtr sliceWindow(const tvq_tensor *full, int64_t row, int64_t rows,
                             int64_t start, int64_t width) {
  int64_t cols = tvq_tensor_shape(full)[1];
  int64_t sliced[2] = {rows, width};
  TensorPtr out(tvq_tensor_create(TVQ_I32, 2, sliced));
  if (!out)
    return out;
  const auto *from = static_cast<const int32_t *>(tvq_tensor_data(full));
  auto *to = static_cast<int32_t *>(tvq_tensor_data(out.get()));
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(to + r * width, from + (row + r) * cols + start,
                static_cast<size_t>(width) * sizeof(int32_t));
  return out;
}

/// The bytes of one row (dimension 0) of a tensor.
static int64_t rowBytes(const tvq_tensor *tensor) {
  int64_t rows = tvq_tensor_rank(tensor) ? tvq_tensor_shape(tensor)[0] : 1;
  return rows ? static_cast<int64_t>(tvq_tensor_num_bytes(tensor)) / rows : 0;
}

/// Rows [row, row + rows) of a tensor of rank >= 1.
static TensorPtr sliceRows(const tvq_tensor *full, int64_t row, int64_t rows) {
  std::vector<int64_t> shape(tvq_tensor_shape(full),
                             tvq_tensor_shape(full) + tvq_tensor_rank(full));
  shape[0] = rows;
  TensorPtr out(tvq_tensor_create(tvq_tensor_dtype(full), tvq_tensor_rank(full),
                                  shape.data()));
  if (out)
    std::memcpy(tvq_tensor_data(out.get()),
                static_cast<const char *>(tvq_tensor_data(full)) +
                    row * rowBytes(full),
                tvq_tensor_num_bytes(out.get()));
  return out;
}

/// The name of the first f32 tensor holding a NaN or an infinity, and where.
/// Whether count floats at data are all finite: a float is NaN or Inf when
/// its exponent bits are all ones. An OR over integer lanes, which the
/// compiler vectorizes (std::isfinite per element it does not), since the
/// training loop checks every new tensor of every step.
static bool allFinite(const float *data, int64_t count) {
  const auto *bits = reinterpret_cast<const uint32_t *>(data);
  uint32_t bad = 0;
  for (int64_t i = 0; i < count; ++i)
    bad |= static_cast<uint32_t>((bits[i] & 0x7f800000u) == 0x7f800000u);
  return bad == 0;
}

static std::string firstNonFinite(const TensorMap &tensors) {
  for (const auto &[name, tensor] : tensors) {
    if (tvq_tensor_dtype(tensor.get()) != TVQ_F32)
      continue;
    const auto *data =
        static_cast<const float *>(tvq_tensor_data(tensor.get()));
    int64_t count = tvq_tensor_num_elements(tensor.get());
    if (allFinite(data, count))
      continue;
    for (int64_t i = 0; i < count; ++i)
      if (!std::isfinite(data[i]))
        return "'" + name + "' (element " + std::to_string(i) + " is " +
               (std::isnan(data[i]) ? "NaN" : "Inf") + ")";
  }
  return "";
}

/// Checks the train_step convention: inputs `inputs`, `targets`, `step`;
/// outputs loss, ce, grad_norm, lr, then new values named like inputs.
static std::string checkTrainStep(const Model &model) {
  const tvq_entry *entry = model.trainStep;
  std::map<std::string, tvq_arg> inputs;
  for (int32_t i = 0; i < tvq_entry_num_inputs(entry); ++i)
    inputs[tvq_entry_input(entry, i).name] = tvq_entry_input(entry, i);
  for (const char *name : {"inputs", "targets", "step"})
    if (!inputs.count(name))
      return "train_step of '" + model.path + "' has no input '" + name + "'";
  for (const tvq_arg &param : model.params)
    if (!inputs.count(param.name))
      return "train_step of '" + model.path + "' does not take parameter '" +
             param.name + "'";
  std::set<std::string> seen;
  for (int32_t j = 0; j < tvq_entry_num_outputs(entry); ++j) {
    tvq_arg out = tvq_entry_output(entry, j);
    std::string name = out.name;
    seen.insert(name);
    if (name == "loss" || name == "ce" || name == "grad_norm" || name == "lr")
      continue;
    auto it = inputs.find(name);
    if (it == inputs.end() || it->second.dtype != out.dtype ||
        it->second.rank != out.rank)
      return "train_step output '" + name +
             "' is neither a metric nor the new value of an input";
  }
  for (const char *name : {"loss", "ce", "grad_norm", "lr", "step"})
    if (!seen.count(name))
      return "train_step of '" + model.path + "' has no output '" + name + "'";
  return "";
}

/// The entry points of the split step, when the module has them.
struct SplitEntries {
  const tvq_entry *grads = nullptr, *update = nullptr;
};

/// Checks the split-step convention: train_grads takes `inputs`, `targets`
/// and every parameter, and returns loss, ce, the carried state and
/// gradients `d.*` and statistics `stats.*` of static shapes that
/// apply_update takes; apply_update takes `step` and returns grad_norm, lr
/// and new values named like its inputs.
static std::string checkSplitStep(const Model &model,
                                  const SplitEntries &split) {
  auto inputsOf = [](const tvq_entry *entry) {
    std::map<std::string, tvq_arg> inputs;
    for (int32_t i = 0; i < tvq_entry_num_inputs(entry); ++i)
      inputs[tvq_entry_input(entry, i).name] = tvq_entry_input(entry, i);
    return inputs;
  };
  std::map<std::string, tvq_arg> gradsIn = inputsOf(split.grads),
                                 updateIn = inputsOf(split.update);
  for (const char *name : {"inputs", "targets"})
    if (!gradsIn.count(name))
      return "train_grads of '" + model.path + "' has no input '" + name + "'";
  if (!updateIn.count("step"))
    return "apply_update of '" + model.path + "' has no input 'step'";
  for (const tvq_arg &param : model.params)
    if (!gradsIn.count(param.name))
      return "train_grads of '" + model.path + "' does not take parameter '" +
             param.name + "'";
  std::set<std::string> seen;
  for (int32_t j = 0; j < tvq_entry_num_outputs(split.grads); ++j) {
    tvq_arg out = tvq_entry_output(split.grads, j);
    std::string name = out.name;
    seen.insert(name);
    if (name == "loss" || name == "ce")
      continue;
    InputKind kind = inputKind(name);
    const auto &targets = kind == InputKind::Reduced ? updateIn : gradsIn;
    auto it = targets.find(name);
    bool ok = it != targets.end() && it->second.dtype == out.dtype &&
              it->second.rank == out.rank &&
              (kind == InputKind::Carried || kind == InputKind::Reduced);
    for (int32_t d = 0; ok && kind == InputKind::Reduced && d < out.rank; ++d)
      ok = out.dims[d] >= 0 && out.dtype == TVQ_F32;
    if (!ok)
      return "train_grads output '" + name +
             "' is neither a metric, the carried state, nor a gradient or "
             "statistic that apply_update takes";
  }
  for (const auto &[name, arg] : updateIn)
    if (inputKind(name) == InputKind::Reduced && !seen.count(name))
      return "apply_update input '" + name + "' is no output of train_grads";
  seen.clear();
  for (int32_t j = 0; j < tvq_entry_num_outputs(split.update); ++j) {
    tvq_arg out = tvq_entry_output(split.update, j);
    std::string name = out.name;
    seen.insert(name);
    if (name == "grad_norm" || name == "lr")
      continue;
    auto it = updateIn.find(name);
    if (it == updateIn.end() || inputKind(name) != InputKind::Threaded ||
        it->second.dtype != out.dtype || it->second.rank != out.rank)
      return "apply_update output '" + name +
             "' is neither a metric nor the new value of an input";
  }
  for (const char *name : {"grad_norm", "lr", "step"})
    if (!seen.count(name))
      return "apply_update of '" + model.path + "' has no output '" + name +
             "'";
  return "";
}

/// Keeps the lines of RUNDIR/metrics.jsonl up to step (a resumed run
/// rewrites the later ones). Returns "" or the problem.
static std::string trimMetrics(const std::string &runDir, int64_t step) {
  std::string path = runDir + "/metrics.jsonl";
  std::ifstream in(path);
  if (!in)
    return "";
  std::string kept, line;
  while (std::getline(in, line)) {
    // Only whole metrics lines of steps up to `step` stay.
    json::Value value;
    if (!json::parse(line, value).empty() ||
        value.kind != json::Value::Kind::Object)
      continue;
    const json::Value *lineStep = value.find("step");
    std::optional<int64_t> index =
        lineStep ? lineStep->asIndex() : std::nullopt;
    if (!index || *index > step)
      continue;
    kept += line + "\n";
  }
  std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << kept;
    if (!out.flush())
      return "cannot write '" + temporary + "'";
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    return "cannot replace '" + path + "': " + std::strerror(errno);
  return "";
}

/// The inputs of entries (deduplicated by name) of the given kind.
static std::vector<tvq_arg>
inputsOfKind(const std::vector<const tvq_entry *> &entries, InputKind kind) {
  std::vector<tvq_arg> args;
  std::set<std::string> seen;
  for (const tvq_entry *entry : entries)
    for (int32_t i = 0; i < tvq_entry_num_inputs(entry); ++i) {
      tvq_arg arg = tvq_entry_input(entry, i);
      if (inputKind(arg.name) == kind && seen.insert(arg.name).second)
        args.push_back(arg);
    }
  return args;
}

/// Loads the checkpoint of a resumed run and reconciles the options with
/// it: the global batch is the checkpoint's; the micro-batch (--batch) and
/// --accum follow from the worker count. `carried` receives the attention
/// state of the whole global batch when the checkpoint is inside a
/// sequence. Returns 0 or the error's exit status.
static int resumeState(const Model &model,
                       const std::vector<const tvq_entry *> &entries,
                       TrainOptions &options, int64_t workers, TensorMap &state,
                       TensorMap &carried, CheckpointInfo &info) {
  std::vector<tvq_arg> wanted = inputsOfKind(entries, InputKind::Threaded);
  std::vector<tvq_arg> carriedArgs = inputsOfKind(entries, InputKind::Carried);
  std::string path = options.runDir + "/" + kCheckpointName;
  std::string problem = readCheckpoint(path, model, wanted, state, info);
  // Inside a sequence the checkpoint also holds the carried attention state.
  if (problem.empty() && info.updateLen > 0 &&
      info.seqLen % info.updateLen == 0 &&
      info.step % (info.seqLen / info.updateLen) != 0) {
    CheckpointInfo again;
    problem = readCheckpoint(path, model, carriedArgs, carried, again);
    for (auto it = carried.begin(); problem.empty() && it != carried.end();
         ++it)
      if (tvq_tensor_rank(it->second.get()) < 1 ||
          tvq_tensor_shape(it->second.get())[0] != info.batch)
        problem = "checkpoint '" + path + "': tensor '" + it->first +
                  "' does not hold the " + std::to_string(info.batch) +
                  " rows of the global batch";
  }
  if (!problem.empty())
    return fail("cannot resume: " + problem);
  auto differs = [&](const char *flag, const std::string &given,
                     const std::string &stored) {
    return fail("--" + std::string(flag) + " " + given +
                " differs from the checkpoint's " + stored +
                ": a resumed run keeps its settings (leave the flag out)");
  };
  // The global batch stays; the micro-batch and --accum split it over the
  // workers of this run.
  int64_t global = info.batch, micro = 0, accum = 0;
  std::string workersText =
      std::to_string(workers) + (workers == 1 ? " worker" : " workers");
  std::string how = ": a resumed run keeps the checkpoint's global batch of " +
                    std::to_string(global) +
                    " rows (choose --batch and --accum with batch x workers "
                    "x accum = " +
                    std::to_string(global) + ")";
  if (options.batch) {
    micro = options.batch;
    if (global % (workers * micro) != 0)
      return fail("--batch " + std::to_string(micro) + " x " + workersText +
                  " does not divide the checkpoint's global batch" + how);
    accum = global / (workers * micro);
    if (options.accum && options.accum != accum)
      return fail("--batch " + std::to_string(micro) + " x " + workersText +
                  " x --accum " + std::to_string(options.accum) + " is not " +
                  std::to_string(global) + how);
  } else if (options.accum) {
    accum = options.accum;
    if (global % (workers * accum) != 0)
      return fail("--accum " + std::to_string(accum) + " x " + workersText +
                  " does not divide the checkpoint's global batch" + how);
    micro = global / (workers * accum);
  } else {
    micro = info.microBatch ? info.microBatch : global;
    if (global % (workers * micro) != 0)
      return fail("the checkpoint's global batch of " + std::to_string(global) +
                  " rows in micro-batches of " + std::to_string(micro) +
                  " does not split over " + workersText + how);
    accum = global / (workers * micro);
  }
  if (options.seqLen && options.seqLen != info.seqLen)
    return differs("seq-len", std::to_string(options.seqLen),
                   std::to_string(info.seqLen));
  if (options.updateLen && options.updateLen != info.updateLen)
    return differs("update-len", std::to_string(options.updateLen),
                   std::to_string(info.updateLen));
  if (options.seed >= 0 && static_cast<uint64_t>(options.seed) != info.seed)
    return differs("seed", std::to_string(options.seed),
                   std::to_string(info.seed));
  if (!options.formatName.empty() && options.formatName != info.format)
    return differs("format", options.formatName, info.format);
  options.batch = micro;
  options.accum = accum;
  options.seqLen = info.seqLen;
  options.updateLen = info.updateLen;
  options.seed = static_cast<int64_t>(info.seed);
  options.formatName = info.format;
  if (!parseDataFormat(info.format, options.format))
    return fail("checkpoint '" + path + "' has an unknown data format '" +
                info.format + "'");
  return 0;
}

/// Appends one metrics line and prints the progress line.
static int logStep(tvq_metrics *metrics, const TrainOptions &options,
                   int64_t step, int64_t startStep, double elapsed,
                   double tokensPerS, double ce, double loss, double gradNorm,
                   double lr, double commWaitMs, bool bytesLike) {
  double bits = tvq_bits_per_byte(ce);
  std::vector<tvq_metric_field> fields = {
      {"step", nullptr, static_cast<double>(step)},
      {"loss", nullptr, ce},
      {bytesLike ? "bpb" : "ppl", nullptr, bytesLike ? bits : std::exp(ce)},
      {"loss_with_commit", nullptr, loss},
      {"grad_norm", nullptr, gradNorm},
      {"lr", nullptr, lr},
      {"tokens_per_s", nullptr, tokensPerS},
      {"elapsed_s", nullptr, elapsed},
  };
  // Several workers: the mean time per step spent waiting for the gradient
  // sums after the backward pass.
  if (!std::isnan(commWaitMs))
    fields.push_back({"comm_wait_ms", nullptr, commWaitMs});
  if (tvq_metrics_append(metrics, fields.data(),
                         static_cast<int32_t>(fields.size())) != 0)
    return fail(tvq_last_error());
  tvq_progress progress{step, options.steps,          startStep, elapsed,
                        ce,   bytesLike ? bits : NAN, tokensPerS};
  tvq_progress_print(STDOUT_FILENO, &progress, step == options.steps);
  return 0;
}

/// The outputs of one train_step call: the metrics and the new values of
/// inputs, by name.
struct StepResult {
  double loss = 0, ce = 0, gradNorm = 0, lr = 0;
  TensorMap updated;
};

/// Sorts the outputs of a training entry (train_step or apply_update) into
/// result: the metrics `loss`, `ce`, `grad_norm` and `lr` by name, every other
/// output as the new value of the input it is named after.
static void collectOutputs(const tvq_entry *entry,
                           std::vector<TensorPtr> &outputs,
                           StepResult &result) {
  for (int32_t j = 0; j < tvq_entry_num_outputs(entry); ++j) {
    std::string name = tvq_entry_output(entry, j).name;
    if (name == "loss")
      result.loss = scalarValue(outputs[j].get());
    else if (name == "ce")
      result.ce = scalarValue(outputs[j].get());
    else if (name == "grad_norm")
      result.gradNorm = scalarValue(outputs[j].get());
    else if (name == "lr")
      result.lr = scalarValue(outputs[j].get());
    else
      result.updated[name] = std::move(outputs[j]);
  }
}

/// Calls train_step on a window (inputs, targets), the threaded state, the
/// carried attention state and the seeds.
static std::string trainStep(const Model &model, const TensorMap &batch,
                             const TensorMap &state, const TensorMap &carried,
                             const TensorMap &seeds, StepResult &result) {
  std::vector<TensorPtr> outputs;
  std::string problem = callByName(model, model.trainStep,
                                   {&batch, &state, &carried, &seeds}, outputs);
  if (!problem.empty())
    return problem;
  collectOutputs(model.trainStep, outputs, result);
  return "";
}

/// The seed of shard g of a step or sequence whose one-shard seed is base
/// (shard 0 keeps it, so a run of one micro-batch draws what it always did).
static uint64_t shardSeed(uint64_t base, int64_t shard) {
  return shard == 0 ? base : mix64(base ^ mix64(static_cast<uint64_t>(shard)));
}

/// FNV-1a (64 bit) of a file's bytes as 16 hex digits, or "" when it cannot
/// be read.
static std::string fileHash(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return "";
  uint64_t hash = 0xcbf29ce484222325ull;
  std::vector<char> chunk(1 << 16);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    for (std::streamsize i = 0; i < in.gcount(); ++i) {
      hash ^= static_cast<unsigned char>(chunk[i]);
      hash *= 0x100000001b3ull;
    }
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(hash));
  return text;
}

/// The data-parallel protocol of this tvq-run: workers of one job must
/// agree on it (bumped whenever sharding, seeds or the reduction change).
constexpr const char *kProtocol = "tvq-run data-parallel protocol 1";

/// What identifies this tvq-run: the hashes of its executable and of the
/// runtime library it loaded (batches, seeds and checkpoints come from both).
static std::string buildId() {
  std::string id = fileHash("/proc/self/exe");
  Dl_info where;
  if (dladdr(reinterpret_cast<void *>(&tvq_last_error), &where) &&
      where.dli_fname)
    id += "+" + fileHash(where.dli_fname);
  return id;
}

/// One fact that every worker of a job must share: compared by value,
/// reported by text.
struct Fact {
  std::string key, value, text;
};

/// The start-up check of a run of several workers: each sends either its
/// set-up error or its facts. Returns "" when every worker set up and all
/// facts equal rank 0's, else the problem: the set-up errors (each once,
/// naming the workers when not all of them had it) or the first fact that
/// differs, the same text on every worker.
static std::string agreeOnStart(Comm &comm, const std::string &error,
                                const std::vector<Fact> &facts) {
  std::string mine = error.empty() ? "F" : "E" + error;
  if (error.empty())
    for (const Fact &fact : facts)
      mine += fact.key + '\t' + fact.value + '\t' + fact.text + '\n';
  std::vector<std::string> all = comm.allGather(mine, "start-up check");
  // Set-up errors first, each with the ranks that met it.
  std::vector<std::pair<std::string, std::vector<int>>> errors;
  for (size_t r = 0; r < all.size(); ++r) {
    if (all[r][0] != 'E')
      continue;
    std::string text = all[r].substr(1);
    auto it = std::find_if(errors.begin(), errors.end(),
                           [&](const auto &e) { return e.first == text; });
    if (it == errors.end())
      errors.push_back({text, {static_cast<int>(r)}});
    else
      it->second.push_back(static_cast<int>(r));
  }
  if (!errors.empty()) {
    std::string report;
    for (const auto &[text, ranks] : errors) {
      std::string who;
      if (ranks.size() != all.size()) {
        who = ranks.size() == 1 ? "rank " : "ranks ";
        for (size_t i = 0; i < ranks.size(); ++i)
          who += (i ? ", " : "") + std::to_string(ranks[i]);
        who += " of " + std::to_string(all.size()) + ": ";
      }
      report += (report.empty() ? "" : "\ntvq-run: error: ") + who + text;
    }
    return report;
  }
  auto parse = [](const std::string &text) {
    std::vector<Fact> parsed;
    size_t at = 1;
    while (at < text.size()) {
      size_t end = text.find('\n', at);
      std::string line = text.substr(at, end - at);
      at = end == std::string::npos ? text.size() : end + 1;
      size_t tab1 = line.find('\t'), tab2 = line.find('\t', tab1 + 1);
      parsed.push_back({line.substr(0, tab1),
                        line.substr(tab1 + 1, tab2 - tab1 - 1),
                        line.substr(tab2 + 1)});
    }
    return parsed;
  };
  std::vector<Fact> first = parse(all[0]);
  for (size_t r = 1; r < all.size(); ++r) {
    std::vector<Fact> other = parse(all[r]);
    for (size_t i = 0; i < first.size(); ++i) {
      if (i < other.size() && other[i].key == first[i].key &&
          other[i].value == first[i].value)
        continue;
      std::string theirs = i < other.size() ? other[i].text : "nothing";
      return "the workers disagree on the " + first[i].key + ": rank " +
             std::to_string(r) + " has " + theirs + ", rank 0 has " +
             first[i].text +
             "; every worker must run the same tvq-run on "
             "the same model, data, settings and checkpoint";
    }
  }
  return "";
}

/// "NAME=HASH;" for every tensor of state: a fingerprint of its bytes
/// (FNV-1a over 8-byte words, the tail byte by byte).
static std::string stateHashes(const TensorMap &state) {
  std::string text;
  for (const auto &[name, tensor] : state) {
    const auto *bytes =
        static_cast<const unsigned char *>(tvq_tensor_data(tensor.get()));
    size_t size = tvq_tensor_num_bytes(tensor.get()), i = 0;
    uint64_t hash = 0xcbf29ce484222325ull;
    for (; i + 8 <= size; i += 8) {
      uint64_t word;
      std::memcpy(&word, bytes + i, 8);
      hash = (hash ^ word) * 0x100000001b3ull;
    }
    for (; i < size; ++i)
      hash = (hash ^ bytes[i]) * 0x100000001b3ull;
    char hex[17];
    std::snprintf(hex, sizeof(hex), "%016llx",
                  static_cast<unsigned long long>(hash));
    text += name + "=" + hex + ";";
  }
  return text;
}

/// Flips the lowest bit of the first byte of the first tensor of `state`
/// (fault injection for the divergence check's test).
static void flipLowestBit(TensorMap &state) {
  for (auto &[name, tensor] : state)
    if (tensor && tvq_tensor_num_elements(tensor.get()) > 0) {
      static_cast<unsigned char *>(tvq_tensor_data(tensor.get()))[0] ^= 1;
      return;
    }
}

/// Whether every worker holds the same parameters, moments and step as
/// rank 0 (they should: each applies the same update to the same summed
/// gradients). Returns "" or the first difference, the same on every
/// worker.
static std::string checkInSync(Comm &comm, const TensorMap &state,
                               int64_t step) {
  std::vector<std::string> all =
      comm.allGather(stateHashes(state), "comparing the workers' parameters");
  for (size_t r = 1; r < all.size(); ++r) {
    if (all[r] == all[0])
      continue;
    // The first tensor whose entry differs.
    size_t at = 0;
    while (at < all[0].size() && at < all[r].size() && all[0][at] == all[r][at])
      ++at;
    size_t begin = all[0].rfind(';', at == 0 ? 0 : at - 1);
    begin = begin == std::string::npos || at == 0 ? 0 : begin + 1;
    std::string name = all[0].substr(begin, all[0].find('=', begin) - begin);
    return "the workers' training states diverged by step " +
           std::to_string(step) + ": rank " + std::to_string(r) + "'s '" +
           name +
           "' differs from rank 0's (each worker must compute the update "
           "bit for bit alike: the same module, tvq-run and CPU kind, and "
           "OMP_NUM_THREADS alike if the module's reductions depend on it)";
  }
  return "";
}

/// Where the gradients and codebook statistics of train_grads go in the one
/// float buffer that is summed over micro-batches and workers, followed by
/// the step's loss and ce sums and two flags (a stop signal was received; a
/// worker's carried state is not finite).
struct Reduction {
  struct Slot {
    std::string name;
    tvq_arg arg;
    int64_t offset, count;
    bool average; ///< Gradients are averaged, statistics summed.
  };
  std::vector<Slot> slots;
  /// train_grads output index -> its slot, or -1.
  std::vector<int> slotOfOutput;
  int64_t size = 0;
  enum Extra { Loss, Ce, Stop, Bad, NumExtra };
  int64_t extra(Extra e) const { return size + e; }
  int64_t total() const { return size + NumExtra; }
};

static Reduction planReduction(const tvq_entry *grads) {
  Reduction plan;
  plan.slotOfOutput.assign(static_cast<size_t>(tvq_entry_num_outputs(grads)),
                           -1);
  for (int32_t j = 0; j < tvq_entry_num_outputs(grads); ++j) {
    tvq_arg arg = tvq_entry_output(grads, j);
    std::string name = arg.name;
    if (inputKind(name) != InputKind::Reduced)
      continue;
    int64_t count = 1;
    for (int32_t d = 0; d < arg.rank; ++d)
      count *= arg.dims[d];
    plan.slotOfOutput[static_cast<size_t>(j)] =
        static_cast<int>(plan.slots.size());
    plan.slots.push_back({name, arg, plan.size, count, name[0] == 'd'});
    plan.size += count;
  }
  return plan;
}

/// Lays the buffer out in the order `first` lists slots (the order in which
/// train_grads announced them), then the other slots in their order, so that
/// gradients announced one after another are contiguous and can leave in
/// shared buckets.
static void reorderPlan(Reduction &plan, const std::vector<int> &first) {
  std::vector<int> order = first;
  std::vector<char> placed(plan.slots.size(), 0);
  for (int i : first)
    placed[static_cast<size_t>(i)] = 1;
  for (size_t i = 0; i < plan.slots.size(); ++i)
    if (!placed[i])
      order.push_back(static_cast<int>(i));
  std::vector<Reduction::Slot> slots;
  std::vector<int> newIndex(plan.slots.size());
  int64_t offset = 0;
  for (int old : order) {
    newIndex[static_cast<size_t>(old)] = static_cast<int>(slots.size());
    slots.push_back(plan.slots[static_cast<size_t>(old)]);
    slots.back().offset = offset;
    offset += slots.back().count;
  }
  for (int &slot : plan.slotOfOutput)
    if (slot >= 0)
      slot = newIndex[static_cast<size_t>(slot)];
  plan.slots = std::move(slots);
}

/// The carried attention state of the whole global batch, on rank 0: each
/// worker's micro-batches in order, gathered in rank order (shard order).
static void gatherCarried(Comm &comm, const Sharding &sh,
                          const std::vector<TensorMap> &carried,
                          TensorMap &full) {
  std::vector<char> mine;
  for (const auto &[name, first] : carried[0])
    for (const TensorMap &shard : carried) {
      const tvq_tensor *t = shard.at(name).get();
      const auto *data = static_cast<const char *>(tvq_tensor_data(t));
      mine.insert(mine.end(), data, data + tvq_tensor_num_bytes(t));
    }
  std::vector<char> all;
  comm.gather(mine.data(), static_cast<int64_t>(mine.size()), all,
              "gathering the attention state for a checkpoint");
  if (comm.rank() != 0)
    return;
  size_t offset = 0; // of the tensor within one worker's bytes
  for (const auto &[name, first] : carried[0]) {
    const tvq_tensor *t = first.get();
    std::vector<int64_t> shape(tvq_tensor_shape(t),
                               tvq_tensor_shape(t) + tvq_tensor_rank(t));
    shape[0] = sh.global();
    TensorPtr whole(tvq_tensor_create(tvq_tensor_dtype(t), tvq_tensor_rank(t),
                                      shape.data()));
    size_t perWorker = tvq_tensor_num_bytes(t) * sh.accum;
    for (int64_t r = 0; r < sh.workers; ++r)
      std::memcpy(static_cast<char *>(tvq_tensor_data(whole.get())) +
                      r * perWorker,
                  all.data() + r * mine.size() + offset, perWorker);
    offset += perWorker;
    full[name] = std::move(whole);
  }
}

/// The gradient sums of a step that start while train_grads runs: the
/// module calls onOutputReady (tvq_module_set_output_hook) as each gradient
/// is final, which adds it to the step's buffer and starts its all-reduce,
/// so communication overlaps the rest of the backward pass. Every worker
/// runs the same module, so all start the same sums in the same order.
struct Overlap {
  /// Gradients leave in buckets of at least this many bytes (the last of a
  /// call smaller): as PyTorch DDP's first bucket, small enough to leave
  /// early in the backward pass, large enough to amortize a collective.
  static constexpr int64_t kBucketBytes = 1 << 20;
  Comm *comm = nullptr;
  const Reduction *plan = nullptr;
  float *buffer = nullptr;
  /// Per slot: added to the buffer by the hook during this call (and sent,
  /// or in the open bucket).
  std::vector<char> started;
  /// The open bucket: buffer[bucketBegin, bucketEnd) added, not yet sent.
  int64_t bucketBegin = 0, bucketEnd = 0;
  /// The slots in the order of the first step's announcements; the plan is
  /// then laid out in that order (reorderPlan) once.
  std::vector<int> announced;
  bool reordered = false;
  /// Whether the hook may start sums (the last micro-batch of a step).
  bool armed = false;
  /// TVQ_TRACE_COMM set: each step prints what was sent when (stderr).
  bool trace = false;
  /// Buckets started during the call (for the trace).
  int64_t buckets = 0;

  /// Starts the sum of the open bucket, if any.
  void flush(const char *what) {
    if (bucketEnd > bucketBegin) {
      comm->startAllReduceSum(buffer + bucketBegin, bucketEnd - bucketBegin,
                              what);
      ++buckets;
    }
    bucketBegin = bucketEnd;
  }
};

static void onOutputReady(void *context, int64_t index, const void *data,
                          int64_t bytes) {
  auto &o = *static_cast<Overlap *>(context);
  if (!o.armed || index < 0 ||
      index >= static_cast<int64_t>(o.plan->slotOfOutput.size()) ||
      o.plan->slotOfOutput[static_cast<size_t>(index)] < 0)
    return;
  int slot = o.plan->slotOfOutput[static_cast<size_t>(index)];
  const Reduction::Slot &s = o.plan->slots[static_cast<size_t>(slot)];
  // Anything unexpected is left to the sum after the call.
  if (o.started[slot] || bytes != s.count * static_cast<int64_t>(sizeof(float)))
    return;
  if (!o.reordered)
    o.announced.push_back(slot);
  const char *what = "summing the gradients of a step";
  // A gradient that does not continue the open bucket (the first step,
  // before reorderPlan) closes it.
  if (s.offset != o.bucketEnd)
    o.flush(what);
  if (o.bucketBegin == o.bucketEnd)
    o.bucketBegin = o.bucketEnd = s.offset;
  float *to = o.buffer + s.offset;
  const auto *from = static_cast<const float *>(data);
  for (int64_t i = 0; i < s.count; ++i)
    to[i] += from[i];
  o.started[slot] = 1;
  o.bucketEnd = s.offset + s.count;
  if ((o.bucketEnd - o.bucketBegin) * static_cast<int64_t>(sizeof(float)) >=
      Overlap::kBucketBytes)
    o.flush(what);
  o.comm->progressAllReduces(what);
}

/// Calls train_grads on each of this worker's micro-batches of the window
/// (columns [column, column + width) of the global batch `full`) and
/// apply_update on the gradients and statistics summed over all workers.
/// newCarried receives each micro-batch's new attention state; stop whether
/// any worker received a stop signal; localBad names a non-finite tensor of
/// this worker's new attention state and anyBad says whether any worker has
/// one. buffer and reduced hold the reduction, kept from step to step.
/// With overlap (several workers), gradients announced during the last
/// micro-batch's call are summed while it runs; commWait receives the
/// seconds spent waiting for the sums after it. Returns "" or the problem.
static std::string
splitStep(const Model &model, const SplitEntries &split, const Reduction &plan,
          Comm &comm, const Sharding &sh, const TensorMap &full, int64_t column,
          int64_t width, const TensorMap &state,
          const std::vector<TensorMap> &carried, uint64_t dropoutSeed,
          uint64_t layerdropSeed, std::vector<float> &buffer,
          TensorMap &reduced, StepResult &result,
          std::vector<TensorMap> &newCarried, bool &stop, std::string &localBad,
          bool &anyBad, Overlap *overlap, double &commWait) {
  buffer.assign(static_cast<size_t>(plan.total()), 0.0f);
  if (overlap) {
    overlap->buffer = buffer.data();
    overlap->started.assign(plan.slots.size(), 0);
    overlap->bucketBegin = overlap->bucketEnd = 0;
    overlap->buckets = 0;
  }
  newCarried.clear();
  newCarried.resize(static_cast<size_t>(sh.accum));
  double loss = 0, ce = 0;
  for (int64_t k = 0; k < sh.accum; ++k) {
    int64_t shard = sh.shard(k);
    TensorMap batch, seeds;
    for (const char *name : {"inputs", "targets"}) {
      batch[name] = sliceWindow(full.at(name).get(), shard * sh.micro, sh.micro,
                                column, width);
      if (!batch[name])
        return tvq_last_error();
    }
    seeds["dropout_seed"] = scalarI64(shardSeed(dropoutSeed, shard));
    seeds["layerdrop_seed"] = scalarI64(shardSeed(layerdropSeed, shard));
    std::vector<TensorPtr> outputs;
    if (overlap)
      overlap->armed = k == sh.accum - 1;
    std::string problem = callByName(
        model, split.grads,
        {&batch, &state, &carried[static_cast<size_t>(k)], &seeds}, outputs);
    if (overlap) {
      overlap->armed = false;
      overlap->flush("summing the gradients of a step");
    }
    if (!problem.empty())
      return problem;
    for (int32_t j = 0; j < tvq_entry_num_outputs(split.grads); ++j) {
      std::string name = tvq_entry_output(split.grads, j).name;
      if (name == "loss")
        loss += scalarValue(outputs[j].get());
      else if (name == "ce")
        ce += scalarValue(outputs[j].get());
      else if (inputKind(name) == InputKind::Carried)
        newCarried[static_cast<size_t>(k)][name] = std::move(outputs[j]);
      else if (overlap && overlap->started[plan.slotOfOutput[j]]) {
        // Added and sent by onOutputReady.
      } else {
        const Reduction::Slot &s = plan.slots[plan.slotOfOutput[j]];
        const auto *from =
            static_cast<const float *>(tvq_tensor_data(outputs[j].get()));
        float *to = buffer.data() + s.offset;
        for (int64_t i = 0; i < s.count; ++i)
          to[i] += from[i];
      }
    }
    if (localBad.empty())
      localBad = firstNonFinite(newCarried[static_cast<size_t>(k)]);
  }
  buffer[plan.extra(Reduction::Loss)] = static_cast<float>(loss);
  buffer[plan.extra(Reduction::Ce)] = static_cast<float>(ce);
  buffer[plan.extra(Reduction::Stop)] = interrupted ? 1.0f : 0.0f;
  buffer[plan.extra(Reduction::Bad)] = localBad.empty() ? 0.0f : 1.0f;
  const char *what = "summing the gradients of a step";
  double waitStart = nowSeconds();
  if (overlap) {
    // The rest in runs of slots the hook did not send, then the extras.
    int64_t runStart = -1;
    for (size_t i = 0; i <= plan.slots.size(); ++i) {
      bool sent = i < plan.slots.size() && overlap->started[i];
      int64_t offset = i < plan.slots.size() ? plan.slots[i].offset : plan.size;
      if (!sent && runStart < 0)
        runStart = offset;
      if (sent && runStart >= 0) {
        comm.startAllReduceSum(buffer.data() + runStart, offset - runStart,
                               what);
        runStart = -1;
      }
    }
    comm.startAllReduceSum(buffer.data() + runStart, plan.total() - runStart,
                           what);
    comm.finishAllReduces(what);
    if (overlap->trace) {
      size_t early = 0;
      int64_t earlyFloats = 0;
      for (size_t i = 0; i < plan.slots.size(); ++i)
        if (overlap->started[i]) {
          ++early;
          earlyFloats += plan.slots[i].count;
        }
      std::fprintf(stderr,
                   "tvq-run: comm trace: %s%zu of %zu reduced tensors (%lld of "
                   "%lld floats) sent during train_grads in %lld buckets; "
                   "waited %.3f ms after it\n",
                   rankPrefix.c_str(), early, plan.slots.size(),
                   static_cast<long long>(earlyFloats),
                   static_cast<long long>(plan.total()),
                   static_cast<long long>(overlap->buckets),
                   1e3 * (nowSeconds() - waitStart));
    }
  } else {
    comm.allReduceSum(buffer.data(), plan.total(), what);
  }
  commWait = nowSeconds() - waitStart;
  auto shards = static_cast<float>(sh.shards());
  stop = buffer[plan.extra(Reduction::Stop)] > 0;
  anyBad = buffer[plan.extra(Reduction::Bad)] > 0;
  result.loss = buffer[plan.extra(Reduction::Loss)] / shards;
  result.ce = buffer[plan.extra(Reduction::Ce)] / shards;

  // The averaged gradients and summed statistics (tensors kept from step
  // to step: allocating them anew costs page faults every step).
  for (const Reduction::Slot &s : plan.slots) {
    TensorPtr &tensor = reduced[s.name];
    if (!tensor)
      tensor.reset(tvq_tensor_create(TVQ_F32, s.arg.rank, s.arg.dims));
    if (!tensor)
      return tvq_last_error();
    auto *to = static_cast<float *>(tvq_tensor_data(tensor.get()));
    const float *from = buffer.data() + s.offset;
    for (int64_t i = 0; i < s.count; ++i)
      to[i] = s.average ? from[i] / shards : from[i];
  }
  std::vector<TensorPtr> outputs;
  std::string problem =
      callByName(model, split.update, {&reduced, &state}, outputs);
  if (!problem.empty())
    return problem;
  collectOutputs(split.update, outputs, result);
  return "";
}

/// What the training loop of a worker works with, from setUp.
struct TrainRun {
  Model model;
  const tvq_entry *fused = nullptr;
  SplitEntries split;
  bool useSplit = false;
  Sharding sh;
  /// The threaded state (parameters, moments, step) and, on resume inside a
  /// sequence, the carried attention state of the whole global batch.
  TensorMap state, carriedFull;
  CheckpointInfo info;
  std::string checkpoint, description;
  int64_t windows = 1;
  std::vector<tvq_arg> carriedArgs;
  std::unique_ptr<tvq_dataset, DatasetDeleter> dataset;
  std::unique_ptr<tvq_batcher, BatcherDeleter> batcher;
  /// What every worker of the run must share (agreeOnStart).
  std::vector<Fact> facts;
};

/// Loads the model, the checkpoint or the initial state and the data, and
/// settles the options. Returns 0 or the error's exit status.
static int setUp(TrainOptions &options, Comm &comm, TrainRun &run) {
  int64_t workers = comm.size();
  bool root = comm.rank() == 0;
  Model &model = run.model;
  TensorMap &state = run.state, &carriedFull = run.carriedFull;
  CheckpointInfo &info = run.info;
  std::string &checkpoint = run.checkpoint;
  std::string problem = loadModel(options.modulePath, options.device, model);
  if (!problem.empty())
    return fail(problem);
  const tvq_entry *fused = run.fused = model.trainStep;
  SplitEntries &split = run.split;
  split = {tvq_module_find_entry(model.module.get(), "train_grads"),
           tvq_module_find_entry(model.module.get(), "apply_update")};
  bool haveSplit = split.grads && split.update;
  if (!fused && !haveSplit)
    return fail("module '" + options.modulePath +
                "' has no train_step entry: compile a model whose @eval_loss "
                "carries tvq.train_step (tvq-model writes one)");
  // The entries whose inputs say what the run threads and carries (the same
  // names for the fused and the split step).
  std::vector<const tvq_entry *> entries =
      fused ? std::vector<const tvq_entry *>{fused}
            : std::vector<const tvq_entry *>{split.grads, split.update};

  checkpoint = options.runDir + "/" + kCheckpointName;
  if (options.resume) {
    if (int status = resumeState(model, entries, options, workers, state,
                                 carriedFull, info))
      return status;
  } else {
    if (access(checkpoint.c_str(), F_OK) == 0)
      return fail("'" + options.runDir +
                  "' already holds a checkpoint: pass --resume to continue "
                  "that run, or choose another --out");
    info.seed = static_cast<uint64_t>(options.seed);
    info.rng = tvq_rng_create(info.seed);
    // initTrainState reads the state from model.trainStep: apply_update
    // takes all of it (and the reduced inputs, dropped below).
    if (!fused)
      model.trainStep = split.update;
    problem = initTrainState(model, info.rng, state);
    model.trainStep = fused;
    if (!problem.empty())
      return fail(problem);
    // Only parameters, moments and the step thread from step to step.
    for (auto it = state.begin(); it != state.end();)
      it = inputKind(it->first) == InputKind::Threaded ? std::next(it)
                                                       : state.erase(it);
  }
  Sharding &sh = run.sh;
  sh = {workers, comm.rank(), options.batch, options.accum};
  bool useSplit = run.useSplit =
      workers > 1 || sh.accum > 1 || options.splitStep || !fused;
  if (useSplit && !haveSplit)
    return fail("module '" + options.modulePath +
                "' has no train_grads and "
                "apply_update entries, which " +
                (workers > 1    ? std::to_string(workers) + " workers need"
                 : sh.accum > 1 ? std::string("--accum needs")
                                : std::string("--split-step needs")) +
                ": compile it with them (tvq-compile without --entries, or "
                "--entries=train_grads,apply_update,...)");
  problem = useSplit ? checkSplitStep(model, split) : checkTrainStep(model);
  if (!problem.empty())
    return fail(problem);
  const tvq_entry *forward = useSplit ? split.grads : fused;
  // Without decode_step, the block length comes from the carried window
  // (`state.gauN.win_codes` is [B, M], M = L).
  for (int32_t i = 0; !model.blockLen && i < tvq_entry_num_inputs(forward);
       ++i) {
    tvq_arg arg = tvq_entry_input(forward, i);
    std::string name = arg.name;
    if (inputKind(name) == InputKind::Carried && arg.rank == 2 &&
        name.size() > 10 &&
        name.compare(name.size() - 10, 10, ".win_codes") == 0 &&
        arg.dims[1] > 0)
      model.blockLen = arg.dims[1];
  }
  if (std::string bad = firstNonFinite(state); !bad.empty())
    return fail("the training state at step " + std::to_string(info.step) +
                " is not finite: " + bad +
                (options.resume ? " in " + checkpoint : std::string()));
  if (!options.seqLen) {
    if (!model.blockLen)
      return usageFail("--seq-len is needed: module '" + options.modulePath +
                       "' has no decode_step to read the block length from");
    options.seqLen = 4 * model.blockLen;
  }
  if (!options.updateLen)
    options.updateLen = options.seqLen;
  if (options.seqLen % options.updateLen != 0)
    return usageFail("--seq-len " + std::to_string(options.seqLen) +
                     " must be a multiple of --update-len " +
                     std::to_string(options.updateLen));
  if (model.blockLen && options.updateLen % model.blockLen != 0)
    return usageFail(std::string(options.updateLen == options.seqLen
                                     ? "--seq-len"
                                     : "--update-len") +
                     " must be a multiple of the block length " +
                     std::to_string(model.blockLen) + ", got " +
                     std::to_string(options.updateLen));
  std::vector<tvq_arg> &carriedArgs = run.carriedArgs;
  carriedArgs = inputsOfKind({forward}, InputKind::Carried);
  int64_t windows = run.windows = options.seqLen / options.updateLen;
  if (windows > 1 && carriedArgs.empty())
    return usageFail("--update-len below --seq-len needs a train_step that "
                     "carries the attention state (state.* inputs); '" +
                     options.modulePath + "' has none");
  if (sh.accum > INT32_MAX / workers ||
      sh.micro > INT32_MAX / (workers * sh.accum))
    return usageFail("the global batch (--batch " + std::to_string(sh.micro) +
                     " x " + std::to_string(workers) + " workers x --accum " +
                     std::to_string(sh.accum) + ") is too large");

  auto &dataset = run.dataset;
  dataset.reset(tvq_dataset_open(options.dataPath.c_str(), options.format,
                                 TVQ_SPLIT_TRAIN));
  if (!dataset)
    return fail(std::string("cannot read the training data: ") +
                tvq_last_error());
  if (tvq_dataset_vocab_size(dataset.get()) > model.vocab)
    return fail(std::string(tvq_dataset_describe(dataset.get())) +
                " needs a vocabulary of " +
                std::to_string(tvq_dataset_vocab_size(dataset.get())) +
                " ids, but the model's has " + std::to_string(model.vocab));
  run.batcher.reset(
      tvq_batcher_create(dataset.get(), static_cast<int32_t>(sh.global()),
                         static_cast<int32_t>(options.seqLen),
                         static_cast<uint64_t>(options.seed), /*shuffle=*/1));
  auto &batcher = run.batcher;
  if (!batcher)
    return fail(std::string("the training data is too short: ") +
                tvq_last_error());
  std::string &description = run.description;
  description = tvq_dataset_describe(dataset.get());
  if (options.resume && description != info.data && root)
    std::fprintf(stderr,
                 "tvq-run: warning: the checkpoint was trained on %s, this "
                 "run reads %s: the batches will differ\n",
                 info.data.c_str(), description.c_str());
  info.data = description;
  info.format = options.formatName;
  info.model = model.fingerprint;
  info.seqLen = options.seqLen;
  info.updateLen = options.updateLen;
  info.batch = sh.global();
  info.microBatch = sh.micro;

  if (workers > 1) {
    std::string settings =
        "seq-len " + std::to_string(options.seqLen) + ", update-len " +
        std::to_string(options.updateLen) + ", batch " +
        std::to_string(sh.micro) + ", accum " + std::to_string(sh.accum) +
        ", seed " + std::to_string(options.seed) + ", steps " +
        std::to_string(options.steps) + ", format " + options.formatName +
        ", checkpoint-every " + std::to_string(options.checkpointEvery) +
        (options.overlap ? "" : ", no-overlap");
    std::string start = "step " + std::to_string(info.step) +
                        (options.resume ? " of checkpoint crc " + info.crc
                                        : std::string(" (a new run)"));
    std::string moduleHash = fileHash(options.modulePath), build = buildId();
    run.facts = {
        {"tvq-run build", std::string(kProtocol) + " " + build,
         "build " + build + " ('" + kProtocol + "')"},
        {"model", model.fingerprint,
         "'" + options.modulePath + "' (parameters " + model.fingerprint + ")"},
        {"compiled module", moduleHash,
         "'" + options.modulePath + "' (contents " + moduleHash + ")"},
        {"data", description, description},
        {"settings", settings, settings},
        {"starting point", start, start}};
  }
  return 0;
}

/// The training loop of one worker. agreed is set when every worker returns
/// the same status at the same point (no need to end the others).
static int trainLoop(TrainOptions &options, Comm &comm, TrainRun &run,
                     bool &agreed) {
  agreed = false;
  int64_t workers = comm.size();
  bool root = comm.rank() == 0;
  // An error every worker meets alike: rank 0 reports it.
  auto agreedFail = [&](const std::string &message) {
    agreed = true;
    return root ? error(message) : kExitError;
  };
  Model &model = run.model;
  const SplitEntries &split = run.split;
  bool useSplit = run.useSplit;
  const Sharding &sh = run.sh;
  // Scan every new tensor every step (see TrainOptions::finiteCheck). Runs of
  // several workers (the split step) always do: their workers agree on it.
  bool scanEachStep =
      useSplit || options.finiteCheck == "step" ||
      (options.finiteCheck.empty() &&
       std::string(tvq_module_target(run.model.module.get())) != "cuda");
  TensorMap &state = run.state;
  CheckpointInfo &info = run.info;
  const std::string &checkpoint = run.checkpoint,
                    &description = run.description;
  int64_t windows = run.windows;
  const std::vector<tvq_arg> &carriedArgs = run.carriedArgs;
  tvq_batcher *batcher = run.batcher.get();
  std::string problem;
  std::unique_ptr<tvq_metrics, MetricsDeleter> metrics;
  if (root) {
    // A resumed run keeps the lines up to its checkpoint; a fresh one starts
    // the file anew (lines left by a run killed before its first checkpoint
    // belong to no checkpoint).
    problem = trimMetrics(options.runDir, options.resume ? info.step : 0);
    if (!problem.empty())
      return fail(problem);
    metrics.reset(tvq_metrics_open(options.runDir.c_str()));
    if (!metrics)
      return fail("cannot write to the run directory: " +
                  std::string(tvq_last_error()));
  }

  int64_t tokensPerStep = sh.global() * options.updateLen;
  std::string windowsText = windows > 1 ? " in " + std::to_string(windows) +
                                              " updates of " +
                                              std::to_string(options.updateLen)
                                        : std::string();
  if (workers > 1 || sh.accum > 1)
    windowsText += " (" + std::to_string(workers) +
                   (workers == 1 ? " worker" : " workers") + " x " +
                   std::to_string(sh.accum) +
                   (sh.accum == 1 ? " micro-batch" : " micro-batches") +
                   " of " + std::to_string(sh.micro) + " rows)";
  if (root) {
    std::printf("train %s: %lld parameters, %s, batch %lld x %lld tokens%s, "
                "steps %lld -> %lld\n",
                options.modulePath.c_str(),
                static_cast<long long>(countParameters(model)),
                description.c_str(), static_cast<long long>(sh.global()),
                static_cast<long long>(options.seqLen), windowsText.c_str(),
                static_cast<long long>(info.step),
                static_cast<long long>(options.steps));
    std::fflush(stdout);
  }
  if (info.step >= options.steps) {
    agreed = true;
    if (!options.resume) {
      // --steps 0: the initial state alone.
      if (!root)
        return 0;
      problem = writeCheckpoint(checkpoint, state, info, false);
      if (!problem.empty())
        return fail(problem);
      std::printf("wrote the initial state to %s\n", checkpoint.c_str());
      return 0;
    }
    if (root)
      std::printf("the checkpoint is at step %lld, --steps is %lld: nothing "
                  "to do\n",
                  static_cast<long long>(info.step),
                  static_cast<long long>(options.steps));
    return 0;
  }

  // Each micro-batch carries its own attention state; a resumed run takes
  // its rows of the checkpoint's.
  std::vector<TensorMap> carried(static_cast<size_t>(sh.accum));
  for (auto &[name, whole] : run.carriedFull)
    for (int64_t k = 0; k < sh.accum; ++k) {
      carried[k][name] =
          sliceRows(whole.get(), sh.shard(k) * sh.micro, sh.micro);
      if (!carried[k][name])
        return fail(tvq_last_error());
    }
  run.carriedFull.clear();

  if (workers > 1)
    signalMessageLength = static_cast<size_t>(std::max(
        0, std::snprintf(signalMessage, sizeof(signalMessage),
                         "tvq-run: rank %d of %d: stop signal received: "
                         "stopping after this step (mpirun sends one to "
                         "every worker when a worker dies)\n",
                         comm.rank(), comm.size())));
  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  bool bytesLike = options.format != TVQ_DATA_TOKENS;
  bool terminal = root && isatty(STDOUT_FILENO);
  int64_t startStep = info.step, lastLogStep = info.step,
          lastCheckpointStep = options.resume ? info.step : -1;
  double start = nowSeconds(), lastLog = start, lastShown = start;
  // A checkpoint inside a sequence also holds the carried attention state
  // of the whole global batch (gathered to rank 0).
  auto saveCheckpoint = [&](bool keepPrevious) {
    bool inside = info.step % windows != 0;
    TensorMap full;
    if (inside)
      gatherCarried(comm, sh, carried, full);
    if (!root)
      return std::string();
    for (auto &[name, tensor] : full)
      state[name] = std::move(tensor);
    std::string written =
        writeCheckpoint(checkpoint, state, info, keepPrevious);
    for (auto &[name, tensor] : full)
      state.erase(name);
    return written;
  };
  auto lastGood = [&] {
    return lastCheckpointStep >= 0 ? "the last good checkpoint (step " +
                                         std::to_string(lastCheckpointStep) +
                                         ") is " + checkpoint + ", untouched"
                                   : std::string("no checkpoint was written");
  };
  Reduction plan;
  if (useSplit)
    plan = planReduction(split.grads);
  // Several workers: gradients are sent as train_grads announces them.
  Overlap overlapState;
  Overlap *overlap = nullptr;
  if (useSplit && workers > 1 && options.overlap) {
    overlapState.comm = &comm;
    overlapState.plan = &plan;
    overlapState.trace = std::getenv("TVQ_TRACE_COMM") != nullptr;
    // A module compiled without announcements sums after the call (every
    // worker runs the same module, so all take the same path).
    if (tvq_module_set_output_hook(model.module.get(), onOutputReady,
                                   &overlapState) == 0)
      overlap = &overlapState;
  }
  double commWaitSum = 0;
  std::vector<float> buffer;
  TensorMap reduced, full;
  int64_t fullSequence = -1;
  for (int64_t step = info.step; step < options.steps; ++step) {
    // Step `step` trains window `step % windows` of batch `step / windows`.
    int64_t sequence = step / windows, window = step % windows;
    if (sequence != fullSequence) {
      tvq_tensor *inputs = nullptr, *targets = nullptr;
      if (tvq_batcher_batch(batcher, sequence, &inputs, &targets) != 0)
        return fail(tvq_last_error());
      full["inputs"].reset(inputs);
      full["targets"].reset(targets);
      fullSequence = sequence;
    }
    if (window == 0) {
      // A new batch of sequences: the empty attention state.
      for (TensorMap &shard : carried)
        for (const tvq_arg &arg : carriedArgs) {
          shard[arg.name] = zeroTensor(arg, sh.micro);
          if (!shard[arg.name])
            return fail(tvq_last_error());
        }
    }
    // Dropout masks: fresh per step; LayerDrop's per sequence (the same
    // over the windows of a batch, as in the reference); each micro-batch
    // its own (shardSeed).
    uint64_t dropoutSeed = mix64(info.seed ^ mix64(2 * step));
    uint64_t layerdropSeed = mix64(info.seed ^ mix64(2 * sequence + 1));
    StepResult result;
    std::vector<TensorMap> newCarried;
    double commWait = 0;
    bool stop = false, anyBad = false;
    std::string localBad;
    if (useSplit) {
      problem = splitStep(model, split, plan, comm, sh, full,
                          window * options.updateLen, options.updateLen, state,
                          carried, dropoutSeed, layerdropSeed, buffer, reduced,
                          result, newCarried, stop, localBad, anyBad, overlap,
                          commWait);
      commWaitSum += commWait;
      // After the first step, gradients announced one after another get
      // neighbouring places in the buffer, so they share buckets.
      if (overlap && !overlap->reordered && !overlap->announced.empty()) {
        reorderPlan(plan, overlap->announced);
        overlap->reordered = true;
      }
    } else {
      TensorMap batch, seeds;
      for (const char *name : {"inputs", "targets"}) {
        batch[name] =
            sliceWindow(full[name].get(), 0, sh.global(),
                        window * options.updateLen, options.updateLen);
        if (!batch[name])
          return fail(tvq_last_error());
      }
      seeds["dropout_seed"] = scalarI64(dropoutSeed);
      seeds["layerdrop_seed"] = scalarI64(layerdropSeed);
      problem = trainStep(model, batch, state, carried[0], seeds, result);
      newCarried.resize(1);
      for (auto it = result.updated.begin(); it != result.updated.end();)
        if (inputKind(it->first) == InputKind::Carried) {
          newCarried[0][it->first] = std::move(it->second);
          it = result.updated.erase(it);
        } else {
          ++it;
        }
      stop = interrupted;
    }
    if (!problem.empty())
      return fail(problem);
    double loss = result.loss, ce = result.ce, gradNorm = result.gradNorm,
           lr = result.lr;
    int64_t done = step + 1;
    // Every worker sees the same loss, gradient norm and new state, so
    // they stop together.
    if (!std::isfinite(loss) || !std::isfinite(ce) ||
        !std::isfinite(gradNorm)) {
      if (terminal)
        std::printf("\n");
      std::string bad = firstNonFinite(result.updated);
      return agreedFail(
          "non-finite loss at step " + std::to_string(done) + " (loss " +
          std::to_string(loss) + ", grad_norm " + std::to_string(gradNorm) +
          ")" + (bad.empty() ? "" : "; first non-finite tensor " + bad) +
          ": stopped; " + lastGood());
    }
    bool checkpointDue =
        done == options.steps || stop ||
        (options.checkpointEvery && done % options.checkpointEvery == 0);
    bool scan = scanEachStep || checkpointDue;
    if (!useSplit && scan)
      for (const TensorMap &shard : newCarried)
        if (localBad.empty())
          localBad = firstNonFinite(shard);
    std::string bad = scan ? firstNonFinite(result.updated) : "";
    if (bad.empty())
      bad = localBad;
    if (!bad.empty() || anyBad) {
      if (terminal)
        std::printf("\n");
      agreed = true;
      // The worker that holds it names the tensor.
      if (bad.empty() && !root)
        return kExitError;
      return error(rankPrefix + "step " + std::to_string(done) +
                   " produced a non-finite tensor " +
                   (bad.empty() ? std::string("(on another worker)") : bad) +
                   " (loss " + std::to_string(loss) + "): stopped; " +
                   lastGood());
    }
    for (auto &[name, tensor] : result.updated)
      state[name] = std::move(tensor);
    carried = std::move(newCarried);
    info.step = done;
    double now = nowSeconds();
    double tokensPerS =
        (done - lastLogStep) * tokensPerStep / std::max(now - lastLog, 1e-9);
    if (done % options.logEvery == 0 || done == options.steps) {
      if (root)
        if (int status = logStep(
                metrics.get(), options, done, startStep, now - start,
                tokensPerS, ce, loss, gradNorm, lr,
                workers > 1 ? 1e3 * commWaitSum /
                                  static_cast<double>(done - lastLogStep)
                            : NAN,
                bytesLike))
          return status;
      commWaitSum = 0;
      lastLogStep = done;
      lastLog = lastShown = now;
    } else if (terminal && now - lastShown > 0.25) {
      tvq_progress progress{done,      options.steps,
                            startStep, now - start,
                            ce,        bytesLike ? tvq_bits_per_byte(ce) : NAN,
                            tokensPerS};
      tvq_progress_print(STDOUT_FILENO, &progress, 0);
      lastShown = now;
    }
    if (checkpointDue) {
      if (workers > 1) {
        // Fault injection for test/Tools/tvq-run-data-parallel.test:
        // TVQ_TEST_DIVERGE_RANK=r flips the lowest bit of rank r's first
        // parameter, so that the check below has a difference to find.
        if (const char *rank = std::getenv("TVQ_TEST_DIVERGE_RANK");
            rank && std::atoi(rank) == comm.rank())
          flipLowestBit(state);
        problem = checkInSync(comm, state, done);
        if (!problem.empty())
          return agreedFail(problem + "; " + lastGood());
      }
      problem = saveCheckpoint(/*keepPrevious=*/true);
      if (!problem.empty())
        return fail(problem);
      lastCheckpointStep = done;
    }
    if (stop && done != options.steps) {
      agreed = true;
      if (terminal)
        std::printf("\n");
      if (root)
        std::printf("interrupted: checkpoint at step %lld in %s; continue "
                    "with --resume\n",
                    static_cast<long long>(done), checkpoint.c_str());
      return 130;
    }
  }
  agreed = true;
  if (root)
    std::printf("done: %lld steps in %.1f s, checkpoint %s\n",
                static_cast<long long>(options.steps - startStep),
                nowSeconds() - start, checkpoint.c_str());
  return 0;
}

int run::runTrain(const std::vector<std::string> &args) {
  TrainOptions options;
  if (int status = parseOptions(args, options))
    return status;
#ifdef __GLIBC__
  // Every step allocates and frees the same tensors (the module's results
  // and their copies). glibc would map most of them afresh with mmap and
  // give them back, paying page faults each time: 15% of the tiny model's
  // step on 2 cores. Serve tensors below 32 MiB from the heap and keep up
  // to 1 GiB of freed heap for the next step.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
  std::string problem;
  std::unique_ptr<Comm> comm = createComm(
      {options.commTimeout, options.comm, options.modulePath, options.device},
      problem);
  // An empty problem: the communicator has reported it already.
  if (!comm)
    return problem.empty() ? kExitError : error(problem);
  if (comm->rank() == 0 && std::strcmp(comm->backend(), "nccl") == 0) {
    std::printf("gradients summed with %s\n", comm->describe().c_str());
    std::fflush(stdout);
  }
  if (comm->size() > 1)
    rankPrefix = "rank " + std::to_string(comm->rank()) + " of " +
                 std::to_string(comm->size()) + ": ";
  bool agreed = false;
  TrainRun run;
  captureErrors = comm->size() > 1;
  int status = setUp(options, *comm, run);
  captureErrors = false;
  if (comm->size() > 1) {
    // Every worker learns every worker's set-up error, or that they all
    // agree on what to run.
    std::string problem =
        agreeOnStart(*comm, status ? capturedError : std::string(), run.facts);
    if (!problem.empty()) {
      if (comm->rank() == 0)
        error(problem);
      comm->finalize();
      return status ? status : kExitError;
    }
  }
  if (status == 0)
    status = trainLoop(options, *comm, run, agreed);
  // A worker that fails alone ends the job: the others would wait for it.
  if (status != 0 && !agreed && comm->size() > 1)
    comm->abort(status);
  comm->finalize();
  return status;
}
