//===- FusedAttentionToGPU.cpp - One attention block's output as a kernel -===//
//
// `tvq-fused-attention-to-gpu`: each tvq.fused_block_attention on buffers
// becomes one `gpu.launch`. A block of 256 threads owns 64 queries x 64 value
// columns of one attention block's output and walks the keys (the S codes,
// then the M + L buffer slots) in chunks of 64:
//   1. the 64 x 64 scores of the chunk, in stages of 16 key dimensions
//      through shared memory (each thread 4 x 4 of them, as in the matrix
//      product tiles), then the cache's log-count bias, the relative bias
//      and the masks, into a shared 64 x 64 score tile;
//   2. per query row (four threads, a quarter of the keys each) the running
//      max: the chunk's max, the factor exp(old max - new max) for what was
//      summed so far, the probabilities exp(score - new max) in place, the
//      running sum;
//   3. each thread scales its 4 x 4 outputs by its rows' factors and adds the
//      probabilities times the chunk's means and values, in stages of 16 keys.
// At the end each output is divided by its row's sum. No score leaves the
// block (online softmax, as in flash attention); the scores are recomputed
// for each 64-column slice of the values. Each tvq.fused_block_softmax (the
// weights the backward needs) is one launch per 64 queries that walks the
// chunks twice: steps 1 and 2, then the scores again and the weights
// exp(score - max) / sum written out. With math=bf16 the thread's 16 scores
// and outputs take mma.sync's accumulator layout (WarpMma.h) and both
// products run on tensor cores.
//
//===----------------------------------------------------------------------===//

#include "KernelBuilder.h"
#include "WarpMma.h"
#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/TVQOps.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"

#include <limits>

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQFUSEDATTENTIONTOGPU
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

constexpr int64_t kTile = 64;  // queries, keys per chunk and value columns
constexpr int64_t kDepth = 16; // key dimensions or keys per shared stage
constexpr int64_t kSide = 16;  // threads per tile side (16 x 16 = 256)
constexpr int64_t kMicro = 4;  // scores or outputs per thread per side
constexpr int64_t kThreads = kSide * kSide;
constexpr int64_t kLoads = kDepth * kTile / kThreads; // per thread per stage
constexpr int64_t kSharedRow = kTile + 1;       // odd: a column hits every bank
constexpr int64_t kQuarters = kThreads / kTile; // threads per row (step 2)

static_assert(kSide * kMicro == kTile, "threads cover the tile");
static_assert(kQuarters * kTile == kThreads && kTile % kQuarters == 0,
              "whole threads per row and keys per thread for the statistics");

/// The buffers the kernels read (mean and values only for the output).
struct BlockInputs {
  Value query, codebook, count, mean, keys, values, relative, seen;
};

/// Builds the kernel of one op. Sizes are host values; the rest is built
/// inside the launch.
struct AttentionKernel {
  BlockInputs op;
  OpBuilder &b;
  Location loc;
  Arith a;
  int64_t memLen;
  // Sizes: queries L, codes S, buffer slots M + L, key width K, values V.
  Value queries, codes, slots, keyWidth, valueWidth;
  // Attributions: two 16 x 65 stages, the 64 x 65 scores, per-row running
  // max, sum and rescaling factor; the thread's scores and outputs; the
  // rows' quarters' maxima and sums (step 2).
  Value stageA, stageB, scoreTile, rowMax, rowSum, rowScale, scores, outputs;
  Value quarterMax, quarterSum;
  // Ids: the attention block, the tile's first query and value column, the
  // thread, its column and row in the 16 x 16 grid.
  Value block, row0, col0, thread, tx, ty;
  // How the two products multiply: f32 FMAs, or bf16 operands with f32 sums
  // in mma.sync's layout (on tensor cores, or lane by lane for cuda-sim).
  ProductMath math;
  WarpTile warp;

  AttentionKernel(BlockInputs inputs, OpBuilder &b, Location loc,
                  int64_t memLen, ProductMath math)
      : op(inputs), b(b), loc(loc), a{b, loc}, memLen(memLen), math(math) {}

