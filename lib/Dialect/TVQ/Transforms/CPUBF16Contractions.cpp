//===- CPUBF16Contractions.cpp - bf16 contractions for the CPU ------------===//
//
// The bf16 mode of tvq-cpu-tile-and-vectorize (`matmul=bf16`, tvq-compile
// --cpu-matmul=bf16). A large f32 contraction out += a·b is rewritten, before
// tiling, into its bf16-pair form:
//
//   a [.., m, k] f32 --truncf--> [.., m, k] bf16 --expand--> [.., m, k/2, 2]
//   b [.., k, n] f32 --expand--> [.., k/2, 2, n] --truncf, permute-->
//                                                         [.., k/2, n, 2]
//   out[.., m, n] += extf(a[.., m, kk, p]) * extf(b[.., kk, n, p])
//
// (k padded with a zero when odd). The Lanes plan tiles it like any
// contraction, with the pair loop p left whole; once the unit loops are
// dropped, each static register tile out[m, n] += a[m, p] * b[n, p] becomes
// one x86vector.avx512.dot (vdpbf16ps) per row and 16 lanes: b's [16 x 2]
// pairs are 32 contiguous bf16, a's pair is broadcast as one 32-bit lane, so
// each instruction adds a[m, 2kk] b[2kk, n] + a[m, 2kk+1] b[2kk+1, n] to 16
// f32 accumulators. Tiles that are not static or not a multiple of 16 lanes
// (peeled remainders) keep the generic form (vectorized or scalar extf + FMA:
// the same bf16 rounding).
//
//===----------------------------------------------------------------------===//

#include "CPUBF16Contractions.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

using namespace mlir;

/// The position of loop `dim` among the results of `map`, or -1.
static int resultPos(AffineMap map, unsigned dim) {
  for (unsigned i = 0, e = map.getNumResults(); i < e; ++i)
    if (auto d = dyn_cast<AffineDimExpr>(map.getResult(i)))
      if (d.getPosition() == dim)
        return i;
  return -1;
}

static bool isF32Tensor(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getElementType().isF32();
}

/// `src` rounded to bf16 (round to nearest even) as a linalg.generic whose
/// output dimension j is `src`'s dimension `order[j]`.
static linalg::GenericOp truncToBF16(OpBuilder &b, Location loc, Value src,
                                     ArrayRef<int64_t> order) {
  unsigned rank = order.size();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, src);
  SmallVector<OpFoldResult> outSizes;
  SmallVector<AffineExpr> inExprs(rank);
  for (unsigned j = 0; j < rank; ++j) {
    outSizes.push_back(sizes[order[j]]);
    inExprs[order[j]] = b.getAffineDimExpr(j);
  }
  Value empty = tensor::EmptyOp::create(b, loc, outSizes, b.getBF16Type());
  SmallVector<AffineMap> maps = {
      AffineMap::get(rank, 0, inExprs, b.getContext()),
      b.getMultiDimIdentityMap(rank)};
  SmallVector<utils::IteratorType> iters(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
      b, loc, TypeRange{empty.getType()}, ValueRange{src}, ValueRange{empty},
      maps, iters, [](OpBuilder &nb, Location l, ValueRange args) {
        Value t = arith::TruncFOp::create(nb, l, nb.getBF16Type(), args[0]);
        linalg::YieldOp::create(nb, l, t);
      });
}

namespace {
struct Packed {
  Value value;
  AffineMap map;
};
} // namespace

