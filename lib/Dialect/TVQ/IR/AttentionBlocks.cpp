//===- AttentionBlocks.cpp - The parallel form of VQ attention ------------===//
//
// See AttentionBlocks.h.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/AttentionBlocks.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace mlir::tvq;

namespace {

using utils::IteratorType;
constexpr IteratorType par = IteratorType::parallel;
constexpr IteratorType red = IteratorType::reduction;

/// The static sizes of `sizes` (dynamic where a size is a value) and the
/// values of the dynamic ones.
std::pair<SmallVector<int64_t>, SmallVector<Value>>
splitSizes(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes) {
  SmallVector<int64_t> shape;
  SmallVector<Value> dynamic;
  for (OpFoldResult size : sizes) {
    std::optional<int64_t> c = getConstantIntValue(size);
    shape.push_back(c ? *c : ShapedType::kDynamic);
    if (!c)
      dynamic.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  }
  return {shape, dynamic};
}

Value empty(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
            Type elt) {
  auto [shape, dynamic] = splitSizes(b, loc, sizes);
  return tensor::EmptyOp::create(b, loc, shape, elt, dynamic);
}

Value zeros(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
            Type elt) {
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(elt));
  return linalg::FillOp::create(b, loc, zero, empty(b, loc, sizes, elt))
      .getResult(0);
}

/// A linalg.generic with one result over `numDims` loops; `dims` lists the
/// loop dims of each input, then of the output.
Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init,
              unsigned numDims, ArrayRef<SmallVector<unsigned>> dims,
              ArrayRef<IteratorType> iterators,
              function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  SmallVector<AffineMap> maps;
  for (const SmallVector<unsigned> &d : dims) {
    SmallVector<AffineExpr> exprs;
    for (unsigned i : d)
      exprs.push_back(b.getAffineDimExpr(i));
    maps.push_back(AffineMap::get(numDims, 0, exprs, b.getContext()));
  }
  auto op = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, maps,
      iterators, [&](OpBuilder &nb, Location nl, ValueRange args) {
        linalg::YieldOp::create(nb, nl, body(nb, nl, args));
      });
  return op.getResult(0);
}

/// expand_shape of dimension `dim` of `x` into `parts`.
Value expandDim(OpBuilder &b, Location loc, Value x, int64_t dim,
                ArrayRef<OpFoldResult> parts) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<OpFoldResult> sizes;
  SmallVector<ReassociationIndices> groups;
  int64_t next = 0;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    ReassociationIndices group;
    if (d == dim) {
      for (OpFoldResult part : parts) {
        sizes.push_back(part);
        group.push_back(next++);
      }
    } else {
      sizes.push_back(tensor::getMixedSize(b, loc, x, d));
      group.push_back(next++);
    }
    groups.push_back(group);
  }
  auto [shape, dynamic] = splitSizes(b, loc, sizes);
  (void)dynamic;
  return tensor::ExpandShapeOp::create(
      b, loc, RankedTensorType::get(shape, type.getElementType()), x, groups,
      sizes);
}

/// collapse_shape of dimensions `dim` and `dim + 1` of `x`.
Value collapseDims(OpBuilder &b, Location loc, Value x, int64_t dim) {
  auto type = cast<RankedTensorType>(x.getType());
  SmallVector<ReassociationIndices> groups;
  for (int64_t d = 0; d < type.getRank(); ++d) {
    if (d == dim + 1)
      continue;
    if (d == dim)
      groups.push_back({d, d + 1});
    else
      groups.push_back({d});
  }
  return tensor::CollapseShapeOp::create(b, loc, x, groups);
}