  Value f32(float v) {
    return arith::ConstantOp::create(b, loc, b.getF32FloatAttr(v));
  }
  Value load(Value buffer, ValueRange indices) {
    return memref::LoadOp::create(b, loc, buffer, indices);
  }
  void store(Value v, Value buffer, ValueRange indices) {
    memref::StoreOp::create(b, loc, v, buffer, indices);
  }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, loc, c, x, y);
  }

  /// `cond ? then() : otherwise()` for one f32, each side built only in its
  /// branch (so that its loads run only there).
  Value ifElse(Value cond, llvm::function_ref<Value()> then,
               llvm::function_ref<Value()> otherwise) {
    auto ifOp = scf::IfOp::create(b, loc, TypeRange{b.getF32Type()}, cond,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    scf::YieldOp::create(b, loc, then());
    b.setInsertionPointToStart(ifOp.elseBlock());
    scf::YieldOp::create(b, loc, otherwise());
    return ifOp.getResult(0);
  }

  /// Key j of the chunk's list: code j (j < S) or buffer slot j - S.
  /// `fromCode(j)` / `fromSlot(j - S)` read the element; 0 past the list.
  Value keyElement(Value j, llvm::function_ref<Value(Value)> fromCode,
                   llvm::function_ref<Value(Value)> fromSlot) {
    return ifElse(
        a.lt(j, codes), [&] { return fromCode(j); },
        [&] {
          Value slot = a.sub(j, codes);
          return ifElse(
              a.lt(slot, slots), [&] { return fromSlot(slot); },
              [&] { return f32(0); });
        });
  }

  /// Copies a 16 x 64 stage into `shared[kk][x]`: `element(kk, x)`; the
  /// thread mapping puts neighbouring threads on neighbouring kk (fastKK) or
  /// x, the operand's last dimension.
  void copyStage(Value shared, bool fastKK,
                 llvm::function_ref<Value(Value, Value)> element) {
    forEach(b, loc, kLoads, [&](Value r) {
      Value e = a.add(thread, a.mul(r, a.c(kThreads)));
      Value kk = fastKK ? a.rem(e, a.c(kDepth)) : a.div(e, a.c(kTile));
      Value x = fastKK ? a.div(e, a.c(kDepth)) : a.rem(e, a.c(kTile));
      store(element(kk, x), shared, {kk, x});
    });
  }

  /// Where the thread's slot lies in the 64 x 64 tile (row, column): f32,
  /// rows ty + 16 i and columns tx + 16 j for slot 4 i + j; bf16, the
  /// accumulator fragment of mma.sync (WarpTile::position).
  std::pair<Value, Value> slotPosition(int64_t slot) {
    if (math.bf16)
      return warp.position(a, slot);
    return {a.add(ty, a.c(slot / kMicro * kSide)),
            a.add(tx, a.c(slot % kMicro * kSide))};
  }

  /// Slots with the same column id lie in the same column (4 ids for f32,
  /// 8 for bf16).
  int64_t columnId(int64_t slot) const {
    return math.bf16 ? slot / 4 * 2 + slot % 2 : slot % kMicro;
  }

  /// For each of the thread's 16 slots (unrolled; constant slot indices
  /// keep the private arrays in registers): body(slot, row, column) with
  /// the row and column inside the 64 x 64 tile.
  void forEachSlot(llvm::function_ref<void(Value, Value, Value)> body) {
    for (int64_t slot = 0; slot < kMicro * kMicro; ++slot) {
      auto [row, col] = slotPosition(slot);
      body(a.c(slot), row, col);
    }
  }

  /// sums[slot] += sum over a stage's 16 k of A(k, row) B(k, column) for
  /// the slots' rows and columns. f32: the 16 sums carried through an
  /// scf.for (per k, 4 + 4 operand reads); bf16: WarpTile's stage.
  void accumulateStage(Value sums, StageReader readA, StageReader readB) {
    if (math.bf16)
      return warp.multiplyStage(b, loc, sums, readA, readB, math.mma);
    SmallVector<Value> init;
    for (int64_t slot = 0; slot < kMicro * kMicro; ++slot)
      init.push_back(load(sums, a.c(slot)));
    auto loop = scf::ForOp::create(
        b, loc, a.c(0), a.c(kDepth), a.c(1), init,
        [&](OpBuilder &lb, Location ll, Value kk, ValueRange in) {
          Arith l{lb, ll};
          SmallVector<Value> x, y, out;
          for (int64_t i = 0; i < kMicro; ++i)
            x.push_back(readA(lb, kk, l.add(ty, l.c(i * kSide))));
          for (int64_t j = 0; j < kMicro; ++j)
            y.push_back(readB(lb, kk, l.add(tx, l.c(j * kSide))));
          for (int64_t i = 0; i < kMicro; ++i)
            for (int64_t j = 0; j < kMicro; ++j)
              out.push_back(arith::AddFOp::create(
                  lb, ll, in[i * kMicro + j],
                  arith::MulFOp::create(lb, ll, x[i], y[j])));
          scf::YieldOp::create(lb, ll, out);
        });
    for (auto [slot, sum] : llvm::enumerate(loop.getResults()))
      store(sum, sums, a.c(slot));
  }

  /// Reads `shared[k][x]` (a stage operand).
  static Value sharedAt(OpBuilder &lb, Location ll, Value shared, Value k,
                        Value x) {
    return memref::LoadOp::create(lb, ll, shared, ValueRange{k, x});
  }

  /// Step 1: the chunk's raw scores (q + u)·key into `scores`.
  void chunkDots(Value c0) {
    forEachSlot([&](Value slot, Value, Value) { store(f32(0), scores, slot); });
    auto stages = scf::ForOp::create(b, loc, a.c(0), keyWidth, a.c(kDepth));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(stages.getBody()->getTerminator());
    Value d0 = stages.getInductionVar();
    copyStage(stageA, /*fastKK=*/true, [&](Value kk, Value row) {
      Value q = a.add(row0, row), d = a.add(d0, kk);
      return loadOrZero(b, loc, a.both(a.lt(q, queries), a.lt(d, keyWidth)),
                        op.query, {block, q, d});
    });
    copyStage(stageB, /*fastKK=*/true, [&](Value kk, Value key) {
      Value d = a.add(d0, kk);
      return ifElse(
          a.lt(d, keyWidth),
          [&] {
            return keyElement(
                a.add(c0, key),
                [&](Value s) {
                  return load(op.codebook, {s, d});
                },
                [&](Value p) {
                  return load(op.keys, {block, p, d});
                });
          },
          [&] { return f32(0); });
    });
    gpu::BarrierOp::create(b, loc);
    accumulateStage(
        scores,
        [&](OpBuilder &lb, Value kk, Value row) {
          return sharedAt(lb, loc, stageA, kk, row);
        },
        [&](OpBuilder &lb, Value kk, Value key) {
          return sharedAt(lb, loc, stageB, kk, key);
        });
    gpu::BarrierOp::create(b, loc);
  }

  /// Key j's cache terms when it is a code (j < S): log(max(count, 1)) and
  /// whether the count is <= 0 (then the score is -inf).
  struct CodeTerms {
    Value isCode, logCount, empty;
  };
  CodeTerms codeTerms(Value j) {
    Value isCode = a.lt(j, codes);
    Value count = ifElse(
        isCode,
        [&] {
          return load(op.count, {block, j});
        },
        [&] { return f32(0); });
    Value logCount = math::LogOp::create(
        b, loc, arith::MaximumFOp::create(b, loc, count, f32(1)));
    Value empty =
        arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, count, f32(0));
    return {isCode, logCount, empty};
  }

  /// The score of query `row` (in the block) and key `j` (in the list) from
  /// its raw dot product: the cache's log count, or the buffer's masks and
  /// relative bias; -inf where masked or outside.
  Value biasedScore(Value dot, Value row, Value j, const CodeTerms &code,
                    Value seen) {
    float negInf = -std::numeric_limits<float>::infinity();
    return ifElse(
        a.lt(row, queries),
        [&] {
          return ifElse(
              code.isCode,
              [&] {
                return select(
                    code.empty, f32(negInf),
                    arith::AddFOp::create(b, loc, dot, code.logCount));
              },
              [&] {
                Value p = a.sub(j, codes);
                return ifElse(
                    a.lt(p, slots),
                    [&] { return slotScore(dot, row, p, seen); },
                    [&] { return f32(negInf); });
              });
        },
        [&] { return f32(negInf); });
  }

  /// Buffer slot p (position seen - M + p) for query row (position
  /// seen + row): valid when started and p <= row + M; the relative bias at
  /// distance d = row + M - p when d <= M.
  Value slotScore(Value dot, Value row, Value p, Value seen) {
    float negInf = -std::numeric_limits<float>::infinity();
    Value m = a.c(memLen);
    Value rowPlusM = a.add(row, m);
    Type i64 = b.getI64Type();
    Value pos = arith::AddIOp::create(
        b, loc,
        arith::SubIOp::create(
            b, loc, seen,
            arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(memLen))),
        arith::IndexCastOp::create(b, loc, i64, p));
    Value started = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::sge, pos,
        arith::ConstantOp::create(b, loc, b.getI64IntegerAttr(0)));
    Value causal =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, p, rowPlusM);
    Value valid = a.both(started, causal);
    return ifElse(
        valid,
        [&] {
          Value dist = a.sub(rowPlusM, p); // >= 0: causal
          Value inBand =
              arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule, dist, m);
          Value bias = ifElse(
              inBand,
              [&] {
                return load(op.relative, {block, row, dist});
              },
              [&] { return f32(0); });
          return arith::AddFOp::create(b, loc, dot, bias).getResult();
        },
        [&] { return f32(negInf); });
  }

  /// Step 1 continued: the biased, masked scores into the shared tile; the
  /// cache terms once per column of the thread's slots.
  void storeScores(Value c0) {
    Value seen = load(op.seen, {block});
    llvm::SmallDenseMap<int64_t, CodeTerms> codeOfColumn;
    for (int64_t slot = 0; slot < kMicro * kMicro; ++slot) {
      auto [row, key] = slotPosition(slot);
      Value keyIndex = a.add(c0, key);
      auto found = codeOfColumn.find(columnId(slot));
      if (found == codeOfColumn.end())
        found =
            codeOfColumn.try_emplace(columnId(slot), codeTerms(keyIndex)).first;
      Value dot = load(scores, a.c(slot));
      store(biasedScore(dot, a.add(row0, row), keyIndex, found->second, seen),
            scoreTile, {row, key});
    }
    gpu::BarrierOp::create(b, loc);
  }

  /// Step 2: the running max and sum, four threads per row (each a quarter
  /// of the chunk's 64 keys): (a) the quarters' maxima; (b) the row's new
  /// max from the old one and the quarters', the quarter's probabilities
  /// exp(score - max) in place, their sum; (c) one thread per row: the
  /// factor exp(old max - new max) for what was summed so far, the new sum
  /// and max. A row without a valid key yet keeps max -inf and shifts by 0
  /// (its probabilities and factor are 0, its outputs 0).
  void updateRows() {
    constexpr int64_t kQuarter = kTile / kQuarters;
    float negInf = -std::numeric_limits<float>::infinity();
    Value row = a.div(thread, a.c(kQuarters));
    Value quarter = a.rem(thread, a.c(kQuarters));
    Value first = a.mul(quarter, a.c(kQuarter));
    // Folds `step` over the quarter's keys, from `init`.
    auto overQuarter =
        [&](Value init,
            llvm::function_ref<Value(OpBuilder &, Value, Value)> step) {
          auto loop = scf::ForOp::create(
              b, loc, first, a.add(first, a.c(kQuarter)), a.c(1),
              ValueRange{init},
              [&](OpBuilder &lb, Location ll, Value key, ValueRange in) {
                scf::YieldOp::create(lb, ll, ValueRange{step(lb, key, in[0])});
              });
          return loop.getResult(0);
        };
    // The row's max so far and over the chunk (rowMax and the quarters'
    // maxima are only written after the last read of both).
    auto newMaxOfRow = [&](Value oldMax) {
      Value max = oldMax;
      for (int64_t q = 0; q < kQuarters; ++q)
        max = arith::MaximumFOp::create(b, loc, max,
                                        load(quarterMax, {row, a.c(q)}));
      return max;
    };
    auto shiftOf = [&](Value max) {
      Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, max,
                                         f32(negInf));
      return select(none, f32(0), max);
    };

    Value partMax =
        overQuarter(f32(negInf), [&](OpBuilder &lb, Value key, Value acc) {
          Value s =
              memref::LoadOp::create(lb, loc, scoreTile, ValueRange{row, key});
          return arith::MaximumFOp::create(lb, loc, acc, s).getResult();
        });
    store(partMax, quarterMax, {row, quarter});
    gpu::BarrierOp::create(b, loc);

    Value shift = shiftOf(newMaxOfRow(load(rowMax, {row})));
    Value partSum =
        overQuarter(f32(0), [&](OpBuilder &lb, Value key, Value acc) {
          Value s =
              memref::LoadOp::create(lb, loc, scoreTile, ValueRange{row, key});
          Value p = math::ExpOp::create(
              lb, loc, arith::SubFOp::create(lb, loc, s, shift));
          memref::StoreOp::create(lb, loc, p, scoreTile, ValueRange{row, key});
          return arith::AddFOp::create(lb, loc, acc, p).getResult();
        });
    store(partSum, quarterSum, {row, quarter});
    gpu::BarrierOp::create(b, loc);

    auto rowThread = scf::IfOp::create(
        b, loc,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, quarter,
                              a.c(0)),
        /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(rowThread.thenBlock()->getTerminator());
    Value oldMax = load(rowMax, {row});
    Value newMax = newMaxOfRow(oldMax);
    Value scale = math::ExpOp::create(
        b, loc, arith::SubFOp::create(b, loc, oldMax, shiftOf(newMax)));
    Value sum = arith::MulFOp::create(b, loc, load(rowSum, {row}), scale);
    for (int64_t q = 0; q < kQuarters; ++q)
      sum = arith::AddFOp::create(b, loc, sum, load(quarterSum, {row, a.c(q)}));
    store(sum, rowSum, {row});
    store(newMax, rowMax, {row});
    store(scale, rowScale, {row});
  }

  /// Step 3: rescale the outputs, add probabilities x (means ; values).
  void accumulateValues(Value c0) {
    forEachSlot([&](Value slot, Value row, Value) {
      Value scaled = arith::MulFOp::create(b, loc, load(outputs, slot),
                                           load(rowScale, {row}));
      store(scaled, outputs, slot);
    });
    auto stages = scf::ForOp::create(b, loc, a.c(0), a.c(kTile), a.c(kDepth));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(stages.getBody()->getTerminator());
    Value k0 = stages.getInductionVar();
    copyStage(stageB, /*fastKK=*/false, [&](Value kk, Value col) {
      Value j = a.add(c0, a.add(k0, kk)), x = a.add(col0, col);
      return ifElse(
          a.lt(x, valueWidth),
          [&] {
            return keyElement(
                j,
                [&](Value s) {
                  return load(op.mean, {block, s, x});
                },
                [&](Value p) {
                  return load(op.values, {block, p, x});
                });
          },
          [&] { return f32(0); });
    });
    gpu::BarrierOp::create(b, loc);
    accumulateStage(
        outputs,
        [&](OpBuilder &lb, Value kk, Value row) {
          Value key = arith::AddIOp::create(lb, loc, k0, kk);
          return sharedAt(lb, loc, scoreTile, row, key);
        },
        [&](OpBuilder &lb, Value kk, Value col) {
          return sharedAt(lb, loc, stageB, kk, col);
        });
    gpu::BarrierOp::create(b, loc);
  }

  /// The attributions and ids: block id → (attention block, query tile,
  /// value tile), value tiles fastest.
  void start(gpu::LaunchOp launch, Value tilesL, Value tilesV) {
    stageA = launch.getWorkgroupAttributions()[0];
    stageB = launch.getWorkgroupAttributions()[1];
    scoreTile = launch.getWorkgroupAttributions()[2];
    rowMax = launch.getWorkgroupAttributions()[3];
    rowSum = launch.getWorkgroupAttributions()[4];
    rowScale = launch.getWorkgroupAttributions()[5];
    quarterMax = launch.getWorkgroupAttributions()[6];
    quarterSum = launch.getWorkgroupAttributions()[7];
    scores = launch.getPrivateAttributions()[0];
    outputs = launch.getPrivateAttributions()[1];
    thread = launch.getThreadIds().x;
    tx = a.rem(thread, a.c(kSide));
    ty = a.div(thread, a.c(kSide));
    if (math.bf16)
      warp = WarpTile::of(b, loc, thread);
    Value rest = launch.getBlockIds().x;
    col0 = a.mul(a.rem(rest, tilesV), a.c(kTile));
    rest = a.div(rest, tilesV);
    row0 = a.mul(a.rem(rest, tilesL), a.c(kTile));
    block = a.div(rest, tilesL);

    float negInf = -std::numeric_limits<float>::infinity();
    auto rowThread = scf::IfOp::create(b, loc, a.lt(thread, a.c(kTile)),
                                       /*withElseRegion=*/false);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(rowThread.thenBlock()->getTerminator());
      store(f32(negInf), rowMax, {thread});
      store(f32(0), rowSum, {thread});
    }
    gpu::BarrierOp::create(b, loc);
  }

  /// `body(c0)` inside an scf.for over the chunks of 64 keys.
  void forEachChunk(llvm::function_ref<void(Value)> body) {
    auto chunks =
        scf::ForOp::create(b, loc, a.c(0), a.add(codes, slots), a.c(kTile));
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(chunks.getBody()->getTerminator());
    body(chunks.getInductionVar());
  }

  /// tvq.fused_block_attention: the outputs, divided by the row sums.
  void buildOutput(Value output) {
    forEachSlot(
        [&](Value slot, Value, Value) { store(f32(0), outputs, slot); });
    forEachChunk([&](Value c0) {
      chunkDots(c0);
      storeScores(c0);
      updateRows();
      gpu::BarrierOp::create(b, loc);
      accumulateValues(c0);
    });
    forEachSlot([&](Value slot, Value row, Value col) {
      Value q = a.add(row0, row), x = a.add(col0, col);
      auto inside = scf::IfOp::create(
          b, loc, a.both(a.lt(q, queries), a.lt(x, valueWidth)),
          /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPoint(inside.thenBlock()->getTerminator());
      Value v = arith::DivFOp::create(b, loc, load(outputs, slot),
                                      load(rowSum, {row}));
      store(v, output, {block, q, x});
    });
  }

  /// tvq.fused_block_softmax: a first walk over the chunks for the rows'
  /// max and sum, a second that writes exp(score - max) / sum.
  void buildSoftmax(Value cacheProbs, Value bufferProbs) {
    forEachChunk([&](Value c0) {
      chunkDots(c0);
      storeScores(c0);
      updateRows();
      gpu::BarrierOp::create(b, loc);
    });
    float negInf = -std::numeric_limits<float>::infinity();
    forEachChunk([&](Value c0) {
      chunkDots(c0);
      storeScores(c0);
      forEachSlot([&](Value, Value row, Value key) {
        Value q = a.add(row0, row), j = a.add(c0, key);
        auto inside = scf::IfOp::create(
            b, loc, a.both(a.lt(q, queries), a.lt(j, a.add(codes, slots))),
            /*withElseRegion=*/false);
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPoint(inside.thenBlock()->getTerminator());
        Value max = load(rowMax, {row});
        Value none = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ,
                                           max, f32(negInf));
        Value shift = select(none, f32(0), max);
        Value weight = math::ExpOp::create(
            b, loc,
            arith::SubFOp::create(b, loc, load(scoreTile, {row, key}), shift));
        Value p = arith::DivFOp::create(b, loc, weight, load(rowSum, {row}));
        auto where = scf::IfOp::create(b, loc, a.lt(j, codes),
                                       /*withElseRegion=*/true);
        b.setInsertionPoint(where.thenBlock()->getTerminator());
        store(p, cacheProbs, {block, q, j});
        b.setInsertionPoint(where.elseBlock()->getTerminator());
        store(p, bufferProbs, {block, q, a.sub(j, codes)});
      });
    });
  }
};

