//===- TileMatrixProducts.cpp - Matrix products as shared-memory kernels --===//
//
// `tvq-tile-matrix-products`: each (batched) f32 matrix product on buffers
// that is large enough becomes a `gpu.launch` that computes one 64 x 64 tile
// of C per block of 256 threads. For each stage of 16 k values the block
// copies its A and B tiles into shared memory (workgroup attributions, every
// thread four elements of each), waits at a barrier, and each thread adds
// the stage's products to its 4 x 4 accumulators (a private attribution,
// which LLVM keeps in registers); a second barrier frees the tiles for the
// next stage. Products with a small output (M or N below 32, where most of
// a tile would idle) stay one thread per output, chosen at run time when the
// sizes are dynamic. With math=bf16 the stage's products run on tensor
// cores: each of the eight warps issues mma.sync m16n8k16 (bf16 operands
// rounded from the shared f32 tiles, f32 accumulators) over 16 x 32 of the
// tile; mma=false computes the same layout thread by thread (cuda-sim).
// With wgmma=true (sm_90a) the stages are bf16 in wgmma's shared-memory
// layout and each warpgroup multiplies them with wgmma.mma_async (Wgmma.h).
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "MatrixProducts.h"
#include "WarpMma.h"
#include "Wgmma.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQTILEMATRIXPRODUCTS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

constexpr int64_t kTile = 64;  // C rows and columns per block
constexpr int64_t kDepth = 16; // k values per shared-memory stage
constexpr int64_t kSide = 16;  // threads per tile side (16 x 16 = 256)
constexpr int64_t kMicro = 4;  // outputs per thread per side (4 x 4)
constexpr int64_t kThreads = kSide * kSide;
constexpr int64_t kLoads = kDepth * kTile / kThreads; // per thread per tile
// Shared rows are kTile + 1 floats: a copy whose k is the fast index writes
// a column, and an odd row length spreads it over all 32 banks.
constexpr int64_t kSharedRow = kTile + 1;
// Smallest M and N worth a tile (a quarter of it busy).
constexpr int64_t kMinSide = 32;

static_assert(kSide * kMicro == kTile, "threads cover the tile");
static_assert(kLoads * kThreads == kDepth * kTile, "copies cover a stage");
static_assert(wgmma::kRows == kTile && wgmma::kDepth == kDepth &&
                  2 * wgmma::kGroupColumns == kTile,
              "two warpgroups' wgmma stages cover the tile's stage");

/// One product's sizes, the kernel's attributions and ids, and the loop
/// values known so far (batch, k1, k2 positions).
struct TiledProduct {
  linalg::GenericOp op;
  MatrixProduct p;
  SmallVector<AffineMap> maps;  // op's indexing maps (A and B, then C)
  SmallVector<Value> sizes;     // per loop dimension, computed on the host
  SmallVector<Value> dimValues; // per loop dimension, inside the kernel
  ProductMath math;
  bool wgmma = false; // bf16 stages in wgmma's layout, read by descriptors
  Value sharedA, sharedB, acc;
  Value descA, descB; // wgmma: the stages' matrix descriptors
  Value thread, row0, col0;
  Value tx, ty;  // f32: the thread's column and row
  WarpTile warp; // bf16: the thread's mma.sync layout

  unsigned k2() const { return p.reductions.back(); }

  /// The indices of operand `i` (a DPS operand number) at the loop values.
  SmallVector<Value> indices(unsigned i) {
    SmallVector<Value> result;
    for (unsigned d : dimsOf(maps[i]))
      result.push_back(dimValues[d]);
    return result;
  }

