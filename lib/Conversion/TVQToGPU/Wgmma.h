//===- Wgmma.h - A tile's stages on Hopper's wgmma --------------*- C++ -*-===//
//
// The matrix-product tiles with `wgmma=true` (sm_90a): each of the block's
// two warpgroups (threads 0-127 and 128-255) multiplies the stage's 64 x 16
// of A by its 16 x 32 of B with one `wgmma.mma_async.m64n32k16.f32.bf16.bf16`:
// warpgroup g takes tile columns 32 g to 32 g + 31. Its accumulator fragment
// is mma.sync m16n8k16's repeated over four 8-column tiles, warp w % 4 of
// the group holding rows 16 (w % 4) to 16 (w % 4) + 15: the layout of
// WarpTile (WarpMma.h), so the tiles' loads and stores of C are unchanged.
//
// Both operands are read by the tensor cores from shared memory, as bf16 in
// the no-swizzle K-major layout of the PTX ISA ("shared memory matrix
// layout"): 8 x 8 core matrices (8 rows of 8 consecutive k, 16 bytes each,
// 128 contiguous bytes), the two core matrices along k kLeadingBytes apart
// (the descriptor's leading dimension byte offset) and consecutive groups of
// 8 rows kStrideBytes apart (its stride dimension byte offset). A stage of
// 64 rows (A's rows or B's columns) x 16 k is 2048 bytes.
//
// Without tensor cores (cuda-sim) each thread computes its slots of the same
// layout from the same bf16 stage, reading it through the fields decoded from
// the same descriptors (whose start address is then the offset in the stage).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_CONVERSION_TVQTOGPU_WGMMA_H
#define TVQ_CONVERSION_TVQTOGPU_WGMMA_H

#include "KernelBuilder.h"
#include "WarpMma.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"

