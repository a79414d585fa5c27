//===- Model.h - A compiled Transformer-VQ model for tvq-run ----*- C++ -*-===//
//
// What `train`, `eval` and `generate` need from a compiled model: its entry
// points, its parameters (names, dtypes, shapes from the manifest), the
// vocabulary and block length, a fingerprint that checkpoints are matched
// against, the seeded initialization, and calls whose inputs are looked up
// by name.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_TVQ_RUN_MODEL_H
#define TVQ_TOOLS_TVQ_RUN_MODEL_H

#include "Common.h"

#include <map>

namespace tvq::run {

/// Tensors by name (parameters, optimizer moments, the step, attention
/// state...).
using TensorMap = std::map<std::string, TensorPtr>;

/// A loaded model module.
struct Model {
  ModulePtr module;
  std::string path;
  /// The entry points; evalLoss is required, the others may be null.
  const tvq_entry *evalLoss = nullptr, *trainStep = nullptr,
                  *decodeStep = nullptr;
  /// The parameters: the inputs of eval_loss before `inputs`.
  std::vector<tvq_arg> params;
  /// The vocabulary (rows of `embed`).
  int64_t vocab = 0;
  /// The block length L (= window M), read from decode_step's state
  /// (`state.gau0.win_codes` is [B, M]); 0 when the module has no
  /// decode_step.
  int64_t blockLen = 0;
  /// 16 hex digits identifying the parameter set (see modelFingerprint).
  std::string fingerprint;
};

/// Loads a model module for device ("": the module's target, else "cpu" or
/// "cuda") and reads its parameters. Returns "" or the problem.
std::string loadModel(const std::string &path, const std::string &device,
                      Model &model);

/// FNV-1a (64 bit) of one line "NAME DTYPE D0,D1,...\n" per parameter, in
/// manifest order, as 16 hex digits. It identifies what a checkpoint must
/// hold; check messages (which carry source locations) are left out, so the
/// same model compiled from another path or for another target matches.
std::string modelFingerprint(const std::vector<tvq_arg> &params);

/// The zero-filled tensor of a declared type, with dynamic dimensions set to
/// dynamicSize.
TensorPtr zeroTensor(const tvq_arg &arg, int64_t dynamicSize);

/// A deep copy.
TensorPtr copyTensor(const tvq_tensor *tensor);

/// Whether the tensor has the declared type (dynamic dims match anything).
bool hasType(const tvq_tensor *tensor, const tvq_arg &arg);

/// "" when bytes fit in tvq_memory_available(), else an error that names
/// what (e.g. "training module 'm.so' (...)") and the bytes it needs.
std::string checkMemory(const std::string &what, uint64_t bytes);

/// Fills state with the initial training state: every input of train_step
/// except `inputs` and `targets`. Parameters are drawn from rng in manifest
/// order (docs/design.md §4): `embed` ~ N(0, 1); `*.c_sum` ~ N(0, 1/S);
/// other matrices ~ N(0, 1/shape[0]); `*.gain` and `*.c_count` 1; other
/// vectors (biases, u, w) 0. Optimizer moments and `step` are 0. Fails
/// before allocating when three copies of the state (a step's peak, the
/// module's temporaries aside) do not fit in memory.
std::string initTrainState(const Model &model, tvq_rng &rng, TensorMap &state);

/// Calls entry with each input looked up by name in sources (the first map
/// holding it wins). outputs receives the results in signature order.
/// Returns "" or the problem.
std::string callByName(const Model &model, const tvq_entry *entry,
                       const std::vector<const TensorMap *> &sources,
                       std::vector<TensorPtr> &outputs);

/// The scalar value of a rank-0 (or one-element) f32/f64 tensor.
double scalarValue(const tvq_tensor *tensor);

} // namespace tvq::run

#endif // TVQ_TOOLS_TVQ_RUN_MODEL_H
