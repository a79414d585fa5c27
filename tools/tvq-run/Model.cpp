//===- Model.cpp - A compiled Transformer-VQ model for tvq-run ------------===//

#include "Model.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace tvq;
using namespace tvq::run;

/// The entry called name, or null (without setting an error).
static const tvq_entry *findEntry(const tvq_module *module,
                                  const std::string &name) {
  for (int32_t i = 0; i < tvq_module_num_entries(module); ++i)
    if (name == tvq_entry_name(tvq_module_entry(module, i)))
      return tvq_module_entry(module, i);
  return nullptr;
}

static bool endsWith(const std::string &text, const std::string &suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string run::loadModel(const std::string &path, const std::string &device,
                           Model &model) {
  model.path = path;
  model.module.reset(loadModule(path, device));
  if (!model.module)
    return tvq_last_error();
  const tvq_module *module = model.module.get();
  model.evalLoss = findEntry(module, "eval_loss");
  model.trainStep = findEntry(module, "train_step");
  model.decodeStep = findEntry(module, "decode_step");
  if (!model.evalLoss) {
    std::string names;
    for (int32_t i = 0; i < tvq_module_num_entries(module); ++i)
      names += std::string(i ? ", " : "") +
               tvq_entry_name(tvq_module_entry(module, i));
    return "module '" + path + "' has no eval_loss entry (it has " + names +
           "): train, eval and generate need a model written by tvq-model";
  }
  bool sawInputs = false;
  for (int32_t i = 0; i < tvq_entry_num_inputs(model.evalLoss); ++i) {
    tvq_arg arg = tvq_entry_input(model.evalLoss, i);
    if (std::string(arg.name) == "inputs") {
      sawInputs = true;
      break;
    }
    model.params.push_back(arg);
  }
  auto embed = std::find_if(
      model.params.begin(), model.params.end(),
      [](const tvq_arg &arg) { return std::string(arg.name) == "embed"; });
  if (!sawInputs || embed == model.params.end() || embed->rank != 2 ||
      embed->dims[0] <= 0)
    return "module '" + path +
           "': eval_loss must take the parameters (an `embed` matrix "
           "among them), then `inputs`";
  model.vocab = embed->dims[0];
  if (model.decodeStep)
    for (int32_t i = 0; i < tvq_entry_num_inputs(model.decodeStep); ++i) {
      tvq_arg arg = tvq_entry_input(model.decodeStep, i);
      std::string name = arg.name;
      if (name.rfind("state.", 0) == 0 && endsWith(name, ".win_codes") &&
          arg.rank == 2 && arg.dims[1] > 0) {
        model.blockLen = arg.dims[1];
        break;
      }
    }
  model.fingerprint = modelFingerprint(model.params);
  return "";
}

std::string run::modelFingerprint(const std::vector<tvq_arg> &params) {
  uint64_t hash = 0xcbf29ce484222325ull;
  auto add = [&hash](const std::string &text) {
    for (unsigned char c : text) {
      hash ^= c;
      hash *= 0x100000001b3ull;
    }
  };
  for (const tvq_arg &arg : params) {
    std::string line = std::string(arg.name) + " " + tvq_dtype_name(arg.dtype);
    line += " ";
    for (int32_t d = 0; d < arg.rank; ++d)
      line += (d ? "," : "") + std::to_string(arg.dims[d]);
    add(line + "\n");
  }
  char text[17];
  std::snprintf(text, sizeof(text), "%016llx",
                static_cast<unsigned long long>(hash));
  return text;
}

TensorPtr run::zeroTensor(const tvq_arg &arg, int64_t dynamicSize) {
  std::vector<int64_t> shape(arg.dims, arg.dims + arg.rank);
  for (int64_t &dim : shape)
    if (dim < 0)
      dim = dynamicSize;
  return TensorPtr(tvq_tensor_create(arg.dtype, arg.rank, shape.data()));
}

TensorPtr run::copyTensor(const tvq_tensor *tensor) {
  TensorPtr copy(tvq_tensor_create(tvq_tensor_dtype(tensor),
                                   tvq_tensor_rank(tensor),
                                   tvq_tensor_shape(tensor)));
  if (copy)
    std::memcpy(tvq_tensor_data(copy.get()), tvq_tensor_data(tensor),
                tvq_tensor_num_bytes(tensor));
  return copy;
}

bool run::hasType(const tvq_tensor *tensor, const tvq_arg &arg) {
  if (tvq_tensor_dtype(tensor) != arg.dtype ||
      tvq_tensor_rank(tensor) != arg.rank)
    return false;
  for (int32_t d = 0; d < arg.rank; ++d)
    if (arg.dims[d] >= 0 && tvq_tensor_shape(tensor)[d] != arg.dims[d])
      return false;
  return true;
}

/// A standard normal value from two uniform values of rng (Box-Muller, the
/// cosine branch only).
static double normal(tvq_rng &rng) {
  double u1 = tvq_rng_next_double(&rng), u2 = tvq_rng_next_double(&rng);
  return std::sqrt(-2.0 * std::log1p(-u1)) * std::cos(2.0 * M_PI * u2);
}

/// Fills a parameter's f32 tensor by its name and shape (see Model.h).
static void initParameter(const tvq_arg &arg, tvq_tensor *tensor,
                          tvq_rng &rng) {
  std::string name = arg.name;
  auto *data = static_cast<float *>(tvq_tensor_data(tensor));
  int64_t count = tvq_tensor_num_elements(tensor);
  double stddev = 0, constant = 0;
  if (name == "embed")
    stddev = 1;
  else if (arg.rank >= 2)
    stddev = 1 / std::sqrt(static_cast<double>(arg.dims[0]));
  else if (endsWith(name, ".gain") || endsWith(name, ".c_count"))
    constant = 1;
  for (int64_t i = 0; i < count; ++i)
    data[i] = static_cast<float>(stddev ? stddev * normal(rng) : constant);
}

/// The bytes of a tensor of a declared type (dynamic dims counted as 1);
/// saturates instead of overflowing.
static uint64_t argBytes(const tvq_arg &arg) {
  uint64_t bytes = tvq_dtype_size(arg.dtype);
  for (int32_t d = 0; d < arg.rank; ++d) {
    uint64_t dim = arg.dims[d] < 0 ? 1 : static_cast<uint64_t>(arg.dims[d]);
    bytes = dim && bytes > UINT64_MAX / dim ? UINT64_MAX : bytes * dim;
  }
  return bytes;
}

std::string run::checkMemory(const std::string &what, uint64_t bytes) {
  uint64_t available = tvq_memory_available();
  if (bytes <= available)
    return "";
  return what + " needs " + std::to_string(bytes) + " bytes (" +
         std::to_string(bytes >> 20) + " MiB), but only " +
         std::to_string(available) + " bytes (" +
         std::to_string(available >> 20) +
         " MiB) of memory are available (TVQ_MEMORY_LIMIT sets the limit)";
}

std::string run::initTrainState(const Model &model, tvq_rng &rng,
                                TensorMap &state) {
  if (!model.trainStep)
    return "module '" + model.path + "' has no train_step entry";
  // A step holds the state three times: the current one, the module's
  // outputs and their copies. Check before allocating any of it.
  uint64_t stateBytes = 0;
  for (int32_t i = 0; i < tvq_entry_num_inputs(model.trainStep); ++i) {
    tvq_arg arg = tvq_entry_input(model.trainStep, i);
    std::string name = arg.name;
    if (name != "inputs" && name != "targets")
      stateBytes =
          std::min<uint64_t>(stateBytes + argBytes(arg), UINT64_MAX / 3);
  }
  if (std::string problem = checkMemory(
          "training module '" + model.path + "' (a state of " +
              std::to_string(stateBytes) +
              " bytes: parameters, optimizer moments; held three times "
              "during a step)",
          3 * stateBytes);
      !problem.empty())
    return problem;
  for (const tvq_arg &arg : model.params) {
    if (arg.dtype != TVQ_F32)
      return "parameter '" + std::string(arg.name) + "' is " +
             tvq_dtype_name(arg.dtype) + ", expected f32";
    for (int32_t d = 0; d < arg.rank; ++d)
      if (arg.dims[d] < 0)
        return "parameter '" + std::string(arg.name) +
               "' has a dynamic dimension";
    TensorPtr tensor = zeroTensor(arg, 0);
    if (!tensor)
      return tvq_last_error();
    initParameter(arg, tensor.get(), rng);
    state[arg.name] = std::move(tensor);
  }
  for (int32_t i = 0; i < tvq_entry_num_inputs(model.trainStep); ++i) {
    tvq_arg arg = tvq_entry_input(model.trainStep, i);
    std::string name = arg.name;
    if (name == "inputs" || name == "targets" || state.count(name))
      continue;
    TensorPtr tensor = zeroTensor(arg, 0);
    if (!tensor)
      return tvq_last_error();
    state[name] = std::move(tensor);
  }
  return "";
}

std::string run::callByName(const Model &model, const tvq_entry *entry,
                            const std::vector<const TensorMap *> &sources,
                            std::vector<TensorPtr> &outputs) {
  int32_t numInputs = tvq_entry_num_inputs(entry);
  int32_t numOutputs = tvq_entry_num_outputs(entry);
  std::vector<const tvq_tensor *> inputs;
  for (int32_t i = 0; i < numInputs; ++i) {
    std::string name = tvq_entry_input(entry, i).name;
    const tvq_tensor *found = nullptr;
    for (const TensorMap *source : sources) {
      auto it = source->find(name);
      if (it != source->end()) {
        found = it->second.get();
        break;
      }
    }
    if (!found)
      return "entry '" + std::string(tvq_entry_name(entry)) + "' input '" +
             name + "' has no value";
    inputs.push_back(found);
  }
  std::vector<tvq_tensor *> results(numOutputs, nullptr);
  if (tvq_call(model.module.get(), tvq_entry_name(entry), inputs.data(),
               numInputs, results.data(), numOutputs) != 0)
    return tvq_last_error();
  outputs.clear();
  for (tvq_tensor *result : results)
    outputs.emplace_back(result);
  return "";
}

double run::scalarValue(const tvq_tensor *tensor) {
  if (tvq_tensor_num_elements(tensor) < 1)
    return NAN;
  switch (tvq_tensor_dtype(tensor)) {
  case TVQ_F32:
    return *static_cast<const float *>(tvq_tensor_data(tensor));
  case TVQ_F64:
    return *static_cast<const double *>(tvq_tensor_data(tensor));
  case TVQ_I32:
    return *static_cast<const int32_t *>(tvq_tensor_data(tensor));
  case TVQ_I64:
    return static_cast<double>(
        *static_cast<const int64_t *>(tvq_tensor_data(tensor)));
  }
  return NAN;
}
