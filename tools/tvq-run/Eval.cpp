//===- Eval.cpp - tvq-run eval: loss of a checkpoint on a data split ------===//
//
// tvq-run eval MODEL.so --checkpoint RUNDIR --data PATH [--split=valid|test]
//     [--mode=parallel|stream] [--seq-len T] [--max-tokens N] [--batch B]
// The split is cut into consecutive windows of T tokens (the tail that does
// not fill one is left out); each window is scored with inputs = [eos] +
// window[:-1] and targets = window, from an empty attention state, so both
// modes see the same context. parallel calls eval_loss on B windows at a
// time; stream calls decode_step one token at a time carrying the state and
// takes the NLL from the logits. The last stdout line is a JSON object.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Flags.h"
#include "Json.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <unistd.h>

using namespace tvq;
using namespace tvq::run;

namespace {
struct DatasetDeleter {
  void operator()(tvq_dataset *dataset) const { tvq_dataset_close(dataset); }
};

/// The settings of an evaluation.
struct EvalOptions {
  std::string modulePath, checkpoint, dataPath,
      splitName = "valid", mode = "parallel", formatName, device;
  int64_t seqLen = 0, maxTokens = 0, batch = 8;
};
} // namespace

/// The NLL (nats) of target under logits[0..vocab) (log-softmax in double).
static double tokenNll(const float *logits, int64_t vocab, int32_t target) {
  double max = -INFINITY;
  for (int64_t i = 0; i < vocab; ++i)
    max = std::max(max, static_cast<double>(logits[i]));
  double sum = 0;
  for (int64_t i = 0; i < vocab; ++i)
    sum += std::exp(static_cast<double>(logits[i]) - max);
  return std::log(sum) + max - logits[target];
}

/// Builds inputs and targets [rows, T] for windows first..first+rows.
static std::string readWindows(const tvq_dataset *dataset, int64_t first,
                               int64_t rows, int64_t seqLen, TensorMap &batch) {
  int64_t shape[2] = {rows, seqLen};
  TensorPtr inputs(tvq_tensor_create(TVQ_I32, 2, shape));
  TensorPtr targets(tvq_tensor_create(TVQ_I32, 2, shape));
  auto *in = static_cast<int32_t *>(tvq_tensor_data(inputs.get()));
  auto *out = static_cast<int32_t *>(tvq_tensor_data(targets.get()));
  for (int64_t r = 0; r < rows; ++r) {
    int32_t *row = out + r * seqLen;
    if (tvq_dataset_read(dataset, (first + r) * seqLen, seqLen, row) != 0)
      return tvq_last_error();
    in[r * seqLen] = TVQ_TOKEN_EOS;
    std::copy(row, row + seqLen - 1, in + r * seqLen + 1);
  }
  batch["inputs"] = std::move(inputs);
  batch["targets"] = std::move(targets);
  return "";
}

/// The summed NLL of rows windows with eval_loss.
static std::string parallelNll(const Model &model, const TensorMap &params,
                               const TensorMap &batch, double &nll) {
  std::vector<TensorPtr> outputs;
  std::string problem =
      callByName(model, model.evalLoss, {&batch, &params}, outputs);
  if (!problem.empty())
    return problem;
  for (int32_t j = 0; j < tvq_entry_num_outputs(model.evalLoss); ++j)
    if (std::string(tvq_entry_output(model.evalLoss, j).name) == "ce")
      nll = scalarValue(outputs[j].get()) *
            static_cast<double>(
                tvq_tensor_num_elements(batch.at("targets").get()));
  return "";
}