/// Packs input `in` of the contraction `op` (reduction loop `kd` of static
/// length `K`; `nd`: the lane loop when `in` reads it) into bf16 with `kd`
/// split into (kk = loop `kd`, p = loop `pd`) and the layout
/// [other dims.., kk, (n), p]. Inside a task of a fused row chain, an operand
/// that is a slice of a value defined outside the task (whole along k) is
/// packed once outside and sliced (as transposeReusedInputs does).
static Packed packOperand(RewriterBase &rewriter, linalg::GenericOp op,
                          OpOperand *in, unsigned kd,
                          std::optional<unsigned> nd, unsigned pd, int64_t K,
                          SmallVectorImpl<linalg::LinalgOp> &packs) {
  AffineMap m = op.getMatchingIndexingMap(in);
  int rank = m.getNumResults();
  int posK = resultPos(m, kd);
  int posN = nd ? resultPos(m, *nd) : -1;
  // Positions in the expanded tensor: k's dimension becomes (kk, pair) at
  // (posK, posK + 1); the others after it move by one.
  auto expanded = [&](int q) { return q < posK ? q : q + 1; };
  SmallVector<int64_t> order;
  for (int q = 0; q < rank; ++q)
    if (q != posK && q != posN)
      order.push_back(expanded(q));
  order.push_back(posK);
  if (posN >= 0)
    order.push_back(expanded(posN));
  order.push_back(posK + 1);
  // Without a permutation (k innermost, no lane loop: the `a` operand), round
  // first, along k, in the operand's own layout, then expand.
  bool roundFirst = llvm::equal(order, llvm::seq<int64_t>(0, rank + 1));

  Value src = in->get();
  tensor::ExtractSliceOp slice = tvq::sliceOfTaskInvariant(op, src);
  if (slice && (slice.getSourceType().getDimSize(posK) != K ||
                slice.getResultType().getDimSize(posK) != K))
    slice = nullptr;
  if (slice)
    src = slice.getSource();

  OpBuilder::InsertionGuard guard(rewriter);
  if (auto arg = dyn_cast<BlockArgument>(src))
    rewriter.setInsertionPointToStart(arg.getOwner());
  else
    rewriter.setInsertionPointAfterValue(src);
  Location loc = op.getLoc();
  Value v = src;
  if (roundFirst) {
    linalg::GenericOp t = truncToBF16(
        rewriter, loc, v, llvm::to_vector(llvm::seq<int64_t>(0, rank)));
    packs.push_back(t);
    v = t->getResult(0);
  }
  auto type = cast<RankedTensorType>(v.getType());
  int64_t K2 = (K + 1) / 2;
  if (K % 2) { // Odd K: one more zero along k.
    SmallVector<int64_t> shape(type.getShape());
    shape[posK] = 2 * K2;
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> high(low);
    high[posK] = rewriter.getIndexAttr(1);
    Value zero = arith::ConstantOp::create(
        rewriter, loc, rewriter.getZeroAttr(type.getElementType()));
    type = RankedTensorType::get(shape, type.getElementType());
    v = tensor::PadOp::create(rewriter, loc, type, v, low, high, zero);
  }
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(rewriter, loc, v);
  SmallVector<ReassociationIndices> reassociation;
  SmallVector<int64_t> eShape;
  SmallVector<OpFoldResult> eSizes;
  for (int q = 0, e = 0; q < rank; ++q) {
    if (q == posK) {
      reassociation.push_back({e, e + 1});
      eShape.append({K2, 2});
      eSizes.append({rewriter.getIndexAttr(K2), rewriter.getIndexAttr(2)});
      e += 2;
    } else {
      reassociation.push_back({e});
      eShape.push_back(type.getDimSize(q));
      eSizes.push_back(sizes[q]);
      e += 1;
    }
  }
  v = tensor::ExpandShapeOp::create(
      rewriter, loc, RankedTensorType::get(eShape, type.getElementType()), v,
      reassociation, eSizes);
  if (!roundFirst) {
    linalg::GenericOp t = truncToBF16(rewriter, loc, v, order);
    packs.push_back(t);
    v = t->getResult(0);
  }

  // The operand's indexing map: packed dimension j reads expanded position
  // order[j].
  unsigned loops = op.getNumLoops() + 1;
  auto exprAt = [&](int64_t q) -> AffineExpr {
    if (q == posK)
      return rewriter.getAffineDimExpr(kd);
    if (q == posK + 1)
      return rewriter.getAffineDimExpr(pd);
    return m.getResult(q < posK ? q : q - 1);
  };
  SmallVector<AffineExpr> exprs;
  for (int64_t q : order)
    exprs.push_back(exprAt(q));
  Packed packed{v, AffineMap::get(loops, 0, exprs, rewriter.getContext())};
  if (slice) {
    SmallVector<OpFoldResult> offsets = slice.getMixedOffsets();
    SmallVector<OpFoldResult> tileSizes = slice.getMixedSizes();
    SmallVector<OpFoldResult> pOffsets, pSizes;
    for (int64_t q : order) {
      if (q == posK || q == posK + 1) {
        pOffsets.push_back(rewriter.getIndexAttr(0));
        pSizes.push_back(rewriter.getIndexAttr(q == posK ? K2 : 2));
        continue;
      }
      int orig = q < posK ? q : q - 1;
      pOffsets.push_back(offsets[orig]);
      pSizes.push_back(tileSizes[orig]);
    }
    rewriter.setInsertionPoint(slice);
    packed.value = tensor::ExtractSliceOp::create(
        rewriter, loc, v, pOffsets, pSizes,
        SmallVector<OpFoldResult>(order.size(), rewriter.getIndexAttr(1)));
  }
  return packed;
}

