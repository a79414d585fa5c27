//===- LaneStrides.h - How kernel values vary across a warp -----*- C++ -*-===//
//
// A forward analysis of a gpu.func: for each integer or index value, how it
// varies across the 32 threads (lanes) of a warp, as `base + offset[lane]`
// with the 32 offsets known and the base the same in every lane (a multiple
// of a known divisor). A global memory access whose lanes touch addresses
// far apart makes the warp fetch one 32-byte sector per lane instead of one
// per 32 bytes of data; tvq-report-uncoalesced-accesses lists such accesses.
//
// Threads of a warp are consecutive `thread_id x` values when the block's x
// size (the kernel's `known_block_size`) is a multiple of 32; the analysis
// assumes so and knows nothing of thread ids otherwise. Indices are assumed
// non-negative (as memref indices are).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_CONVERSION_TVQTOGPU_LANESTRIDES_H
#define TVQ_CONVERSION_TVQTOGPU_LANESTRIDES_H

#include "KernelBuilder.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "llvm/ADT/DenseMap.h"

#include <array>
#include <optional>

namespace mlir {
namespace tvq {

using LaneOffsets = std::array<int64_t, kWarpSize>;

/// A value across the lanes of a warp: `base + offsets[lane]`, where `base`
/// is the same in every lane and a multiple of `divisor` (0: base is 0).
/// Uniform values have all offsets 0. Not `known`: nothing is known.
struct LaneValue {
  bool known = false;
  int64_t divisor = 1;
  LaneOffsets offsets{};

  static LaneValue uniform(int64_t divisor) {
    LaneValue v;
    v.known = true;
    v.divisor = divisor < 0 ? -divisor : divisor;
    return v;
  }
  static LaneValue unknown() { return {}; }

  bool isUniform() const;
};

/// The stride when `offsets[l] = offsets[0] + stride * l` for every lane.
std::optional<int64_t> linearStride(const LaneOffsets &offsets);

/// The lane values of one kernel, computed once over its body.
class LaneStrides {
public:
  explicit LaneStrides(gpu::GPUFuncOp kernel);

  /// The value's lanes; memrefs are uniform, values the analysis did not
  /// reach are not known.
  LaneValue get(Value value) const;

  /// For a load or store of `memref` at `indices`: each lane's element
  /// offset from lane 0's base (in elements, through the memref's strides),
  /// or nullopt when an index is not known or a dimension that varies
  /// across the lanes has a dynamic stride.
  std::optional<LaneOffsets> elementOffsets(Value memref,
                                            ValueRange indices) const;

private:
  void visit(Operation *op);
  void set(Value value, LaneValue lane) { values[value] = lane; }

  bool warpsAreRowsOfX = false;
  llvm::DenseMap<Value, LaneValue> values;
};

} // namespace tvq
} // namespace mlir

#endif // TVQ_CONVERSION_TVQTOGPU_LANESTRIDES_H
