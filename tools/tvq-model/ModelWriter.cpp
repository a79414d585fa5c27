//===- ModelWriter.cpp - Transformer-VQ model files as tvq IR -------------===//

#include "ModelWriter.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FormatVariadic.h"

#include <cmath>

using namespace tvq;

int64_t Parameter::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::optional<ModelConfig> tvq::presetConfig(llvm::StringRef name) {
  ModelConfig c;
  c.name = name.str();
  if (name == "tiny") {
    // 2 layers, D 128, K 32, V 256, S 64, L 32; trains in minutes on a CPU.
    c.lr = 2e-3, c.warmupSteps = 100, c.totalSteps = 3000;
    return c;
  }
  if (name == "enwik8") {
    c.layers = 24, c.dModel = 768, c.dK = 128, c.dV = 1536;
    c.codebookSize = 512, c.blockLen = 512, c.vocab = 259;
    c.head = HeadType::Untied;
    c.residualDropout = 0.5, c.layerDrop = 0.3, c.sinusoidDropout = 0.2;
    return c;
  }
  if (name == "pg19" || name == "imagenet64") {
    c.layers = 24, c.dModel = 2048, c.dK = 128, c.dV = 4096;
    c.codebookSize = 512, c.blockLen = 512;
    c.vocab = name == "pg19" ? 32000 : 259;
    c.head = HeadType::Tied;
    c.totalSteps = 500000;
    c.optimizer = Optimizer::Adafactor, c.lr = 1e-2;
    return c;
  }
  return std::nullopt;
}

llvm::StringRef tvq::presetNames() { return "tiny, enwik8, pg19, imagenet64"; }

/// The parameters of GAU `index`, in the order `@gau` takes them.
static void gauParameters(const ModelConfig &c, int64_t index,
                          std::vector<Parameter> &out) {
  std::string p = llvm::formatv("gau{0}.", index).str();
  int64_t d = c.dModel, k = c.dK, v = c.dV, s = c.codebookSize;
  out.push_back({p + "norm.gain", {d}});
  out.push_back({p + "norm.bias", {d}});
  out.push_back({p + "wq", {d, k}});
  out.push_back({p + "wkvg", {d, k + 2 * v}});
  out.push_back({p + "wo", {v, d}});
  out.push_back({p + "wr", {d, k}});
  out.push_back({p + "u", {k}});
  out.push_back({p + "w", {k}});
  out.push_back({p + "c_sum", {s, k}});
  out.push_back({p + "c_count", {s}});
}

/// Number of parameters `@gau` takes.
static constexpr int kGauParams = 10;

std::vector<Parameter> tvq::parameters(const ModelConfig &c) {
  std::vector<Parameter> params;
  params.push_back({"embed", {c.vocab, c.dModel}});
  for (int64_t i = 0; i < c.gaus(); ++i)
    gauParameters(c, i, params);
  if (c.head == HeadType::Untied) {
    params.push_back({"head.w", {c.dModel, c.vocab}});
    params.push_back({"head.b", {c.vocab}});
  } else {
    params.push_back({"final_norm.gain", {c.dModel}});
    params.push_back({"final_norm.bias", {c.dModel}});
  }
  return params;
}

int64_t tvq::parameterCount(const ModelConfig &c) {
  int64_t n = 0;
  for (const Parameter &p : parameters(c))
    n += p.numElements();
  return n;
}

std::string tvq::validate(const ModelConfig &c) {
  auto positive = [](int64_t v) { return v > 0; };
  if (!positive(c.layers) || !positive(c.dModel) || !positive(c.dK) ||
      !positive(c.dV) || !positive(c.codebookSize) || !positive(c.blockLen) ||
      !positive(c.vocab))
    return "every size (layers, d_model, d_k, d_v, codebook, block_len, "
           "vocab) must be positive";
  if (c.dModel % 2 != 0)
    return "d_model must be even (the sinusoid table has sin and cos halves)";
  if (c.vocab < 4)
    return "vocab must hold the 3 special ids (pad, eos, unk) and at least "
           "one token";
  for (double rate : {c.residualDropout, c.layerDrop, c.sinusoidDropout})
    if (!(rate >= 0.0 && rate < 1.0))
      return "dropout rates must be in [0, 1)";
  return "";
}

