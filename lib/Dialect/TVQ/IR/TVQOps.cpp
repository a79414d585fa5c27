//===- TVQOps.cpp - Operations of the tvq dialect -------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace mlir::tvq;

static DimSpec sym(StringRef s) { return DimSpec::sym(s); }

/// Shared reification: every result dimension is either a fixed size or the
/// size of the first operand dimension with the same symbol.
static LogicalResult reifyFromContract(Operation *op, const ShapeContract &c,
                                       OpBuilder &b,
                                       ReifiedRankedShapedTypeDims &shapes) {
  llvm::StringMap<SymbolSite> sites = firstOperandSites(op, c);
  for (OpResult result : op->getResults()) {
    const ValueSpec *spec = nullptr;
    for (const ValueSpec &s : c.values)
      if (s.value == result)
        spec = &s;
    if (!spec)
      return failure();
    SmallVector<OpFoldResult> dims;
    for (const DimSpec &d : spec->dims) {
      if (!d.isSymbol()) {
        dims.push_back(b.getIndexAttr(d.fixed));
        continue;
      }
      auto it = sites.find(d.symbol);
      if (it == sites.end())
        return failure();
      Value source = c.values[it->second.valueIndex].value;
      dims.push_back(tensor::getMixedSize(b, op->getLoc(), source,
                                          it->second.dim));
    }
    shapes.push_back(dims);
  }
  return success();
}

//===----------------------------------------------------------------------===//
// VQQuantizeOp
//===----------------------------------------------------------------------===//

ShapeContract VQQuantizeOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "keys", getKeys(), {sym("B"), sym("T"), sym("K")});
  c.add("operand", "codebook", getCodebook(), {sym("S"), sym("K")});
  c.add("result", "quantized", getQuantized(),
        {sym("B"), sym("T"), sym("K")});
  c.add("result", "codes", getCodes(), {sym("B"), sym("T")});
  c.add("result", "errors", getErrors(), {sym("B"), sym("T")});
  return c;
}

LogicalResult VQQuantizeOp::verify() {
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult VQQuantizeOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

//===----------------------------------------------------------------------===//
// VQAttentionOp
//===----------------------------------------------------------------------===//

/// Names and element types of the state tensors, in order.
static const char *const kStateNames[] = {"count",    "mean",       "win_codes",
                                          "win_keys", "win_values", "seen"};

ShapeContract VQAttentionOp::getShapeContract() {
  ShapeContract c;
  int64_t m = getMemLen();
  DimSpec mDim = DimSpec::size(m);
  c.add("operand", "q", getQ(), {sym("B"), sym("T"), sym("K")});
  c.add("operand", "k_hat", getKHat(), {sym("B"), sym("T"), sym("K")});
  c.add("operand", "codes", getCodes(), {sym("B"), sym("T")});
  c.add("operand", "v", getV(), {sym("B"), sym("T"), sym("V")});
  c.add("operand", "codebook", getCodebook(), {sym("S"), sym("K")});
  c.add("operand", "u", getU(), {sym("K")});
  c.add("operand", "w", getW(), {sym("K")});
  c.add("operand", "r", getR(), {DimSpec::size(m + 1), sym("K")});
  SmallVector<SmallVector<DimSpec>> stateDims = {
      {sym("B"), sym("S")},
      {sym("B"), sym("S"), sym("V")},
      {sym("B"), mDim},
      {sym("B"), mDim, sym("K")},
      {sym("B"), mDim, sym("V")},
      {sym("B")}};
  if (getStateIn().size() == kNumStateTensors)
    for (auto [i, v] : llvm::enumerate(getStateIn()))
      c.add("state operand", kStateNames[i], v, stateDims[i]);
  c.add("result", "output", getOutput(), {sym("B"), sym("T"), sym("V")});
  for (auto [i, v] : llvm::enumerate(getResults().drop_front()))
    c.add("state result", kStateNames[i], v, stateDims[i]);
  c.rules.push_back({"T", getBlockLen(), "block_len"});
  return c;
}

LogicalResult VQAttentionOp::verify() {
  ValueRange state = getStateIn();
  if (!state.empty() && state.size() != kNumStateTensors)
    return emitOpError() << "takes either no state or all "
                         << kNumStateTensors
                         << " state tensors (count, mean, win_codes, "
                            "win_keys, win_values, seen), but got "
                         << state.size();
  Builder b(getContext());
  Type stateTypes[] = {b.getF32Type(), b.getF32Type(), b.getI32Type(),
                       b.getF32Type(), b.getF32Type(), b.getI64Type()};
  for (auto [i, v] : llvm::enumerate(state)) {
    Type elt = cast<RankedTensorType>(v.getType()).getElementType();
    if (elt != stateTypes[i])
      return emitOpError() << "state operand '" << kStateNames[i]
                           << "' must have element type " << stateTypes[i]
                           << ", but has " << elt;
  }
  return verifyShapeContract(*this, getShapeContract());
}

SmallVector<Value> VQAttentionOp::getStateOrZeros(OpBuilder &b) {
  if (hasState())
    return llvm::to_vector(getStateIn());
  Location loc = getLoc();
  ReifiedRankedShapedTypeDims shapes;
  LogicalResult reified = reifyResultShapes(b, shapes);
  assert(succeeded(reified) && "a verified op always reifies");
  (void)reified;
  SmallVector<Value> state;
  for (auto [i, result] : llvm::enumerate(getResults())) {
    if (i == 0)
      continue;
    auto type = cast<RankedTensorType>(result.getType());
    Value empty =
        tensor::EmptyOp::create(b, loc, shapes[i], type.getElementType());
    if (empty.getType() != type)
      empty = tensor::CastOp::create(b, loc, type, empty);
    Value zero = arith::ConstantOp::create(
        b, loc, b.getZeroAttr(type.getElementType()));
    state.push_back(linalg::FillOp::create(b, loc, zero, empty).getResult(0));
  }
  return state;
}

LogicalResult VQAttentionOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

//===----------------------------------------------------------------------===//
// CodebookEMAOp
//===----------------------------------------------------------------------===//

ShapeContract CodebookEMAOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "c_sum", getCSum(), {sym("S"), sym("K")});
  c.add("operand", "c_count", getCCount(), {sym("S")});
  c.add("operand", "keys", getKeys(), {sym("B"), sym("T"), sym("K")});
  c.add("operand", "codes", getCodes(), {sym("B"), sym("T")});
  c.add("result", "new_sum", getNewSum(), {sym("S"), sym("K")});
  c.add("result", "new_count", getNewCount(), {sym("S")});
  return c;
}

LogicalResult CodebookEMAOp::verify() {
  double gamma = getGamma().convertToDouble();
  if (!(gamma > 0.0 && gamma < 1.0))
    return emitOpError() << "gamma must lie in (0, 1), but is " << gamma;
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult CodebookEMAOp::reifyResultShapes(
    OpBuilder &b, ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

#define GET_OP_CLASSES
#include "tvq/Dialect/TVQ/IR/TVQOps.cpp.inc"