/// Launches `grid` blocks of 256 threads with the kernels' attributions
/// (unless the grid is empty) and builds the body with `body`.
void launchKernel(OpBuilder &b, Location loc, Value grid,
                  llvm::function_ref<void(gpu::LaunchOp)> body) {
  Arith a{b, loc};
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto workgroup =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto privateSpace =
      gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Private);
  auto stage = MemRefType::get({kDepth, kSharedRow}, f32,
                               MemRefLayoutAttrInterface(), workgroup);
  auto tile = MemRefType::get({kTile, kSharedRow}, f32,
                              MemRefLayoutAttrInterface(), workgroup);
  auto perRow =
      MemRefType::get({kTile}, f32, MemRefLayoutAttrInterface(), workgroup);
  auto perQuarter = MemRefType::get({kTile, kQuarters}, f32,
                                    MemRefLayoutAttrInterface(), workgroup);
  auto registers = MemRefType::get({kMicro * kMicro}, f32,
                                   MemRefLayoutAttrInterface(), privateSpace);
  auto work = scf::IfOp::create(b, loc, a.ge(grid, 1),
                                /*withElseRegion=*/false);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPoint(work.thenBlock()->getTerminator());
  Value one = a.c(1);
  auto launch = gpu::LaunchOp::create(
      b, loc, grid, one, one, a.c(kThreads), one, one,
      /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
      /*asyncDependencies=*/{},
      TypeRange{stage, stage, tile, perRow, perRow, perRow, perQuarter,
                perQuarter},
      TypeRange{registers, registers});
  b.setInsertionPointToEnd(&launch.getBody().front());
  body(launch);
  gpu::TerminatorOp::create(b, loc);
}