/// sum / max(count, 1): `count` has the dimensions of `sum` but the last.
Value meanOf(OpBuilder &b, Location loc, Value count, Value sum) {
  unsigned rank = cast<RankedTensorType>(sum.getType()).getRank();
  SmallVector<unsigned> countDims, sumDims;
  for (unsigned d = 0; d < rank; ++d)
    sumDims.push_back(d);
  countDims.assign(sumDims.begin(), sumDims.end() - 1);
  return generic(
      b, loc, {count, sum},
      empty(b, loc, tensor::getMixedSizes(b, loc, sum), b.getF32Type()), rank,
      {countDims, sumDims, sumDims}, SmallVector<IteratorType>(rank, par),
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value one = arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1));
        return arith::DivFOp::create(
            nb, nl, args[1], arith::MaximumFOp::create(nb, nl, args[0], one));
      });
}

/// The window each block sees, [B * nb, L, rest...]: `incoming` [B, M,
/// rest...] for block 0, block n - 1 of `x` [B, T, rest...] for block n.
/// Valid at T = 0 too (then empty): the parts are min(nb, 1) and
/// nb - min(nb, 1) blocks, so nothing reads or writes past nb.
Value windows(OpBuilder &b, Location loc, const BlockShape &shape,
              Value incoming, Value x) {
  Value blocks = expandDim(b, loc, x, 1,
                           {shape.numBlocks, b.getIndexAttr(shape.blockLen)});
  auto type = cast<RankedTensorType>(blocks.getType());
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, blocks);
  Value result = empty(b, loc, sizes, type.getElementType());
  SmallVector<OpFoldResult> zeroOffsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(type.getRank(), b.getIndexAttr(1));
  // Block 0: the incoming window as [B, 1, M, rest...], none when nb = 0.
  Value first =
      expandDim(b, loc, incoming, 0,
                {tensor::getMixedSize(b, loc, incoming, 0), b.getIndexAttr(1)});
  SmallVector<OpFoldResult> firstSizes = sizes;
  firstSizes[1] = firstBlockCount(b, loc, shape);
  first = tensor::ExtractSliceOp::create(b, loc, first, zeroOffsets, firstSizes,
                                         ones);
  result = tensor::InsertSliceOp::create(b, loc, first, result, zeroOffsets,
                                         firstSizes, ones);
  // Blocks 1..nb-1: blocks 0..nb-2.
  SmallVector<OpFoldResult> rest = sizes;
  rest[1] = arith::SubIOp::create(
                b, loc, shape.numBlocks,
                getValueOrCreateConstantIndexOp(b, loc, firstSizes[1]))
                .getResult();
  Value previous =
      tensor::ExtractSliceOp::create(b, loc, blocks, zeroOffsets, rest, ones);
  SmallVector<OpFoldResult> at = zeroOffsets;
  at[1] = firstSizes[1];
  result =
      tensor::InsertSliceOp::create(b, loc, previous, result, at, rest, ones);
  return mergeBlocks(b, loc, result);
}

} // namespace

BlockShape mlir::tvq::blockShapeOf(OpBuilder &b, Location loc, Value q,
                                   int64_t blockLen) {
  Value batch = tensor::DimOp::create(b, loc, q, 0);
  Value seqLen = tensor::DimOp::create(b, loc, q, 1);
  Value numBlocks = arith::DivUIOp::create(
      b, loc, seqLen, arith::ConstantIndexOp::create(b, loc, blockLen));
  return {batch, numBlocks, blockLen};
}

Value mlir::tvq::toBlocks(OpBuilder &b, Location loc, const BlockShape &shape,
                          Value x) {
  return mergeBlocks(
      b, loc,
      expandDim(b, loc, x, 1,
                {shape.numBlocks, b.getIndexAttr(shape.blockLen)}));
}

Value mlir::tvq::fromBlocks(OpBuilder &b, Location loc, const BlockShape &shape,
                            Value x) {
  return collapseDims(b, loc, splitBlocks(b, loc, shape, x), 1);
}

Value mlir::tvq::splitBlocks(OpBuilder &b, Location loc,
                             const BlockShape &shape, Value x) {
  return expandDim(b, loc, x, 0, {shape.batch, shape.numBlocks});
}