  /// Copies a kDepth x kTile stage of input `input` (whose own matrix
  /// dimension is `own`, starting at `origin`) into `shared[kk][j]`, k
  /// from `k0`; positions outside the operand become 0.
  void copyStage(OpBuilder &b, Location loc, unsigned input, unsigned own,
                 Value origin, Value k0, Value shared) {
    // Neighbouring threads read neighbouring elements: along k when k is
    // the operand's last dimension, else along its own dimension.
    bool kFast = dimsOf(maps[input]).back() == k2();
    forEach(b, loc, kLoads, [&](Value r) {
      Arith a{b, loc};
      Value e = a.add(thread, a.mul(r, a.c(kThreads)));
      Value kk = kFast ? a.rem(e, a.c(kDepth)) : a.div(e, a.c(kTile));
      Value j = kFast ? a.div(e, a.c(kDepth)) : a.rem(e, a.c(kTile));
      Value ownIdx = a.add(origin, j), k = a.add(k0, kk);
      dimValues[own] = ownIdx;
      dimValues[k2()] = k;
      Value inside = a.both(a.lt(ownIdx, sizes[own]), a.lt(k, sizes[k2()]));
      Value v =
          loadOrZero(b, loc, inside, op.getDpsInputs()[input], indices(input));
      if (wgmma) {
        v = arith::TruncFOp::create(b, loc, b.getBF16Type(), v);
        memref::StoreOp::create(b, loc, v, shared, wgmma::stageIndex(a, j, kk));
      } else {
        memref::StoreOp::create(b, loc, v, shared, ValueRange{kk, j});
      }
    });
  }

  /// Where accumulator `slot` of the thread lies in the tile (row, column).
  /// f32: rows ty + 16 i and columns tx + 16 j, slot 4 i + j. bf16: the
  /// accumulator fragment of mma.sync m16n8k16 (WarpTile::position).
  std::pair<Value, Value> outputPosition(Arith &a, int64_t slot) {
    if (math.bf16)
      return warp.position(a, slot);
    int64_t i = slot / kMicro, j = slot % kMicro;
    return {a.add(ty, a.c(i * kSide)), a.add(tx, a.c(j * kSide))};
  }

  /// `body(slot, inside)` for each of the thread's outputs, unrolled: its
  /// accumulator slot (a constant, so that LLVM keeps the accumulators in
  /// registers) and whether it lies inside C (dimValues then hold its row
  /// and column).
  void forEachOutput(OpBuilder &b, Location loc,
                     llvm::function_ref<void(Value, Value)> body) {
    Arith a{b, loc};
    for (int64_t slot = 0; slot < kMicro * kMicro; ++slot) {
      auto [rowInTile, colInTile] = outputPosition(a, slot);
      Value row = a.add(row0, rowInTile), col = a.add(col0, colInTile);
      Value inside = a.both(a.lt(row, sizes[p.m]), a.lt(col, sizes[p.n]));
      dimValues[p.m] = row;
      dimValues[p.n] = col;
      body(a.c(slot), inside);
    }
  }

  /// Adds one stage's products to the thread's accumulators.
  void multiplyStage(OpBuilder &b, Location loc) {
    if (!math.bf16)
      return multiplyStageF32(b, loc);
    if (wgmma && math.mma)
      return wgmma::multiplyStage(b, loc, acc, descA, descB);
    if (wgmma)
      return wgmma::multiplyStageLanes(b, loc, warp, acc, sharedA, sharedB,
                                       descA, descB);
    auto reader = [&](Value shared) {
      return [shared, loc](OpBuilder &rb, Value k, Value j) -> Value {
        return memref::LoadOp::create(rb, loc, shared, ValueRange{k, j});
      };
    };
    auto readA = reader(sharedA), readB = reader(sharedB);
    warp.multiplyStage(b, loc, acc, readA, readB, math.mma);
  }

  /// Loads the thread's 16 sums, runs an `scf.for` over the stage's k
  /// carrying them, `step(builder, k, sums)` giving the next ones, and
  /// stores the results.
  void carrySums(
      OpBuilder &b, Location loc,
      llvm::function_ref<SmallVector<Value>(OpBuilder &, Value, ValueRange)>
          step) {
    Arith a{b, loc};
    SmallVector<Value> sums;
    for (int64_t slot = 0; slot < kMicro * kMicro; ++slot)
      sums.push_back(memref::LoadOp::create(b, loc, acc, a.c(slot)));
    auto loop = scf::ForOp::create(
        b, loc, a.c(0), a.c(kDepth), a.c(1), sums,
        [&](OpBuilder &lb, Location ll, Value kk, ValueRange in) {
          scf::YieldOp::create(lb, ll, step(lb, kk, in));
        });
    for (auto [slot, sum] : llvm::enumerate(loop.getResults()))
      memref::StoreOp::create(b, loc, sum, acc, a.c(slot));
  }

