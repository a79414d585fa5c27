//===- Train.cpp - tvq-run train: the training loop -----------------------===//
//
// tvq-run train MODEL.so --data PATH --steps N --out RUNDIR [--resume] ...
// Truncated BPTT: each sequence of --seq-len tokens trains in windows of
// --update-len, one train_step each, with the attention state (state.*)
// carried from window to window and reset for each new batch.
// Initializes (or resumes) the state train_step threads, then calls
// train_step once per batch of the deterministic batcher, feeding every
// output whose name is an input's back as that input's new value. Writes
// RUNDIR/metrics.jsonl, a progress line and periodic and final checkpoints
// (docs/design.md §4).
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Flags.h"
#include "Json.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <csignal>
#include <cstring>
#include <fstream>
#include <set>
#include <unistd.h>

using namespace tvq;
using namespace tvq::run;

namespace {

/// The settings of a run.
struct TrainOptions {
  std::string modulePath, dataPath, runDir;
  int64_t steps = 0, batch = 8, seqLen = 0, updateLen = 0, seed = 0,
          logEvery = 10, checkpointEvery = 500;
  bool resume = false;
  std::string formatName = "bytes";
  tvq_data_format format = TVQ_DATA_BYTES;
};

/// Set by SIGINT and SIGTERM: the loop checkpoints and stops.
volatile std::sig_atomic_t interrupted = 0;

void onSignal(int) { interrupted = 1; }

struct DatasetDeleter {
  void operator()(tvq_dataset *dataset) const { tvq_dataset_close(dataset); }
};
struct BatcherDeleter {
  void operator()(tvq_batcher *batcher) const { tvq_batcher_destroy(batcher); }
};
struct MetricsDeleter {
  void operator()(tvq_metrics *metrics) const { tvq_metrics_close(metrics); }
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
                                     {"format", true}});
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
  // On --resume, settings left out come from the checkpoint (batch 0, seed
  // -1 and an empty format mark them; seq-len and update-len are 0 unless
  // given).
  if (options.resume) {
    if (!flags.has("batch"))
      options.batch = 0;
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
  Threaded, ///< Parameters, optimizer moments, `step`: checkpointed.
};

