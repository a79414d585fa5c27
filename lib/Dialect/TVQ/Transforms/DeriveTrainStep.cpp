//===- DeriveTrainStep.cpp - The training step of a model -----------------===//
//
// Builds the training entry point from a loss's gradient function: the
// optimizer (AdamW with global-norm clipping, or Adafactor) with the
// learning-rate schedule, the EMA update of every codebook, and the loss
// function's other results (the carried attention state) passed through.
// Also builds the same step split in two for data parallelism: the forward
// and backward with the codebook statistics of the step (`train_grads`),
// and the optimizer and EMA from gradients and statistics that a runtime
// has summed over micro-batches and workers (`apply_update`).
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQDERIVETRAINSTEP
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// The optimizer settings of a `tvq.train_step` dictionary.
struct TrainConfig {
  std::string name;
  /// The split entry points (empty: not built).
  std::string gradsName = "train_grads", updateName = "apply_update";
  bool adafactor = false;
  double lr, finalLrRatio, emaGamma;
  int64_t warmup, totalSteps;
  // AdamW.
  double beta1 = 0, beta2 = 0, epsilon = 0, clipNorm = 0, weightDecay = 0;
  // Adafactor.
  double decayRate = 0, updateClip = 0, minScale = 0;
  int64_t factorMinDim = 0;
};

static FailureOr<TrainConfig> parseConfig(func::FuncOp func,
                                          DictionaryAttr dict) {
  TrainConfig c;
  auto name = dict.getAs<StringAttr>("name");
  if (!name)
    return func.emitError("tvq.train_step needs a string 'name'");
  c.name = name.getValue().str();
  for (auto [key, out] :
       {std::pair<StringRef, std::string *>{"grads_name", &c.gradsName},
        {"update_name", &c.updateName}}) {
    if (Attribute a = dict.get(key)) {
      auto text = dyn_cast<StringAttr>(a);
      if (!text || text.getValue().empty())
        return func.emitError()
               << "tvq.train_step '" << key << "' must be a non-empty string";
      *out = text.getValue().str();
    }
  }
  if (Attribute a = dict.get("split")) {
    auto flag = dyn_cast<BoolAttr>(a);
    if (!flag)
      return func.emitError("tvq.train_step 'split' must be a boolean");
    if (!flag.getValue())
      c.gradsName = c.updateName = "";
  }
  if (auto optimizer = dict.get("optimizer")) {
    auto text = dyn_cast<StringAttr>(optimizer);
    if (!text || (text.getValue() != "adamw" && text.getValue() != "adafactor"))
      return func.emitError("tvq.train_step 'optimizer' must be \"adamw\" or "
                            "\"adafactor\"");
    c.adafactor = text.getValue() == "adafactor";
  }
  auto real = [&](StringRef key, double &out) -> LogicalResult {
    auto a = dict.getAs<FloatAttr>(key);
    if (!a)
      return func.emitError() << "tvq.train_step needs a float '" << key << "'";
    out = a.getValueAsDouble();
    return success();
  };
  auto integer = [&](StringRef key, int64_t &out) -> LogicalResult {
    auto a = dict.getAs<IntegerAttr>(key);
    if (!a)
      return func.emitError()
             << "tvq.train_step needs an integer '" << key << "'";
    out = a.getInt();
    return success();
  };
  if (failed(real("lr", c.lr)) ||
      failed(real("final_lr_ratio", c.finalLrRatio)) ||
      failed(real("ema_gamma", c.emaGamma)) ||
      failed(integer("warmup", c.warmup)) ||
      failed(integer("total_steps", c.totalSteps)))
    return failure();
  if (c.adafactor) {
    if (failed(real("decay_rate", c.decayRate)) ||
        failed(real("epsilon", c.epsilon)) ||
        failed(real("update_clip", c.updateClip)) ||
        failed(real("min_scale", c.minScale)) ||
        failed(integer("factor_min_dim", c.factorMinDim)))
      return failure();
    return c;
  }
  if (failed(real("beta1", c.beta1)) || failed(real("beta2", c.beta2)) ||
      failed(real("epsilon", c.epsilon)) ||
      failed(real("clip_norm", c.clipNorm)) ||
      failed(real("weight_decay", c.weightDecay)))
    return failure();
  return c;
}

