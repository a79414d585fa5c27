//===- BlockWeights.h - One block's attention weights as generics -*- C++ -*-//
//
// The scores of one attention block (transformer-vq.md section 4) against
// the cache and the buffer, and their softmax up to the division: what the
// forward lowering (AttentionToLinalg.cpp) and the backward's recomputation
// (AttentionGradToLinalg.cpp) share.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_LIB_CONVERSION_TVQTOLINALG_BLOCKWEIGHTS_H
#define TVQ_LIB_CONVERSION_TVQTOLINALG_BLOCKWEIGHTS_H

#include "GenericBuilder.h"

namespace mlir {
namespace tvq {

/// The i1 condition "the slot at loop dimension `slotDim` of the buffer that
/// starts at ext offset `offset` holds a position >= 0": seen - M + offset +
/// slot >= 0, with seen of this batch row and `offset` an i64.
Value slotStarted(OpBuilder &nb, Location nl, Value seenB, Value offset,
                  unsigned slotDim, int64_t memLen);

/// q + bias for each query of a block (or of every block at once): q
/// [B, L, K], bias [K].
Value addToQueries(GenericBuilder &g, Value q, Value bias);

/// out[b,i,x] = sum_k lhs[b,i,k] * rhs[..x.., k]: [B, L, xs], `rhsMap` over
/// the loops (b, i, x, k).
Value queryDots(GenericBuilder &g, Value lhs, Value rhs, AffineMap rhsMap,
                OpFoldResult xs);

/// exp(score - row max) of each query of a block over the cache [B, L, S]
/// and the buffer [B, L, M + L], and the row sums [B, L].
struct BlockWeights {
  Value cache, buffer, rowSum;
};

/// The weights of the queries plus u `qu` [B, L, K] against the `codebook`
/// [S, K] (score + log max(count, 1), -inf where a count is <= 0; `count`
/// [B, S]) and the buffer of keys `bufKeys` [B, M + L, K], whose slot j
/// holds position seen - M + offset + j (valid when >= 0 and j <= i + M; the
/// relative term `relative` [B, L, M + 1] at distance d = i + M - j <= M).
BlockWeights buildBlockWeights(GenericBuilder &g, int64_t memLen, Value qu,
                               Value codebook, Value count, Value bufKeys,
                               Value relative, Value seen, Value offsetI64);

/// The same weights normalized by their row sums, from one
/// tvq.fused_block_softmax (one kernel; slot offset 0): cache [B, L, S] and
/// buffer [B, L, M + L].
struct BlockProbabilities {
  Value cache, buffer;
};
BlockProbabilities buildFusedBlockSoftmax(GenericBuilder &g, int64_t memLen,
                                          Value qu, Value codebook, Value count,
                                          Value bufKeys, Value relative,
                                          Value seen);

} // namespace tvq
} // namespace mlir

#endif // TVQ_LIB_CONVERSION_TVQTOLINALG_BLOCKWEIGHTS_H
