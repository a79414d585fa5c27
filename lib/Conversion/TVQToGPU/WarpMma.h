//===- WarpMma.h - bf16 tensor-core stages of a 64 x 64 tile -----*- C++
//-*-===//
//
// Eight warps (4 x 2) cover a 64 x 64 tile of f32 accumulators, each warp 16
// rows x 32 columns, each thread 16 accumulators in the fragment layout of
// mma.sync m16n8k16 (PTX ISA). A stage adds the products of 16 k values:
// bf16 operands (rounded to nearest even from f32), f32 sums. Shared by the
// matrix-product tiles (tvq-tile-matrix-products) and the fused attention
// kernels (tvq-fused-attention-to-gpu). Without tensor cores (cuda-sim) the
// same layout is computed lane by lane.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_CONVERSION_TVQTOGPU_WARPMMA_H
#define TVQ_CONVERSION_TVQTOGPU_WARPMMA_H

#include "KernelBuilder.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir {
namespace tvq {

/// How a kernel's products multiply: f32 FMAs, or bf16 operands with f32
/// sums on tensor cores (mma) or, for the simulation, lane by lane.
struct ProductMath {
  bool bf16 = false;
  bool mma = true;

  /// From a pass's `math` ("f32" or "bf16") and `mma` options; an error
  /// naming `pass` on `op` and std::nullopt for another math.
  static std::optional<ProductMath> fromOptions(Operation *op, StringRef pass,
                                                StringRef math, bool mma) {
    if (math != "f32" && math != "bf16") {
      op->emitError() << pass << ": unknown math '" << math
                      << "' (f32 or bf16)";
      return std::nullopt;
    }
    return ProductMath{math == "bf16", mma};
  }
};

/// Reads operand element (k, row or column) of a stage, as f32.
using StageReader = llvm::function_ref<Value(OpBuilder &, Value, Value)>;

/// `v` rounded to the nearest bf16 (ties to even), as an f32: integer
/// arithmetic on the bits, which the CPU runs without bf16 support (NaN
/// stays NaN, as cvt.rn.bf16.f32 keeps it).
inline Value roundToBF16(OpBuilder &b, Location loc, Value v) {
  Type i32 = b.getI32Type();
  auto c = [&](int64_t x) {
    return arith::ConstantIntOp::create(b, loc, i32, x).getResult();
  };
  Value bits = arith::BitcastOp::create(b, loc, i32, v);
  Value odd = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, c(16)), c(1));
  Value bias = arith::AddIOp::create(b, loc, c(0x7fff), odd);
  Value rounded = arith::AndIOp::create(
      b, loc, arith::AddIOp::create(b, loc, bits, bias), c(0xffff0000));
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, v, v);
  Value result = arith::BitcastOp::create(b, loc, b.getF32Type(), rounded);
  return arith::SelectOp::create(b, loc, isNaN, v, result);
}

/// The thread's place among the eight warps and its accumulators' layout.
struct WarpTile {
  Value warpRow, warpCol, group, quad; // the warp's tile, lane / 4, lane % 4

  static WarpTile of(OpBuilder &b, Location loc, Value thread) {
    Arith a{b, loc};
    Value warp = a.div(thread, a.c(32)), lane = a.rem(thread, a.c(32));
    return {a.rem(warp, a.c(4)), a.div(warp, a.c(4)), a.div(lane, a.c(4)),
            a.rem(lane, a.c(4))};
  }

  /// Where accumulator `slot` lies in the tile (row, column): for the warp's
  /// four 16 x 8 tiles, slot 4 t + e is row 16 warpRow + group + 8 (e / 2),
  /// column 32 warpCol + 8 t + 2 quad + e % 2.
  std::pair<Value, Value> position(Arith &a, int64_t slot) const {
    int64_t tile = slot / 4, e = slot % 4;
    Value row = a.add(a.mul(warpRow, a.c(16)), a.add(group, a.c(8 * (e / 2))));
    Value col = a.add(a.mul(warpCol, a.c(32)),
                      a.add(a.mul(quad, a.c(2)), a.c(8 * tile + e % 2)));
    return {row, col};
  }

