//===- LaneStrides.cpp - How kernel values vary across a warp -------------===//

#include "LaneStrides.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/Support/MathExtras.h"

#include <numeric>

using namespace mlir;
using namespace mlir::tvq;

bool LaneValue::isUniform() const {
  return known && llvm::all_of(offsets, [](int64_t o) { return o == 0; });
}

std::optional<int64_t> tvq::linearStride(const LaneOffsets &offsets) {
  int64_t step = offsets[1] - offsets[0];
  for (int lane = 0; lane < kWarpSize; ++lane)
    if (offsets[lane] != offsets[0] + step * lane)
      return std::nullopt;
  return step;
}

namespace {

/// |a * b|, or 1 (a factor of everything) when it overflows.
int64_t mulDivisors(int64_t a, int64_t b) {
  int64_t product;
  if (llvm::MulOverflow(a, b, product))
    return 1;
  return product < 0 ? -product : product;
}

/// The constant value of `value`, if it is one.
std::optional<int64_t> constantOf(Value value) {
  if (auto c = value.getDefiningOp<arith::ConstantOp>())
    if (auto attr = dyn_cast<IntegerAttr>(c.getValue()))
      return attr.getValue().getSExtValue();
  return std::nullopt;
}

/// A known value with offsets that are all the same folded into the base.
LaneValue normalized(LaneValue v) {
  if (!v.known ||
      llvm::any_of(v.offsets, [&](int64_t o) { return o != v.offsets[0]; }))
    return v;
  int64_t common = v.offsets[0];
  v.divisor = std::gcd(v.divisor, common < 0 ? -common : common);
  v.offsets.fill(0);
  return v;
}

/// a + sign * b.
LaneValue add(const LaneValue &a, const LaneValue &b, int64_t sign) {
  if (!a.known || !b.known)
    return LaneValue::unknown();
  LaneValue r = LaneValue::uniform(std::gcd(a.divisor, b.divisor));
  for (int lane = 0; lane < kWarpSize; ++lane)
    r.offsets[lane] = a.offsets[lane] + sign * b.offsets[lane];
  return normalized(r);
}

/// a * b; `factor`: b's value when it is a constant.
LaneValue mul(const LaneValue &a, const LaneValue &b,
              std::optional<int64_t> factor) {
  if (!a.known || !b.known)
    return LaneValue::unknown();
  if (a.isUniform() && b.isUniform())
    return LaneValue::uniform(mulDivisors(a.divisor, b.divisor));
  if (!factor)
    return LaneValue::unknown();
  LaneValue r = LaneValue::uniform(mulDivisors(a.divisor, *factor));
  for (int lane = 0; lane < kWarpSize; ++lane)
    r.offsets[lane] = a.offsets[lane] * *factor;
  return normalized(r);
}

/// Whether a's base is a multiple of c and its offsets are not negative:
/// then (base + offset) mod c = offset mod c and (base + offset) / c =
/// base / c + offset / c.
bool baseIsMultipleOf(const LaneValue &a, int64_t c) {
  return a.divisor % c == 0 &&
         llvm::all_of(a.offsets, [](int64_t o) { return o >= 0; });
}

/// Whether the lanes of `a` all lie in one stretch [k * c, (k + 1) * c):
/// its base is a multiple of g = gcd(divisor, c), so base mod c is one of
/// 0, g, ..., c - g, and its offsets are in [0, g).
bool lanesWithinOneMultiple(const LaneValue &a, int64_t c) {
  int64_t g = std::gcd(a.divisor, c);
  return llvm::all_of(a.offsets, [&](int64_t o) { return o >= 0 && o < g; });
}

/// a mod b; `c`: b's value when it is a constant.
LaneValue rem(const LaneValue &a, const LaneValue &b,
              std::optional<int64_t> c) {
  if (a.isUniform() && b.isUniform())
    return LaneValue::uniform(std::gcd(a.divisor, b.divisor));
  if (!a.known || !c || *c <= 0)
    return LaneValue::unknown();
  LaneValue r = LaneValue::uniform(0);
  if (baseIsMultipleOf(a, *c)) {
    for (int lane = 0; lane < kWarpSize; ++lane)
      r.offsets[lane] = a.offsets[lane] % *c;
    return normalized(r);
  }
  if (!lanesWithinOneMultiple(a, *c))
    return LaneValue::unknown();
  r = a;
  r.divisor = std::gcd(a.divisor, *c);
  return r;
}

/// floor(a / b); `c`: b's value when it is a constant.
LaneValue div(const LaneValue &a, const LaneValue &b,
              std::optional<int64_t> c) {
  bool constant = a.known && c && *c > 0;
  if (a.isUniform() && b.isUniform())
    return LaneValue::uniform(constant && a.divisor % *c == 0 ? a.divisor / *c
                                                              : 1);
  if (!constant)
    return LaneValue::unknown();
  if (baseIsMultipleOf(a, *c)) {
    LaneValue r = LaneValue::uniform(a.divisor / *c);
    for (int lane = 0; lane < kWarpSize; ++lane)
      r.offsets[lane] = a.offsets[lane] / *c;
    return normalized(r);
  }
  if (lanesWithinOneMultiple(a, *c))
    return LaneValue::uniform(1);
  return LaneValue::unknown();
}

} // namespace