Value mlir::tvq::blockAt(OpBuilder &b, Location loc, Value x, OpFoldResult n) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  offsets[1] = n;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  sizes[1] = b.getIndexAttr(1);
  SmallVector<int64_t> dims(type.getShape());
  dims.erase(dims.begin() + 1);
  return tensor::ExtractSliceOp::create(
      b, loc, RankedTensorType::get(dims, type.getElementType()), x, offsets,
      sizes, SmallVector<OpFoldResult>(rank, b.getIndexAttr(1)));
}

Value mlir::tvq::lastBlockIndex(OpBuilder &b, Location loc,
                                const BlockShape &shape) {
  return arith::SubIOp::create(b, loc, shape.numBlocks,
                               arith::ConstantIndexOp::create(b, loc, 1));
}

Value mlir::tvq::firstBlockCount(OpBuilder &b, Location loc,
                                 const BlockShape &shape) {
  return arith::MinUIOp::create(b, loc, shape.numBlocks,
                                arith::ConstantIndexOp::create(b, loc, 1));
}

Value mlir::tvq::mergeBlocks(OpBuilder &b, Location loc, Value x) {
  return collapseDims(b, loc, x, 0);
}

BlockStates mlir::tvq::buildBlockStates(OpBuilder &b, Location loc,
                                        const BlockShape &shape, int64_t memLen,
                                        Value codes, Value kHat, Value v,
                                        Value codebook, ArrayRef<Value> state) {
  Type f32 = b.getF32Type(), i64 = b.getI64Type();
  Value count0 = state[0], mean0 = state[1], seen0 = state[5];
  OpFoldResult batch = shape.batch, blocks = shape.numBlocks;
  OpFoldResult L = b.getIndexAttr(shape.blockLen);
  OpFoldResult S = tensor::getMixedSize(b, loc, codebook, 0);
  OpFoldResult V = tensor::getMixedSize(b, loc, v, 2);

  BlockStates s;
  s.winCodes = windows(b, loc, shape, state[2], codes);
  s.winKeys = windows(b, loc, shape, state[3], kHat);
  s.winValues = windows(b, loc, shape, state[4], v);
  OpFoldResult BN = tensor::getMixedSize(b, loc, s.winCodes, 0);

  // Positions seen before each block: seen + n L.
  int64_t blockLen = shape.blockLen;
  s.seen = mergeBlocks(
      b, loc,
      generic(b, loc, {seen0}, empty(b, loc, {batch, blocks}, i64), 2,
              {{0}, {0, 1}}, {par, par},
              [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
                Value n = arith::IndexCastOp::create(
                    nb, nl, nb.getI64Type(),
                    linalg::IndexOp::create(nb, nl, 1));
                Value len = arith::ConstantOp::create(
                    nb, nl, nb.getI64IntegerAttr(blockLen));
                return arith::AddIOp::create(
                    nb, nl, args[0], arith::MulIOp::create(nb, nl, n, len));
              }));

  // The window slots that leave for the cache after each block (those at a
  // position >= 0), one-hot by code: [B * nb, L, S].
  Value oneHot = generic(
      b, loc, {s.winCodes, s.seen}, empty(b, loc, {BN, L, S}, f32), 3,
      {{0, 1}, {0}, {0, 1, 2}}, {par, par, par},
      [&](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        Value slot = arith::IndexCastOp::create(
            nb, nl, nb.getI64Type(), linalg::IndexOp::create(nb, nl, 1));
        Value code = arith::IndexCastOp::create(
            nb, nl, nb.getI32Type(), linalg::IndexOp::create(nb, nl, 2));
        Value mem =
            arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(memLen));
        Value position = arith::AddIOp::create(
            nb, nl, arith::SubIOp::create(nb, nl, args[1], mem), slot);
        Value zero64 =
            arith::ConstantOp::create(nb, nl, nb.getI64IntegerAttr(0));
        Value started = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::sge,
                                              position, zero64);
        Value same = arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::eq,
                                           args[0], code);
        return arith::SelectOp::create(
            nb, nl, arith::AndIOp::create(nb, nl, started, same),
            arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(1)),
            arith::ConstantOp::create(nb, nl, nb.getF32FloatAttr(0)));
      });
  // Per block: how many leave with each code, and the sum of their values
  // (a batched product one-hot^T x values).
  Value leaveCount =
      generic(b, loc, {oneHot}, zeros(b, loc, {BN, S}, f32), 3,
              {{0, 2, 1}, {0, 1}}, {par, par, red},
              [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
                return arith::AddFOp::create(nb, nl, args[1], args[0]);
              });
  Value leaveSum = generic(
      b, loc, {oneHot, s.winValues}, zeros(b, loc, {BN, S, V}, f32), 4,
      {{0, 3, 1}, {0, 3, 2}, {0, 1, 2}}, {par, par, par, red},
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::AddFOp::create(
            nb, nl, args[2], arith::MulFOp::create(nb, nl, args[0], args[1]));
      });

  // Each block's cache: the incoming one plus what left before the block,
  // running sums across the blocks (tvq.block_scan, distance 1).
  Value countTerms = splitBlocks(b, loc, shape, leaveCount);
  Value sumTerms = splitBlocks(b, loc, shape, leaveSum);
  auto scan = [&](Value terms, Value init) {
    return BlockScanOp::create(b, loc, TypeRange{init.getType()}, terms, init,
                               b.getI64IntegerAttr(1), /*reverse=*/UnitAttr())
        .getResult()[0];
  };
  Value countInit =
      generic(b, loc, {count0}, empty(b, loc, {batch, blocks, S}, f32), 3,
              {{0, 2}, {0, 1, 2}}, {par, par, par},
              [](OpBuilder &, Location, ValueRange args) { return args[0]; });
  Value count = scan(countTerms, countInit);
  Value sumInit = generic(
      b, loc, {count0, mean0}, empty(b, loc, {batch, blocks, S, V}, f32), 4,
      {{0, 2}, {0, 2, 3}, {0, 1, 2, 3}}, {par, par, par, par},
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::MulFOp::create(nb, nl, args[0], args[1]);
      });
  Value sum = scan(sumTerms, sumInit);
  s.count = mergeBlocks(b, loc, count);
  s.mean = mergeBlocks(b, loc, meanOf(b, loc, count, sum));
  s.countPrefix = count;
  s.countTerms = countTerms;
  s.sumPrefix = sum;
  s.sumTerms = sumTerms;
  return s;
}