/// The sizes of the kernel's inputs (host values).
void setSizes(OpBuilder &b, Location loc, AttentionKernel &k) {
  auto dim = [&](Value v, int64_t d) {
    return b.createOrFold<memref::DimOp>(loc, v, d);
  };
  k.queries = dim(k.op.query, 1);
  k.keyWidth = dim(k.op.query, 2);
  k.codes = dim(k.op.codebook, 0);
  k.slots = dim(k.op.keys, 1);
}

void lowerToKernel(FusedBlockAttentionOp op, ProductMath math) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  AttentionKernel k({op.getQuery(), op.getCodebook(), op.getCount(),
                     op.getMean(), op.getKeys(), op.getValues(),
                     op.getRelative(), op.getSeen()},
                    b, loc, op.getMemLen(), math);
  setSizes(b, loc, k);
  k.valueWidth = b.createOrFold<memref::DimOp>(loc, op.getValues(), 2);
  Arith &a = k.a;
  Value blocks = b.createOrFold<memref::DimOp>(loc, op.getQuery(), 0);
  Value tilesL = a.ceilDiv(k.queries, kTile);
  Value tilesV = a.ceilDiv(k.valueWidth, kTile);
  launchKernel(b, loc, a.mul(blocks, a.mul(tilesL, tilesV)),
               [&](gpu::LaunchOp launch) {
                 k.start(launch, tilesL, tilesV);
                 k.buildOutput(op.getInit());
               });
  op.erase();
}

