//===- TVQOps.cpp - Operations of the tvq dialect -------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/TypeSwitch.h"

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
      dims.push_back(
          tensor::getMixedSize(b, op->getLoc(), source, it->second.dim));
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
  c.add("result", "quantized", getQuantized(), {sym("B"), sym("T"), sym("K")});
  c.add("result", "codes", getCodes(), {sym("B"), sym("T")});
  c.add("result", "errors", getErrors(), {sym("B"), sym("T")});
  return c;
}

LogicalResult VQQuantizeOp::verify() {
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
VQQuantizeOp::reifyResultShapes(OpBuilder &b,
                                ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

//===----------------------------------------------------------------------===//
// VQAttentionOp
//===----------------------------------------------------------------------===//

/// Names and element types of the state tensors, in order.
static const char *const kStateNames[] = {"count",    "mean",       "win_codes",
                                          "win_keys", "win_values", "seen"};

/// The state tensors' symbolic shapes, in order.
static SmallVector<SmallVector<DimSpec>> stateDims(int64_t memLen) {
  DimSpec m = DimSpec::size(memLen);
  return {{sym("B"), sym("S")},    {sym("B"), sym("S"), sym("V")},
          {sym("B"), m},           {sym("B"), m, sym("K")},
          {sym("B"), m, sym("V")}, {sym("B")}};
}

/// The operands shared by vq_attention and vq_attention_grad.
static void addAttentionOperands(ShapeContract &c, Value q, Value kHat,
                                 Value codes, Value v, Value codebook, Value u,
                                 Value w, Value r, ValueRange state,
                                 int64_t memLen, int64_t blockLen) {
  c.add("operand", "q", q, {sym("B"), sym("T"), sym("K")});
  c.add("operand", "k_hat", kHat, {sym("B"), sym("T"), sym("K")});
  c.add("operand", "codes", codes, {sym("B"), sym("T")});
  c.add("operand", "v", v, {sym("B"), sym("T"), sym("V")});
  c.add("operand", "codebook", codebook, {sym("S"), sym("K")});
  c.add("operand", "u", u, {sym("K")});
  c.add("operand", "w", w, {sym("K")});
  c.add("operand", "r", r, {DimSpec::size(memLen + 1), sym("K")});
  if (state.size() == VQAttentionOp::kNumStateTensors)
    for (auto [i, value] : llvm::enumerate(state))
      c.add("state operand", kStateNames[i], value, stateDims(memLen)[i]);
  c.rules.push_back({"T", blockLen, "block_len"});
}

/// Checks the count and element types of an optional incoming state.
static LogicalResult verifyStateOperands(Operation *op, ValueRange state) {
  if (!state.empty() && state.size() != VQAttentionOp::kNumStateTensors)
    return op->emitOpError()
           << "takes either no state or all " << VQAttentionOp::kNumStateTensors
           << " state tensors (count, mean, win_codes, win_keys, win_values, "
              "seen), but got "
           << state.size();
  Builder b(op->getContext());
  Type stateTypes[] = {b.getF32Type(), b.getF32Type(), b.getI32Type(),
                       b.getF32Type(), b.getF32Type(), b.getI64Type()};
  for (auto [i, v] : llvm::enumerate(state)) {
    Type elt = cast<RankedTensorType>(v.getType()).getElementType();
    if (elt != stateTypes[i])
      return op->emitOpError() << "state operand '" << kStateNames[i]
                               << "' must have element type " << stateTypes[i]
                               << ", but has " << elt;
  }
  return success();
}

ShapeContract VQAttentionOp::getShapeContract() {
  ShapeContract c;
  int64_t m = getMemLen();
  addAttentionOperands(c, getQ(), getKHat(), getCodes(), getV(), getCodebook(),
                       getU(), getW(), getR(), getStateIn(), m,
                       static_cast<int64_t>(getBlockLen()));
  c.add("result", "output", getOutput(), {sym("B"), sym("T"), sym("V")});
  for (auto [i, v] : llvm::enumerate(getResults().drop_front()))
    c.add("state result", kStateNames[i], v, stateDims(m)[i]);
  return c;
}

LogicalResult VQAttentionOp::verify() {
  if (failed(verifyStateOperands(*this, getStateIn())))
    return failure();
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
    Value zero =
        arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
    state.push_back(linalg::FillOp::create(b, loc, zero, empty).getResult(0));
  }
  return state;
}

LogicalResult
VQAttentionOp::reifyResultShapes(OpBuilder &b,
                                 ReifiedRankedShapedTypeDims &shapes) {
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

LogicalResult
CodebookEMAOp::reifyResultShapes(OpBuilder &b,
                                 ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

//===----------------------------------------------------------------------===//
// CodebookStatsOp, CodebookBlendOp
//===----------------------------------------------------------------------===//

ShapeContract CodebookStatsOp::getShapeContract() {
  // S appears in the results only: it is their static size.
  auto counts = cast<RankedTensorType>(getCounts().getType());
  DimSpec s = counts.getRank() == 1 && !counts.isDynamicDim(0)
                  ? DimSpec::size(counts.getDimSize(0))
                  : sym("S");
  ShapeContract c;
  c.add("operand", "keys", getKeys(), {sym("B"), sym("T"), sym("K")});
  c.add("operand", "codes", getCodes(), {sym("B"), sym("T")});
  c.add("result", "sums", getSums(), {s, sym("K")});
  c.add("result", "counts", getCounts(), {s});
  return c;
}

LogicalResult CodebookStatsOp::verify() {
  if (failed(verifyShapeContract(*this, getShapeContract())))
    return failure();
  if (!cast<RankedTensorType>(getCounts().getType()).hasStaticShape())
    return emitOpError("result 'counts' must have a static size S");
  return success();
}

LogicalResult
CodebookStatsOp::reifyResultShapes(OpBuilder &b,
                                   ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract CodebookBlendOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "c_sum", getCSum(), {sym("S"), sym("K")});
  c.add("operand", "c_count", getCCount(), {sym("S")});
  c.add("operand", "sums", getSums(), {sym("S"), sym("K")});
  c.add("operand", "counts", getCounts(), {sym("S")});
  c.add("result", "new_sum", getNewSum(), {sym("S"), sym("K")});
  c.add("result", "new_count", getNewCount(), {sym("S")});
  return c;
}

LogicalResult CodebookBlendOp::verify() {
  double gamma = getGamma().convertToDouble();
  if (!(gamma > 0.0 && gamma < 1.0))
    return emitOpError() << "gamma must lie in (0, 1), but is " << gamma;
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
CodebookBlendOp::reifyResultShapes(OpBuilder &b,
                                   ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

//===----------------------------------------------------------------------===//
// Model building blocks
//===----------------------------------------------------------------------===//

/// Symbols "N0", "N1", ... for the leading dimensions of a rank-`rank` value.
static SmallVector<DimSpec> leadingDims(Value v, int64_t drop) {
  SmallVector<DimSpec> dims;
  int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
  for (int64_t i = 0; i + drop < rank; ++i)
    dims.push_back(sym("N" + std::to_string(i)));
  return dims;
}

/// `dims` followed by `last`.
static SmallVector<DimSpec> withLast(SmallVector<DimSpec> dims, DimSpec last) {
  dims.push_back(last);
  return dims;
}

/// The contract of an op whose only operand and result have the same shape.
static ShapeContract sameShapeContract(Value input, Value output) {
  ShapeContract c;
  SmallVector<DimSpec> dims = leadingDims(input, 0);
  c.add("operand", "input", input, dims);
  c.add("result", "output", output, dims);
  return c;
}

/// Defines verify() and reifyResultShapes() of `Op` from its contract.
#define TVQ_CONTRACT_VERIFY_AND_REIFY(Op)                                      \
  LogicalResult Op::verify() {                                                 \
    return verifyShapeContract(*this, getShapeContract());                     \
  }                                                                            \
  LogicalResult Op::reifyResultShapes(OpBuilder &b,                            \
                                      ReifiedRankedShapedTypeDims &shapes) {   \
    return reifyFromContract(*this, getShapeContract(), b, shapes);            \
  }

ShapeContract EmbeddingOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "ids", getIds(), {sym("B"), sym("T")});
  c.add("operand", "table", getTable(), {sym("N"), sym("D")});
  c.add("result", "output", getOutput(), {sym("B"), sym("T"), sym("D")});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(EmbeddingOp)

ShapeContract RMSNormOp::getShapeContract() {
  return sameShapeContract(getInput(), getOutput());
}
TVQ_CONTRACT_VERIFY_AND_REIFY(RMSNormOp)

ShapeContract ScaleShiftOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> dims = withLast(leadingDims(getInput(), 1), sym("D"));
  c.add("operand", "input", getInput(), dims);
  c.add("operand", "gain", getGain(), {sym("D")});
  c.add("operand", "bias", getBias(), {sym("D")});
  c.add("result", "output", getOutput(), dims);
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(ScaleShiftOp)

ShapeContract ScaleOp::getShapeContract() {
  return sameShapeContract(getInput(), getOutput());
}
TVQ_CONTRACT_VERIFY_AND_REIFY(ScaleOp)

ShapeContract SiLUOp::getShapeContract() {
  return sameShapeContract(getInput(), getOutput());
}
TVQ_CONTRACT_VERIFY_AND_REIFY(SiLUOp)

ShapeContract DropoutOp::getShapeContract() {
  ShapeContract c = sameShapeContract(getInput(), getOutput());
  c.add("operand", "seed", getSeed(), {});
  return c;
}

LogicalResult DropoutOp::verify() {
  double rate = getRate().convertToDouble();
  if (!(rate >= 0.0 && rate < 1.0))
    return emitOpError() << "rate must be in [0, 1), got " << rate;
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  if (getMaskRank() < 1 || getMaskRank() > rank)
    return emitOpError() << "mask_rank must be between 1 and the input's rank "
                         << rank << ", got " << getMaskRank();
  if (getStream() < 0 || getStream() > 0xffffffffll)
    return emitOpError() << "stream must fit in 32 bits, got " << getStream();
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
DropoutOp::reifyResultShapes(OpBuilder &b,
                             ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract DenseOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> lead = leadingDims(getInput(), 1);
  c.add("operand", "input", getInput(), withLast(lead, sym("I")));
  if (getTransposeWeight())
    c.add("operand", "weight", getWeight(), {sym("O"), sym("I")});
  else
    c.add("operand", "weight", getWeight(), {sym("I"), sym("O")});
  if (getBias())
    c.add("operand", "bias", getBias(), {sym("O")});
  c.add("result", "output", getOutput(), withLast(lead, sym("O")));
  return c;
}

LogicalResult DenseOp::verify() {
  int64_t rank = cast<RankedTensorType>(getInput().getType()).getRank();
  if (rank != 2 && rank != 3)
    return emitOpError() << "operand 'input' must have rank 2 or 3, but has "
                         << rank;
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult DenseOp::reifyResultShapes(OpBuilder &b,
                                         ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract SplitOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> lead = leadingDims(getInput(), 1);
  int64_t total = 0;
  for (int64_t size : getSizes())
    total += size;
  c.add("operand", "input", getInput(), withLast(lead, DimSpec::size(total)));
  for (auto [i, out] : llvm::enumerate(getOutputs()))
    c.add("result", "output #" + std::to_string(i), out,
          withLast(lead, DimSpec::size(getSizes()[i])));
  return c;
}

LogicalResult SplitOp::verify() {
  if (getSizes().size() != getOutputs().size())
    return emitOpError() << "has " << getSizes().size() << " sizes but "
                         << getOutputs().size() << " results";
  for (int64_t size : getSizes())
    if (size <= 0)
      return emitOpError() << "sizes must be positive, but one is " << size;
  if (cast<RankedTensorType>(getInput().getType()).getRank() < 1)
    return emitOpError("operand 'input' must have rank >= 1");
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult SplitOp::reifyResultShapes(OpBuilder &b,
                                         ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract SinusoidTableOp::getShapeContract() {
  ShapeContract c;
  c.add("result", "output", getOutput(),
        {DimSpec::size(getRows()), DimSpec::size(getDim())});
  return c;
}

LogicalResult SinusoidTableOp::verify() {
  if (getDim() % 2 != 0)
    return emitOpError() << "dim must be even, but is " << getDim();
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
SinusoidTableOp::reifyResultShapes(OpBuilder &b,
                                   ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract CodebookOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "c_sum", getCSum(), {sym("S"), sym("K")});
  c.add("operand", "c_count", getCCount(), {sym("S")});
  c.add("result", "codebook", getCodebook(), {sym("S"), sym("K")});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(CodebookOp)

ShapeContract CrossEntropyOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "logits", getLogits(), {sym("B"), sym("T"), sym("N")});
  c.add("operand", "targets", getTargets(), {sym("B"), sym("T")});
  c.add("result", "loss", getLoss(), {});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(CrossEntropyOp)

ShapeContract MeanOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "input", getInput(), leadingDims(getInput(), 0));
  c.add("result", "output", getOutput(), {});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(MeanOp)

//===----------------------------------------------------------------------===//
// Gradient ops
//===----------------------------------------------------------------------===//

ShapeContract EmbeddingGradOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "ids", getIds(), {sym("B"), sym("T")});
  c.add("operand", "d_output", getDOutput(), {sym("B"), sym("T"), sym("D")});
  c.add("result", "d_table", getDTable(), {sym("N"), sym("D")});
  return c;
}

LogicalResult EmbeddingGradOp::verify() {
  if (cast<RankedTensorType>(getDTable().getType()).isDynamicDim(0))
    return emitOpError("result 'd_table' must have a static number of rows");
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
EmbeddingGradOp::reifyResultShapes(OpBuilder &b,
                                   ReifiedRankedShapedTypeDims &shapes) {
  auto type = cast<RankedTensorType>(getDTable().getType());
  shapes.push_back({b.getIndexAttr(type.getDimSize(0)),
                    tensor::getMixedSize(b, getLoc(), getDOutput(), 2)});
  return success();
}

/// A gradient op whose input, d_output and d_input share one shape.
static ShapeContract sameShapeGradContract(Value input, Value dOutput,
                                           Value dInput) {
  ShapeContract c;
  SmallVector<DimSpec> dims = leadingDims(input, 0);
  c.add("operand", "input", input, dims);
  c.add("operand", "d_output", dOutput, dims);
  c.add("result", "d_input", dInput, dims);
  return c;
}

ShapeContract RMSNormGradOp::getShapeContract() {
  return sameShapeGradContract(getInput(), getDOutput(), getDInput());
}
TVQ_CONTRACT_VERIFY_AND_REIFY(RMSNormGradOp)

ShapeContract SiLUGradOp::getShapeContract() {
  return sameShapeGradContract(getInput(), getDOutput(), getDInput());
}
TVQ_CONTRACT_VERIFY_AND_REIFY(SiLUGradOp)

ShapeContract ScaleShiftGradOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> dims = withLast(leadingDims(getInput(), 1), sym("D"));
  c.add("operand", "input", getInput(), dims);
  c.add("operand", "gain", getGain(), {sym("D")});
  c.add("operand", "d_output", getDOutput(), dims);
  c.add("result", "d_input", getDInput(), dims);
  c.add("result", "d_gain", getDGain(), {sym("D")});
  c.add("result", "d_bias", getDBias(), {sym("D")});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(ScaleShiftGradOp)

ShapeContract DenseWeightGradOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> lead = leadingDims(getInput(), 1);
  c.add("operand", "input", getInput(), withLast(lead, sym("I")));
  c.add("operand", "d_output", getDOutput(), withLast(lead, sym("O")));
  if (getTransposeWeight())
    c.add("result", "d_weight", getDWeight(), {sym("O"), sym("I")});
  else
    c.add("result", "d_weight", getDWeight(), {sym("I"), sym("O")});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(DenseWeightGradOp)

ShapeContract SumLeadingOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "input", getInput(),
        withLast(leadingDims(getInput(), 1), sym("D")));
  c.add("result", "output", getOutput(), {sym("D")});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(SumLeadingOp)

ShapeContract ConcatOp::getShapeContract() {
  ShapeContract c;
  Value first = getInputs().front();
  SmallVector<DimSpec> lead = leadingDims(first, 1);
  int64_t total = 0;
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    int64_t width = cast<RankedTensorType>(v.getType()).getShape().back();
    total += width;
    c.add("operand", "input #" + std::to_string(i), v,
          withLast(lead, DimSpec::size(width)));
  }
  c.add("result", "output", getOutput(), withLast(lead, DimSpec::size(total)));
  return c;
}

LogicalResult ConcatOp::verify() {
  if (getInputs().empty())
    return emitOpError("needs at least one input");
  int64_t rank =
      cast<RankedTensorType>(getInputs().front().getType()).getRank();
  for (Value v : getInputs()) {
    auto type = cast<RankedTensorType>(v.getType());
    if (type.getRank() != rank || type.getRank() < 1 ||
        type.isDynamicDim(rank - 1))
      return emitOpError("inputs must have one rank (>= 1) and static last "
                         "dimensions");
  }
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult ConcatOp::reifyResultShapes(OpBuilder &b,
                                          ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract VQQuantizeGradOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> dims = {sym("B"), sym("T"), sym("K")};
  c.add("operand", "keys", getKeys(), dims);
  c.add("operand", "quantized", getQuantized(), dims);
  c.add("operand", "d_quantized", getDQuantized(), dims);
  c.add("operand", "d_errors", getDErrors(), {sym("B"), sym("T")});
  c.add("result", "d_keys", getDKeys(), dims);
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(VQQuantizeGradOp)

ShapeContract VQAttentionGradOp::getShapeContract() {
  ShapeContract c;
  addAttentionOperands(c, getQ(), getKHat(), getCodes(), getV(), getCodebook(),
                       getU(), getW(), getR(), getStateIn(), getMemLen(),
                       static_cast<int64_t>(getBlockLen()));
  c.add("operand", "d_output", getDOutput(), {sym("B"), sym("T"), sym("V")});
  c.add("result", "dq", getDq(), {sym("B"), sym("T"), sym("K")});
  c.add("result", "dk_hat", getDkHat(), {sym("B"), sym("T"), sym("K")});
  c.add("result", "dv", getDv(), {sym("B"), sym("T"), sym("V")});
  c.add("result", "du", getDu(), {sym("K")});
  c.add("result", "dw", getDw(), {sym("K")});
  c.add("result", "dr", getDr(),
        {DimSpec::size(static_cast<int64_t>(getMemLen()) + 1), sym("K")});
  return c;
}

LogicalResult VQAttentionGradOp::verify() {
  if (failed(verifyStateOperands(*this, getStateIn())))
    return failure();
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
VQAttentionGradOp::reifyResultShapes(OpBuilder &b,
                                     ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract CrossEntropyGradOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> dims = {sym("B"), sym("T"), sym("N")};
  c.add("operand", "logits", getLogits(), dims);
  c.add("operand", "targets", getTargets(), {sym("B"), sym("T")});
  c.add("operand", "d_loss", getDLoss(), {});
  c.add("result", "d_logits", getDLogits(), dims);
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(CrossEntropyGradOp)

ShapeContract MeanGradOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> dims = leadingDims(getInput(), 0);
  c.add("operand", "input", getInput(), dims);
  c.add("operand", "d_output", getDOutput(), {});
  c.add("result", "d_input", getDInput(), dims);
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(MeanGradOp)

//===----------------------------------------------------------------------===//
// Optimizer ops
//===----------------------------------------------------------------------===//

ShapeContract LRScheduleOp::getShapeContract() {
  ShapeContract c;
  c.add("operand", "step", getStep(), {});
  c.add("result", "lr", getLr(), {});
  return c;
}

LogicalResult LRScheduleOp::verify() {
  if (getWarmup() < 0 || getTotal() < 1)
    return emitOpError("warmup must be >= 0 and total >= 1");
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
LRScheduleOp::reifyResultShapes(OpBuilder &b,
                                ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

ShapeContract GlobalNormOp::getShapeContract() {
  ShapeContract c;
  for (auto [i, v] : llvm::enumerate(getInputs())) {
    SmallVector<DimSpec> dims;
    for (unsigned d = 0; d < cast<RankedTensorType>(v.getType()).getRank(); ++d)
      dims.push_back(sym("I" + std::to_string(i) + "_" + std::to_string(d)));
    c.add("operand", "input #" + std::to_string(i), v, dims);
  }
  c.add("result", "norm", getNorm(), {});
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(GlobalNormOp)

ShapeContract AdamWUpdateOp::getShapeContract() {
  ShapeContract c;
  SmallVector<DimSpec> dims = leadingDims(getParam(), 0);
  c.add("operand", "param", getParam(), dims);
  c.add("operand", "grad", getGrad(), dims);
  c.add("operand", "m", getM(), dims);
  c.add("operand", "v", getV(), dims);
  c.add("operand", "step", getStep(), {});
  c.add("operand", "lr", getLr(), {});
  c.add("operand", "grad_norm", getGradNorm(), {});
  c.add("result", "new_param", getNewParam(), dims);
  c.add("result", "new_m", getNewM(), dims);
  c.add("result", "new_v", getNewV(), dims);
  return c;
}
TVQ_CONTRACT_VERIFY_AND_REIFY(AdamWUpdateOp)

ShapeContract AdafactorUpdateOp::getShapeContract() {
  ShapeContract c;
  bool factored = getMoments().size() == 2;
  SmallVector<DimSpec> dims = factored
                                  ? SmallVector<DimSpec>{sym("R"), sym("C")}
                                  : leadingDims(getParam(), 0);
  c.add("operand", "param", getParam(), dims);
  c.add("operand", "grad", getGrad(), dims);
  c.add("operand", "step", getStep(), {});
  c.add("operand", "lr", getLr(), {});
  c.add("result", "new_param", getNewParam(), dims);
  if (factored) {
    c.add("operand", "row moment", getMoments()[0], {sym("R")});
    c.add("operand", "column moment", getMoments()[1], {sym("C")});
    c.add("result", "new row moment", getNewMoments()[0], {sym("R")});
    c.add("result", "new column moment", getNewMoments()[1], {sym("C")});
  } else {
    for (Value m : getMoments())
      c.add("operand", "moment", m, dims);
    for (Value m : getNewMoments())
      c.add("result", "new moment", m, dims);
  }
  return c;
}

LogicalResult AdafactorUpdateOp::verify() {
  size_t n = getMoments().size();
  if (n != 1 && n != 2)
    return emitOpError() << "takes one second moment (unfactored) or two "
                            "(row and column, factored), got "
                         << n;
  if (getNewMoments().size() != n)
    return emitOpError() << "must return as many moments as it takes (" << n
                         << "), got " << getNewMoments().size();
  return verifyShapeContract(*this, getShapeContract());
}

LogicalResult
AdafactorUpdateOp::reifyResultShapes(OpBuilder &b,
                                     ReifiedRankedShapedTypeDims &shapes) {
  return reifyFromContract(*this, getShapeContract(), b, shapes);
}

std::optional<ShapeContract> mlir::tvq::getShapeContract(Operation *op) {
  return llvm::TypeSwitch<Operation *, std::optional<ShapeContract>>(op)
      .Case<VQQuantizeOp, VQAttentionOp, CodebookEMAOp, CodebookStatsOp,
            CodebookBlendOp, EmbeddingOp, RMSNormOp, ScaleShiftOp, ScaleOp,
            SiLUOp, DropoutOp, DenseOp, SplitOp, SinusoidTableOp, CodebookOp,
            CrossEntropyOp, MeanOp, EmbeddingGradOp, RMSNormGradOp,
            ScaleShiftGradOp, SiLUGradOp, DenseWeightGradOp, SumLeadingOp,
            ConcatOp, VQQuantizeGradOp, VQAttentionGradOp, CrossEntropyGradOp,
            MeanGradOp, LRScheduleOp, GlobalNormOp, AdamWUpdateOp,
            AdafactorUpdateOp>(
          [](auto typed) { return typed.getShapeContract(); })
      .Default([](Operation *) { return std::nullopt; });
}

#define GET_OP_CLASSES
#include "tvq/Dialect/TVQ/IR/TVQOps.cpp.inc"

//===----------------------------------------------------------------------===//
// output_ready
//===----------------------------------------------------------------------===//

LogicalResult OutputReadyOp::verify() {
  auto func = (*this)->getParentOfType<FunctionOpInterface>();
  if (!func)
    return emitOpError("must be inside a function");
  ArrayRef<Type> results = func.getResultTypes();
  int64_t index = static_cast<int64_t>(getIndex());
  if (index >= static_cast<int64_t>(results.size()))
    return emitOpError("index ")
           << index << " is not a result of '" << func.getName() << "' (it has "
           << results.size() << ")";
  // Before bufferization the announced value has the result's type.
  if (isa<TensorType>(getValue().getType()) &&
      getValue().getType() != results[index])
    return emitOpError("announces a ") << getValue().getType() << " but result "
                                       << index << " is a " << results[index];
  return success();
}

bool OutputReadyOp::bufferizesToMemoryRead(
    OpOperand &, const bufferization::AnalysisState &) {
  return true;
}

bool OutputReadyOp::bufferizesToMemoryWrite(
    OpOperand &, const bufferization::AnalysisState &) {
  return false;
}

bufferization::AliasingValueList
OutputReadyOp::getAliasingValues(OpOperand &,
                                 const bufferization::AnalysisState &) {
  return {};
}

LogicalResult
OutputReadyOp::bufferize(RewriterBase &rewriter,
                         const bufferization::BufferizationOptions &options,
                         bufferization::BufferizationState &state) {
  FailureOr<Value> buffer =
      bufferization::getBuffer(rewriter, getValue(), options, state);
  if (failed(buffer))
    return failure();
  rewriter.modifyOpInPlace(*this, [&] { getValueMutable().assign(*buffer); });
  return success();
}

//===----------------------------------------------------------------------===//
// recompute_input
//===----------------------------------------------------------------------===//

bool RecomputeInputOp::bufferizesToMemoryRead(
    OpOperand &, const bufferization::AnalysisState &) {
  return false;
}

bool RecomputeInputOp::bufferizesToMemoryWrite(
    OpOperand &, const bufferization::AnalysisState &) {
  return false;
}

bufferization::AliasingValueList
RecomputeInputOp::getAliasingValues(OpOperand &,
                                    const bufferization::AnalysisState &) {
  return {{getOutput(), bufferization::BufferRelation::Equivalent}};
}

LogicalResult
RecomputeInputOp::bufferize(RewriterBase &rewriter,
                            const bufferization::BufferizationOptions &options,
                            bufferization::BufferizationState &state) {
  FailureOr<Value> buffer =
      bufferization::getBuffer(rewriter, getInput(), options, state);
  if (failed(buffer))
    return failure();
  bufferization::replaceOpWithBufferizedValues(rewriter, *this, *buffer);
  return success();
}

//===----------------------------------------------------------------------===//
// fused_block_attention, fused_block_softmax
//===----------------------------------------------------------------------===//

namespace {
/// The operand checks both fused block ops share: every operand a tensor or
/// every one a buffer, ranks, element types, and sizes that must agree
/// where static.
struct BlockOperands {
  Operation *op;
  SmallVector<StringRef> names;
  SmallVector<ShapedType> types;

  /// Each operand `values[i]` named `names[i]` must have rank `ranks[i]`
  /// and hold f32, except those named "seen" (i64).
  LogicalResult check(ValueRange values, ArrayRef<StringRef> operandNames,
                      ArrayRef<int64_t> ranks) {
    bool onTensors = isa<RankedTensorType>(values.back().getType());
    for (auto [v, name, rank] : llvm::zip_equal(values, operandNames, ranks)) {
      auto type = cast<ShapedType>(v.getType());
      if (isa<RankedTensorType>(type) != onTensors)
        return op->emitOpError("mixes tensors and buffers (") << name << ")";
      if (type.getRank() != rank)
        return op->emitOpError()
               << name << " must have rank " << rank << ", got " << type;
      Builder b(op->getContext());
      Type expected = name == "seen" ? Type(b.getI64Type()) : b.getF32Type();
      if (type.getElementType() != expected)
        return op->emitOpError() << name << " must hold " << expected
                                 << " elements, got " << type;
      names.push_back(name);
      types.push_back(type);
    }
    return success();
  }

  /// Sizes that must agree where static: (operand name, dimension, offset),
  /// the size being the dimension minus the offset.
  struct Site {
    StringRef name;
    unsigned dim;
    int64_t offset;
  };
  LogicalResult agree(StringRef what, ArrayRef<Site> sites) {
    std::optional<int64_t> size;
    for (const Site &s : sites) {
      unsigned i = llvm::find(names, s.name) - names.begin();
      int64_t d = types[i].getDimSize(s.dim);
      if (ShapedType::isDynamic(d))
        continue;
      if (size && *size != d - s.offset)
        return op->emitOpError() << what << " disagree: " << s.name
                                 << " dimension " << s.dim << " is " << d;
      size = d - s.offset;
    }
    return success();
  }

  /// The relative table's M + 1 distances.
  LogicalResult distances(int64_t memLen) {
    ShapedType relative = types[llvm::find(names, "relative") - names.begin()];
    if (!ShapedType::isDynamic(relative.getDimSize(2)) &&
        relative.getDimSize(2) != memLen + 1)
      return op->emitOpError("relative must have mem_len + 1 = ")
             << memLen + 1 << " distances, got " << relative;
    return success();
  }
};

/// Tensors in, one result per init; buffers in, no result.
LogicalResult verifyResults(DestinationStyleOpInterface op) {
  bool onTensors = isa<RankedTensorType>(op.getDpsInits()[0].getType());
  if (onTensors != (op->getNumResults() == op.getNumDpsInits()) ||
      (!onTensors && op->getNumResults() != 0))
    return op->emitOpError("has one result per output on tensors and none on "
                           "buffers");
  for (auto [result, init] : llvm::zip(op->getResults(), op.getDpsInits()))
    if (result.getType() != init.getType())
      return op->emitOpError("result types must be the outputs' types");
  return success();
}

/// Reads every input, writes (and reads) every output on buffers.
void blockOpEffects(
    DestinationStyleOpInterface op,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  if (!op.hasPureBufferSemantics())
    return;
  for (OpOperand *input : op.getDpsInputOperands())
    effects.emplace_back(MemoryEffects::Read::get(), input,
                         SideEffects::DefaultResource::get());
  for (OpOperand &init : op.getDpsInitsMutable()) {
    effects.emplace_back(MemoryEffects::Read::get(), &init,
                         SideEffects::DefaultResource::get());
    effects.emplace_back(MemoryEffects::Write::get(), &init,
                         SideEffects::DefaultResource::get());
  }
}

/// The op rebuilt on the buffers of its operands; its results are the
/// outputs' buffers.
template <typename OpTy>
LogicalResult bufferizeBlockOp(OpTy op, RewriterBase &rewriter,
                               const bufferization::BufferizationOptions &opts,
                               bufferization::BufferizationState &state) {
  SmallVector<Value> inputs, inits;
  for (Value v : op.getInputs()) {
    FailureOr<Value> buffer =
        bufferization::getBuffer(rewriter, v, opts, state);
    if (failed(buffer))
      return failure();
    inputs.push_back(*buffer);
  }
  for (Value v : op.getDpsInits()) {
    FailureOr<Value> buffer =
        bufferization::getBuffer(rewriter, v, opts, state);
    if (failed(buffer))
      return failure();
    inits.push_back(*buffer);
  }
  // The same op and attributes (operand segment sizes included) on buffers.
  rewriter.setInsertionPoint(op);
  OperationState bufferized(op.getLoc(), op->getName());
  bufferized.addOperands(inputs);
  bufferized.addOperands(inits);
  bufferized.addAttributes(op->getAttrs());
  rewriter.create(bufferized);
  bufferization::replaceOpWithBufferizedValues(rewriter, op, inits);
  return success();
}

bufferization::AliasingValueList initAliases(DestinationStyleOpInterface op,
                                             OpOperand &operand) {
  if (!op.isDpsInit(&operand))
    return {};
  return {{op.getTiedOpResult(&operand),
           bufferization::BufferRelation::Equivalent}};
}
} // namespace

LogicalResult FusedBlockAttentionOp::verify() {
  if (getInputs().size() != kNumInputs)
    return emitOpError("expects ")
           << kNumInputs
           << " inputs (query, codebook, count, mean, keys, values, "
              "relative, seen), got "
           << getInputs().size();
  SmallVector<Value> values(getInputs());
  values.push_back(getInit());
  BlockOperands c{*this, {}, {}};
  if (failed(c.check(values,
                     {"query", "codebook", "count", "mean", "keys", "values",
                      "relative", "seen", "output"},
                     {3, 2, 2, 3, 3, 3, 3, 1, 3})) ||
      failed(verifyResults(*this)))
    return failure();
  int64_t m = getMemLen();
  if (failed(c.agree("blocks (N)", {{"query", 0, 0},
                                    {"count", 0, 0},
                                    {"mean", 0, 0},
                                    {"keys", 0, 0},
                                    {"values", 0, 0},
                                    {"relative", 0, 0},
                                    {"seen", 0, 0},
                                    {"output", 0, 0}})) ||
      failed(c.agree("queries (L)", {{"query", 1, 0},
                                     {"relative", 1, 0},
                                     {"output", 1, 0},
                                     {"keys", 1, m},
                                     {"values", 1, m}})) ||
      failed(c.agree("key widths (K)",
                     {{"query", 2, 0}, {"codebook", 1, 0}, {"keys", 2, 0}})) ||
      failed(c.agree("codes (S)",
                     {{"codebook", 0, 0}, {"count", 1, 0}, {"mean", 1, 0}})) ||
      failed(c.agree("value widths (V)",
                     {{"mean", 2, 0}, {"values", 2, 0}, {"output", 2, 0}})))
    return failure();
  return c.distances(m);
}

void FusedBlockAttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  blockOpEffects(*this, effects);
}

bool FusedBlockAttentionOp::bufferizesToMemoryRead(
    OpOperand &operand, const bufferization::AnalysisState &) {
  // The output is only written.
  return !isDpsInit(&operand);
}

bool FusedBlockAttentionOp::bufferizesToMemoryWrite(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList
FusedBlockAttentionOp::getAliasingValues(OpOperand &operand,
                                         const bufferization::AnalysisState &) {
  return initAliases(*this, operand);
}

LogicalResult FusedBlockAttentionOp::bufferize(
    RewriterBase &rewriter, const bufferization::BufferizationOptions &options,
    bufferization::BufferizationState &state) {
  return bufferizeBlockOp(*this, rewriter, options, state);
}

LogicalResult FusedBlockSoftmaxOp::verify() {
  if (getInputs().size() != kNumInputs || getInits().size() != 2)
    return emitOpError("expects ")
           << kNumInputs
           << " inputs (query, codebook, count, keys, relative, seen) and 2 "
              "outputs (cache_probs, buffer_probs), got "
           << getInputs().size() << " and " << getInits().size();
  SmallVector<Value> values(getInputs());
  values.append(getInits().begin(), getInits().end());
  BlockOperands c{*this, {}, {}};
  if (failed(c.check(values,
                     {"query", "codebook", "count", "keys", "relative", "seen",
                      "cache_probs", "buffer_probs"},
                     {3, 2, 2, 3, 3, 1, 3, 3})) ||
      failed(verifyResults(*this)))
    return failure();
  int64_t m = getMemLen();
  if (failed(c.agree("blocks (N)", {{"query", 0, 0},
                                    {"count", 0, 0},
                                    {"keys", 0, 0},
                                    {"relative", 0, 0},
                                    {"seen", 0, 0},
                                    {"cache_probs", 0, 0},
                                    {"buffer_probs", 0, 0}})) ||
      failed(c.agree("queries (L)", {{"query", 1, 0},
                                     {"relative", 1, 0},
                                     {"cache_probs", 1, 0},
                                     {"buffer_probs", 1, 0},
                                     {"keys", 1, m},
                                     {"buffer_probs", 2, m}})) ||
      failed(c.agree("key widths (K)",
                     {{"query", 2, 0}, {"codebook", 1, 0}, {"keys", 2, 0}})) ||
      failed(c.agree(
          "codes (S)",
          {{"codebook", 0, 0}, {"count", 1, 0}, {"cache_probs", 2, 0}})))
    return failure();
  return c.distances(m);
}

void FusedBlockSoftmaxOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  blockOpEffects(*this, effects);
}

bool FusedBlockSoftmaxOp::bufferizesToMemoryRead(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return !isDpsInit(&operand);
}

bool FusedBlockSoftmaxOp::bufferizesToMemoryWrite(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList
FusedBlockSoftmaxOp::getAliasingValues(OpOperand &operand,
                                       const bufferization::AnalysisState &) {
  return initAliases(*this, operand);
}

LogicalResult FusedBlockSoftmaxOp::bufferize(
    RewriterBase &rewriter, const bufferization::BufferizationOptions &options,
    bufferization::BufferizationState &state) {
  return bufferizeBlockOp(*this, rewriter, options, state);
}

LogicalResult BlockScanOp::verify() {
  auto terms = cast<ShapedType>(getTerms().getType());
  auto init = cast<ShapedType>(getInit().getType());
  if (isa<RankedTensorType>(terms) != isa<RankedTensorType>(init))
    return emitOpError("mixes tensors and buffers (terms and init)");
  for (auto [name, type] :
       {std::pair<StringRef, ShapedType>{"terms", terms}, {"init", init}}) {
    if (type.getRank() < 2)
      return emitOpError() << name
                           << " must have rank >= 2 ([B, nb, ...]), got "
                           << type;
    if (!type.getElementType().isF32())
      return emitOpError() << name << " must hold f32 elements, got " << type;
  }
  if (terms.getRank() != init.getRank())
    return emitOpError("terms and init must have the same rank, got ")
           << terms << " and " << init;
  for (int64_t d = 0; d < terms.getRank(); ++d)
    if (!ShapedType::isDynamic(terms.getDimSize(d)) &&
        !ShapedType::isDynamic(init.getDimSize(d)) &&
        terms.getDimSize(d) != init.getDimSize(d))
      return emitOpError("terms and init disagree in dimension ")
             << d << ": " << terms << " and " << init;
  return verifyResults(*this);
}

void BlockScanOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  blockOpEffects(*this, effects);
}

bool BlockScanOp::bufferizesToMemoryRead(OpOperand &,
                                         const bufferization::AnalysisState &) {
  // The terms are read, and so is init: the sums are added to it.
  return true;
}

bool BlockScanOp::bufferizesToMemoryWrite(
    OpOperand &operand, const bufferization::AnalysisState &) {
  return isDpsInit(&operand);
}

bufferization::AliasingValueList
BlockScanOp::getAliasingValues(OpOperand &operand,
                               const bufferization::AnalysisState &) {
  return initAliases(*this, operand);
}

LogicalResult
BlockScanOp::bufferize(RewriterBase &rewriter,
                       const bufferization::BufferizationOptions &options,
                       bufferization::BufferizationState &state) {
  return bufferizeBlockOp(*this, rewriter, options, state);
}