/// Whether Adafactor factors the second moment of a parameter of this type:
/// rank 2 with both dimensions at least `minDim` (optax's rule for rank 2).
static bool isFactored(Type type, int64_t minDim) {
  auto t = cast<RankedTensorType>(type);
  return t.getRank() == 2 && t.getDimSize(0) >= minDim &&
         t.getDimSize(1) >= minDim;
}

/// The `tvq.name` of argument `i`, or "arg<i>".
static std::string argName(func::FuncOp f, unsigned i) {
  if (auto n = f.getArgAttrOfType<StringAttr>(i, "tvq.name"))
    return n.getValue().str();
  return "arg" + std::to_string(i);
}

/// The `tvq.name` of result `i`, or "".
static std::string resultName(func::FuncOp f, unsigned i) {
  if (DictionaryAttr d = f.getResultAttrDict(i))
    if (auto n = d.getAs<StringAttr>("tvq.name"))
      return n.getValue().str();
  return "";
}

/// One optimizer moment argument.
struct Moment {
  unsigned param; ///< Index into TrainSignature::gradArgs.
  std::string name;
  Type type;
};

/// What the training entry points take from the gradient function.
struct TrainSignature {
  func::FuncOp grad;
  /// Arguments of the gradient function, and results of the loss (the
  /// plain results: loss, ce, carried state) before the gradients.
  unsigned numArgs = 0, numPlain = 0;
  SmallVector<std::string> argNames;
  /// The optimized parameters (argument indices) and their gradient results.
  SmallVector<unsigned> gradArgs, gradResults;
  /// The optimizer state: AdamW's m.<p> then v.<p>; Adafactor's vr.<p> and
  /// vc.<p> (factored) or v.<p>.
  SmallVector<Moment> moments;
};

static FailureOr<TrainSignature>
readSignature(ModuleOp module, func::FuncOp loss, const TrainConfig &cfg) {
  auto gradName = loss->getAttrOfType<StringAttr>("tvq.gradient");
  auto grad = gradName ? module.lookupSymbol<func::FuncOp>(gradName.getValue())
                       : func::FuncOp();
  if (!grad)
    return loss.emitError("tvq.train_step needs the gradient function named by "
                          "tvq.gradient; run tvq-derive-gradients first");
  for (const std::string &name : {cfg.name, cfg.gradsName, cfg.updateName})
    if (!name.empty() && module.lookupSymbol(name))
      return loss.emitError()
             << "tvq.train_step names '" << name << "', which already exists";
  if (!cfg.gradsName.empty() &&
      (cfg.gradsName == cfg.name || cfg.updateName == cfg.name ||
       cfg.gradsName == cfg.updateName))
    return loss.emitError("tvq.train_step 'name', 'grads_name' and "
                          "'update_name' must differ");

  TrainSignature sig;
  sig.grad = grad;
  FunctionType gradType = grad.getFunctionType();
  sig.numArgs = gradType.getNumInputs();
  sig.numPlain = loss.getFunctionType().getNumResults();
  for (unsigned i = 0; i < sig.numArgs; ++i)
    sig.argNames.push_back(argName(grad, i));
  // Which argument each gradient result belongs to.
  llvm::StringMap<unsigned> argByName;
  for (unsigned i = 0; i < sig.numArgs; ++i)
    argByName[sig.argNames[i]] = i;
  for (unsigned r = sig.numPlain; r < gradType.getNumResults(); ++r) {
    std::string n = resultName(grad, r);
    auto it = argByName.find(StringRef(n).drop_front(2)); // "d.<name>"
    if (!StringRef(n).starts_with("d.") || it == argByName.end())
      return grad.emitError() << "result " << r << " ('" << n
                              << "') is not the gradient of an argument";
    // Parameters have static shapes; data (inputs of any batch size) does
    // not, and is not optimized even when a gradient reaches it.
    if (!cast<RankedTensorType>(gradType.getInput(it->second)).hasStaticShape())
      continue;
    sig.gradArgs.push_back(it->second);
    sig.gradResults.push_back(r);
  }
  if (cfg.adafactor) {
    for (auto [i, a] : llvm::enumerate(sig.gradArgs)) {
      auto type = cast<RankedTensorType>(gradType.getInput(a));
      if (isFactored(type, cfg.factorMinDim)) {
        sig.moments.push_back({static_cast<unsigned>(i),
                               "vr." + sig.argNames[a],
                               type.clone({type.getDimSize(0)})});
        sig.moments.push_back({static_cast<unsigned>(i),
                               "vc." + sig.argNames[a],
                               type.clone({type.getDimSize(1)})});
      } else {
        sig.moments.push_back(
            {static_cast<unsigned>(i), "v." + sig.argNames[a], type});
      }
    }
  } else {
    for (const char *prefix : {"m.", "v."})
      for (auto [i, a] : llvm::enumerate(sig.gradArgs))
        sig.moments.push_back({static_cast<unsigned>(i),
                               prefix + sig.argNames[a], gradType.getInput(a)});
  }
  return sig;
}

