//===- Generate.cpp - tvq-run generate: sampling from a checkpoint --------===//
//
// tvq-run generate MODEL.so --checkpoint RUNDIR [--prompt TEXT] --tokens N
//     [--top-p P] [--temperature X] [--seed S]
// Feeds [eos] + the prompt's bytes through decode_step from an empty state
// (one call; decode_step takes any number of tokens), then samples N tokens
// one at a time with tvq_sample_top_p and a generator seeded by S, feeding
// each back. Prints the prompt and the sample on stdout as they come; a byte
// model's tokens are bytes, other models' are printed as ids. Stops early
// when the model samples eos.
//
//===----------------------------------------------------------------------===//

#include "Commands.h"
#include "Flags.h"

#include <algorithm>
#include <climits>

using namespace tvq;
using namespace tvq::run;

namespace {
/// The settings of a generation.
struct GenerateOptions {
  std::string modulePath, checkpoint, prompt, device;
  int64_t tokens = 0, seed = 0;
  double topP = 0.9, temperature = 1.0;
};
} // namespace

static int parseOptions(const std::vector<std::string> &args,
                        GenerateOptions &options) {
  Flags flags;
  std::string problem = flags.parse("generate", args,
                                    {{"checkpoint", true},
                                     {"prompt", true},
                                     {"tokens", true},
                                     {"top-p", true},
                                     {"temperature", true},
                                     {"seed", true},
                                     kDeviceFlag});
  if (problem.empty() && flags.positional.size() != 1)
    problem = "'generate' needs one module: tvq-run generate MODEL.so "
              "--checkpoint RUNDIR --prompt TEXT --tokens N";
  for (const char *required : {"checkpoint", "tokens"})
    if (problem.empty() && !flags.has(required))
      problem = std::string("'generate' needs --") + required;
  if (problem.empty())
    problem = flags.getDevice(options.device);
  if (problem.empty())
    problem = flags.getInt("tokens", 0, INT32_MAX, options.tokens);
  if (problem.empty())
    problem = flags.getInt("seed", 0, INT64_MAX, options.seed);
  if (problem.empty())
    problem = flags.getDouble("top-p", 0, 1, options.topP);
  if (problem.empty())
    problem = flags.getDouble("temperature", 0, 1e6, options.temperature);
  if (!problem.empty())
    return usageError(problem);
  options.modulePath = flags.positional[0];
  options.checkpoint = checkpointPath(flags.get("checkpoint"));
  options.prompt = flags.get("prompt");
  return 0;
}

/// Calls decode_step on tokens, carrying state; sets logits to the last
/// position's row.
static std::string decode(const Model &model, const TensorMap &params,
                          const std::vector<int32_t> &tokens, TensorMap &state,
                          std::vector<float> &logits) {
  int64_t shape[2] = {1, static_cast<int64_t>(tokens.size())};
  TensorMap step;
  step["inputs"].reset(tvq_tensor_create(TVQ_I32, 2, shape));
  std::copy(tokens.begin(), tokens.end(),
            static_cast<int32_t *>(tvq_tensor_data(step["inputs"].get())));
  std::vector<TensorPtr> outputs;
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
    const auto *data =
        static_cast<const float *>(tvq_tensor_data(outputs[j].get()));
    logits.assign(data + (tokens.size() - 1) * model.vocab,
                  data + tokens.size() * model.vocab);
  }
  return "";
}

int run::runGenerate(const std::vector<std::string> &args) {
  GenerateOptions options;
  if (int status = parseOptions(args, options))
    return status;
  Model model;
  std::string problem = loadModel(options.modulePath, options.device, model);
  if (problem.empty() && !model.decodeStep)
    problem = "module '" + options.modulePath +
              "' has no decode_step entry, which generate needs";
  if (!problem.empty())
    return error(problem);
  TensorMap params;
  CheckpointInfo info;
  problem =
      readCheckpoint(options.checkpoint, model, model.params, params, info);
  if (!problem.empty())
    return error(problem);
  bool bytes = info.format.empty() || info.format == "bytes";
  if (!bytes && !options.prompt.empty())
    return usageError("--prompt is text, for byte-level models; this "
                      "checkpoint was trained on " +
                      info.format);
  if (model.vocab < 256 + TVQ_BYTE_OFFSET && bytes)
    return error("the model's vocabulary (" + std::to_string(model.vocab) +
                 ") is too small for bytes");

  TensorMap state;
  for (int32_t i = 0; i < tvq_entry_num_inputs(model.decodeStep); ++i) {
    tvq_arg arg = tvq_entry_input(model.decodeStep, i);
    if (std::string(arg.name).rfind("state.", 0) == 0)
      state[arg.name] = zeroTensor(arg, 1);
  }
  std::vector<int32_t> tokens = {TVQ_TOKEN_EOS};
  for (unsigned char c : options.prompt)
    tokens.push_back(c + TVQ_BYTE_OFFSET);
  std::fwrite(options.prompt.data(), 1, options.prompt.size(), stdout);
  std::fflush(stdout);

  tvq_rng rng = tvq_rng_create(static_cast<uint64_t>(options.seed));
  std::vector<float> logits;
  double start = nowSeconds();
  int64_t generated = 0;
  problem = decode(model, params, tokens, state, logits);
  while (problem.empty() && generated < options.tokens) {
    int32_t token =
        tvq_sample_top_p(logits.data(), static_cast<int32_t>(model.vocab),
                         static_cast<float>(options.temperature),
                         static_cast<float>(options.topP), &rng);
    if (token < 0) {
      problem = tvq_last_error();
      break;
    }
    if (token == TVQ_TOKEN_EOS)
      break;
    ++generated;
    if (bytes && token >= TVQ_BYTE_OFFSET)
      std::fputc(token - TVQ_BYTE_OFFSET, stdout);
    else if (!bytes)
      std::printf("%s%d", generated > 1 ? " " : "", token);
    std::fflush(stdout);
    if (generated < options.tokens)
      problem = decode(model, params, {token}, state, logits);
  }
  std::printf("\n");
  std::fflush(stdout);
  if (!problem.empty())
    return error(problem);
  double seconds = nowSeconds() - start;
  std::fprintf(stderr, "generated %lld tokens in %.2f s (%.1f tokens/s)\n",
               static_cast<long long>(generated), seconds,
               generated / std::max(seconds, 1e-9));
  return 0;
}
