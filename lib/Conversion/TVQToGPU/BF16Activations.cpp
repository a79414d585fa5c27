//===- BF16Activations.cpp - Activations stored as bf16 -------------------===//
//
// `tvq-bf16-activations` (Passes.td): an elementwise kernel's f32 result
// that only matrix products read, that is not a statistic, and whose shape
// depends on the batch or the sequence, is written as bf16 and widened back
// to f32 where it is read.
//
//===----------------------------------------------------------------------===//

#include "MatrixProducts.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQBF16ACTIVATIONS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Where an activation is read: matrix products' inputs, possibly through
/// reshapes (views of it, which become bf16 too).
struct Readers {
  SmallVector<OpOperand *> inputs;
  SmallVector<Value> views;
};

/// Collects the readers of `value`; false when some other op reads it (an
/// elementwise op or a reduction, which read f32: the softmax's scores, a
/// state's copy, ...; a pad, a return, ...). Shape queries (`tensor.dim`)
/// read no element.
bool collectReaders(Value value, Readers &readers) {
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    if (isa<tensor::DimOp>(user))
      continue;
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user)) {
      readers.views.push_back(user->getResult(0));
      if (!collectReaders(user->getResult(0), readers))
        return false;
      continue;
    }
    auto consumer = dyn_cast<linalg::GenericOp>(user);
    if (!consumer || !consumer.isDpsInput(&use) ||
        !tvq::matchMatrixProduct(consumer))
      return false;
    readers.inputs.push_back(&use);
  }
  return true;
}

bool isFloatTensor(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type && isa<FloatType>(type.getElementType());
}

/// Whether `value` is a statistic that stays f32: the result of a reduction
/// that is not a matrix product (a count, a sum, a softmax maximum), or of
/// an elementwise op on statistics only (a mean: sum / count), seen through
/// reshapes.
bool isStatistic(Value value, DenseMap<Value, bool> &known) {
  while (Operation *view = value.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(view))
      break;
    value = view->getOperand(0);
  }
  auto [it, inserted] = known.try_emplace(value, false);
  if (!inserted)
    return it->second;
  auto op = value.getDefiningOp<linalg::GenericOp>();
  if (!op)
    return false;
  bool statistic;
  if (op.getNumLoops() != op.getNumParallelLoops()) {
    statistic = !tvq::matchMatrixProduct(op);
  } else {
    bool anyFloat = false, allStatistics = true;
    for (Value input : op.getDpsInputs()) {
      if (!isFloatTensor(input))
        continue;
      anyFloat = true;
      allStatistics = allStatistics && isStatistic(input, known);
    }
    statistic = anyFloat && allStatistics;
  }
  known[value] = statistic;
  return statistic;
}

/// Whether `op`'s result is an activation to store as bf16: an elementwise
/// op (all loops parallel, its output only written) making one f32 tensor
/// with a dynamic dimension that is not a statistic and that only matrix
/// products read (directly or through reshapes). Sets `readers`.
bool storesActivation(linalg::GenericOp op, Readers &readers,
                      DenseMap<Value, bool> &statistics) {
  if (op.getNumResults() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumLoops() != op.getNumParallelLoops())
    return false;
  auto type = dyn_cast<RankedTensorType>(op.getResult(0).getType());
  if (!type || !type.getElementType().isF32() || type.hasStaticShape())
    return false;
  if (op.payloadUsesValueFromOperand(op.getDpsInitOperand(0)) ||
      isStatistic(op.getResult(0), statistics))
    return false;
  return collectReaders(op.getResult(0), readers) && !readers.inputs.empty();
}

/// Makes `op` write bf16: a bf16 `tensor.empty` of the same sizes as its
/// output and its yield rounded.
void writeBF16(linalg::GenericOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Type bf16 = b.getBF16Type();
  OpOperand *init = op.getDpsInitOperand(0);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, init->get());
  init->set(tensor::EmptyOp::create(b, loc, sizes, bf16));
  Value result = op.getResult(0);
  result.setType(cast<RankedTensorType>(result.getType()).clone(bf16));
  op.getMatchingBlockArgument(init).setType(bf16);
  Operation *yield = op.getBody()->getTerminator();
  b.setInsertionPoint(yield);
  yield->setOperand(
      0, arith::TruncFOp::create(b, loc, bf16, yield->getOperand(0)));
}

/// Makes `consumer` read its input `use` as bf16, widened to f32 first
/// thing in its body.
void readBF16(OpOperand &use) {
  auto consumer = cast<linalg::GenericOp>(use.getOwner());
  BlockArgument arg = consumer.getMatchingBlockArgument(&use);
  OpBuilder b = OpBuilder::atBlockBegin(consumer.getBody());
  arg.setType(b.getBF16Type());
  if (arg.use_empty())
    return;
  auto wide = arith::ExtFOp::create(b, consumer.getLoc(), b.getF32Type(), arg);
  arg.replaceAllUsesExcept(wide, wide);
}

struct BF16ActivationsPass
    : public tvq::impl::TVQBF16ActivationsBase<BF16ActivationsPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, Readers>> producers;
    DenseMap<Value, bool> statistics;
    getOperation().walk([&](linalg::GenericOp op) {
      Readers readers;
      if (storesActivation(op, readers, statistics))
        producers.push_back({op, std::move(readers)});
    });
    Type bf16 = BFloat16Type::get(&getContext());
    for (auto &[op, readers] : producers) {
      for (OpOperand *input : readers.inputs)
        readBF16(*input);
      for (Value view : readers.views)
        view.setType(cast<RankedTensorType>(view.getType()).clone(bf16));
      writeBF16(op);
    }
  }
};

} // namespace