/// A quantizer whose codebook comes from statistics that are arguments of
/// the function being built, so the step updates them.
struct QuantizerStats {
  VQQuantizeOp quantizer;
  BlockArgument sum, count;
};

/// The quantizers of body whose codebook statistics are its arguments
/// (recomputed copies excluded).
static FailureOr<SmallVector<QuantizerStats>> findQuantizers(Block *body) {
  SmallVector<VQQuantizeOp> quantizers;
  body->walk([&](VQQuantizeOp q) {
    // A copy recomputed for the backward quantizes the same keys again.
    if (!q->hasAttr(kRecomputedAttr))
      quantizers.push_back(q);
  });
  SmallVector<QuantizerStats> found;
  llvm::DenseSet<Value> updated;
  for (VQQuantizeOp q : quantizers) {
    auto codebook = q.getCodebook().getDefiningOp<CodebookOp>();
    if (!codebook)
      continue;
    auto sum = dyn_cast<BlockArgument>(codebook.getCSum());
    auto count = dyn_cast<BlockArgument>(codebook.getCCount());
    if (!sum || !count || sum.getOwner() != body || count.getOwner() != body)
      continue;
    if (!updated.insert(sum).second)
      return q.emitOpError("shares its codebook statistics with another "
                           "quantizer; the EMA update would be ambiguous");
    found.push_back({q, sum, count});
  }
  return found;
}

/// A function named name with the given arguments (named by tvq.name) and
/// an entry block, inserted after `after`.
static func::FuncOp createFunction(OpBuilder &b, Location loc, Operation *after,
                                   StringRef name, ArrayRef<Type> argTypes,
                                   ArrayRef<std::string> argNames) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointAfter(after);
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
  func.addEntryBlock();
  for (unsigned i = 0; i < argTypes.size(); ++i)
    func.setArgAttr(i, "tvq.name", b.getStringAttr(argNames[i]));
  return func;
}

/// Ends func with `return results`, naming them, and marks it derived.
static void finishFunction(OpBuilder &b, Location loc, func::FuncOp func,
                           ArrayRef<Value> results,
                           ArrayRef<std::string> names) {
  func::ReturnOp::create(b, loc, results);
  SmallVector<Type> resultTypes;
  for (Value r : results)
    resultTypes.push_back(r.getType());
  func.setFunctionType(b.getFunctionType(func.getArgumentTypes(), resultTypes));
  for (auto [i, n] : llvm::enumerate(names))
    func.setResultAttr(i, "tvq.name", b.getStringAttr(n));
  func->setAttr(kDerivedAttr, b.getUnitAttr());
}

