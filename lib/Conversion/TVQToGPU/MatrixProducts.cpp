//===- MatrixProducts.cpp - Recognizing f32 matrix products ---------------===//

#include "MatrixProducts.h"

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// `value` with a widening from bf16 looked through: the block argument it
/// reads and whether it was widened.
std::pair<Value, bool> unwiden(Value value) {
  if (auto ext = value.getDefiningOp<arith::ExtFOp>())
    if (ext.getIn().getType().isBF16() && ext.getType().isF32())
      return {ext.getIn(), true};
  return {value, false};
}

/// Whether `body` is `yield(out + in0 * in1)` (either operand order), each
/// input either f32 or bf16 widened to f32 by an `arith.extf` of its own
/// (tvq-bf16-activations); sets `widened` for those.
bool isMultiplyAdd(Block &body, bool (&widened)[2]) {
  if (body.getNumArguments() != 3)
    return false;
  Value in0 = body.getArgument(0), in1 = body.getArgument(1),
        out = body.getArgument(2);
  Operation *op = &body.front();
  unsigned extensions = 0;
  while (auto ext = dyn_cast<arith::ExtFOp>(op)) {
    if (!ext->hasOneUse())
      return false;
    ++extensions;
    op = op->getNextNode();
  }
  if (body.getOperations().size() != 3 + extensions)
    return false;
  auto mul = dyn_cast<arith::MulFOp>(op);
  if (!mul)
    return false;
  auto add = dyn_cast_or_null<arith::AddFOp>(mul->getNextNode());
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!add || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != add.getResult())
    return false;
  auto [lhs, lhsWide] = unwiden(mul.getLhs());
  auto [rhs, rhsWide] = unwiden(mul.getRhs());
  if (unsigned(lhsWide) + unsigned(rhsWide) != extensions)
    return false;
  bool straight = lhs == in0 && rhs == in1, crossed = lhs == in1 && rhs == in0;
  widened[0] = straight ? lhsWide : rhsWide;
  widened[1] = straight ? rhsWide : lhsWide;
  bool addOfOutput = (add.getLhs() == out && add.getRhs() == mul) ||
                     (add.getLhs() == mul && add.getRhs() == out);
  return (straight || crossed) && addOfOutput;
}

/// The element type of a tensor, or of a buffer with a strided layout.
Type elementType(Value v) {
  if (auto tensor = dyn_cast<RankedTensorType>(v.getType()))
    return tensor.getElementType();
  auto buffer = dyn_cast<MemRefType>(v.getType());
  if (buffer && buffer.isStrided())
    return buffer.getElementType();
  return {};
}

} // namespace

std::optional<MatrixProduct>
mlir::tvq::matchMatrixProduct(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  MatrixProduct p;
  if (!isMultiplyAdd(*op.getBlock(), p.widened))
    return std::nullopt;
  for (auto [i, v] : llvm::enumerate(op->getOperands())) {
    Type element = elementType(v);
    bool bf16 = i < 2 && p.widened[i];
    if (!element || !(bf16 ? element.isBF16() : element.isF32()))
      return std::nullopt;
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false) ||
        map.getNumSymbols() != 0)
      return std::nullopt;

  SmallVector<unsigned> outDims = dimsOf(maps[2]);
  unsigned parallel = 0;
  for (auto [dim, kind] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (kind == utils::IteratorType::reduction)
      p.reductions.push_back(dim);
    else
      ++parallel;
  }
  if (outDims.size() != parallel || outDims.size() < 2 || outDims.size() > 4 ||
      p.reductions.empty() || p.reductions.size() > 2)
    return std::nullopt;
  p.batches.assign(outDims.begin(), outDims.end() - 2);
  p.m = outDims[outDims.size() - 2];
  p.n = outDims[outDims.size() - 1];

  // Each input: its matrix dimension (m or n), every reduction, maybe b.
  auto uses = [](ArrayRef<unsigned> dims, unsigned d) {
    return llvm::is_contained(dims, d);
  };
  SmallVector<unsigned> in0 = dimsOf(maps[0]), in1 = dimsOf(maps[1]);
  bool swapped = uses(in0, p.n) || uses(in1, p.m);
  p.a = swapped ? 1 : 0;
  p.b = swapped ? 0 : 1;
  ArrayRef<unsigned> a = p.a == 0 ? in0 : in1, b = p.a == 0 ? in1 : in0;
  auto valid = [&](ArrayRef<unsigned> dims, unsigned own, unsigned other) {
    if (!uses(dims, own) || uses(dims, other))
      return false;
    for (unsigned k : p.reductions)
      if (!uses(dims, k))
        return false;
    for (unsigned d : dims)
      if (d != own && !uses(p.reductions, d) && !uses(p.batches, d))
        return false;
    // Two batch loops collapse into one only where both are read.
    if (p.batches.size() == 2 &&
        uses(dims, p.batches[0]) != uses(dims, p.batches[1]))
      return false;
    return true;
  };
  if (!valid(a, p.m, p.n) || !valid(b, p.n, p.m))
    return std::nullopt;
  return p;
}