  /// f32: per k, 4 + 4 shared loads for the 16 products (unrolled).
  void multiplyStageF32(OpBuilder &b, Location loc) {
    carrySums(b, loc, [&](OpBuilder &lb, Value kk, ValueRange in) {
      Arith l{lb, loc};
      SmallVector<Value> x, y, out;
      for (int64_t i = 0; i < kMicro; ++i)
        x.push_back(memref::LoadOp::create(
            lb, loc, sharedA, ValueRange{kk, l.add(ty, l.c(i * kSide))}));
      for (int64_t j = 0; j < kMicro; ++j)
        y.push_back(memref::LoadOp::create(
            lb, loc, sharedB, ValueRange{kk, l.add(tx, l.c(j * kSide))}));
      for (int64_t i = 0; i < kMicro; ++i) {
        for (int64_t j = 0; j < kMicro; ++j) {
          Value product = arith::MulFOp::create(lb, loc, x[i], y[j]);
          out.push_back(
              arith::AddFOp::create(lb, loc, in[i * kMicro + j], product));
        }
      }
      return out;
    });
  }

  /// wgmma: A's descriptor (all 64 rows) and the warpgroup's B descriptor
  /// (its 32 columns start 4 groups of 8 rows in). On the GPU they hold the
  /// stages' shared-memory addresses; cuda-sim uses offsets in the stages.
  void buildDescriptors(OpBuilder &b, Location loc) {
    Arith a{b, loc};
    auto base = [&](Value stage) -> Value {
      if (!math.mma)
        return a.c(0);
      return memref::ExtractAlignedPointerAsIndexOp::create(b, loc, stage)
          .getResult();
    };
    Value groupOffset = a.mul(
        warp.warpCol, a.c(wgmma::kGroupColumns / 8 * wgmma::kStrideBytes));
    descA = wgmma::descriptor(b, loc, base(sharedA));
    descB = wgmma::descriptor(b, loc, a.add(base(sharedB), groupOffset));
  }

  /// The launch body: ids, accumulators from C, the stages, C stored.
  void buildKernel(OpBuilder &b, Location loc, gpu::LaunchOp launch,
                   Value tilesM, Value tilesN) {
    Arith a{b, loc};
    sharedA = launch.getWorkgroupAttributions()[0];
    sharedB = launch.getWorkgroupAttributions()[1];
    acc = launch.getPrivateAttributions()[0];
    thread = launch.getThreadIds().x;
    if (math.bf16) {
      // Eight warps, 4 x 2 over the tile: each 16 rows x 32 columns.
      warp = WarpTile::of(b, loc, thread);
      if (wgmma)
        buildDescriptors(b, loc);
    } else {
      tx = a.rem(thread, a.c(kSide));
      ty = a.div(thread, a.c(kSide));
    }
    // Block id → (batches..., tile row, tile column), column fastest.
    Value rest = launch.getBlockIds().x;
    col0 = a.mul(a.rem(rest, tilesN), a.c(kTile));
    rest = a.div(rest, tilesN);
    row0 = a.mul(a.rem(rest, tilesM), a.c(kTile));
    rest = a.div(rest, tilesM);
    for (unsigned d : llvm::reverse(p.batches)) {
      dimValues[d] = a.rem(rest, sizes[d]);
      rest = a.div(rest, sizes[d]);
    }

    Value output = op.getDpsInits()[0];
    forEachOutput(b, loc, [&](Value slot, Value inside) {
      Value v = loadOrZero(b, loc, inside, output, indices(2));
      memref::StoreOp::create(b, loc, v, acc, slot);
    });

    // k1 (when there are two reductions) outside, stages of k2 inside: the
    // order in which one thread per output would add the terms.
    auto stages = [&](OpBuilder &sb, Location sl) {
      Arith s{sb, sl};
      auto loop = scf::ForOp::create(sb, sl, s.c(0), sizes[k2()], s.c(kDepth));
      OpBuilder::InsertionGuard guard(sb);
      sb.setInsertionPoint(loop.getBody()->getTerminator());
      Value k0 = loop.getInductionVar();
      copyStage(sb, sl, p.a, p.m, row0, k0, sharedA);
      copyStage(sb, sl, p.b, p.n, col0, k0, sharedB);
      // The stages were written through the generic proxy; wgmma reads
      // them through the async proxy.
      if (wgmma && math.mma)
        NVVM::FenceProxyOp::create(
            sb, sl, NVVM::ProxyKind::async_shared,
            NVVM::SharedSpaceAttr::get(sb.getContext(),
                                       NVVM::SharedSpace::shared_cta));
      gpu::BarrierOp::create(sb, sl);
      multiplyStage(sb, sl);
      gpu::BarrierOp::create(sb, sl);
    };
    if (p.reductions.size() == 2) {
      unsigned k1 = p.reductions.front();
      auto outer = scf::ForOp::create(b, loc, a.c(0), sizes[k1], a.c(1));
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(outer.getBody()->getTerminator());
      dimValues[k1] = outer.getInductionVar();
      stages(b, loc);
    } else {
      stages(b, loc);
    }

    forEachOutput(b, loc, [&](Value slot, Value inside) {
      auto store = scf::IfOp::create(b, loc, inside, /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(store.thenBlock()->getTerminator());
      Value v = memref::LoadOp::create(b, loc, acc, slot);
      memref::StoreOp::create(b, loc, v, output, indices(2));
    });
  }
};

/// Whether a static size rules the tile out.
bool staticallySmall(linalg::GenericOp op, const MatrixProduct &p) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  for (unsigned d : {p.m, p.n})
    if (!ShapedType::isDynamic(ranges[d]) && ranges[d] < kMinSide)
      return true;
  return false;
}