/// The summed NLL of the same windows with decode_step, one token at a time.
static std::string streamNll(const Model &model, const TensorMap &params,
                             const TensorMap &batch, double &nll) {
  const tvq_tensor *inputs = batch.at("inputs").get();
  const tvq_tensor *targets = batch.at("targets").get();
  int64_t rows = tvq_tensor_shape(inputs)[0],
          seqLen = tvq_tensor_shape(inputs)[1];
  TensorMap state;
  for (int32_t i = 0; i < tvq_entry_num_inputs(model.decodeStep); ++i) {
    tvq_arg arg = tvq_entry_input(model.decodeStep, i);
    if (std::string(arg.name).rfind("state.", 0) == 0)
      state[arg.name] = zeroTensor(arg, rows);
  }
  int64_t shape[2] = {rows, 1};
  TensorMap step;
  std::vector<TensorPtr> outputs;
  nll = 0;
  for (int64_t t = 0; t < seqLen; ++t) {
    TensorPtr column(tvq_tensor_create(TVQ_I32, 2, shape));
    auto *token = static_cast<int32_t *>(tvq_tensor_data(column.get()));
    for (int64_t r = 0; r < rows; ++r)
      token[r] =
          static_cast<const int32_t *>(tvq_tensor_data(inputs))[r * seqLen + t];
    step["inputs"] = std::move(column);
    std::string problem =
        callByName(model, model.decodeStep, {&step, &state, &params}, outputs);
    if (!problem.empty())
      return problem;
    for (int32_t j = 0; j < tvq_entry_num_outputs(model.decodeStep); ++j) {
      std::string name = tvq_entry_output(model.decodeStep, j).name;
      if (name != "logits") {
        state[name] = std::move(outputs[j]);
        continue;
      }
      const auto *logits =
          static_cast<const float *>(tvq_tensor_data(outputs[j].get()));
      for (int64_t r = 0; r < rows; ++r)
        nll += tokenNll(logits + r * model.vocab, model.vocab,
                        static_cast<const int32_t *>(
                            tvq_tensor_data(targets))[r * seqLen + t]);
    }
  }
  return "";
}

static int parseOptions(const std::vector<std::string> &args,
                        EvalOptions &options) {
  Flags flags;
  std::string problem = flags.parse("eval", args,
                                    {{"checkpoint", true},
                                     {"data", true},
                                     {"split", true},
                                     {"mode", true},
                                     {"seq-len", true},
                                     {"max-tokens", true},
                                     {"batch", true},
                                     {"format", true},
                                     kDeviceFlag});
  if (problem.empty() && flags.positional.size() != 1)
    problem = "'eval' needs one module: tvq-run eval MODEL.so --checkpoint "
              "RUNDIR --data PATH";
  for (const char *required : {"checkpoint", "data"})
    if (problem.empty() && !flags.has(required))
      problem = std::string("'eval' needs --") + required;
  if (problem.empty())
    problem = flags.getDevice(options.device);
  if (problem.empty())
    problem = flags.getInt("seq-len", 1, INT32_MAX, options.seqLen);
  if (problem.empty())
    problem = flags.getInt("max-tokens", 1, INT64_MAX / 2, options.maxTokens);
  if (problem.empty())
    problem = flags.getInt("batch", 1, 1 << 20, options.batch);
  options.splitName = flags.get("split", "valid");
  options.mode = flags.get("mode", "parallel");
  options.formatName = flags.get("format");
  if (problem.empty() && options.splitName != "train" &&
      options.splitName != "valid" && options.splitName != "test")
    problem =
        "--split must be train, valid or test, got '" + options.splitName + "'";
  if (problem.empty() && options.mode != "parallel" && options.mode != "stream")
    problem = "--mode must be parallel or stream, got '" + options.mode + "'";
  if (!problem.empty())
    return usageError(problem);
  options.modulePath = flags.positional[0];
  options.checkpoint = checkpointPath(flags.get("checkpoint"));
  options.dataPath = flags.get("data");
  return 0;
}

