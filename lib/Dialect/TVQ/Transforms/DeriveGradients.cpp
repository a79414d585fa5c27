//===- DeriveGradients.cpp - Reverse-mode differentiation -----------------===//
//
// Builds `@NAME` for every function marked `tvq.gradient = "NAME"`: the
// forward, then the backward made of each op's vector-Jacobian product in
// reverse order, returning the loss, the other results and the gradients.
// Calls are inlined first, except calls of functions marked `tvq.recompute`:
// their forward is recomputed in the backward from their inputs.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/TypeSwitch.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQDERIVEGRADIENTS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// The adjoints of one function being differentiated, and the builder that
/// emits the backward.
class Adjoints {
public:
  Adjoints(OpBuilder &b) : b(b) {}

  /// The adjoint of `v`, or null when nothing flowed into it.
  Value get(Value v) const { return adjoints.lookup(v); }

  /// The adjoint of `v`, or zeros of its shape.
  Value getOrZeros(Value v, Location loc) {
    if (Value g = get(v))
      return g;
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
    Value empty = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
    Value zeros = linalg::FillOp::create(b, loc, zero, empty).getResult(0);
    if (zeros.getType() != type)
      zeros = tensor::CastOp::create(b, loc, type, zeros);
    return zeros;
  }

  /// Adds `g` to the adjoint of `v` (float tensors only).
  void add(Value v, Value g) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !isa<FloatType>(type.getElementType()))
      return;
    if (g.getType() != type)
      g = tensor::CastOp::create(b, g.getLoc(), type, g);
    if (Value old = adjoints.lookup(v))
      g = arith::AddFOp::create(b, g.getLoc(), old, g);
    adjoints[v] = g;
  }

private:
  OpBuilder &b;
  DenseMap<Value, Value> adjoints;
};

static LogicalResult backward(Operation *op, Adjoints &adj, OpBuilder &b);

/// True when any result of `op` has an adjoint.
static bool receivesGradient(Operation *op, const Adjoints &adj) {
  return llvm::any_of(op->getResults(),
                      [&](Value r) { return static_cast<bool>(adj.get(r)); });
}

/// Emits the vector-Jacobian products of `ops` (in forward order) in reverse.
static LogicalResult backwardInReverse(ArrayRef<Operation *> ops, Adjoints &adj,
                                       OpBuilder &b) {
  for (Operation *op : llvm::reverse(ops)) {
    if (!receivesGradient(op, adj) || isa<arith::ConstantOp>(op))
      continue;
    if (failed(backward(op, adj, b)))
      return failure();
  }
  return success();
}

/// The function `call` calls, or null when it is not a function of the
/// module.
static func::FuncOp getCallee(func::CallOp call) {
  return SymbolTable::lookupNearestSymbolFrom<func::FuncOp>(
      call, call.getCalleeAttr());
}

/// Copies the ops of `body` but its terminator to `b`'s insertion point,
/// with `mapping` giving its arguments; returns the copies in order.
static SmallVector<Operation *> cloneBody(OpBuilder &b, Block &body,
                                          IRMapping &mapping) {
  SmallVector<Operation *> copies;
  for (Operation &op : body.without_terminator())
    copies.push_back(b.clone(op, mapping));
  return copies;
}

/// The vector-Jacobian product of a call of a `tvq.recompute` function: its
/// forward again, from its inputs, then the backward of that copy. Computed
/// inputs pass through `tvq.recompute_input`, so that `cse` keeps the copy
/// apart from the forward's ops, whose results are then dead after the
/// forward.
static LogicalResult backwardByRecomputing(func::CallOp call, Adjoints &adj,
                                           OpBuilder &b) {
  func::FuncOp callee = getCallee(call);
  Block &body = callee.getBody().front();
  IRMapping mapping;
  // The recompute_input ops, then the copies of the body, in forward order.
  SmallVector<Operation *> copies;
  // Values of the copy that depend on a computed input.
  llvm::DenseSet<Value> recomputed;
  for (auto [arg, input] : llvm::zip(body.getArguments(), call.getOperands())) {
    bool computed = !isa<BlockArgument>(input) &&
                    !input.getDefiningOp<arith::ConstantOp>() &&
                    isa<RankedTensorType>(input.getType());
    if (!computed) {
      mapping.map(arg, input);
      continue;
    }
    auto fresh = RecomputeInputOp::create(b, call.getLoc(), input);
    copies.push_back(fresh);
    recomputed.insert(fresh.getOutput());
    mapping.map(arg, fresh.getOutput());
  }
  // Copies that read a computed input are marked; the others (the codebook,
  // the position table, ...) depend on parameters only and `cse` may merge
  // them with the forward's.
  for (Operation *copy : cloneBody(b, body, mapping)) {
    copies.push_back(copy);
    if (llvm::any_of(copy->getOperands(),
                     [&](Value v) { return recomputed.contains(v); })) {
      copy->setAttr(kRecomputedAttr, b.getUnitAttr());
      recomputed.insert_range(copy->getResults());
    }
  }
  Operation *ret = body.getTerminator();
  for (auto [result, returned] :
       llvm::zip(call.getResults(), ret->getOperands()))
    if (Value g = adj.get(result))
      adj.add(mapping.lookupOrDefault(returned), g);
  return backwardInReverse(copies, adj, b);
}