/// Clones the gradient function's body into body (its arguments first in
/// body's arguments) and returns the values it returned.
static SmallVector<Value> cloneGradient(OpBuilder &b, TrainSignature &sig,
                                        Block *body) {
  IRMapping mapping;
  for (unsigned i = 0; i < sig.numArgs; ++i)
    mapping.map(sig.grad.getArgument(i), body->getArgument(i));
  b.setInsertionPointToStart(body);
  for (Operation &op : sig.grad.getBody().front().without_terminator())
    b.clone(op, mapping);
  auto gradReturn =
      cast<func::ReturnOp>(sig.grad.getBody().front().getTerminator());
  SmallVector<Value> returned;
  for (Value v : gradReturn.getOperands())
    returned.push_back(mapping.lookupOrDefault(v));
  return returned;
}

/// The loss, ce (when the loss has it) and the other plain results of the
/// loss (the carried attention state) under their names; the metrics
/// `metrics` (e.g. grad_norm, lr) go after ce.
static void addPlainResults(TrainSignature &sig, ArrayRef<Value> returned,
                            ArrayRef<std::pair<Value, std::string>> metrics,
                            SmallVector<Value> &results,
                            SmallVector<std::string> &names) {
  for (unsigned r = 0; r < std::min(sig.numPlain, 2u); ++r) {
    results.push_back(returned[r]);
    names.push_back(resultName(sig.grad, r));
  }
  for (const auto &[value, name] : metrics) {
    results.push_back(value);
    names.push_back(name);
  }
  for (unsigned r = 2; r < sig.numPlain; ++r) {
    results.push_back(returned[r]);
    names.push_back(resultName(sig.grad, r));
  }
}

/// The optimizer: the global gradient norm, the scheduled learning rate and
/// each parameter's update.
struct OptimizerResult {
  Value norm, lr;
  SmallVector<Value> newParams, newMoments;
};

static OptimizerResult
buildOptimizer(OpBuilder &b, Location loc, const TrainConfig &cfg,
               TrainSignature &sig, ArrayRef<Value> params,
               ArrayRef<Value> grads, ArrayRef<Value> moments, Value step) {
  OptimizerResult out;
  auto scalarF32 = RankedTensorType::get({}, b.getF32Type());
  out.norm = GlobalNormOp::create(b, loc, scalarF32, grads);
  out.lr = LRScheduleOp::create(
      b, loc, scalarF32, step, b.getF64FloatAttr(cfg.lr),
      b.getI64IntegerAttr(cfg.warmup), b.getI64IntegerAttr(cfg.totalSteps),
      b.getF64FloatAttr(cfg.finalLrRatio));
  out.newMoments.resize(sig.moments.size());
  for (auto [i, param] : llvm::enumerate(params)) {
    SmallVector<unsigned> mine;
    for (unsigned k = 0; k < sig.moments.size(); ++k)
      if (sig.moments[k].param == i)
        mine.push_back(k);
    SmallVector<Value> newOnes;
    if (cfg.adafactor) {
      SmallVector<Value> old;
      SmallVector<Type> types = {param.getType()};
      for (unsigned k : mine) {
        old.push_back(moments[k]);
        types.push_back(sig.moments[k].type);
      }
      auto update = AdafactorUpdateOp::create(
          b, loc, types, param, grads[i], step, out.lr, old,
          b.getF64FloatAttr(cfg.decayRate), b.getF64FloatAttr(cfg.epsilon),
          b.getF64FloatAttr(cfg.updateClip), b.getF64FloatAttr(cfg.minScale));
      out.newParams.push_back(update.getNewParam());
      newOnes = llvm::to_vector_of<Value>(update.getNewMoments());
    } else {
      Value m = moments[mine[0]], v = moments[mine[1]];
      bool matrix = cast<RankedTensorType>(param.getType()).getRank() >= 2;
      auto update = AdamWUpdateOp::create(
          b, loc, TypeRange{param.getType(), m.getType(), v.getType()}, param,
          grads[i], m, v, step, out.lr, out.norm, b.getF64FloatAttr(cfg.beta1),
          b.getF64FloatAttr(cfg.beta2), b.getF64FloatAttr(cfg.epsilon),
          b.getF64FloatAttr(matrix ? cfg.weightDecay : 0.0),
          b.getF64FloatAttr(cfg.clipNorm));
      out.newParams.push_back(update.getNewParam());
      newOnes = {update.getNewM(), update.getNewV()};
    }
    for (auto [k, value] : llvm::zip(mine, newOnes))
      out.newMoments[k] = value;
  }
  return out;
}