namespace {

/// Writes the IR text; small helpers keep the types readable.
class Writer {
public:
  Writer(const ModelConfig &c, llvm::raw_ostream &os) : c(c), os(os) {}

  void write() {
    writeHeader();
    writeGau(Gau::Plain);
    writeGau(Gau::Step);
    writeGau(Gau::Train);
    writeEntry(Entry::Logits);
    writeEntry(Entry::EvalLoss);
    writeEntry(Entry::TrainLoss);
    writeEntry(Entry::DecodeStep);
    os << "}\n";
  }

private:
  /// tensor<AxBx...xf32>, with "?" for dynamic sizes (-1).
  static std::string tensor(std::vector<int64_t> shape,
                            llvm::StringRef elt = "f32") {
    std::string s = "tensor<";
    for (int64_t d : shape)
      s += (d < 0 ? std::string("?") : std::to_string(d)) + "x";
    return s + elt.str() + ">";
  }
  std::string act(int64_t width) const { return tensor({-1, -1, width}); }

  /// The `tvq.train_step` dictionary of @train_loss.
  std::string trainStepAttr() const {
    if (c.optimizer == Optimizer::Adafactor)
      return llvm::formatv(
                 "tvq.train_step = {{name = \"train_step\", optimizer = "
                 "\"adafactor\", lr = {0} : f64, decay_rate = 8.0e-01 : f64, "
                 "epsilon = 1.0e-30 : f64, update_clip = 1.0 : f64, "
                 "min_scale = 1.0e-03 : f64, factor_min_dim = 128 : i64, "
                 "warmup = {1} : i64, total_steps = {2} : i64, "
                 "final_lr_ratio = {3} : f64, ema_gamma = {4} : f64}",
                 fmt(c.lr), c.warmupSteps, c.totalSteps, fmt(c.finalLrRatio),
                 fmt(c.emaGamma))
          .str();
    return llvm::formatv(
               "tvq.train_step = {{name = \"train_step\", optimizer = "
               "\"adamw\", lr = {0} : f64, "
               "beta1 = "
               "{1} : f64, beta2 = {2} : f64, epsilon = {3} : f64, clip_norm = "
               "{4} : "
               "f64, weight_decay = {5} : f64, warmup = {6} : i64, total_steps "
               "= {7} "
               ": i64, final_lr_ratio = {8} : f64, ema_gamma = {9} : f64}",
               fmt(c.lr), fmt(c.beta1), fmt(c.beta2), fmt(c.adamEpsilon),
               fmt(c.clipNorm), fmt(c.weightDecay), c.warmupSteps, c.totalSteps,
               fmt(c.finalLrRatio), fmt(c.emaGamma))
        .str();
  }
  static std::string fmt(double v) { return llvm::formatv("{0:e}", v).str(); }
  double tauScale() const { return std::pow(static_cast<double>(c.dK), -0.25); }

  void writeHeader() {
    os << "// Transformer-VQ model '" << c.name << "', written by tvq-model.\n"
       << "// " << parameterCount(c) << " parameters (codebook statistics "
       << "included). Entry points:\n"
       << "//   @logits(params..., inputs[B,T] i32) -> logits[B,T,vocab]\n"
       << "//   @eval_loss(params..., inputs, targets) -> (loss, ce): ce is "
          "the mean NLL in nats,\n"
       << "//   loss = ce + commit_weight * sum over GAUs of the mean squared "
          "quantization error;\n"
       << "//   @train_loss(params..., inputs, state..., targets, "
          "dropout_seed, layerdrop_seed)\n"
       << "//   -> (loss, ce, state...): one update window of truncated BPTT "
          "with the dropouts;\n"
       << "//   @loss_grad (derived by the compiler from @train_loss) -> "
          "(loss, ce, state..., d.<param>...),\n"
       << "//   @train_step (derived from @loss_grad): the optimizer, the "
          "schedule, the codebook EMA,\n"
       << "//   @decode_step(params..., inputs, state...) -> (logits, "
          "state...): one token at a time\n"
       << "//   (block length 1, window M unchanged); a zero state is the "
          "empty one.\n";
    os << llvm::formatv(
        "module attributes {{tvq.model = {{name = \"{0}\", layers = {1} : i64, "
        "d_model = {2} : i64, d_k = {3} : i64, d_v = {4} : i64, codebook = {5} "
        ": i64, block_len = {6} : i64, mem_len = {6} : i64, vocab = {7} : i64, "
        "head = \"{8}\", logit_scale = {9} : f64, commit_weight = {10} : f64, "
        "epsilon = {11} : f64, sinusoid_base = {12} : f64, residual_dropout = "
        "{13} : f64, layer_drop = {14} : f64, sinusoid_dropout = {15} : f64}} "
        "{{\n",
        c.name, c.layers, c.dModel, c.dK, c.dV, c.codebookSize, c.blockLen,
        c.vocab, c.head == HeadType::Tied ? "tied" : "untied",
        fmt(c.logitScale), fmt(c.commitWeight), fmt(c.epsilon),
        fmt(c.sinusoidBase), fmt(c.residualDropout), fmt(c.layerDrop),
        fmt(c.sinusoidDropout));
  }