/// Whether a result of `op` selects indices: it reaches a linalg op with an
/// integer output (an arg-min or arg-max, e.g. vq_quantize's nearest code),
/// directly or through slices and elementwise ops. Such contractions stay in
/// f32: bf16 would move near-ties to other codes.
static bool feedsSelection(Operation *op, int depth = 0) {
  if (depth > 3)
    return false;
  for (Operation *user : op->getUsers()) {
    if (isa<tensor::ExtractSliceOp>(user) && feedsSelection(user, depth + 1))
      return true;
    auto consumer = dyn_cast<linalg::LinalgOp>(user);
    if (!consumer)
      continue;
    for (Value init : consumer.getDpsInits())
      if (getElementTypeOrSelf(init.getType()).isIntOrIndex())
        return true;
    if (consumer.getNumReductionLoops() == 0 && feedsSelection(user, depth + 1))
      return true;
  }
  return false;
}

FailureOr<linalg::GenericOp>
mlir::tvq::rewriteToBF16Pairs(RewriterBase &rewriter, linalg::GenericOp op,
                              SmallVectorImpl<linalg::LinalgOp> &packs) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !op.hasPureTensorSemantics() || !linalg::isaContractionOpInterface(op))
    return failure();
  for (Value v : op->getOperands())
    if (!isF32Tensor(v))
      return failure();
  if (feedsSelection(op))
    return failure();
  // The body: exactly mulf, addf, yield.
  if (op.getBody()->getOperations().size() != 3)
    return failure();
  unsigned n = op.getNumLoops();
  SmallVector<utils::IteratorType> iters = op.getIteratorTypesArray();
  std::optional<unsigned> kd;
  for (unsigned d = 0; d < n; ++d) {
    if (iters[d] != utils::IteratorType::reduction)
      continue;
    if (kd)
      return failure();
    kd = d;
  }
  if (!kd)
    return failure();
  int64_t K = op.getStaticLoopRanges()[*kd];
  // A size no tensor in memory has (its pair count 2 * ceil(K / 2) must not
  // overflow) is left as it is.
  if (ShapedType::isDynamic(K) || K < kMinBF16Reduction ||
      K > (int64_t{1} << 48))
    return failure();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  int outRank = outMap.getNumResults();
  std::optional<unsigned> nd = tvq::resultDim(outMap, outRank - 1);
  std::optional<unsigned> md = tvq::resultDim(outMap, outRank - 2);
  if (!nd || !md || iters[*nd] != utils::IteratorType::parallel ||
      iters[*md] != utils::IteratorType::parallel)
    return failure();
  // Which input is `a` (rows, no lanes) and which `b` (lanes, no rows).
  OpOperand *aIn = nullptr, *bIn = nullptr;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap m = op.getMatchingIndexingMap(in);
    if (!m.isProjectedPermutation() || resultPos(m, *kd) < 0)
      return failure();
    bool rows = resultPos(m, *md) >= 0, lanes = resultPos(m, *nd) >= 0;
    if (rows && !lanes)
      aIn = in;
    else if (lanes && !rows)
      bIn = in;
  }
  if (!aIn || !bIn)
    return failure();

  unsigned pd = n;
  Packed a = packOperand(rewriter, op, aIn, *kd, std::nullopt, pd, K, packs);
  Packed b = packOperand(rewriter, op, bIn, *kd, *nd, pd, K, packs);
  SmallVector<Value> inputs(2);
  SmallVector<AffineMap> maps(3);
  inputs[aIn->getOperandNumber()] = a.value;
  maps[aIn->getOperandNumber()] = a.map;
  inputs[bIn->getOperandNumber()] = b.value;
  maps[bIn->getOperandNumber()] = b.map;
  maps[2] = AffineMap::get(n + 1, 0, outMap.getResults(), op.getContext());
  iters.push_back(utils::IteratorType::reduction);
  rewriter.setInsertionPoint(op);
  auto pairs = linalg::GenericOp::create(
      rewriter, op.getLoc(), op->getResultTypes(), inputs, op.getDpsInits(),
      maps, iters, [](OpBuilder &nb, Location l, ValueRange args) {
        Value x = arith::ExtFOp::create(nb, l, nb.getF32Type(), args[0]);
        Value y = arith::ExtFOp::create(nb, l, nb.getF32Type(), args[1]);
        Value prod = arith::MulFOp::create(nb, l, x, y);
        Value sum = arith::AddFOp::create(nb, l, args[2], prod);
        linalg::YieldOp::create(nb, l, sum);
      });
  rewriter.replaceOp(op, pairs->getResults());
  return pairs;
}