/// step + 1.
static Value nextStep(OpBuilder &b, Location loc, Value step) {
  Value one = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(cast<ShapedType>(step.getType()),
                             b.getI64IntegerAttr(1)));
  return arith::AddIOp::create(b, loc, step, one);
}

/// The fused step: `NAME(<gradient function's arguments>..., <moments>...,
/// step)`.
static LogicalResult buildFusedStep(ModuleOp module, func::FuncOp loss,
                                    const TrainConfig &cfg,
                                    TrainSignature &sig) {
  OpBuilder b(module.getContext());
  Location loc = loss.getLoc();
  SmallVector<Type> argTypes(sig.grad.getFunctionType().getInputs());
  SmallVector<std::string> argNames(sig.argNames);
  for (const Moment &m : sig.moments) {
    argTypes.push_back(m.type);
    argNames.push_back(m.name);
  }
  argTypes.push_back(RankedTensorType::get({}, b.getI64Type()));
  argNames.push_back("step");
  func::FuncOp step =
      createFunction(b, loc, sig.grad, cfg.name, argTypes, argNames);
  Block *body = &step.getBody().front();
  SmallVector<Value> returned = cloneGradient(b, sig, body);

  SmallVector<Value> params, grads, moments;
  for (auto [a, r] : llvm::zip(sig.gradArgs, sig.gradResults)) {
    params.push_back(body->getArgument(a));
    grads.push_back(returned[r]);
  }
  for (unsigned k = 0; k < sig.moments.size(); ++k)
    moments.push_back(body->getArgument(sig.numArgs + k));
  Value stepArg = body->getArguments().back();
  OptimizerResult opt =
      buildOptimizer(b, loc, cfg, sig, params, grads, moments, stepArg);

  SmallVector<Value> results;
  SmallVector<std::string> names;
  addPlainResults(sig, returned, {{opt.norm, "grad_norm"}, {opt.lr, "lr"}},
                  results, names);
  for (auto [a, value] : llvm::zip(sig.gradArgs, opt.newParams)) {
    results.push_back(value);
    names.push_back(sig.argNames[a]);
  }
  // The EMA k-means step of every codebook whose statistics are arguments.
  FailureOr<SmallVector<QuantizerStats>> quantizers = findQuantizers(body);
  if (failed(quantizers))
    return failure();
  for (QuantizerStats q : *quantizers) {
    auto ema = CodebookEMAOp::create(
        b, q.quantizer.getLoc(), TypeRange{q.sum.getType(), q.count.getType()},
        q.sum, q.count, q.quantizer.getKeys(), q.quantizer.getCodes(),
        b.getF64FloatAttr(cfg.emaGamma));
    results.push_back(ema.getNewSum());
    names.push_back(argNames[q.sum.getArgNumber()]);
    results.push_back(ema.getNewCount());
    names.push_back(argNames[q.count.getArgNumber()]);
  }
  for (auto [m, value] : llvm::zip(sig.moments, opt.newMoments)) {
    results.push_back(value);
    names.push_back(m.name);
  }
  results.push_back(nextStep(b, loc, stepArg));
  names.push_back("step");
  finishFunction(b, loc, step, results, names);
  return success();
}