  /// The types of one GAU's attention state, in order.
  std::vector<std::string> stateTypes() const {
    int64_t s = c.codebookSize, m = c.blockLen, k = c.dK, v = c.dV;
    return {tensor({-1, s}),    tensor({-1, s, v}), tensor({-1, m}, "i32"),
            tensor({-1, m, k}), tensor({-1, m, v}), tensor({-1}, "i64")};
  }
  static constexpr const char *kStateNames[] = {
      "count", "mean", "win_codes", "win_keys", "win_values", "seen"};

  /// The three variants of one gated attention unit: `@gau` (no state, for
  /// @logits and @eval_loss), `@gau_step` (block length 1 with the attention
  /// state, for decoding, section 5) and `@gau_train` (the state and the
  /// dropouts, for one update window of training, section 6).
  enum class Gau { Plain, Step, Train };

  static const char *gauName(Gau kind) {
    return kind == Gau::Plain  ? "gau"
           : kind == Gau::Step ? "gau_step"
                               : "gau_train";
  }

  /// A `tvq.dropout` line `%out = dropout(%in)` when rate > 0; returns the
  /// name of the value to use next.
  std::string dropout(const std::string &out, const std::string &in,
                      const std::string &seed, double rate, int stream,
                      int maskRank, const std::string &type) {
    if (rate <= 0.0)
      return in;
    os << llvm::formatv("    {0} = tvq.dropout {1}, {2} {{rate = {3} : f64, "
                        "stream = {4} : i64, mask_rank = {5} : i64} : ({6}, "
                        "tensor<i64>) -> {6}\n",
                        out, in, seed, fmt(rate), stream, maskRank, type);
    return out;
  }