int run::runEval(const std::vector<std::string> &args) {
  EvalOptions options;
  if (int status = parseOptions(args, options))
    return status;
  Model model;
  std::string problem = loadModel(options.modulePath, options.device, model);
  if (problem.empty() && options.mode == "stream" && !model.decodeStep)
    problem = "module '" + options.modulePath +
              "' has no decode_step entry, which --mode=stream needs";
  if (!problem.empty())
    return error(problem);
  TensorMap params;
  CheckpointInfo info;
  problem =
      readCheckpoint(options.checkpoint, model, model.params, params, info);
  if (!problem.empty())
    return error(problem);
  if (options.formatName.empty())
    options.formatName = info.format.empty() ? "bytes" : info.format;
  tvq_data_format format;
  if (!parseDataFormat(options.formatName, format))
    return usageError("--format must be bytes, tokens or images, got '" +
                      options.formatName + "'");
  if (!options.seqLen)
    options.seqLen = info.seqLen ? info.seqLen : 4 * model.blockLen;
  if (options.seqLen <= 0 ||
      (model.blockLen && options.seqLen % model.blockLen != 0))
    return usageError("--seq-len must be a multiple of the block length " +
                      std::to_string(model.blockLen) + ", got " +
                      std::to_string(options.seqLen));
  tvq_split split = options.splitName == "train"   ? TVQ_SPLIT_TRAIN
                    : options.splitName == "valid" ? TVQ_SPLIT_VALID
                                                   : TVQ_SPLIT_TEST;
  std::unique_ptr<tvq_dataset, DatasetDeleter> dataset(
      tvq_dataset_open(options.dataPath.c_str(), format, split));
  if (!dataset)
    return error(std::string("cannot read the evaluation data: ") +
                 tvq_last_error());
  if (tvq_dataset_vocab_size(dataset.get()) > model.vocab)
    return error(std::string(tvq_dataset_describe(dataset.get())) +
                 " needs a vocabulary of " +
                 std::to_string(tvq_dataset_vocab_size(dataset.get())) +
                 " ids, but the model's has " + std::to_string(model.vocab));
  int64_t windows = tvq_dataset_num_tokens(dataset.get()) / options.seqLen;
  if (options.maxTokens)
    windows = std::min(
        windows, std::max<int64_t>(1, options.maxTokens / options.seqLen));
  if (windows == 0)
    return error(std::string(tvq_dataset_describe(dataset.get())) + " has " +
                 std::to_string(tvq_dataset_num_tokens(dataset.get())) +
                 " tokens, fewer than one window of --seq-len " +
                 std::to_string(options.seqLen));

  bool stream = options.mode == "stream";
  bool terminal = isatty(STDERR_FILENO);
  double nll = 0, start = nowSeconds();
  for (int64_t first = 0; first < windows; first += options.batch) {
    int64_t rows = std::min(options.batch, windows - first);
    TensorMap batch;
    double batchNll = 0;
    problem = readWindows(dataset.get(), first, rows, options.seqLen, batch);
    if (problem.empty())
      problem = stream ? streamNll(model, params, batch, batchNll)
                       : parallelNll(model, params, batch, batchNll);
    if (!problem.empty())
      return error(problem);
    nll += batchNll;
    if (terminal)
      std::fprintf(stderr, "\reval %s: %lld/%lld windows", options.mode.c_str(),
                   static_cast<long long>(first + rows),
                   static_cast<long long>(windows));
  }
  if (terminal)
    std::fprintf(stderr, "\n");
  double seconds = nowSeconds() - start;
  int64_t tokens = windows * options.seqLen;
  double loss = nll / static_cast<double>(tokens);
  std::string line = "{\"split\": ";
  json::appendString(line, options.splitName);
  line += ", \"mode\": ";
  json::appendString(line, options.mode);
  line += ", \"tokens\": " + std::to_string(tokens) +
          ", \"windows\": " + std::to_string(windows) +
          ", \"seq_len\": " + std::to_string(options.seqLen) +
          ", \"checkpoint_step\": " + std::to_string(info.step) +
          ", \"loss\": ";
  json::appendNumber(line, loss);
  if (format == TVQ_DATA_TOKENS) {
    line += ", \"bits_per_token\": ";
    json::appendNumber(line, tvq_bits_per_byte(loss));
    line += ", \"ppl\": ";
    json::appendNumber(line, std::exp(loss));
  } else {
    line += ", \"bpb\": ";
    json::appendNumber(line, tvq_bits_per_byte(loss));
  }
  line += ", \"seconds\": ";
  json::appendNumber(line, seconds);
  line += ", \"tokens_per_s\": ";
  json::appendNumber(line, tokens / std::max(seconds, 1e-9));
  std::printf("%s}\n", line.c_str());
  return std::isfinite(loss) ? 0 : error("the loss is not finite");
}
