//===- KernelBuilder.h - Helpers for kernels built as gpu.launch -*- C++
//-*-===//
//
// Index arithmetic, constant-trip loops and guarded loads shared by the
// passes that write their own gpu.launch bodies (tvq-tile-matrix-products,
// tvq-fused-attention-to-gpu).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_CONVERSION_TVQTOGPU_KERNELBUILDER_H
#define TVQ_CONVERSION_TVQTOGPU_KERNELBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/Builders.h"

namespace mlir {
namespace tvq {

/// The threads of a warp.
constexpr int32_t kWarpSize = 32;

/// Builds index arithmetic at one place.
struct Arith {
  OpBuilder &b;
  Location loc;
  Value c(int64_t v) { return arith::ConstantIndexOp::create(b, loc, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, loc, x, y); }
  Value div(Value x, Value y) { return arith::DivUIOp::create(b, loc, x, y); }
  Value rem(Value x, Value y) { return arith::RemUIOp::create(b, loc, x, y); }
  Value ceilDiv(Value x, int64_t y) {
    return arith::CeilDivUIOp::create(b, loc, x, c(y));
  }
  Value lt(Value x, Value y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, x, y);
  }
  Value ge(Value x, int64_t y) {
    return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::uge, x, c(y));
  }
  Value both(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
};

/// `for (v = 0; v < n; ++v) body(v)` with a constant trip count.
inline void forEach(OpBuilder &b, Location loc, int64_t n,
                    llvm::function_ref<void(Value)> body) {
  Arith a{b, loc};
  auto loop = scf::ForOp::create(b, loc, a.c(0), a.c(n), a.c(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  body(loop.getInductionVar());
}

/// `inside ? buffer[indices] : 0`, as f32 (a bf16 element widened).
inline Value loadOrZero(OpBuilder &b, Location loc, Value inside, Value buffer,
                        ValueRange indices) {
  auto ifOp = scf::IfOp::create(
      b, loc, inside,
      [&](OpBuilder &tb, Location tl) {
        Value v = memref::LoadOp::create(tb, tl, buffer, indices);
        if (v.getType().isBF16()) // a bf16 activation (tvq-bf16-activations)
          v = arith::ExtFOp::create(tb, tl, tb.getF32Type(), v);
        scf::YieldOp::create(tb, tl, v);
      },
      [&](OpBuilder &eb, Location el) {
        Value zero = arith::ConstantOp::create(eb, el, eb.getF32FloatAttr(0));
        scf::YieldOp::create(eb, el, zero);
      });
  return ifOp.getResult(0);
}

} // namespace tvq
} // namespace mlir

#endif // TVQ_CONVERSION_TVQTOGPU_KERNELBUILDER_H