namespace mlir {
namespace tvq {
namespace wgmma {

constexpr int64_t kRows = 64;         // A's rows or B's columns per stage
constexpr int64_t kDepth = 16;        // k per stage (wgmma's k for bf16)
constexpr int64_t kGroupColumns = 32; // B columns per warpgroup (n of m64n32)
constexpr int64_t kCoreRowBytes = 16; // one core-matrix row: 8 bf16
constexpr int64_t kCoreBytes = 128;   // 8 such rows
constexpr int64_t kLeadingBytes = kCoreBytes;      // next core matrix along k
constexpr int64_t kStrideBytes = 2 * kCoreBytes;   // next 8 rows
constexpr int64_t kStageElements = kRows * kDepth; // bf16 per stage

static_assert(kStrideBytes == (kDepth / 8) * kCoreBytes,
              "the core matrices of 8 rows are packed along k");

/// Element index (bf16 units) of (row, k) in a stage.
inline Value stageIndex(Arith &a, Value row, Value k) {
  Value bytes = a.add(a.add(a.mul(a.div(row, a.c(8)), a.c(kStrideBytes)),
                            a.mul(a.div(k, a.c(8)), a.c(kLeadingBytes))),
                      a.add(a.mul(a.rem(row, a.c(8)), a.c(kCoreRowBytes)),
                            a.mul(a.rem(k, a.c(8)), a.c(2))));
  return a.div(bytes, a.c(2));
}

/// An i64 constant (descriptor bits).
inline Value i64Constant(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI64Type(), v).getResult();
}

/// The 64-bit matrix descriptor of a stage starting at byte address `start`
/// (an index): bits 0-13 start >> 4, 16-29 the leading byte offset >> 4,
/// 32-45 the stride byte offset >> 4, swizzle bits 62-63 zero (none).
inline Value descriptor(OpBuilder &b, Location loc, Value start) {
  auto c = [&](int64_t v) { return i64Constant(b, loc, v); };
  Value address = arith::IndexCastUIOp::create(b, loc, b.getI64Type(), start);
  Value encoded = arith::ShRUIOp::create(
      b, loc, arith::AndIOp::create(b, loc, address, c(0x3FFFF)), c(4));
  int64_t fields = ((kLeadingBytes >> 4) << 16) | ((kStrideBytes >> 4) << 32);
  return arith::OrIOp::create(b, loc, encoded, c(fields));
}

/// The byte address of (row, k) that descriptor `desc` describes: its
/// fields decoded (for the lane-by-lane simulation).
inline Value describedByte(OpBuilder &b, Location loc, Value desc, Value row,
                           Value k) {
  auto c = [&](int64_t v) { return i64Constant(b, loc, v); };
  auto field = [&](int64_t shift) {
    Value bits = arith::AndIOp::create(
        b, loc, arith::ShRUIOp::create(b, loc, desc, c(shift)), c(0x3FFF));
    Value bytes = arith::ShLIOp::create(b, loc, bits, c(4));
    return arith::IndexCastUIOp::create(b, loc, b.getIndexType(), bytes)
        .getResult();
  };
  Arith a{b, loc};
  Value start = field(0), leading = field(16), stride = field(32);
  return a.add(a.add(start, a.add(a.mul(a.div(row, a.c(8)), stride),
                                  a.mul(a.div(k, a.c(8)), leading))),
               a.add(a.mul(a.rem(row, a.c(8)), a.c(kCoreRowBytes)),
                     a.mul(a.rem(k, a.c(8)), a.c(2))));
}

/// acc += A (64 x 16, descA) times the warpgroup's 16 x 32 of B (descB, its
/// first column the group's): wgmma.fence (the accumulators were written by
/// other instructions), the asynchronous product, commit and wait for it.
inline void multiplyStage(OpBuilder &b, Location loc, Value acc, Value descA,
                          Value descB) {
  Arith a{b, loc};
  Type f32 = b.getF32Type();
  auto accType = LLVM::LLVMStructType::getLiteral(b.getContext(),
                                                  SmallVector<Type>(16, f32));
  Value fragment = LLVM::UndefOp::create(b, loc, accType);
  for (int64_t slot = 0; slot < 16; ++slot) {
    Value v = memref::LoadOp::create(b, loc, acc, a.c(slot));
    fragment = LLVM::InsertValueOp::create(b, loc, fragment, v, slot);
  }
  NVVM::WgmmaFenceAlignedOp::create(b, loc);
  MLIRContext *ctx = b.getContext();
  auto bf16 = NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::bf16);
  auto one = NVVM::WGMMAScaleInAttr::get(ctx, NVVM::WGMMAScaleIn::one);
  Value result = NVVM::WgmmaMmaAsyncOp::create(
      b, loc, accType, fragment, descA, descB,
      NVVM::MMAShapeAttr::get(ctx, kRows, kGroupColumns, kDepth), bf16, bf16,
      NVVM::WGMMATypesAttr::get(ctx, NVVM::WGMMATypes::f32),
      NVVM::WGMMAScaleOutAttr::get(ctx, NVVM::WGMMAScaleOut::one), one, one,
      NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::row), // A K-major
      NVVM::MMALayoutAttr::get(ctx, NVVM::MMALayout::col), // B K-major
      /*satfinite=*/nullptr);
  NVVM::WgmmaGroupSyncAlignedOp::create(b, loc);
  NVVM::WgmmaWaitGroupSyncOp::create(b, loc, 0);
  for (int64_t slot = 0; slot < 16; ++slot) {
    Value v = LLVM::ExtractValueOp::create(b, loc, result, slot);
    memref::StoreOp::create(b, loc, v, acc, a.c(slot));
  }
}

/// The same sums thread by thread (WarpTile's lane-by-lane stage, whose
/// rounding leaves these bf16 values as they are): slot s of `warp` (row r,
/// column c of the tile) adds, k in order, A(r, k) B(c - 32 g, k) read from
/// `stageA`/`stageB` at the bytes the descriptors describe.
inline void multiplyStageLanes(OpBuilder &b, Location loc, const WarpTile &warp,
                               Value acc, Value stageA, Value stageB,
                               Value descA, Value descB) {
  auto reader = [](Value stage, Value desc, Value firstColumn) {
    return [=](OpBuilder &rb, Value k, Value row) -> Value {
      Location rl = stage.getLoc();
      Arith r{rb, rl};
      Value local = firstColumn ? r.sub(row, firstColumn) : row;
      Value byte = describedByte(rb, rl, desc, local, k);
      Value v = memref::LoadOp::create(rb, rl, stage,
                                       ValueRange{r.div(byte, r.c(2))});
      return arith::ExtFOp::create(rb, rl, rb.getF32Type(), v);
    };
  };
  Arith a{b, loc};
  Value groupColumn0 = a.mul(warp.warpCol, a.c(kGroupColumns));
  warp.multiplyStage(b, loc, acc, reader(stageA, descA, Value()),
                     reader(stageB, descB, groupColumn0), /*mma=*/false);
}

} // namespace wgmma
} // namespace tvq
} // namespace mlir

#endif // TVQ_CONVERSION_TVQTOGPU_WGMMA_H