/// The name of the summed codebook statistics of argument `name`.
static std::string statsName(StringRef name) { return ("stats." + name).str(); }

/// Places a `tvq.output_ready` for each result in `indices` of func right
/// after the op that computes it (at the start of the body for an
/// argument), so that a runtime can send a gradient to the other workers
/// while the rest of the backward pass runs.
static void announceResults(OpBuilder &b, func::FuncOp func,
                            ArrayRef<unsigned> indices) {
  Block *body = &func.getBody().front();
  auto ret = cast<func::ReturnOp>(body->getTerminator());
  for (unsigned index : indices) {
    Value value = ret.getOperand(index);
    Operation *def = value.getDefiningOp();
    if (def)
      b.setInsertionPointAfter(body->findAncestorOpInBlock(*def));
    else
      b.setInsertionPointToStart(body);
    OutputReadyOp::create(b, value.getLoc(), value, index);
  }
}

/// The split step. `GRADS(<gradient function's arguments>...)` returns the
/// loss results (loss, ce, carried state), `d.<p>` for every optimized
/// parameter and `stats.<c_sum>`, `stats.<c_count>` (tvq.codebook_stats) for
/// every updated codebook. `UPDATE(<p>..., d.<p>..., <c_sum>, <c_count>...,
/// stats...., <moments>..., step)` applies the optimizer to gradients that
/// the caller has averaged and the EMA to statistics it has summed over the
/// update's micro-batches and workers; it returns grad_norm, lr and the new
/// parameters, statistics, moments and step.
static LogicalResult buildSplitStep(ModuleOp module, func::FuncOp loss,
                                    const TrainConfig &cfg, TrainSignature &sig,
                                    Operation *after) {
  OpBuilder b(module.getContext());
  Location loc = loss.getLoc();
  FunctionType gradType = sig.grad.getFunctionType();

  // GRADS.
  func::FuncOp grads =
      createFunction(b, loc, after, cfg.gradsName,
                     SmallVector<Type>(gradType.getInputs()), sig.argNames);
  Block *gradsBody = &grads.getBody().front();
  SmallVector<Value> returned = cloneGradient(b, sig, gradsBody);
  SmallVector<Value> results;
  SmallVector<std::string> names;
  addPlainResults(sig, returned, {}, results, names);
  SmallVector<unsigned> gradientResults;
  for (auto [a, r] : llvm::zip(sig.gradArgs, sig.gradResults)) {
    gradientResults.push_back(results.size());
    results.push_back(returned[r]);
    names.push_back(resultName(sig.grad, r));
  }
  FailureOr<SmallVector<QuantizerStats>> quantizers = findQuantizers(gradsBody);
  if (failed(quantizers))
    return failure();
  for (QuantizerStats q : *quantizers) {
    auto stats = CodebookStatsOp::create(
        b, q.quantizer.getLoc(), TypeRange{q.sum.getType(), q.count.getType()},
        q.quantizer.getKeys(), q.quantizer.getCodes());
    results.push_back(stats.getSums());
    names.push_back(statsName(sig.argNames[q.sum.getArgNumber()]));
    results.push_back(stats.getCounts());
    names.push_back(statsName(sig.argNames[q.count.getArgNumber()]));
  }
  finishFunction(b, loc, grads, results, names);
  announceResults(b, grads, gradientResults);

  // UPDATE.
  SmallVector<Type> argTypes;
  SmallVector<std::string> argNames;
  for (unsigned a : sig.gradArgs) {
    argTypes.push_back(gradType.getInput(a));
    argNames.push_back(sig.argNames[a]);
  }
  for (unsigned a : sig.gradArgs) {
    argTypes.push_back(gradType.getInput(a));
    argNames.push_back("d." + sig.argNames[a]);
  }
  for (QuantizerStats q : *quantizers)
    for (BlockArgument arg : {q.sum, q.count}) {
      argTypes.push_back(arg.getType());
      argNames.push_back(sig.argNames[arg.getArgNumber()]);
    }
  for (QuantizerStats q : *quantizers)
    for (BlockArgument arg : {q.sum, q.count}) {
      argTypes.push_back(arg.getType());
      argNames.push_back(statsName(sig.argNames[arg.getArgNumber()]));
    }
  for (const Moment &m : sig.moments) {
    argTypes.push_back(m.type);
    argNames.push_back(m.name);
  }
  argTypes.push_back(RankedTensorType::get({}, b.getI64Type()));
  argNames.push_back("step");
  func::FuncOp update =
      createFunction(b, loc, grads, cfg.updateName, argTypes, argNames);
  Block *body = &update.getBody().front();
  b.setInsertionPointToStart(body);
  unsigned numParams = sig.gradArgs.size(), numStats = 2 * quantizers->size();
  auto args = [&](unsigned first, unsigned count) {
    return SmallVector<Value>(body->getArguments().slice(first, count));
  };
  SmallVector<Value> params = args(0, numParams);
  SmallVector<Value> gradValues = args(numParams, numParams);
  SmallVector<Value> oldStats = args(2 * numParams, numStats);
  SmallVector<Value> sums = args(2 * numParams + numStats, numStats);
  SmallVector<Value> moments =
      args(2 * numParams + 2 * numStats, sig.moments.size());
  Value stepArg = body->getArguments().back();
  OptimizerResult opt =
      buildOptimizer(b, loc, cfg, sig, params, gradValues, moments, stepArg);
  results = {opt.norm, opt.lr};
  names = {"grad_norm", "lr"};
  for (auto [i, value] : llvm::enumerate(opt.newParams)) {
    results.push_back(value);
    names.push_back(argNames[i]);
  }
  for (unsigned q = 0; q < quantizers->size(); ++q) {
    Value sum = oldStats[2 * q], count = oldStats[2 * q + 1];
    auto blend = CodebookBlendOp::create(
        b, (*quantizers)[q].quantizer.getLoc(),
        TypeRange{sum.getType(), count.getType()}, sum, count, sums[2 * q],
        sums[2 * q + 1], b.getF64FloatAttr(cfg.emaGamma));
    results.push_back(blend.getNewSum());
    names.push_back(argNames[2 * numParams + 2 * q]);
    results.push_back(blend.getNewCount());
    names.push_back(argNames[2 * numParams + 2 * q + 1]);
  }
  for (auto [m, value] : llvm::zip(sig.moments, opt.newMoments)) {
    results.push_back(value);
    names.push_back(m.name);
  }
  results.push_back(nextStep(b, loc, stepArg));
  names.push_back("step");
  finishFunction(b, loc, update, results, names);
  return success();
}

static LogicalResult deriveTrainStep(ModuleOp module, func::FuncOp loss,
                                     const TrainConfig &cfg) {
  FailureOr<TrainSignature> sig = readSignature(module, loss, cfg);
  if (failed(sig) || failed(buildFusedStep(module, loss, cfg, *sig)))
    return failure();
  if (cfg.gradsName.empty())
    return success();
  return buildSplitStep(module, loss, cfg, *sig, module.lookupSymbol(cfg.name));
}

struct TVQDeriveTrainStepPass
    : tvq::impl::TVQDeriveTrainStepBase<TVQDeriveTrainStepPass> {
  void runOnOperation() override {
    SmallVector<std::pair<func::FuncOp, DictionaryAttr>> work;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (auto dict = func->getAttrOfType<DictionaryAttr>("tvq.train_step"))
        work.push_back({func, dict});
    for (auto &[func, dict] : work) {
      FailureOr<TrainConfig> cfg = parseConfig(func, dict);
      if (failed(cfg) || failed(deriveTrainStep(getOperation(), func, *cfg)))
        return signalPassFailure();
    }
  }
};

} // namespace