/// The running sum `prefix` of the last block plus its own `terms` (both
/// [B, nb, rest...]): [B, rest...].
static Value afterLastBlock(OpBuilder &b, Location loc, const BlockShape &shape,
                            Value prefix, Value terms) {
  Value last = lastBlockIndex(b, loc, shape);
  Value lastPrefix = blockAt(b, loc, prefix, last);
  Value lastTerms = blockAt(b, loc, terms, last);
  unsigned rank = cast<RankedTensorType>(lastTerms.getType()).getRank();
  SmallVector<unsigned> all;
  for (unsigned d = 0; d < rank; ++d)
    all.push_back(d);
  return generic(
      b, loc, {lastPrefix, lastTerms},
      empty(b, loc, tensor::getMixedSizes(b, loc, lastTerms), b.getF32Type()),
      rank, {all, all, all}, SmallVector<IteratorType>(rank, par),
      [](OpBuilder &nb, Location nl, ValueRange args) -> Value {
        return arith::AddFOp::create(nb, nl, args[0], args[1]);
      });
}

std::pair<Value, Value> mlir::tvq::cacheAfterLastBlock(OpBuilder &b,
                                                       Location loc,
                                                       const BlockShape &shape,
                                                       const BlockStates &s) {
  Value count = afterLastBlock(b, loc, shape, s.countPrefix, s.countTerms);
  Value sum = afterLastBlock(b, loc, shape, s.sumPrefix, s.sumTerms);
  return {count, meanOf(b, loc, count, sum)};
}
