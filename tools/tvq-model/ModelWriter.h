//===- ModelWriter.h - Transformer-VQ model files as tvq IR -----*- C++ -*-===//
//
// A Transformer-VQ configuration (transformer-vq.md sections 1 and 7) and
// the writer that turns it into a model file: the `@gau` functions and the
// entry points `@logits`, `@eval_loss`, `@train_loss` and `@decode_step`, all
// in the tvq dialect.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_TVQ_MODEL_MODELWRITER_H
#define TVQ_TOOLS_TVQ_MODEL_MODELWRITER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tvq {

/// The output head: untied with bias and no final norm (enwik8), or tied to
/// the embedding with a final norm and a logit scale (PG-19, ImageNet64).
enum class HeadType { Untied, Tied };

/// The optimizer of the derived training step (transformer-vq.md section 6).
enum class Optimizer { AdamW, Adafactor };

/// Every hyperparameter of a model. Section 7 of transformer-vq.md lists the
/// published ones.
struct ModelConfig {
  std::string name;
  int64_t layers = 2;        ///< Each layer is two GAUs.
  int64_t dModel = 128;      ///< D
  int64_t dK = 32;           ///< K
  int64_t dV = 256;          ///< V (= 2 D in the paper)
  int64_t codebookSize = 64; ///< S
  int64_t blockLen = 32;     ///< L (the window M equals L)
  int64_t vocab = 259;       ///< 256 bytes + 3 specials
  HeadType head = HeadType::Untied;
  double logitScale = 0.005;  ///< Tied head only.
  double commitWeight = 1e-4; ///< c_beta
  double epsilon = 1e-6;      ///< rmsnorm
  double sinusoidBase = 100000.0;

  // Dropouts of training (section 6), 0 = none: on each GAU's residual
  // branch, LayerDrop of the whole branch per sequence, and on the sinusoid
  // table.
  double residualDropout = 0.0;
  double layerDrop = 0.0;
  double sinusoidDropout = 0.0;

  // Training (section 6): AdamW with global-norm clipping, weight decay on
  // matrices, or Adafactor; linear warmup then cosine decay; codebook EMA.
  Optimizer optimizer = Optimizer::AdamW;
  double lr = 4e-4;
  double beta1 = 0.9, beta2 = 0.98, adamEpsilon = 1e-9;
  double clipNorm = 0.1;
  double weightDecay = 2e-4;
  int64_t warmupSteps = 10000;
  int64_t totalSteps = 125000;
  double finalLrRatio = 0.1;
  double emaGamma = 0.99;
  /// Whether the training step recomputes each GAU's forward in the
  /// backward (`tvq.recompute` on @gau_train) instead of keeping its
  /// activations: less memory, about a third more compute.
  bool recompute = false;

  int64_t gaus() const { return 2 * layers; }
};

/// One parameter tensor of the model, in entry-point argument order.
struct Parameter {
  std::string name;
  std::vector<int64_t> shape;
  int64_t numElements() const;
};

/// The presets: tiny, enwik8, pg19, imagenet64.
std::optional<ModelConfig> presetConfig(llvm::StringRef name);
/// Names of the presets, for help texts.
llvm::StringRef presetNames();

/// The parameters of `c` in argument order (codebook statistics included).
std::vector<Parameter> parameters(const ModelConfig &c);

/// Total element count of `parameters(c)`.
int64_t parameterCount(const ModelConfig &c);

/// Checks the configuration; returns an error message or "".
std::string validate(const ModelConfig &c);

/// Writes the model file of `c`.
void writeModel(const ModelConfig &c, llvm::raw_ostream &os);

} // namespace tvq

#endif // TVQ_TOOLS_TVQ_MODEL_MODELWRITER_H
