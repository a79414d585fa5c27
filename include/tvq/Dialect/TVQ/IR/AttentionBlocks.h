//===- AttentionBlocks.h - The parallel form of VQ attention ----*- C++ -*-===//
//
// With M = L, the attention state the cache recurrence reaches before block n
// can be built without running blocks 0..n-1: block n's window is block n - 1
// (the incoming window for block 0), its cache the incoming cache plus the
// started slots of every window that left before it. These helpers build
// those states for all B x T / L blocks at once, and move tensors between
// sequence order [B, T, ...] and block order [B * nb, L, ...]. Used by
// tvq-split-attention-blocks{parallel=true} (the forward) and by
// convert-tvq-to-linalg{parallel-blocks=true} (the backward).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_DIALECT_TVQ_IR_ATTENTIONBLOCKS_H
#define TVQ_DIALECT_TVQ_IR_ATTENTIONBLOCKS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace mlir {
namespace tvq {

/// Shapes of the blocked form: B and nb = T / L as index values.
struct BlockShape {
  Value batch, numBlocks;
  int64_t blockLen;
};

/// B and T / L of `q` [B, T, K].
BlockShape blockShapeOf(OpBuilder &b, Location loc, Value q, int64_t blockLen);

/// [B, T, rest...] -> [B * nb, L, rest...].
Value toBlocks(OpBuilder &b, Location loc, const BlockShape &shape, Value x);

/// [B * nb, L, rest...] -> [B, T, rest...].
Value fromBlocks(OpBuilder &b, Location loc, const BlockShape &shape, Value x);

/// [B * nb, rest...] -> [B, nb, rest...].
Value splitBlocks(OpBuilder &b, Location loc, const BlockShape &shape, Value x);

/// Block `n` of `x` [B, nb, rest...]: [B, rest...].
Value blockAt(OpBuilder &b, Location loc, Value x, OpFoldResult n);

/// nb - 1, the index of the last block (valid only where T > 0).
Value lastBlockIndex(OpBuilder &b, Location loc, const BlockShape &shape);

/// min(nb, 1): the number of first blocks, 0 where T = 0 (the other
/// nb - min(nb, 1) blocks are those after the first).
Value firstBlockCount(OpBuilder &b, Location loc, const BlockShape &shape);

/// [B, nb, rest...] -> [B * nb, rest...].
Value mergeBlocks(OpBuilder &b, Location loc, Value x);

/// The state each block starts from, in block order.
struct BlockStates {
  Value count;     ///< [B * nb, S] f32
  Value mean;      ///< [B * nb, S, V] f32
  Value winCodes;  ///< [B * nb, L] i32: block n - 1's codes
  Value winKeys;   ///< [B * nb, L, K]
  Value winValues; ///< [B * nb, L, V]
  Value seen;      ///< [B * nb] i64: seen + n L
  /// For cacheAfterLastBlock: the running sums of the counts and value sums
  /// before each block, and what each block's window adds to them.
  Value countPrefix; ///< [B, nb, S] f32
  Value countTerms;  ///< [B, nb, S] f32
  Value sumPrefix;   ///< [B, nb, S, V] f32
  Value sumTerms;    ///< [B, nb, S, V] f32
};

/// The states of every block of an attention over `codes` [B, T], `kHat`
/// [B, T, K] and `v` [B, T, V] with codebook size S (`codebook` [S, K]),
/// from the incoming `state` (count, mean, win_codes, win_keys, win_values,
/// seen; M = L). The cache of block n is the incoming one plus, per code, the
/// count and value sum of the started (position >= 0) window slots of every
/// block m < n (a one-hot product per block, then running sums across the
/// blocks, tvq.block_scan); means are sums / max(count, 1). Valid at T = 0
/// as well: every tensor then has B x 0 blocks.
BlockStates buildBlockStates(OpBuilder &b, Location loc,
                             const BlockShape &shape, int64_t memLen,
                             Value codes, Value kHat, Value v, Value codebook,
                             ArrayRef<Value> state);

/// The cache after the last block (what the recurrence returns): the
/// incoming one plus the started slots of every block's window; count
/// [B, S] and mean [B, S, V]. Reads block nb - 1: only where T > 0.
std::pair<Value, Value> cacheAfterLastBlock(OpBuilder &b, Location loc,
                                            const BlockShape &shape,
                                            const BlockStates &s);

} // namespace tvq
} // namespace mlir

#endif // TVQ_DIALECT_TVQ_IR_ATTENTIONBLOCKS_H