/// Emits the vector-Jacobian product of `op` given the adjoints of its
/// results. Fails for ops without a rule.
static LogicalResult backward(Operation *op, Adjoints &adj, OpBuilder &b) {
  Location loc = op->getLoc();
  return llvm::TypeSwitch<Operation *, LogicalResult>(op)
      .Case([&](arith::AddFOp o) {
        Value g = adj.get(o.getResult());
        adj.add(o.getLhs(), g);
        adj.add(o.getRhs(), g);
        return success();
      })
      .Case([&](arith::SubFOp o) {
        Value g = adj.get(o.getResult());
        adj.add(o.getLhs(), g);
        adj.add(o.getRhs(), arith::NegFOp::create(b, loc, g));
        return success();
      })
      .Case([&](arith::MulFOp o) {
        Value g = adj.get(o.getResult());
        adj.add(o.getLhs(), arith::MulFOp::create(b, loc, g, o.getRhs()));
        adj.add(o.getRhs(), arith::MulFOp::create(b, loc, g, o.getLhs()));
        return success();
      })
      .Case([&](EmbeddingOp o) {
        adj.add(o.getTable(),
                EmbeddingGradOp::create(b, loc, o.getTable().getType(),
                                        o.getIds(), adj.get(o.getOutput())));
        return success();
      })
      .Case([&](RMSNormOp o) {
        adj.add(o.getInput(), RMSNormGradOp::create(
                                  b, loc, o.getInput().getType(), o.getInput(),
                                  adj.get(o.getOutput()), o.getEpsilonAttr()));
        return success();
      })
      .Case([&](ScaleShiftOp o) {
        auto grad = ScaleShiftGradOp::create(
            b, loc,
            TypeRange{o.getInput().getType(), o.getGain().getType(),
                      o.getBias().getType()},
            o.getInput(), o.getGain(), adj.get(o.getOutput()));
        adj.add(o.getInput(), grad.getDInput());
        adj.add(o.getGain(), grad.getDGain());
        adj.add(o.getBias(), grad.getDBias());
        return success();
      })
      .Case([&](ScaleOp o) {
        adj.add(o.getInput(),
                ScaleOp::create(b, loc, o.getInput().getType(),
                                adj.get(o.getOutput()), o.getFactorAttr()));
        return success();
      })
      .Case([&](SiLUOp o) {
        adj.add(o.getInput(),
                SiLUGradOp::create(b, loc, o.getInput().getType(), o.getInput(),
                                   adj.get(o.getOutput())));
        return success();
      })
      .Case([&](DropoutOp o) {
        // Linear in the input: the same mask (same seed and stream) applied
        // to the incoming gradient.
        adj.add(o.getInput(),
                DropoutOp::create(b, loc, o.getInput().getType(),
                                  adj.get(o.getOutput()), o.getSeed(),
                                  o.getRateAttr(), o.getStreamAttr(),
                                  o.getMaskRankAttr()));
        return success();
      })
      .Case([&](DenseOp o) {
        Value g = adj.get(o.getOutput());
        bool transposed = o.getTransposeWeight();
        // dx = g W^T: a dense with the weight used the other way round.
        adj.add(o.getInput(),
                DenseOp::create(b, loc, o.getInput().getType(), g,
                                o.getWeight(), Value(),
                                transposed ? UnitAttr() : b.getUnitAttr()));
        adj.add(o.getWeight(),
                DenseWeightGradOp::create(
                    b, loc, o.getWeight().getType(), o.getInput(), g,
                    transposed ? b.getUnitAttr() : UnitAttr()));
        if (Value bias = o.getBias())
          adj.add(bias, SumLeadingOp::create(b, loc, bias.getType(), g));
        return success();
      })
      .Case([&](SplitOp o) {
        SmallVector<Value> parts;
        for (Value r : o.getOutputs())
          parts.push_back(adj.getOrZeros(r, loc));
        adj.add(o.getInput(),
                ConcatOp::create(b, loc, o.getInput().getType(), parts));
        return success();
      })
      .Case([&](VQQuantizeOp o) {
        Value dq = adj.getOrZeros(o.getQuantized(), loc);
        Value de = adj.getOrZeros(o.getErrors(), loc);
        adj.add(o.getKeys(), VQQuantizeGradOp::create(
                                 b, loc, o.getKeys().getType(), o.getKeys(),
                                 o.getQuantized(), dq, de));
        return success();
      })
      .Case([&](VQAttentionOp o) {
        Value g = adj.get(o.getOutput());
        if (!g)
          return success(); // Only the state results are used.
        auto grad = VQAttentionGradOp::create(
            b, loc,
            TypeRange{o.getQ().getType(), o.getKHat().getType(),
                      o.getV().getType(), o.getU().getType(),
                      o.getW().getType(), o.getR().getType()},
            o.getQ(), o.getKHat(), o.getCodes(), o.getV(), o.getCodebook(),
            o.getU(), o.getW(), o.getR(), o.getStateIn(), g,
            o.getBlockLenAttr(), o.getMemLenAttr());
        adj.add(o.getQ(), grad.getDq());
        adj.add(o.getKHat(), grad.getDkHat());
        adj.add(o.getV(), grad.getDv());
        adj.add(o.getU(), grad.getDu());
        adj.add(o.getW(), grad.getDw());
        adj.add(o.getR(), grad.getDr());
        return success();
      })
      .Case([&](CrossEntropyOp o) {
        adj.add(o.getLogits(),
                CrossEntropyGradOp::create(b, loc, o.getLogits().getType(),
                                           o.getLogits(), o.getTargets(),
                                           adj.get(o.getLoss())));
        return success();
      })
      .Case([&](MeanOp o) {
        adj.add(o.getInput(),
                MeanGradOp::create(b, loc, o.getInput().getType(), o.getInput(),
                                   adj.get(o.getOutput())));
        return success();
      })
      .Case([&](func::CallOp o) { return backwardByRecomputing(o, adj, b); })
      .Case([&](RecomputeInputOp o) {
        adj.add(o.getInput(), adj.get(o.getOutput()));
        return success();
      })
      // Not differentiated: the codebook and its statistics, positions.
      .Case<CodebookOp, CodebookEMAOp, SinusoidTableOp>(
          [](Operation *) { return success(); })
      .Default([&](Operation *other) {
        return other->emitOpError()
               << "has no gradient rule; tvq-derive-gradients differentiates "
                  "tvq ops and elementwise arith ops on tensors";
      });
}

