//===- HostLoops.cpp - Which buffers of the host's loops may overlap ------===//
//
// The alias question that tvq-fuse-parallel-loops, tvq-row-kernels and
// tvq-join-independent-loops ask of the buffers their loops read and write.
//
//===----------------------------------------------------------------------===//

#include "HostLoops.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

bool tvq::isOnHostStack(Value memref) {
  while (memref) {
    Operation *def = memref.getDefiningOp();
    if (!def)
      return false;
    if (isa<memref::AllocaOp>(def))
      return true;
    auto view = dyn_cast<ViewLikeOpInterface>(def);
    memref = view ? view.getViewSource() : Value();
  }
  return false;
}

bool tvq::disjointSubViews(Value a, Value b) {
  auto x = a.getDefiningOp<memref::SubViewOp>();
  auto y = b.getDefiningOp<memref::SubViewOp>();
  if (!x || !y || x.getSource() != y.getSource())
    return false;
  SmallVector<OpFoldResult> xOffsets = x.getMixedOffsets(),
                            yOffsets = y.getMixedOffsets();
  SmallVector<OpFoldResult> xSizes = x.getMixedSizes(),
                            ySizes = y.getMixedSizes();
  SmallVector<OpFoldResult> xStrides = x.getMixedStrides(),
                            yStrides = y.getMixedStrides();
  auto endsBefore = [](int64_t offset, OpFoldResult size, int64_t start) {
    std::optional<int64_t> n = getConstantIntValue(size);
    return n && offset + *n <= start;
  };
  for (size_t d = 0; d < xOffsets.size(); ++d) {
    if (!isConstantIntValue(xStrides[d], 1) ||
        !isConstantIntValue(yStrides[d], 1))
      continue;
    std::optional<int64_t> xo = getConstantIntValue(xOffsets[d]),
                           yo = getConstantIntValue(yOffsets[d]);
    if (!xo || !yo)
      continue;
    if (endsBefore(*xo, xSizes[d], *yo) || endsBefore(*yo, ySizes[d], *xo))
      return true;
  }
  return false;
}

bool tvq::buffersMayOverlap(AliasAnalysis &aliases, Value a, Value b) {
  return !disjointSubViews(a, b) && !aliases.alias(a, b).isNo();
}