LaneStrides::LaneStrides(gpu::GPUFuncOp kernel) {
  if (auto block = kernel.getKnownBlockSizeAttr())
    warpsAreRowsOfX = block.size() >= 1 && block[0] % kWarpSize == 0;
  kernel->walk<WalkOrder::PreOrder>([&](Operation *op) { visit(op); });
}

LaneValue LaneStrides::get(Value value) const {
  if (isa<MemRefType>(value.getType()))
    return LaneValue::uniform(1);
  auto it = values.find(value);
  return it == values.end() ? LaneValue::unknown() : it->second;
}

void LaneStrides::visit(Operation *op) {
  if (auto kernel = dyn_cast<gpu::GPUFuncOp>(op)) {
    for (BlockArgument arg : kernel.getArguments())
      set(arg, LaneValue::uniform(1));
    return;
  }
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return set(c, LaneValue::uniform(constantOf(c).value_or(1)));
  if (isa<gpu::ThreadIdOp, gpu::GlobalIdOp, gpu::LaneIdOp>(op)) {
    // thread_id x = 32 * warp + lane; so is global_id x, the block's
    // offset being a multiple of its size; lane_id = lane. The other
    // dimensions are the same across a warp.
    std::optional<gpu::Dimension> dim;
    if (auto id = dyn_cast<gpu::ThreadIdOp>(op))
      dim = id.getDimension();
    if (auto id = dyn_cast<gpu::GlobalIdOp>(op))
      dim = id.getDimension();
    if (dim && !warpsAreRowsOfX)
      return;
    LaneValue v = LaneValue::uniform(dim ? kWarpSize : 0);
    if (!dim || *dim == gpu::Dimension::x)
      for (int lane = 0; lane < kWarpSize; ++lane)
        v.offsets[lane] = lane;
    return set(op->getResult(0), v);
  }
  auto operand = [&](unsigned i) { return get(op->getOperand(i)); };
  auto constant = [&](unsigned i) { return constantOf(op->getOperand(i)); };
  if (isa<arith::AddIOp>(op))
    return set(op->getResult(0), add(operand(0), operand(1), 1));
  if (isa<arith::SubIOp>(op))
    return set(op->getResult(0), add(operand(0), operand(1), -1));
  if (isa<arith::MulIOp>(op))
    return set(op->getResult(0),
               operand(0).isUniform()
                   ? mul(operand(1), operand(0), constant(0))
                   : mul(operand(0), operand(1), constant(1)));
  if (isa<arith::ShLIOp>(op)) {
    std::optional<int64_t> shift = constant(1);
    if (!shift || *shift < 0 || *shift > 30)
      return;
    int64_t factor = int64_t(1) << *shift;
    return set(op->getResult(0),
               mul(operand(0), LaneValue::uniform(factor), factor));
  }
  if (isa<arith::RemUIOp, arith::RemSIOp>(op))
    return set(op->getResult(0), rem(operand(0), operand(1), constant(1)));
  if (isa<arith::DivUIOp, arith::DivSIOp, arith::FloorDivSIOp>(op))
    return set(op->getResult(0), div(operand(0), operand(1), constant(1)));
  if (isa<arith::IndexCastOp, arith::IndexCastUIOp, arith::ExtSIOp,
          arith::ExtUIOp>(op))
    return set(op->getResult(0), operand(0));
  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    // One of the two in every lane alike: known when they vary alike.
    LaneValue a = get(select.getTrueValue()), b = get(select.getFalseValue());
    if (!get(select.getCondition()).isUniform() || !a.known || !b.known ||
        a.offsets != b.offsets)
      return;
    a.divisor = std::gcd(a.divisor, b.divisor);
    return set(select, a);
  }
  if (auto load = dyn_cast<memref::LoadOp>(op)) {
    if (llvm::all_of(load.getIndices(),
                     [&](Value index) { return get(index).isUniform(); }))
      set(load, LaneValue::uniform(1));
    return;
  }
  if (auto loop = dyn_cast<scf::ForOp>(op)) {
    // The lanes run iteration k together: iv = lb + k * step.
    LaneValue lb = get(loop.getLowerBound()), step = get(loop.getStep());
    if (lb.known && step.isUniform()) {
      lb.divisor = std::gcd(lb.divisor, step.divisor);
      set(loop.getInductionVar(), lb);
    }
    return;
  }
  // Anything else without effects or regions: uniform from uniform operands.
  if (op->getNumRegions() == 0 && isMemoryEffectFree(op) &&
      llvm::all_of(op->getOperands(),
                   [&](Value v) { return get(v).isUniform(); }))
    for (Value result : op->getResults())
      set(result, LaneValue::uniform(1));
}

std::optional<LaneOffsets>
LaneStrides::elementOffsets(Value memref, ValueRange indices) const {
  auto type = cast<MemRefType>(memref.getType());
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)))
    return std::nullopt;
  LaneOffsets total{};
  for (auto [index, stride] : llvm::zip_equal(indices, strides)) {
    LaneValue lane = get(index);
    if (!lane.known)
      return std::nullopt;
    if (lane.isUniform())
      continue;
    if (ShapedType::isDynamic(stride))
      return std::nullopt;
    for (int l = 0; l < kWarpSize; ++l)
      total[l] += lane.offsets[l] * stride;
  }
  return total;
}