std::optional<unsigned> mlir::tvq::bf16PairLoop(linalg::LinalgOp op) {
  unsigned n = op.getNumLoops();
  if (n == 0 || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getIteratorTypesArray()[n - 1] != utils::IteratorType::reduction ||
      op.getStaticLoopRanges()[n - 1] != 2 || !isF32Tensor(op.getDpsInits()[0]))
    return std::nullopt;
  for (Value in : op.getDpsInputs()) {
    auto t = dyn_cast<RankedTensorType>(in.getType());
    if (!t || !t.getElementType().isBF16())
      return std::nullopt;
  }
  return n - 1;
}

std::optional<unsigned> mlir::tvq::bf16PackRowLoop(linalg::LinalgOp op) {
  if (op.getNumDpsInputs() != 1 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0)
    return std::nullopt;
  auto out = dyn_cast<RankedTensorType>(op.getDpsInits()[0].getType());
  if (!out || !out.getElementType().isBF16() || out.getRank() < 2 ||
      out.getDimSize(out.getRank() - 1) != 2 ||
      !op.getMatchingIndexingMap(op.getDpsInputOperand(0)).isPermutation() ||
      op.getMatchingIndexingMap(op.getDpsInitOperand(0)) !=
          AffineMap::getMultiDimIdentityMap(out.getRank(), op.getContext()))
    return std::nullopt;
  return out.getRank() - 2;
}

