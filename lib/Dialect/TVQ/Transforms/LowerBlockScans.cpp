//===- LowerBlockScans.cpp - tvq.block_scan to running-sum loops ----------===//
//
// `tvq-lower-block-scans`: see Passes.td.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQLOWERBLOCKSCANS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// The loops of one block scan on buffers (see Passes.td).
void lowerBlockScan(BlockScanOp op) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value terms = op.getTerms(), init = op.getInit();
  auto type = cast<MemRefType>(init.getType());
  int64_t distance = op.getDistance();
  bool reverse = op.getReverse();

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value dist = arith::ConstantIndexOp::create(b, loc, distance);
  Value zeroF = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(0));
  Value numBlocks = memref::DimOp::create(b, loc, init, 1);

  // Every dimension but the blocks' is parallel.
  SmallVector<Value> lower, upper, steps;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d == 1)
      continue;
    lower.push_back(zero);
    upper.push_back(memref::DimOp::create(b, loc, init, d));
    steps.push_back(one);
  }
  auto loop = scf::ParallelOp::create(b, loc, lower, upper, steps);
  b.setInsertionPoint(loop.getBody()->getTerminator());
  ValueRange ivs = loop.getInductionVars();
  auto indices = [&](Value block) {
    SmallVector<Value> at = {ivs[0], block};
    at.append(ivs.begin() + 1, ivs.end());
    return at;
  };
  scf::ForOp::create(
      b, loc, zero, numBlocks, one, ValueRange{zeroF},
      [&](OpBuilder &fb, Location fl, Value step, ValueRange carried) {
        // Block n (from the last one down with `reverse`) and the block m
        // whose term joins the sum there, when there is one (else m reads
        // an element in bounds and adds nothing).
        Value n = step, m, joins;
        if (reverse) {
          Value last = arith::SubIOp::create(fb, fl, numBlocks, one);
          n = arith::SubIOp::create(fb, fl, last, step);
          m = arith::AddIOp::create(fb, fl, n, dist);
          joins = arith::CmpIOp::create(fb, fl, arith::CmpIPredicate::slt, m,
                                        numBlocks);
        } else {
          joins =
              arith::CmpIOp::create(fb, fl, arith::CmpIPredicate::sge, n, dist);
          m = arith::SubIOp::create(fb, fl, n, dist);
        }
        m = arith::SelectOp::create(fb, fl, joins, m, n);
        Value term = memref::LoadOp::create(fb, fl, terms, indices(m));
        term = arith::SelectOp::create(fb, fl, joins, term, zeroF);
        Value sum = arith::AddFOp::create(fb, fl, carried[0], term);
        Value old = memref::LoadOp::create(fb, fl, init, indices(n));
        memref::StoreOp::create(fb, fl, arith::AddFOp::create(fb, fl, old, sum),
                                init, indices(n));
        scf::YieldOp::create(fb, fl, sum);
      });
  op.erase();
}

struct TVQLowerBlockScansPass
    : tvq::impl::TVQLowerBlockScansBase<TVQLowerBlockScansPass> {
  void runOnOperation() override {
    SmallVector<BlockScanOp> scans;
    WalkResult result = getOperation().walk([&](BlockScanOp op) {
      if (!op.hasPureBufferSemantics()) {
        op.emitOpError("must be bufferized before tvq-lower-block-scans");
        return WalkResult::interrupt();
      }
      scans.push_back(op);
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      return signalPassFailure();
    for (BlockScanOp op : scans)
      lowerBlockScan(op);
  }
};

} // namespace