static InputKind inputKind(const std::string &name) {
  if (name == "inputs" || name == "targets")
    return InputKind::Data;
  if (name.rfind("state.", 0) == 0)
    return InputKind::Carried;
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

/// Columns [start, start + width) of a [B, T] i32 tensor.
static TensorPtr sliceColumns(const tvq_tensor *full, int64_t start,
                              int64_t width) {
  const int64_t *shape = tvq_tensor_shape(full);
  int64_t rows = shape[0], cols = shape[1];
  int64_t sliced[2] = {rows, width};
  TensorPtr out(tvq_tensor_create(TVQ_I32, 2, sliced));
  if (!out)
    return out;
  const auto *from = static_cast<const int32_t *>(tvq_tensor_data(full));
  auto *to = static_cast<int32_t *>(tvq_tensor_data(out.get()));
  for (int64_t r = 0; r < rows; ++r)
    std::memcpy(to + r * width, from + r * cols + start,
                static_cast<size_t>(width) * sizeof(int32_t));
  return out;
}

/// The name of the first f32 tensor holding a NaN or an infinity, and where.
static std::string firstNonFinite(const TensorMap &tensors) {
  for (const auto &[name, tensor] : tensors) {
    if (tvq_tensor_dtype(tensor.get()) != TVQ_F32)
      continue;
    const auto *data = static_cast<const float *>(tvq_tensor_data(tensor.get()));
    int64_t count = tvq_tensor_num_elements(tensor.get());
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

/// Keeps the lines of RUNDIR/metrics.jsonl up to step (a resumed run
/// rewrites the later ones). Returns "" or the problem.
static std::string trimMetrics(const std::string &runDir, int64_t step) {
  std::string path = runDir + "/metrics.jsonl";
  std::ifstream in(path);
  if (!in)
    return "";
  std::string kept, line;
  while (std::getline(in, line)) {
    json::Value value;
    if (json::parse(line, value).empty() &&
        value.kind == json::Value::Kind::Object) {
      const json::Value *lineStep = value.find("step");
      std::optional<int64_t> index =
          lineStep ? lineStep->asIndex() : std::nullopt;
      if (index && *index > step)
        continue;
    }
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

/// Loads the checkpoint of a resumed run and reconciles the options with
/// it. Returns 0 or the error's exit status.
static int resumeState(const Model &model, TrainOptions &options,
                       TensorMap &state, TensorMap &carried,
                       CheckpointInfo &info) {
  std::vector<tvq_arg> wanted, carriedArgs;
  for (int32_t i = 0; i < tvq_entry_num_inputs(model.trainStep); ++i) {
    tvq_arg arg = tvq_entry_input(model.trainStep, i);
    switch (inputKind(arg.name)) {
    case InputKind::Threaded:
      wanted.push_back(arg);
      break;
    case InputKind::Carried:
      carriedArgs.push_back(arg);
      break;
    default:
      break;
    }
  }
  std::string path = options.runDir + "/" + kCheckpointName;
  std::string problem = readCheckpoint(path, model, wanted, state, info);
  // Inside a sequence the checkpoint also holds the carried attention state.
  if (problem.empty() && info.updateLen > 0 && info.seqLen % info.updateLen == 0 &&
      info.step % (info.seqLen / info.updateLen) != 0) {
    CheckpointInfo again;
    problem = readCheckpoint(path, model, carriedArgs, carried, again);
  }
  if (!problem.empty())
    return error("cannot resume: " + problem);
  auto differs = [&](const char *flag, const std::string &given,
                     const std::string &stored) {
    return error("--" + std::string(flag) + " " + given +
                 " differs from the checkpoint's " + stored +
                 ": a resumed run keeps its settings (leave the flag out)");
  };
  if (options.batch && options.batch != info.batch)
    return differs("batch", std::to_string(options.batch),
                   std::to_string(info.batch));
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
  options.batch = info.batch;
  options.seqLen = info.seqLen;
  options.updateLen = info.updateLen;
  options.seed = static_cast<int64_t>(info.seed);
  options.formatName = info.format;
  if (!parseDataFormat(info.format, options.format))
    return error("checkpoint '" + path + "' has an unknown data format '" +
                 info.format + "'");
  return 0;
}

/// Appends one metrics line and prints the progress line.
static int logStep(tvq_metrics *metrics, const TrainOptions &options,
                   int64_t step, int64_t startStep, double elapsed,
                   double tokensPerS, double ce, double loss, double gradNorm,
                   double lr, bool bytesLike) {
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
  if (tvq_metrics_append(metrics, fields.data(),
                         static_cast<int32_t>(fields.size())) != 0)
    return error(tvq_last_error());
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
  for (int32_t j = 0; j < tvq_entry_num_outputs(model.trainStep); ++j) {
    std::string name = tvq_entry_output(model.trainStep, j).name;
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
  return "";
}

int run::runTrain(const std::vector<std::string> &args) {
  TrainOptions options;
  if (int status = parseOptions(args, options))
    return status;
  Model model;
  std::string problem = loadModel(options.modulePath, model);
  if (problem.empty() && !model.trainStep)
    problem = "module '" + options.modulePath +
              "' has no train_step entry: compile a model whose @eval_loss "
              "carries tvq.train_step (tvq-model writes one)";
  if (problem.empty())
    problem = checkTrainStep(model);
  if (!problem.empty())
    return error(problem);
  // Without decode_step, the block length comes from train_step's carried
  // window (`state.gauN.win_codes` is [B, M], M = L).
  for (int32_t i = 0; !model.blockLen && i < tvq_entry_num_inputs(model.trainStep);
       ++i) {
    tvq_arg arg = tvq_entry_input(model.trainStep, i);
    std::string name = arg.name;
    if (inputKind(name) == InputKind::Carried && arg.rank == 2 &&
        name.size() > 10 && name.compare(name.size() - 10, 10, ".win_codes") == 0 &&
        arg.dims[1] > 0)
      model.blockLen = arg.dims[1];
  }

  TensorMap state, carried;
  CheckpointInfo info;
  std::string checkpoint = options.runDir + "/" + kCheckpointName;
  if (options.resume) {
    if (int status = resumeState(model, options, state, carried, info))
      return status;
  } else {
    if (access(checkpoint.c_str(), F_OK) == 0)
      return error("'" + options.runDir +
                   "' already holds a checkpoint: pass --resume to continue "
                   "that run, or choose another --out");
    info.seed = static_cast<uint64_t>(options.seed);
    info.rng = tvq_rng_create(info.seed);
    problem = initTrainState(model, info.rng, state);
    if (!problem.empty())
      return error(problem);
    // Only parameters, moments and the step thread from step to step.
    for (auto it = state.begin(); it != state.end();)
      it = inputKind(it->first) == InputKind::Threaded ? std::next(it)
                                                        : state.erase(it);
  }
  if (std::string bad = firstNonFinite(state); !bad.empty())
    return error("the training state at step " + std::to_string(info.step) +
                 " is not finite: " + bad +
                 (options.resume ? " in " + checkpoint : std::string()));
  if (!options.seqLen) {
    if (!model.blockLen)
      return usageError("--seq-len is needed: module '" + options.modulePath +
                        "' has no decode_step to read the block length from");
    options.seqLen = 4 * model.blockLen;
  }
  if (!options.updateLen)
    options.updateLen = options.seqLen;
  if (options.seqLen % options.updateLen != 0)
    return usageError("--seq-len " + std::to_string(options.seqLen) +
                      " must be a multiple of --update-len " +
                      std::to_string(options.updateLen));
  if (model.blockLen && options.updateLen % model.blockLen != 0)
    return usageError(
        std::string(options.updateLen == options.seqLen ? "--seq-len"
                                                        : "--update-len") +
        " must be a multiple of the block length " +
        std::to_string(model.blockLen) + ", got " +
        std::to_string(options.updateLen));
  std::vector<tvq_arg> carriedArgs;
  for (int32_t i = 0; i < tvq_entry_num_inputs(model.trainStep); ++i)
    if (inputKind(tvq_entry_input(model.trainStep, i).name) ==
        InputKind::Carried)
      carriedArgs.push_back(tvq_entry_input(model.trainStep, i));
  int64_t windows = options.seqLen / options.updateLen;
  if (windows > 1 && carriedArgs.empty())
    return usageError("--update-len below --seq-len needs a train_step that "
                      "carries the attention state (state.* inputs); '" +
                      options.modulePath + "' has none");

  std::unique_ptr<tvq_dataset, DatasetDeleter> dataset(tvq_dataset_open(
      options.dataPath.c_str(), options.format, TVQ_SPLIT_TRAIN));
  if (!dataset)
    return error(std::string("cannot read the training data: ") +
                 tvq_last_error());
  if (tvq_dataset_vocab_size(dataset.get()) > model.vocab)
    return error(std::string(tvq_dataset_describe(dataset.get())) +
                 " needs a vocabulary of " +
                 std::to_string(tvq_dataset_vocab_size(dataset.get())) +
                 " ids, but the model's has " + std::to_string(model.vocab));
  std::unique_ptr<tvq_batcher, BatcherDeleter> batcher(
      tvq_batcher_create(dataset.get(), static_cast<int32_t>(options.batch),
                         static_cast<int32_t>(options.seqLen),
                         static_cast<uint64_t>(options.seed), /*shuffle=*/1));
  if (!batcher)
    return error(std::string("the training data is too short: ") +
                 tvq_last_error());
  std::string description = tvq_dataset_describe(dataset.get());
  if (options.resume && description != info.data)
    std::fprintf(stderr,
                 "tvq-run: warning: the checkpoint was trained on %s, this "
                 "run reads %s: the batches will differ\n",
                 info.data.c_str(), description.c_str());
  info.data = description;
  info.format = options.formatName;
  info.model = model.fingerprint;
  info.seqLen = options.seqLen;
  info.updateLen = options.updateLen;
  info.batch = options.batch;

  if (options.resume) {
    problem = trimMetrics(options.runDir, info.step);
    if (!problem.empty())
      return error(problem);
  }
  std::unique_ptr<tvq_metrics, MetricsDeleter> metrics(
      tvq_metrics_open(options.runDir.c_str()));
  if (!metrics)
    return error("cannot write to the run directory: " +
                 std::string(tvq_last_error()));

  int64_t tokensPerStep = options.batch * options.updateLen;
  std::string windowsText =
      windows > 1 ? " in " + std::to_string(windows) + " updates of " +
                        std::to_string(options.updateLen)
                  : std::string();
  std::printf("train %s: %lld parameters, %s, batch %lld x %lld tokens%s, "
              "steps %lld -> %lld\n",
              options.modulePath.c_str(),
              static_cast<long long>(countParameters(model)),
              description.c_str(), static_cast<long long>(options.batch),
              static_cast<long long>(options.seqLen), windowsText.c_str(),
              static_cast<long long>(info.step),
              static_cast<long long>(options.steps));
  std::fflush(stdout);
  if (info.step >= options.steps) {
    if (!options.resume) {
      // --steps 0: the initial state alone.
      problem = writeCheckpoint(checkpoint, state, info, false);
      if (!problem.empty())
        return error(problem);
      std::printf("wrote the initial state to %s\n", checkpoint.c_str());
      return 0;
    }
    std::printf("the checkpoint is at step %lld, --steps is %lld: nothing to "
                "do\n",
                static_cast<long long>(info.step),
                static_cast<long long>(options.steps));
    return 0;
  }

  std::signal(SIGINT, onSignal);
  std::signal(SIGTERM, onSignal);
  bool bytesLike = options.format != TVQ_DATA_TOKENS;
  bool terminal = isatty(STDOUT_FILENO);
  int64_t startStep = info.step, lastLogStep = info.step,
          lastCheckpointStep = options.resume ? info.step : -1;
  double start = nowSeconds(), lastLog = start, lastShown = start;
  // A checkpoint inside a sequence also holds the carried attention state.
  auto saveCheckpoint = [&](bool keepPrevious) {
    bool inside = info.step % windows != 0;
    if (inside)
      for (auto &[name, tensor] : carried)
        state[name] = std::move(tensor);
    std::string written =
        writeCheckpoint(checkpoint, state, info, keepPrevious);
    if (inside)
      for (auto &[name, tensor] : carried) {
        tensor = std::move(state[name]);
        state.erase(name);
      }
    return written;
  };
  TensorMap full, batch, seeds;
  int64_t fullSequence = -1;
  for (int64_t step = info.step; step < options.steps; ++step) {
    // Step `step` trains window `step % windows` of batch `step / windows`.
    int64_t sequence = step / windows, window = step % windows;
    if (sequence != fullSequence) {
      tvq_tensor *inputs = nullptr, *targets = nullptr;
      if (tvq_batcher_batch(batcher.get(), sequence, &inputs, &targets) != 0)
        return error(tvq_last_error());
      full["inputs"].reset(inputs);
      full["targets"].reset(targets);
      fullSequence = sequence;
    }
    if (window == 0) {
      // A new batch of sequences: the empty attention state.
      for (const tvq_arg &arg : carriedArgs) {
        carried[arg.name] = zeroTensor(arg, options.batch);
        if (!carried[arg.name])
          return error(tvq_last_error());
      }
    }
    for (const char *name : {"inputs", "targets"}) {
      batch[name] = sliceColumns(full[name].get(), window * options.updateLen,
                                 options.updateLen);
      if (!batch[name])
        return error(tvq_last_error());
    }
    // Dropout masks: fresh per step; LayerDrop's per sequence (the same
    // over the windows of a batch, as in the reference).
    seeds["dropout_seed"] = scalarI64(mix64(info.seed ^ mix64(2 * step)));
    seeds["layerdrop_seed"] =
        scalarI64(mix64(info.seed ^ mix64(2 * sequence + 1)));
    StepResult result;
    problem = trainStep(model, batch, state, carried, seeds, result);
    if (!problem.empty())
      return error(problem);
    double loss = result.loss, ce = result.ce, gradNorm = result.gradNorm,
           lr = result.lr;
    int64_t done = step + 1;
    if (!std::isfinite(loss) || !std::isfinite(ce) ||
        !std::isfinite(gradNorm)) {
      if (terminal)
        std::printf("\n");
      std::string kept = lastCheckpointStep >= 0
                             ? "the last good checkpoint (step " +
                                   std::to_string(lastCheckpointStep) +
                                   ") is " + checkpoint + ", untouched"
                             : "no checkpoint was written";
      std::string bad = firstNonFinite(result.updated);
      return error("non-finite loss at step " + std::to_string(done) +
                   " (loss " + std::to_string(loss) + ", grad_norm " +
                   std::to_string(gradNorm) + ")" +
                   (bad.empty() ? "" : "; first non-finite tensor " + bad) +
                   ": stopped; " + kept);
    }
    if (std::string bad = firstNonFinite(result.updated); !bad.empty()) {
      if (terminal)
        std::printf("\n");
      return error("step " + std::to_string(done) +
                   " produced a non-finite tensor " + bad +
                   " (loss " + std::to_string(loss) + "): stopped; " +
                   (lastCheckpointStep >= 0
                        ? "the last good checkpoint (step " +
                              std::to_string(lastCheckpointStep) + ") is " +
                              checkpoint + ", untouched"
                        : std::string("no checkpoint was written")));
    }
    for (auto &[name, tensor] : result.updated)
      (inputKind(name) == InputKind::Carried ? carried : state)[name] =
          std::move(tensor);
    info.step = done;
    double now = nowSeconds();
    double tokensPerS =
        (done - lastLogStep) * tokensPerStep / std::max(now - lastLog, 1e-9);
    if (done % options.logEvery == 0 || done == options.steps) {
      if (int status =
              logStep(metrics.get(), options, done, startStep, now - start,
                      tokensPerS, ce, loss, gradNorm, lr, bytesLike))
        return status;
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
    bool last = done == options.steps || interrupted;
    if (last ||
        (options.checkpointEvery && done % options.checkpointEvery == 0)) {
      problem = saveCheckpoint(/*keepPrevious=*/true);
      if (!problem.empty())
        return error(problem);
      lastCheckpointStep = done;
    }
    if (interrupted && done != options.steps) {
      if (terminal)
        std::printf("\n");
      std::printf("interrupted: checkpoint at step %lld in %s; continue with "
                  "--resume\n",
                  static_cast<long long>(done), checkpoint.c_str());
      return 130;
    }
  }
  std::printf("done: %lld steps in %.1f s, checkpoint %s\n",
              static_cast<long long>(options.steps - startStep),
              nowSeconds() - start, checkpoint.c_str());
  return 0;
}
