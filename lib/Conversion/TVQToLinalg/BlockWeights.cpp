//===- BlockWeights.cpp - One block's attention weights as generics -------===//

#include "BlockWeights.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

using namespace mlir;
using namespace mlir::tvq;

Value mlir::tvq::slotStarted(OpBuilder &nb, Location nl, Value seenB,
                             Value offset, unsigned slotDim, int64_t memLen) {
  Value slot = arith::IndexCastOp::create(nb, nl, nb.getI64Type(),
                                          loopIndex(nb, nl, slotDim));
  Value base = arith::SubIOp::create(
      nb, nl, arith::AddIOp::create(nb, nl, seenB, offset),
      arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(memLen)));
  Value pos = arith::AddIOp::create(nb, nl, base, slot);
  return arith::CmpIOp::create(
      nb, nl, arith::CmpIPredicate::sge, pos,
      arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(0)));
}

Value mlir::tvq::addToQueries(GenericBuilder &g, Value q, Value bias) {
  Type f32 = g.builder().getF32Type();
  return g.generic(
      {q, bias}, g.empty({g.size(q, 0), g.size(q, 1), g.size(q, 2)}, f32),
      {g.map(3, {0, 1, 2}), g.map(3, {2}), g.map(3, {0, 1, 2})},
      {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
        return addF(nb, nl, a[0], a[1]);
      });
}

Value mlir::tvq::queryDots(GenericBuilder &g, Value lhs, Value rhs,
                           AffineMap rhsMap, OpFoldResult xs) {
  return g.generic(
      {lhs, rhs}, g.filledF32({g.size(lhs, 0), g.size(lhs, 1), xs}, 0.0),
      {g.map(4, {0, 1, 3}), rhsMap, g.map(4, {0, 1, 2})},
      {kPar, kPar, kPar, kRed}, [](OpBuilder &nb, Location nl, ValueRange a) {
        return addF(nb, nl, a[2], mulF(nb, nl, a[0], a[1]));
      });
}