  /// acc[slot] += sum over the stage's 16 k of A(k, row) B(k, col): with
  /// `mma`, four mma.sync m16n8k16 per warp (fragments as in the PTX ISA: A
  /// register p holds row group + 8 (p % 2), k 2 quad + 8 (p / 2) and k + 1;
  /// B register j of an 8-column tile holds k 2 quad + 8 j and k + 1 of
  /// column group); without, each thread its own slots, k in order.
  void multiplyStage(OpBuilder &b, Location loc, Value acc, StageReader readA,
                     StageReader readB, bool mma) const {
    if (mma)
      multiplyMma(b, loc, acc, readA, readB);
    else
      multiplyLanes(b, loc, acc, readA, readB);
  }

private:
  /// readA/readB at k and k + 1, rounded to bf16 and packed into one i32,
  /// k's in the low half (an mma.sync operand register).
  static Value packPair(OpBuilder &b, Location loc, StageReader read, Value k,
                        Value j) {
    Arith a{b, loc};
    Type bf16 = b.getBF16Type(), i16 = b.getI16Type(), i32 = b.getI32Type();
    auto half = [&](Value kk) {
      Value rounded = arith::TruncFOp::create(b, loc, bf16, read(b, kk, j));
      Value bits = arith::BitcastOp::create(b, loc, i16, rounded);
      return arith::ExtUIOp::create(b, loc, i32, bits).getResult();
    };
    Value low = half(k);
    Value high = half(a.add(k, a.c(1)));
    Value sixteen = arith::ConstantIntOp::create(b, loc, i32, 16);
    return arith::OrIOp::create(b, loc, low,
                                arith::ShLIOp::create(b, loc, high, sixteen));
  }

  void multiplyMma(OpBuilder &b, Location loc, Value acc, StageReader readA,
                   StageReader readB) const {
    Arith a{b, loc};
    Value rowBase = a.mul(warpRow, a.c(16));
    Value colBase = a.mul(warpCol, a.c(32));
    Value k = a.mul(quad, a.c(2));
    SmallVector<Value> fragA;
    for (int64_t reg = 0; reg < 4; ++reg) {
      Value row = a.add(rowBase, a.add(group, a.c(8 * (reg % 2))));
      Value kk = a.add(k, a.c(8 * (reg / 2)));
      fragA.push_back(packPair(b, loc, readA, kk, row));
    }
    Type f32 = b.getF32Type();
    Type resultType = LLVM::LLVMStructType::getLiteral(
        b.getContext(), SmallVector<Type>(4, f32));
    for (int64_t tile = 0; tile < 4; ++tile) {
      Value col = a.add(colBase, a.add(group, a.c(8 * tile)));
      SmallVector<Value> fragB, fragC;
      for (int64_t reg = 0; reg < 2; ++reg)
        fragB.push_back(packPair(b, loc, readB, a.add(k, a.c(8 * reg)), col));
      for (int64_t e = 0; e < 4; ++e)
        fragC.push_back(memref::LoadOp::create(b, loc, acc, a.c(4 * tile + e)));
      auto mma = NVVM::MmaOp::create(
          b, loc, resultType, fragA, fragB, fragC, ArrayRef<int64_t>{16, 8, 16},
          std::nullopt, std::nullopt,
          std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16,
                                        NVVM::MMATypes::bf16},
          std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                         NVVM::MMALayout::col});
      for (int64_t e = 0; e < 4; ++e) {
        Value d = LLVM::ExtractValueOp::create(b, loc, mma, e);
        memref::StoreOp::create(b, loc, d, acc, a.c(4 * tile + e));
      }
    }
  }

  void multiplyLanes(OpBuilder &b, Location loc, Value acc, StageReader readA,
                     StageReader readB) const {
    Arith a{b, loc};
    SmallVector<Value> sums;
    for (int64_t slot = 0; slot < 16; ++slot)
      sums.push_back(memref::LoadOp::create(b, loc, acc, a.c(slot)));
    auto loop = scf::ForOp::create(
        b, loc, a.c(0), a.c(16), a.c(1), sums,
        [&](OpBuilder &lb, Location ll, Value kk, ValueRange in) {
          Arith l{lb, ll};
          SmallVector<Value> out;
          for (int64_t slot = 0; slot < 16; ++slot) {
            auto [row, col] = position(l, slot);
            Value x = roundToBF16(lb, ll, readA(lb, kk, row));
            Value y = roundToBF16(lb, ll, readB(lb, kk, col));
            Value product = arith::MulFOp::create(lb, ll, x, y);
            out.push_back(arith::AddFOp::create(lb, ll, in[slot], product));
          }
          scf::YieldOp::create(lb, ll, out);
        });
    for (auto [slot, sum] : llvm::enumerate(loop.getResults()))
      memref::StoreOp::create(b, loc, sum, acc, a.c(slot));
  }
};

} // namespace tvq
} // namespace mlir

#endif // TVQ_CONVERSION_TVQTOGPU_WARPMMA_H