void lowerToKernel(FusedBlockSoftmaxOp op, ProductMath math) {
  OpBuilder b(op);
  Location loc = op.getLoc();
  AttentionKernel k({op.getQuery(), op.getCodebook(), op.getCount(), Value(),
                     op.getKeys(), Value(), op.getRelative(), op.getSeen()},
                    b, loc, op.getMemLen(), math);
  setSizes(b, loc, k);
  Arith &a = k.a;
  Value blocks = b.createOrFold<memref::DimOp>(loc, op.getQuery(), 0);
  Value tilesL = a.ceilDiv(k.queries, kTile);
  launchKernel(b, loc, a.mul(blocks, tilesL), [&](gpu::LaunchOp launch) {
    k.start(launch, tilesL, a.c(1));
    k.buildSoftmax(op.getCacheProbs(), op.getBufferProbs());
  });
  op.erase();
}

struct FusedAttentionToGPUPass
    : public tvq::impl::TVQFusedAttentionToGPUBase<FusedAttentionToGPUPass> {
  using Base::Base;
  void runOnOperation() override {
    std::optional<ProductMath> kernelMath = ProductMath::fromOptions(
        getOperation(), "tvq-fused-attention-to-gpu", math, mma);
    if (!kernelMath)
      return signalPassFailure();
    SmallVector<Operation *> ops;
    WalkResult walk = getOperation().walk([&](Operation *op) {
      if (!isa<FusedBlockAttentionOp, FusedBlockSoftmaxOp>(op))
        return WalkResult::advance();
      if (!cast<DestinationStyleOpInterface>(op).hasPureBufferSemantics()) {
        op->emitOpError("must be on buffers for tvq-fused-attention-to-gpu "
                        "(run one-shot-bufferize first)");
        return WalkResult::interrupt();
      }
      ops.push_back(op);
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      return signalPassFailure();
    for (Operation *op : ops) {
      if (auto attention = dyn_cast<FusedBlockAttentionOp>(op))
        lowerToKernel(attention, *kernelMath);
      else
        lowerToKernel(cast<FusedBlockSoftmaxOp>(op), *kernelMath);
    }
  }
};

} // namespace