  /// One gated attention unit: pre-norm, projections, VQ attention, gate,
  /// output projection, residual (transformer-vq.md section 1).
  void writeGau(Gau kind) {
    bool stateful = kind != Gau::Plain, train = kind == Gau::Train;
    int64_t d = c.dModel, k = c.dK, v = c.dV, s = c.codebookSize,
            l = kind == Gau::Step ? 1 : c.blockLen, m = c.blockLen;
    std::vector<Parameter> p;
    gauParameters(c, 0, p);
    std::vector<std::string> st = stateTypes();
    if (kind == Gau::Plain)
      os << "  // One GAU (transformer-vq.md section 1).\n";
    else if (kind == Gau::Step)
      os << "\n  // One GAU, one token at a time, carrying the attention "
            "state (section 5).\n";
    else
      os << "\n  // One GAU for one update window of training: the attention "
            "state passes\n  // through, the dropouts of section 6 apply "
            "(seeds: per window, per sequence).\n";
    os << "  func.func private @" << gauName(kind) << "(%x: " << act(d);
    const char *names[] = {"gain", "bias", "wq", "wkvg",  "wo",
                           "wr",   "u",    "w",  "c_sum", "c_count"};
    for (int i = 0; i < kGauParams; ++i)
      os << ", %" << names[i] << ": " << tensor(p[i].shape);
    if (stateful)
      for (int i = 0; i < 6; ++i)
        os << ", %s_" << kStateNames[i] << ": " << st[i];
    if (train)
      os << ", %seed: tensor<i64>, %layer_seed: tensor<i64>";
    os << ") -> (" << act(d);
    if (kind != Gau::Step)
      os << ", tensor<f32>";
    if (stateful)
      for (const std::string &t : st)
        os << ", " << t;
    os << ")";
    if (train && c.recompute)
      os << " attributes {tvq.recompute}";
    os << " {\n";
    std::string sc = fmt(tauScale());
    os << llvm::formatv(
        "    %xn0 = tvq.rms_norm %x {{epsilon = {0} : f64} : {1}\n"
        "    %xn = tvq.scale_shift %xn0, %gain, %bias : ({1}, {2}, {2}) -> "
        "{1}\n"
        "    %q0 = tvq.dense %xn, %wq : ({1}, {3}) -> {4}\n"
        "    %kvg = tvq.dense %xn, %wkvg : ({1}, {5}) -> {6}\n"
        "    %k0, %v0, %g0 = tvq.split %kvg {{sizes = array<i64: {7}, {8}, "
        "{8}>} "
        ": ({6}) -> ({4}, {9}, {9})\n"
        "    %q1 = tvq.rms_norm %q0 {{epsilon = {0} : f64} : {4}\n"
        "    %q = tvq.scale %q1 {{factor = {10} : f64} : {4}\n"
        "    %k1 = tvq.rms_norm %k0 {{epsilon = {0} : f64} : {4}\n"
        "    %k = tvq.scale %k1 {{factor = {10} : f64} : {4}\n"
        "    %v = tvq.silu %v0 : {9}\n"
        "    %g = tvq.silu %g0 : {9}\n",
        fmt(c.epsilon), act(d), tensor({d}), tensor({d, k}), act(k),
        tensor({d, k + 2 * v}), act(k + 2 * v), k, v, act(v), sc);
    os << llvm::formatv(
        "    %c = tvq.codebook %c_sum, %c_count : ({0}, {1}) -> {0}\n"
        "    %k_hat, %codes, %err2 = tvq.vq_quantize %k, %c : ({2}, {0}) -> "
        "({2}, tensor<?x?xi32>, tensor<?x?xf32>)\n"
        "    %sin0 = tvq.sinusoid_table {{rows = {3} : i64, dim = {4} : i64, "
        "base = {5} : f64} : {6}\n",
        tensor({s, k}), tensor({s}), act(k), m + 1, d, fmt(c.sinusoidBase),
        tensor({m + 1, d}));
    std::string sin = "%sin0";
    if (train)
      sin = dropout("%sin", sin, "%seed", c.sinusoidDropout, /*stream=*/1,
                    /*maskRank=*/2, tensor({m + 1, d}));
    os << llvm::formatv("    %r0 = tvq.dense {0}, %wr : ({1}, {2}) -> {3}\n"
                        "    %r = tvq.scale %r0 {{factor = {4} : f64} : {3}\n"
                        "    %uu = tvq.scale %u {{factor = {4} : f64} : {5}\n"
                        "    %ww = tvq.scale %w {{factor = {4} : f64} : {5}\n",
                        sin, tensor({m + 1, d}), tensor({d, k}),
                        tensor({m + 1, k}), sc, tensor({k}));
    std::string stateOperands, stateOperandTypes;
    if (stateful) {
      stateOperands = " state(%s_count, %s_mean, %s_win_codes, %s_win_keys, "
                      "%s_win_values, %s_seen)";
      for (const std::string &t : st)
        stateOperandTypes += ", " + t;
    }
    os << llvm::formatv(
        "    %o, %n, %mu, %wc, %wk, %wv, %seen = tvq.vq_attention %q, %k_hat, "
        "%codes, %v, %c, %uu, %ww, %r{14} {{block_len = {0} : i64, mem_len = "
        "{1} : i64}\n"
        "        : ({2}, {2}, tensor<?x?xi32>, {3}, {4}, {5}, {5}, {6}{15})\n"
        "        -> ({3}, {7}, {8}, {9}, {10}, {11}, tensor<?xi64>)\n"
        "    %og = arith.mulf %o, %g : {3}\n"
        "    %y = tvq.dense %og, %wo : ({3}, {12}) -> {13}\n",
        l, m, act(k), act(v), tensor({s, k}), tensor({k}), tensor({m + 1, k}),
        st[0], st[1], st[2], st[3], st[4], tensor({v, d}), act(d),
        stateOperands, stateOperandTypes);
    std::string y = "%y";
    if (train) {
      // Residual dropout per element; LayerDrop of the whole branch per
      // sequence (the mask varies over the batch dimension only).
      y = dropout("%y_res", y, "%seed", c.residualDropout, /*stream=*/0,
                  /*maskRank=*/3, act(d));
      y = dropout("%y_layer", y, "%layer_seed", c.layerDrop, /*stream=*/2,
                  /*maskRank=*/1, act(d));
    }
    os << "    %out = arith.addf %x, " << y << " : " << act(d) << "\n";
    if (kind != Gau::Step)
      os << "    %commit = tvq.mean %err2 : (tensor<?x?xf32>) -> "
            "tensor<f32>\n";
    os << "    return %out";
    if (kind != Gau::Step)
      os << ", %commit";
    if (stateful)
      os << ", %n, %mu, %wc, %wk, %wv, %seen";
    os << " : " << act(d);
    if (kind != Gau::Step)
      os << ", tensor<f32>";
    if (stateful)
      for (const std::string &t : st)
        os << ", " << t;
    os << "\n  }\n";
  }

