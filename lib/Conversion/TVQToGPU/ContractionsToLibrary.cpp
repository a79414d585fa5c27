//===- ContractionsToLibrary.cpp - f32 matrix products to a GEMM call -----===//
//
// `tvq-contractions-to-library`: each `linalg.generic` on buffers that is a
// (batched) f32 matrix product becomes a call of a runtime GEMM function
// (cuBLAS on the GPU), with the original op as the fallback when the runtime
// answers that it did not compute it. The argument list is docs/abi.md's
// "GEMM calls".
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQCONTRACTIONSTOLIBRARY
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// The loop dimensions of a matched product C[b, m, n] += A[b, m, k] B[b, k,
/// n]; b may be two loops (b1, b2), which the call sees as one batch of
/// b1 x b2 when every operand's strides allow (checked at run time).
struct MatrixProduct {
  unsigned a = 0, b = 0; // DPS input numbers of A (has m) and B (has n)
  SmallVector<unsigned, 2> batches; // none, one or two, outermost first
  unsigned m = 0, n = 0;
  SmallVector<unsigned, 2> reductions; // one or two, outermost first

  std::optional<unsigned> batch() const {
    if (batches.empty())
      return std::nullopt;
    return batches.back();
  }
};

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

/// The loop dimensions that `map` (a projected permutation) reads.
SmallVector<unsigned> dimsOf(AffineMap map) {
  SmallVector<unsigned> dims;
  for (AffineExpr e : map.getResults())
    dims.push_back(cast<AffineDimExpr>(e).getPosition());
  return dims;
}

bool isF32Buffer(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  return type && type.getElementType().isF32() && type.isStrided();
}

/// The product `op` computes, if it is one this pass hands to the library.
std::optional<MatrixProduct> matchMatrixProduct(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1)
    return std::nullopt;
  for (Value v : op->getOperands())
    if (!isF32Buffer(v))
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

/// The callee's declaration: 22 index arguments, an i32 result.
func::FuncOp declareCallee(ModuleOp module, StringRef name) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Type index = b.getIndexType();
  auto type = b.getFunctionType(SmallVector<Type>(22, index), {b.getI32Type()});
  auto func = func::FuncOp::create(b, module.getLoc(), name, type);
  func.setPrivate();
  return func;
}

/// An operand's strided metadata and how its dimensions map to loops.
struct Operand {
  Value pointer, offset;
  SmallVector<Value> sizes, strides;
  SmallVector<unsigned> dims;

  /// The stride of loop dimension `d` (`zero` when the operand lacks it).
  Value stride(std::optional<unsigned> d, Value zero) const {
    if (d)
      for (auto [i, dim] : llvm::enumerate(dims))
        if (dim == *d)
          return strides[i];
    return zero;
  }
  Value size(unsigned d) const {
    for (auto [i, dim] : llvm::enumerate(dims))
      if (dim == d)
        return sizes[i];
    llvm_unreachable("dimension not read by the operand");
  }
};

Operand describe(OpBuilder &b, Location loc, Value buffer, AffineMap map) {
  auto meta = memref::ExtractStridedMetadataOp::create(b, loc, buffer);
  Operand o;
  o.pointer = memref::ExtractAlignedPointerAsIndexOp::create(b, loc, buffer);
  o.offset = meta.getOffset();
  o.sizes.assign(meta.getSizes().begin(), meta.getSizes().end());
  o.strides.assign(meta.getStrides().begin(), meta.getStrides().end());
  o.dims = dimsOf(map);
  return o;
}

void replaceWithCall(linalg::GenericOp op, const MatrixProduct &p,
                     func::FuncOp callee) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Operand a = describe(b, loc, op.getDpsInputs()[p.a], maps[p.a]);
  Operand bo = describe(b, loc, op.getDpsInputs()[p.b], maps[p.b]);
  Operand c = describe(b, loc, op.getDpsInits()[0], maps[2]);

  // Reductions (k1, k2), outermost first; one reduction is (1, k).
  std::optional<unsigned> k1, k2 = p.reductions.back();
  if (p.reductions.size() == 2)
    k1 = p.reductions.front();
  // Two batch loops are one batch of b1 x b2 steps of b2's stride, when
  // every operand's b1 stride is b2's size times its b2 stride.
  std::optional<unsigned> batch = p.batch();
  Value batchSize = batch ? c.size(*batch) : one;
  Value collapsible;
  if (p.batches.size() == 2) {
    Value inner = batchSize;
    batchSize = arith::MulIOp::create(b, loc, c.size(p.batches[0]), inner);
    collapsible = arith::ConstantIntOp::create(b, loc, 1, 1);
    for (const Operand *o : {&a, &bo, &c}) {
      Value expected =
          arith::MulIOp::create(b, loc, inner, o->stride(p.batches[1], zero));
      Value same =
          arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                o->stride(p.batches[0], zero), expected);
      collapsible = arith::AndIOp::create(b, loc, collapsible, same);
    }
  }
  SmallVector<Value> args = {batchSize, c.size(p.m), c.size(p.n),
                             k1 ? a.size(*k1) : one, a.size(*k2)};
  // Each operand: pointer, offset, then the strides of `dims`.
  auto append = [&](const Operand &o, ArrayRef<std::optional<unsigned>> dims) {
    args.append({o.pointer, o.offset});
    for (std::optional<unsigned> d : dims)
      args.push_back(o.stride(d, zero));
  };
  append(a, {batch, p.m, k1, k2});
  append(bo, {batch, p.n, k1, k2});
  append(c, {batch, p.m, p.n});
  Value done;
  if (collapsible) {
    auto ifCollapsible = scf::IfOp::create(
        b, loc, collapsible,
        [&](OpBuilder &tb, Location tl) {
          auto call = func::CallOp::create(tb, tl, callee, args);
          scf::YieldOp::create(tb, tl, call.getResult(0));
        },
        [&](OpBuilder &eb, Location el) {
          scf::YieldOp::create(
              eb, el, ValueRange{arith::ConstantIntOp::create(eb, el, 0, 32)});
        });
    done = ifCollapsible.getResult(0);
  } else {
    done = func::CallOp::create(b, loc, callee, args).getResult(0);
  }
  Value notDone =
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, done,
                            arith::ConstantIntOp::create(b, loc, 0, 32));
  auto fallback = scf::IfOp::create(b, loc, notDone, /*withElseRegion=*/false);
  op->moveBefore(fallback.thenBlock()->getTerminator());
}

struct ContractionsToLibraryPass
    : public tvq::impl::TVQContractionsToLibraryBase<
          ContractionsToLibraryPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<std::pair<linalg::GenericOp, MatrixProduct>> products;
    module.walk([&](linalg::GenericOp op) {
      if (std::optional<MatrixProduct> p = matchMatrixProduct(op))
        products.push_back({op, *p});
    });
    if (products.empty())
      return;
    func::FuncOp f = declareCallee(module, callee);
    for (auto &[op, p] : products)
      replaceWithCall(op, p, f);
  }
};

} // namespace
