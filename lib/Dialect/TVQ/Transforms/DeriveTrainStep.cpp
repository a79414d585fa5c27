//===- DeriveTrainStep.cpp - The training step of a model -----------------===//
//
// Builds the training entry point from a loss's gradient function: the
// optimizer (AdamW with global-norm clipping, or Adafactor) with the
// learning-rate schedule, the EMA update of every codebook, and the loss
// function's other results (the carried attention state) passed through.
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

static LogicalResult deriveTrainStep(ModuleOp module, func::FuncOp loss,
                                     const TrainConfig &cfg) {
  auto gradName = loss->getAttrOfType<StringAttr>("tvq.gradient");
  auto grad = gradName ? module.lookupSymbol<func::FuncOp>(gradName.getValue())
                       : func::FuncOp();
  if (!grad)
    return loss.emitError("tvq.train_step needs the gradient function named by "
                          "tvq.gradient; run tvq-derive-gradients first");
  if (module.lookupSymbol(cfg.name))
    return loss.emitError()
           << "tvq.train_step names '" << cfg.name << "', which already exists";

  FunctionType gradType = grad.getFunctionType();
  unsigned numArgs = gradType.getNumInputs();
  unsigned numPlain = loss.getFunctionType().getNumResults();
  // Which argument each gradient result belongs to.
  llvm::StringMap<unsigned> argByName;
  for (unsigned i = 0; i < numArgs; ++i)
    argByName[argName(grad, i)] = i;
  // The optimized parameters, and the gradient result of each.
  SmallVector<unsigned> gradArgs, gradResults;
  for (unsigned r = numPlain; r < gradType.getNumResults(); ++r) {
    std::string n = resultName(grad, r);
    auto it = argByName.find(StringRef(n).drop_front(2)); // "d.<name>"
    if (!StringRef(n).starts_with("d.") || it == argByName.end())
      return grad.emitError() << "result " << r << " ('" << n
                              << "') is not the gradient of an argument";
    // Parameters have static shapes; data (inputs of any batch size) does
    // not, and is not optimized even when a gradient reaches it.
    if (!cast<RankedTensorType>(gradType.getInput(it->second)).hasStaticShape())
      continue;
    gradArgs.push_back(it->second);
    gradResults.push_back(r);
  }

  OpBuilder b(grad);
  b.setInsertionPointAfter(grad);
  Location loc = loss.getLoc();
  SmallVector<Type> argTypes(gradType.getInputs());
  SmallVector<std::string> argNames;
  for (unsigned i = 0; i < numArgs; ++i)
    argNames.push_back(argName(grad, i));
  // The optimizer state, one argument per moment: AdamW's m.<p> then v.<p>;
  // Adafactor's vr.<p> and vc.<p> (factored) or v.<p>.
  struct Moment {
    unsigned param; ///< Index into gradArgs.
    std::string name;
    Type type;
  };
  SmallVector<Moment> moments;
  if (cfg.adafactor) {
    for (auto [i, a] : llvm::enumerate(gradArgs)) {
      auto type = cast<RankedTensorType>(gradType.getInput(a));
      if (isFactored(type, cfg.factorMinDim)) {
        moments.push_back({static_cast<unsigned>(i), "vr." + argNames[a],
                           type.clone({type.getDimSize(0)})});
        moments.push_back({static_cast<unsigned>(i), "vc." + argNames[a],
                           type.clone({type.getDimSize(1)})});
      } else {
        moments.push_back({static_cast<unsigned>(i), "v." + argNames[a], type});
      }
    }
  } else {
    for (const char *prefix : {"m.", "v."})
      for (auto [i, a] : llvm::enumerate(gradArgs))
        moments.push_back({static_cast<unsigned>(i), prefix + argNames[a],
                           gradType.getInput(a)});
  }
  for (const Moment &m : moments) {
    argTypes.push_back(m.type);
    argNames.push_back(m.name);
  }
  auto stepType = RankedTensorType::get({}, b.getI64Type());
  argTypes.push_back(stepType);
  argNames.push_back("step");

  auto step =
      func::FuncOp::create(b, loc, cfg.name, b.getFunctionType(argTypes, {}));
  Block *body = step.addEntryBlock();
  for (unsigned i = 0; i < argTypes.size(); ++i)
    step.setArgAttr(i, "tvq.name", b.getStringAttr(argNames[i]));
  IRMapping mapping;
  for (unsigned i = 0; i < numArgs; ++i)
    mapping.map(grad.getArgument(i), body->getArgument(i));
  b.setInsertionPointToStart(body);
  for (Operation &op : grad.getBody().front().without_terminator())
    b.clone(op, mapping);
  auto gradReturn =
      cast<func::ReturnOp>(grad.getBody().front().getTerminator());
  auto mapped = [&](Value v) { return mapping.lookupOrDefault(v); };

  SmallVector<Value> grads;
  for (unsigned r : gradResults)
    grads.push_back(mapped(gradReturn.getOperand(r)));
  auto scalarF32 = RankedTensorType::get({}, b.getF32Type());
  Value stepArg = body->getArguments().back();
  Value norm = GlobalNormOp::create(b, loc, scalarF32, grads);
  Value lr = LRScheduleOp::create(
      b, loc, scalarF32, stepArg, b.getF64FloatAttr(cfg.lr),
      b.getI64IntegerAttr(cfg.warmup), b.getI64IntegerAttr(cfg.totalSteps),
      b.getF64FloatAttr(cfg.finalLrRatio));

  SmallVector<Value> results = {
      mapped(gradReturn.getOperand(0)),
      numPlain > 1 ? mapped(gradReturn.getOperand(1)) : Value(), norm, lr};
  SmallVector<std::string> names = {resultName(grad, 0),
                                    numPlain > 1 ? resultName(grad, 1) : "",
                                    "grad_norm", "lr"};
  if (numPlain < 2) {
    results.erase(results.begin() + 1);
    names.erase(names.begin() + 1);
  }
  // The loss function's other results (the attention state of truncated
  // BPTT) pass through under their names.
  for (unsigned r = 2; r < numPlain; ++r) {
    results.push_back(mapped(gradReturn.getOperand(r)));
    names.push_back(resultName(grad, r));
  }
  // The new moments, in the order of `moments`.
  SmallVector<Value> newMoments(moments.size());
  auto momentArg = [&](unsigned k) {
    return body->getArgument(numArgs + k);
  };
  for (auto [i, a] : llvm::enumerate(gradArgs)) {
    Value param = body->getArgument(a);
    SmallVector<unsigned> mine;
    for (unsigned k = 0; k < moments.size(); ++k)
      if (moments[k].param == i)
        mine.push_back(k);
    SmallVector<Value> newOnes;
    if (cfg.adafactor) {
      SmallVector<Value> old;
      SmallVector<Type> types = {param.getType()};
      for (unsigned k : mine) {
        old.push_back(momentArg(k));
        types.push_back(moments[k].type);
      }
      auto update = AdafactorUpdateOp::create(
          b, loc, types, param, grads[i], stepArg, lr, old,
          b.getF64FloatAttr(cfg.decayRate), b.getF64FloatAttr(cfg.epsilon),
          b.getF64FloatAttr(cfg.updateClip), b.getF64FloatAttr(cfg.minScale));
      results.push_back(update.getNewParam());
      newOnes = llvm::to_vector_of<Value>(update.getNewMoments());
    } else {
      Value m = momentArg(mine[0]), v = momentArg(mine[1]);
      bool matrix = cast<RankedTensorType>(param.getType()).getRank() >= 2;
      auto update = AdamWUpdateOp::create(
          b, loc, TypeRange{param.getType(), m.getType(), v.getType()}, param,
          grads[i], m, v, stepArg, lr, norm, b.getF64FloatAttr(cfg.beta1),
          b.getF64FloatAttr(cfg.beta2), b.getF64FloatAttr(cfg.epsilon),
          b.getF64FloatAttr(matrix ? cfg.weightDecay : 0.0),
          b.getF64FloatAttr(cfg.clipNorm));
      results.push_back(update.getNewParam());
      newOnes = {update.getNewM(), update.getNewV()};
    }
    names.push_back(argNames[a]);
    for (auto [k, value] : llvm::zip(mine, newOnes))
      newMoments[k] = value;
  }

  // The EMA k-means step of every codebook whose statistics are arguments.
  SmallVector<VQQuantizeOp> quantizers;
  body->walk([&](VQQuantizeOp q) { quantizers.push_back(q); });
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
    auto ema = CodebookEMAOp::create(
        b, q.getLoc(), TypeRange{sum.getType(), count.getType()}, sum, count,
        q.getKeys(), q.getCodes(), b.getF64FloatAttr(cfg.emaGamma));
    results.push_back(ema.getNewSum());
    names.push_back(argNames[sum.getArgNumber()]);
    results.push_back(ema.getNewCount());
    names.push_back(argNames[count.getArgNumber()]);
  }
  for (auto [m, value] : llvm::zip(moments, newMoments)) {
    results.push_back(value);
    names.push_back(m.name);
  }
  Value one = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(stepType, b.getI64IntegerAttr(1)));
  results.push_back(arith::AddIOp::create(b, loc, stepArg, one));
  names.push_back("step");

  func::ReturnOp::create(b, loc, results);
  SmallVector<Type> resultTypes;
  for (Value r : results)
    resultTypes.push_back(r.getType());
  step.setFunctionType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, n] : llvm::enumerate(names))
    step.setResultAttr(i, "tvq.name", b.getStringAttr(n));
  step->setAttr(kDerivedAttr, b.getUnitAttr());
  return success();
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
