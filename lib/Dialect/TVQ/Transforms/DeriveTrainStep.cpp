//===- DeriveTrainStep.cpp - The training step of a model -----------------===//
//
// Builds the training entry point from a loss's gradient function: global
// norm clipping, AdamW with the learning-rate schedule, and the EMA update
// of every codebook.
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
  double lr, beta1, beta2, epsilon, clipNorm, weightDecay, finalLrRatio,
      emaGamma;
  int64_t warmup, totalSteps;
};

static FailureOr<TrainConfig> parseConfig(func::FuncOp func,
                                          DictionaryAttr dict) {
  TrainConfig c;
  auto name = dict.getAs<StringAttr>("name");
  if (!name)
    return func.emitError("tvq.train_step needs a string 'name'");
  c.name = name.getValue().str();
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
  if (failed(real("lr", c.lr)) || failed(real("beta1", c.beta1)) ||
      failed(real("beta2", c.beta2)) || failed(real("epsilon", c.epsilon)) ||
      failed(real("clip_norm", c.clipNorm)) ||
      failed(real("weight_decay", c.weightDecay)) ||
      failed(real("final_lr_ratio", c.finalLrRatio)) ||
      failed(real("ema_gamma", c.emaGamma)) ||
      failed(integer("warmup", c.warmup)) ||
      failed(integer("total_steps", c.totalSteps)))
    return failure();
  return c;
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
  for (const char *prefix : {"m.", "v."})
    for (unsigned a : gradArgs) {
      argTypes.push_back(gradType.getInput(a));
      argNames.push_back(prefix + argNames[a]);
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
  SmallVector<Value> newM, newV;
  for (auto [i, a] : llvm::enumerate(gradArgs)) {
    Value param = body->getArgument(a);
    Value m = body->getArgument(numArgs + i);
    Value v = body->getArgument(numArgs + gradArgs.size() + i);
    bool matrix = cast<RankedTensorType>(param.getType()).getRank() >= 2;
    auto update = AdamWUpdateOp::create(
        b, loc, TypeRange{param.getType(), m.getType(), v.getType()}, param,
        grads[i], m, v, stepArg, lr, norm, b.getF64FloatAttr(cfg.beta1),
        b.getF64FloatAttr(cfg.beta2), b.getF64FloatAttr(cfg.epsilon),
        b.getF64FloatAttr(matrix ? cfg.weightDecay : 0.0),
        b.getF64FloatAttr(cfg.clipNorm));
    results.push_back(update.getNewParam());
    names.push_back(argNames[a]);
    newM.push_back(update.getNewM());
    newV.push_back(update.getNewV());
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
  for (auto [i, a] : llvm::enumerate(gradArgs)) {
    results.push_back(newM[i]);
    names.push_back("m." + argNames[a]);
  }
  for (auto [i, a] : llvm::enumerate(gradArgs)) {
    results.push_back(newV[i]);
    names.push_back("v." + argNames[a]);
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