/// Lowers one static register tile of a bf16-pair op (see the header).
static LogicalResult lowerTile(RewriterBase &rewriter, linalg::GenericOp op) {
  constexpr int64_t kLanes = 16;
  std::optional<unsigned> p = tvq::bf16PairLoop(op);
  if (!p || op.hasDynamicShape() || !op.hasPureTensorSemantics())
    return failure();
  Value out = op.getDpsInits()[0];
  auto outType = cast<RankedTensorType>(out.getType());
  int outRank = outType.getRank();
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  if ((outRank != 1 && outRank != 2) ||
      static_cast<int>(op.getNumLoops()) != outRank + 1 ||
      static_cast<int>(outMap.getNumResults()) != outRank)
    return failure();
  for (int i = 0; i < outRank; ++i)
    if (tvq::resultDim(outMap, i) != static_cast<unsigned>(i))
      return failure();
  unsigned nd = outRank - 1;
  int64_t N = outType.getDimSize(outRank - 1);
  int64_t R = outRank == 2 ? outType.getDimSize(0) : 1;
  if (N % kLanes != 0)
    return failure();
  // b reads (n, p); a reads (m, p), or (p) with one row.
  OpOperand *aIn = nullptr, *bIn = nullptr;
  for (OpOperand *in : op.getDpsInputOperands()) {
    AffineMap m = op.getMatchingIndexingMap(in);
    if (m.getNumResults() == 2 && tvq::resultDim(m, 0) == nd &&
        tvq::resultDim(m, 1) == *p)
      bIn = in;
    else if (outRank == 2 && m.getNumResults() == 2 &&
             tvq::resultDim(m, 0) == 0u && tvq::resultDim(m, 1) == *p)
      aIn = in;
    else if (outRank == 1 && m.getNumResults() == 1 &&
             tvq::resultDim(m, 0) == *p)
      aIn = in;
  }
  if (!aIn || !bIn)
    return failure();
  // The body: acc + extf(x) * extf(y).
  auto yield = cast<linalg::YieldOp>(op.getBody()->getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add || op.getBody()->getOperations().size() != 5)
    return failure();

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Type f32 = rewriter.getF32Type(), bf16 = rewriter.getBF16Type(),
       i32 = rewriter.getI32Type();
  Value c0 = arith::ConstantIndexOp::create(rewriter, loc, 0);
  auto read = [&](Value src, ArrayRef<int64_t> shape, Type elt) -> Value {
    SmallVector<Value> zeros(shape.size(), c0);
    SmallVector<bool> inBounds(shape.size(), true);
    return vector::TransferReadOp::create(rewriter, loc,
                                          VectorType::get(shape, elt), src,
                                          zeros, std::nullopt, inBounds);
  };
  SmallVector<int64_t> accShape =
      outRank == 2 ? SmallVector<int64_t>{R, N} : SmallVector<int64_t>{N};
  Value acc = read(out, accShape, f32);
  Value aVec =
      read(aIn->get(),
           outRank == 2 ? SmallVector<int64_t>{R, 2} : SmallVector<int64_t>{2},
           bf16);
  // b's [N x 2] tile is contiguous (p whole and innermost): read as one
  // vector of 2N bf16 rather than N reads of 2.
  Value bTile = tensor::CollapseShapeOp::create(
      rewriter, loc, RankedTensorType::get({2 * N}, bf16), bIn->get(),
      SmallVector<ReassociationIndices>{{0, 1}});
  Value bFlat = read(bTile, {2 * N}, bf16);
  for (int64_t r = 0; r < R; ++r) {
    Value pair = outRank == 2 ? vector::ExtractOp::create(rewriter, loc, aVec,
                                                          ArrayRef<int64_t>{r})
                                    .getResult()
                              : aVec;
    Value word = vector::BitCastOp::create(rewriter, loc,
                                           VectorType::get({1}, i32), pair);
    Value words = vector::BroadcastOp::create(
        rewriter, loc, VectorType::get({kLanes}, i32), word);
    Value aPairs = vector::BitCastOp::create(
        rewriter, loc, VectorType::get({2 * kLanes}, bf16), words);
    Value row = outRank == 2 ? vector::ExtractOp::create(rewriter, loc, acc,
                                                         ArrayRef<int64_t>{r})
                                   .getResult()
                             : acc;
    for (int64_t j = 0; j < N / kLanes; ++j) {
      Value sum = vector::ExtractStridedSliceOp::create(
          rewriter, loc, row, {j * kLanes}, {kLanes}, {1});
      Value bPairs = vector::ExtractStridedSliceOp::create(
          rewriter, loc, bFlat, {2 * j * kLanes}, {2 * kLanes}, {1});
      Value dot = x86vector::DotBF16Op::create(
          rewriter, loc, VectorType::get({kLanes}, f32), sum, aPairs, bPairs);
      row = vector::InsertStridedSliceOp::create(rewriter, loc, dot, row,
                                                 {j * kLanes}, {1});
    }
    acc = outRank == 2 ? vector::InsertOp::create(rewriter, loc, row, acc,
                                                  ArrayRef<int64_t>{r})
                             .getResult()
                       : row;
  }
  SmallVector<Value> zeros(outRank, c0);
  SmallVector<bool> inBounds(outRank, true);
  Value written = vector::TransferWriteOp::create(
                      rewriter, loc, acc, out, zeros,
                      rewriter.getMultiDimIdentityMap(outRank), inBounds)
                      .getResult();
  rewriter.replaceOp(op, written);
  return success();
}

void mlir::tvq::lowerBF16PairTiles(RewriterBase &rewriter, Operation *root) {
  SmallVector<linalg::GenericOp> tiles;
  root->walk([&](linalg::GenericOp op) {
    if (bf16PairLoop(op))
      tiles.push_back(op);
  });
  for (linalg::GenericOp op : tiles)
    (void)lowerTile(rewriter, op);
}