  /// The public entry points.
  enum class Entry { Logits, EvalLoss, TrainLoss, DecodeStep };

  /// Embedding, the GAUs in order, the head, and for the losses the cross
  /// entropy plus the commitment term.
  void writeEntry(Entry kind) {
    bool withLoss = kind == Entry::EvalLoss || kind == Entry::TrainLoss;
    bool stateful = kind == Entry::TrainLoss || kind == Entry::DecodeStep;
    Gau gau = kind == Entry::TrainLoss    ? Gau::Train
              : kind == Entry::DecodeStep ? Gau::Step
                                          : Gau::Plain;
    const char *name = kind == Entry::Logits      ? "logits"
                       : kind == Entry::EvalLoss  ? "eval_loss"
                       : kind == Entry::TrainLoss ? "train_loss"
                                                  : "decode_step";
    std::vector<Parameter> params = parameters(c);
    auto argName = [](const Parameter &p) {
      std::string n = "%p_" + p.name;
      for (char &ch : n)
        if (ch == '.')
          ch = '_';
      return n;
    };
    std::vector<std::string> st = stateTypes();
    auto stateName = [](int64_t g, int i) {
      return llvm::formatv("state.gau{0}.{1}", g, kStateNames[i]).str();
    };

    os << "\n  func.func @" << name << "(";
    for (const Parameter &p : params)
      os << argName(p) << ": " << tensor(p.shape) << " {tvq.name = \"" << p.name
         << "\"},\n      ";
    os << "%inputs: tensor<?x?xi32> {tvq.name = \"inputs\"}";
    if (stateful)
      for (int64_t g = 0; g < c.gaus(); ++g)
        for (int i = 0; i < 6; ++i)
          os << ",\n      %s" << g << "_" << i << ": " << st[i]
             << " {tvq.name = \"" << stateName(g, i) << "\"}";
    if (withLoss)
      os << ",\n      %targets: tensor<?x?xi32> {tvq.name = \"targets\"}";
    if (kind == Entry::TrainLoss)
      os << ",\n      %dropout_seed: tensor<i64> {tvq.name = "
            "\"dropout_seed\"},\n      %layerdrop_seed: tensor<i64> "
            "{tvq.name = \"layerdrop_seed\"}";
    std::string logitsType = act(c.vocab);
    os << ")\n      -> (";
    if (withLoss)
      os << "tensor<f32> {tvq.name = \"loss\"}, tensor<f32> {tvq.name = "
            "\"ce\"}";
    else
      os << logitsType << " {tvq.name = \"logits\"}";
    if (stateful)
      for (int64_t g = 0; g < c.gaus(); ++g)
        for (int i = 0; i < 6; ++i)
          os << ", " << st[i] << " {tvq.name = \"" << stateName(g, i) << "\"}";
    os << ")";
    if (kind == Entry::TrainLoss)
      os << "\n      attributes {tvq.gradient = \"loss_grad\", "
         << trainStepAttr() << "}";
    os << " {\n";

    std::string xType = act(c.dModel);
    os << "    %x0 = tvq.embedding %inputs, " << argName(params[0])
       << " : (tensor<?x?xi32>, " << tensor(params[0].shape) << ") -> " << xType
       << "\n";
    for (int64_t i = 0; i < c.gaus(); ++i) {
      if (kind == Entry::TrainLoss) {
        // Distinct seeds per GAU: the dropout streams are per GAU function.
        uint64_t offset = static_cast<uint64_t>(i + 1) * 0x9e3779b97f4a7c15ull;
        os << llvm::formatv(
            "    %seed_off{0} = arith.constant dense<{1}> : tensor<i64>\n"
            "    %seed{0} = arith.addi %dropout_seed, %seed_off{0} : "
            "tensor<i64>\n"
            "    %layer_seed{0} = arith.addi %layerdrop_seed, %seed_off{0} : "
            "tensor<i64>\n",
            i, static_cast<int64_t>(offset));
      }
      os << "    %x" << i + 1;
      if (gau != Gau::Step)
        os << ", %commit" << i + 1;
      if (stateful)
        for (int j = 0; j < 6; ++j)
          os << ", %t" << i << "_" << j;
      os << " = func.call @" << gauName(gau) << "(%x" << i;
      std::string types = xType;
      for (int j = 0; j < kGauParams; ++j) {
        const Parameter &p = params[1 + i * kGauParams + j];
        os << ", " << argName(p);
        types += ", " + tensor(p.shape);
      }
      std::string resultTypes = xType;
      if (gau != Gau::Step)
        resultTypes += ", tensor<f32>";
      if (stateful)
        for (int j = 0; j < 6; ++j) {
          os << ", %s" << i << "_" << j;
          types += ", " + st[j];
          resultTypes += ", " + st[j];
        }
      if (kind == Entry::TrainLoss) {
        os << ", %seed" << i << ", %layer_seed" << i;
        types += ", tensor<i64>, tensor<i64>";
      }
      os << ")\n        : (" << types << ") -> (" << resultTypes << ")\n";
    }
    std::string last = "%x" + std::to_string(c.gaus());
    const Parameter &h0 = params[params.size() - 2], &h1 = params.back();
    if (c.head == HeadType::Untied) {
      os << "    %logits = tvq.dense " << last << ", " << argName(h0)
         << " bias " << argName(h1) << " : (" << xType << ", "
         << tensor(h0.shape) << ", " << tensor(h1.shape) << ") -> "
         << logitsType << "\n";
    } else {
      os << llvm::formatv(
          "    %hn0 = tvq.rms_norm {0} {{epsilon = {1} : f64} : {2}\n"
          "    %hn = tvq.scale_shift %hn0, {3}, {4} : ({2}, {5}, {5}) -> {2}\n"
          "    %logits0 = tvq.dense %hn, {6} {{transpose_weight} : ({2}, {7}) "
          "-> {8}\n"
          "    %logits = tvq.scale %logits0 {{factor = {9} : f64} : {8}\n",
          last, fmt(c.epsilon), xType, argName(h0), argName(h1),
          tensor({c.dModel}), argName(params[0]), tensor(params[0].shape),
          logitsType, fmt(c.logitScale));
    }
    std::string stateResults, stateResultTypes;
    if (stateful)
      for (int64_t g = 0; g < c.gaus(); ++g)
        for (int i = 0; i < 6; ++i) {
          stateResults += llvm::formatv(", %t{0}_{1}", g, i).str();
          stateResultTypes += ", " + st[i];
        }
    if (!withLoss) {
      os << "    return %logits" << stateResults << " : " << logitsType
         << stateResultTypes << "\n  }\n";
      return;
    }
    os << "    %ce = tvq.cross_entropy %logits, %targets : (" << logitsType
       << ", tensor<?x?xi32>) -> tensor<f32>\n";
    std::string sum = "%commit1";
    for (int64_t i = 2; i <= c.gaus(); ++i) {
      std::string next = "%commit_sum" + std::to_string(i);
      os << "    " << next << " = arith.addf " << sum << ", %commit" << i
         << " : tensor<f32>\n";
      sum = next;
    }
    os << "    %commit_term = tvq.scale " << sum
       << " {factor = " << fmt(c.commitWeight) << " : f64} : tensor<f32>\n"
       << "    %loss = arith.addf %ce, %commit_term : tensor<f32>\n"
       << "    return %loss, %ce" << stateResults
       << " : tensor<f32>, tensor<f32>" << stateResultTypes << "\n  }\n";
  }

  const ModelConfig &c;
  llvm::raw_ostream &os;
};

} // namespace

void tvq::writeModel(const ModelConfig &c, llvm::raw_ostream &os) {
  Writer(c, os).write();
}