void tileProduct(linalg::GenericOp op, const MatrixProduct &p, ProductMath math,
                 bool wgmma) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Arith a{b, loc};
  TiledProduct t;
  t.op = op;
  t.p = p;
  t.maps = op.getIndexingMapsArray();
  t.math = math;
  t.wgmma = wgmma;
  for (Range r :
       cast<linalg::LinalgOp>(op.getOperation()).createLoopRanges(b, loc))
    t.sizes.push_back(getValueOrCreateConstantIndexOp(b, loc, r.size));
  t.dimValues.resize(t.sizes.size());
  Value tilesM = a.ceilDiv(t.sizes[p.m], kTile);
  Value tilesN = a.ceilDiv(t.sizes[p.n], kTile);
  Value blocks = a.mul(tilesM, tilesN);
  for (unsigned d : p.batches)
    blocks = a.mul(blocks, t.sizes[d]);

  // Tiles when both sides are large enough (and there is work), the
  // original op otherwise.
  Value tiled = a.both(a.ge(t.sizes[p.m], kMinSide),
                       a.both(a.ge(t.sizes[p.n], kMinSide), a.ge(blocks, 1)));
  auto choice = scf::IfOp::create(b, loc, tiled, /*withElseRegion=*/true);
  op->moveBefore(choice.elseBlock()->getTerminator());

  b.setInsertionPoint(choice.thenBlock()->getTerminator());
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto shared = wgmma
                    ? MemRefType::get({wgmma::kStageElements}, b.getBF16Type(),
                                      MemRefLayoutAttrInterface(), workgroup)
                    : MemRefType::get({kDepth, kSharedRow}, f32,
                                      MemRefLayoutAttrInterface(), workgroup);
  auto registers = MemRefType::get(
      {kMicro * kMicro}, f32, MemRefLayoutAttrInterface(),
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Private));
  Value one = a.c(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, blocks, one, one, a.c(kThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{}, TypeRange{shared, shared},
      TypeRange{registers});
  b.setInsertionPointToEnd(&launch.getBody().front());
  t.buildKernel(b, loc, launch, tilesM, tilesN);
  gpu::TerminatorOp::create(b, loc);
}

struct TileMatrixProductsPass
    : public tvq::impl::TVQTileMatrixProductsBase<TileMatrixProductsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<std::pair<linalg::GenericOp, MatrixProduct>> products;
    getOperation().walk([&](linalg::GenericOp op) {
      if (!op.hasPureBufferSemantics() || op->getParentOfType<gpu::LaunchOp>())
        return;
      if (std::optional<MatrixProduct> p = matchMatrixProduct(op))
        if (!staticallySmall(op, *p))
          products.push_back({op, *p});
    });
    std::optional<ProductMath> productMath = ProductMath::fromOptions(
        getOperation(), "tvq-tile-matrix-products", math, mma);
    if (!productMath)
      return signalPassFailure();
    if (wgmma && !productMath->bf16) {
      getOperation().emitError()
          << "tvq-tile-matrix-products: wgmma needs math=bf16";
      return signalPassFailure();
    }
    for (auto &[op, p] : products)
      tileProduct(op, p, *productMath, wgmma);
  }
};

} // namespace