/// Replaces `call` by a copy of its callee's body, and the calls in that
/// copy the same way, except calls of `tvq.recompute` functions. `active`
/// holds the functions being inlined (a call of one of them is recursion).
static LogicalResult inlineCall(func::CallOp call,
                                SmallVectorImpl<func::FuncOp> &active) {
  func::FuncOp callee = getCallee(call);
  if (!callee || callee.isExternal())
    return call.emitOpError("calls '")
           << call.getCallee()
           << "', which has no body; tvq-derive-gradients differentiates "
              "calls of functions of the module";
  if (!callee.getBody().hasOneBlock())
    return call.emitOpError("calls '")
           << call.getCallee() << "', which has more than one block";
  if (llvm::is_contained(active, callee))
    return call.emitOpError("calls '") << call.getCallee() << "' recursively";
  if (callee->hasAttr(kRecomputeAttr)) {
    // Recomputed in the backward as it is: it must not call anything.
    WalkResult nested = callee.walk([](func::CallOp inner) {
      inner.emitOpError("is in a function marked tvq.recompute, which must "
                        "not call other functions");
      return WalkResult::interrupt();
    });
    return failure(nested.wasInterrupted());
  }
  OpBuilder b(call);
  Block &body = callee.getBody().front();
  IRMapping mapping;
  mapping.map(body.getArguments(), call.getOperands());
  SmallVector<func::CallOp> inner;
  for (Operation *copy : cloneBody(b, body, mapping))
    if (auto innerCall = dyn_cast<func::CallOp>(copy))
      inner.push_back(innerCall);
  for (auto [result, returned] :
       llvm::zip(call.getResults(), body.getTerminator()->getOperands()))
    result.replaceAllUsesWith(mapping.lookupOrDefault(returned));
  call.erase();
  active.push_back(callee);
  for (func::CallOp innerCall : inner)
    if (failed(inlineCall(innerCall, active)))
      return failure();
  active.pop_back();
  return success();
}

