//===- ContractionsToLibrary.cpp - f32 matrix products to a GEMM call -----===//
//
// `tvq-contractions-to-library`: each `linalg.generic` on buffers that is a
// (batched) f32 matrix product becomes a call of a runtime GEMM function
// (cuBLAS on the GPU), with the original op as the fallback when the runtime
// answers that it did not compute it. The argument list is docs/abi.md's
// "GEMM calls".
//
//===----------------------------------------------------------------------===//

#include "MatrixProducts.h"
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
using namespace mlir::tvq;

namespace {

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
  // Marks the kernels inside as a fallback (tvq-report-serial-loops).
  fallback->setAttr(kLibraryFallbackAttr, b.getUnitAttr());
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
      if (!op.hasPureBufferSemantics())
        return;
      // f32 GEMMs only: a product of bf16 activations stays for the tiles.
      if (std::optional<MatrixProduct> p = matchMatrixProduct(op))
        if (!p->anyWidened())
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