BlockWeights mlir::tvq::buildBlockWeights(GenericBuilder &g, int64_t memLen,
                                          Value qu, Value codebook, Value count,
                                          Value bufKeys, Value relative,
                                          Value seen, Value offsetI64) {
  Type f32 = g.builder().getF32Type();
  constexpr float negInf = -std::numeric_limits<float>::infinity();
  OpFoldResult b = g.size(qu, 0), l = g.size(qu, 1), s = g.size(codebook, 0),
               n = g.size(bufKeys, 1);

  Value cacheDots = queryDots(g, qu, codebook, g.map(4, {2, 3}), s);
  Value bufferDots = queryDots(g, qu, bufKeys, g.map(4, {0, 2, 3}), n);

  // Cache scores: + log(count), -inf where a code has no cached position.
  Value cacheScores = g.generic(
      {cacheDots, count}, g.empty({b, l, s}, f32),
      {g.map(3, {0, 1, 2}), g.map(3, {0, 2}), g.map(3, {0, 1, 2})},
      {kPar, kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value logN = math::LogOp::create(
            nb, nl,
            arith::MaximumFOp::create(nb, nl, a[1], constF(nb, nl, 1.0f)));
        Value empty = arith::CmpFOp::create(nb, nl, arith::CmpFPredicate::OLE,
                                            a[1], constF(nb, nl, 0.0f));
        return arith::SelectOp::create(nb, nl, empty, constF(nb, nl, negInf),
                                       addF(nb, nl, a[0], logN))
            .getResult();
      });

  // Buffer scores: query i and slot j are valid when the slot's position is
  // >= 0 and j <= i + M (causal); the relative term at distance i + M - j
  // where it is <= M (the table index clamped so that unused reads stay in
  // bounds).
  Value bufferScores = g.generic(
      {bufferDots, seen}, g.empty({b, l, n}, f32),
      {g.map(3, {0, 1, 2}), g.map(3, {0}), g.map(3, {0, 1, 2})},
      {kPar, kPar, kPar}, [&](OpBuilder &nb, Location nl, ValueRange a) {
        Value bIdx = loopIndex(nb, nl, 0), i = loopIndex(nb, nl, 1),
              j = loopIndex(nb, nl, 2);
        Value mC = constIndex(nb, nl, memLen);
        Value iPlusM = arith::AddIOp::create(nb, nl, i, mC);
        Value dist = arith::SubIOp::create(nb, nl, iPlusM, j);
        Value started = slotStarted(nb, nl, a[1], offsetI64, 2, memLen);
        Value causal =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, j, iPlusM);
        Value valid = arith::AndIOp::create(nb, nl, started, causal);
        Value inBand =
            arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sle, dist, mC);
        Value dIdx =
            arith::MaxSIOp::create(nb, nl, constIndex(nb, nl, 0),
                                   arith::MinSIOp::create(nb, nl, dist, mC));
        Value rel = tensor::ExtractOp::create(nb, nl, relative,
                                              ValueRange{bIdx, i, dIdx});
        Value bias =
            arith::SelectOp::create(nb, nl, inBand, rel, constF(nb, nl, 0.0f));
        return arith::SelectOp::create(nb, nl, valid, addF(nb, nl, a[0], bias),
                                       constF(nb, nl, negInf))
            .getResult();
      });

  // One max over the cache and the buffer, exp(score - max), one sum.
  auto rowReduce =
      [&](Value scores, Value init,
          function_ref<Value(OpBuilder &, Location, Value, Value)> combine) {
        return g.generic(
            {scores}, init, {g.map(3, {0, 1, 2}), g.map(3, {0, 1})},
            {kPar, kPar, kRed}, [&](OpBuilder &nb, Location nl, ValueRange a) {
              return combine(nb, nl, a[0], a[1]);
            });
      };
  auto maxF = [](OpBuilder &nb, Location nl, Value x, Value y) {
    return arith::MaximumFOp::create(nb, nl, x, y).getResult();
  };
  Value rowMax = rowReduce(cacheScores, g.filledF32({b, l}, negInf), maxF);
  rowMax = rowReduce(bufferScores, rowMax, maxF);
  auto expShift = [&](Value scores, OpFoldResult cols) {
    return g.generic(
        {scores, rowMax}, g.empty({b, l, cols}, f32),
        {g.map(3, {0, 1, 2}), g.map(3, {0, 1}), g.map(3, {0, 1, 2})},
        {kPar, kPar, kPar}, [](OpBuilder &nb, Location nl, ValueRange a) {
          return math::ExpOp::create(nb, nl,
                                     arith::SubFOp::create(nb, nl, a[0], a[1]))
              .getResult();
        });
  };
  Value cacheWeights = expShift(cacheScores, s);
  Value bufferWeights = expShift(bufferScores, n);
  Value rowSum = rowReduce(cacheWeights, g.filledF32({b, l}, 0.0), addF);
  rowSum = rowReduce(bufferWeights, rowSum, addF);
  return {cacheWeights, bufferWeights, rowSum};
}

BlockProbabilities
mlir::tvq::buildFusedBlockSoftmax(GenericBuilder &g, int64_t memLen, Value qu,
                                  Value codebook, Value count, Value bufKeys,
                                  Value relative, Value seen) {
  OpBuilder &b = g.builder();
  Type f32 = b.getF32Type();
  OpFoldResult batch = g.size(qu, 0), l = g.size(qu, 1),
               s = g.size(codebook, 0), n = g.size(bufKeys, 1);
  Value cacheInit = g.empty({batch, l, s}, f32);
  Value bufferInit = g.empty({batch, l, n}, f32);
  auto probs = FusedBlockSoftmaxOp::create(
      b, g.location(), TypeRange{cacheInit.getType(), bufferInit.getType()},
      ValueRange{qu, codebook, count, bufKeys, relative, seen},
      ValueRange{cacheInit, bufferInit}, b.getI64IntegerAttr(memLen));
  return {probs.getResult()[0], probs.getResult()[1]};
}