/// Adds the gradient function of `func` named `name`.
static LogicalResult deriveGradient(func::FuncOp func, StringRef name) {
  if (!func.getBody().hasOneBlock())
    return func.emitError("tvq.gradient needs a function of one block");
  FunctionType type = func.getFunctionType();
  auto lossType = type.getNumResults() > 0
                      ? dyn_cast<RankedTensorType>(type.getResult(0))
                      : RankedTensorType();
  if (!lossType || lossType.getRank() != 0 ||
      !lossType.getElementType().isF32())
    return func.emitError("the first result of a function with tvq.gradient "
                          "must be the loss, a tensor<f32>");

  OpBuilder b(func);
  b.setInsertionPointAfter(func);
  auto grad = func::FuncOp::create(b, func.getLoc(), name, type);
  IRMapping mapping;
  func.getBody().cloneInto(&grad.getBody(), mapping);
  grad.setAllArgAttrs(func.getAllArgAttrs());
  if (ArrayAttr resultAttrs = func.getAllResultAttrs())
    grad.setAllResultAttrs(resultAttrs);
  Block &body = grad.getBody().front();
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  SmallVector<func::FuncOp> active = {func};
  for (auto call : llvm::to_vector(body.getOps<func::CallOp>()))
    if (failed(inlineCall(call, active)))
      return failure();

  b.setInsertionPoint(ret);
  Adjoints adj(b);
  Value one = arith::ConstantOp::create(
      b, func.getLoc(),
      DenseElementsAttr::get(lossType, b.getF32FloatAttr(1.0)));
  adj.add(ret.getOperand(0), one);
  SmallVector<Operation *> ops;
  for (Operation &op : body.without_terminator())
    ops.push_back(&op);
  if (failed(backwardInReverse(ops, adj, b)))
    return failure();

  // Results: the original ones, then d.<name> per differentiated argument.
  SmallVector<Value> results(ret.getOperands());
  SmallVector<Type> resultTypes(type.getResults());
  SmallVector<DictionaryAttr> resultAttrs;
  for (unsigned i = 0; i < type.getNumResults(); ++i)
    resultAttrs.push_back(grad.getResultAttrDict(i) ? grad.getResultAttrDict(i)
                                                    : b.getDictionaryAttr({}));
  for (BlockArgument arg : body.getArguments()) {
    Value g = adj.get(arg);
    if (!g)
      continue;
    auto nameAttr =
        grad.getArgAttrOfType<StringAttr>(arg.getArgNumber(), "tvq.name");
    std::string argName = nameAttr ? nameAttr.getValue().str()
                                   : "arg" + std::to_string(arg.getArgNumber());
    results.push_back(g);
    resultTypes.push_back(arg.getType());
    resultAttrs.push_back(b.getDictionaryAttr(
        b.getNamedAttr("tvq.name", b.getStringAttr("d." + argName))));
  }
  func::ReturnOp::create(b, ret.getLoc(), results);
  ret.erase();
  grad.setFunctionType(b.getFunctionType(type.getInputs(), resultTypes));
  grad.setAllResultAttrs(resultAttrs);
  grad->removeAttr("tvq.gradient");
  grad->removeAttr("tvq.train_step");
  grad->setAttr(kDerivedAttr, b.getUnitAttr());
  return success();
}

struct TVQDeriveGradientsPass
    : tvq::impl::TVQDeriveGradientsBase<TVQDeriveGradientsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<func::FuncOp, std::string>> work;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (auto name = func->getAttrOfType<StringAttr>("tvq.gradient"))
        work.push_back({func, name.getValue().str()});
    for (auto &[func, name] : work) {
      if (getOperation().lookupSymbol(name)) {
        func.emitError() << "tvq.gradient names '" << name
                         << "', which already exists";
        return signalPassFailure();
      }
      if (failed(deriveGradient(func, name)))
        return signalPassFailure();
    }
  }
};

} // namespace
