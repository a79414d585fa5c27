//===- MatrixProducts.cpp - Recognizing f32 matrix products ---------------===//

#include "MatrixProducts.h"

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// Whether `body` is `yield(out + in0 * in1)` (either operand order).
bool isMultiplyAdd(Block &body) {
  if (body.getNumArguments() != 3 || body.getOperations().size() != 3)
    return false;
  auto mul = dyn_cast<arith::MulFOp>(&body.front());
  if (!mul)
    return false;
  auto add = dyn_cast_or_null<arith::AddFOp>(mul->getNextNode());
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!add || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != add.getResult())
    return false;
  Value in0 = body.getArgument(0), in1 = body.getArgument(1),
        out = body.getArgument(2);
  bool mulOfInputs = (mul.getLhs() == in0 && mul.getRhs() == in1) ||
                     (mul.getLhs() == in1 && mul.getRhs() == in0);
  bool addOfOutput = (add.getLhs() == out && add.getRhs() == mul) ||
                     (add.getLhs() == mul && add.getRhs() == out);
  return mulOfInputs && addOfOutput;
}

/// An f32 tensor, or an f32 buffer with a strided layout.
bool isF32Operand(Value v) {
  if (auto tensor = dyn_cast<RankedTensorType>(v.getType()))
    return tensor.getElementType().isF32();
  auto buffer = dyn_cast<MemRefType>(v.getType());
  return buffer && buffer.getElementType().isF32() && buffer.isStrided();
}

} // namespace

std::optional<MatrixProduct>
mlir::tvq::matchMatrixProduct(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!isF32Operand(v))
      return std::nullopt;
  if (!isMultiplyAdd(*op.getBlock()))
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  for (AffineMap map : maps)
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false) ||
        map.getNumSymbols() != 0)
      return std::nullopt;

  MatrixProduct p;
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
