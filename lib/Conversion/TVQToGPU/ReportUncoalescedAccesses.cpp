//===- ReportUncoalescedAccesses.cpp - Warps that scatter their reads -----===//
//
// `tvq-report-uncoalesced-accesses`: a remark at each global load or store
// of a kernel whose neighbouring threads touch elements more than one apart
// (LaneStrides.h), saying how far apart and how many 32-byte sectors one
// warp's access then fetches. The IR is unchanged; it reads the kernels
// after outlining (`tvq-compile --target=cuda --compile-to=gpu`).
//
//===----------------------------------------------------------------------===//

#include "LaneStrides.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "llvm/ADT/SmallSet.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQREPORTUNCOALESCEDACCESSES
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

bool isGlobal(MemRefType type) {
  auto space = dyn_cast_or_null<gpu::AddressSpaceAttr>(type.getMemorySpace());
  return !space || space.getValue() == gpu::AddressSpace::Global;
}

/// An access is reported when its warp fetches at least this many times the
/// sectors that its distinct elements would fill if they were contiguous.
constexpr int64_t kWasteFactor = 2;

int64_t floorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0); }

void report(Operation *access, StringRef what, gpu::GPUFuncOp kernel,
            Value memref, ValueRange indices, const tvq::LaneStrides &lanes,
            bool reportUnknown) {
  auto type = cast<MemRefType>(memref.getType());
  if (!isGlobal(type))
    return;
  std::optional<tvq::LaneOffsets> offsets =
      lanes.elementOffsets(memref, indices);
  if (!offsets) {
    if (reportUnknown)
      access->emitRemark() << what << " in @" << kernel.getName()
                           << ": the threads' elements are not known";
    return;
  }
  // Sectors of 32 bytes, counted from a sector-aligned lane-0 base.
  int64_t bytes = std::max<int64_t>(1, type.getElementTypeBitWidth() / 8);
  llvm::SmallSet<int64_t, 32> elements, sectors;
  for (int64_t offset : *offsets) {
    elements.insert(offset);
    sectors.insert(floorDiv(offset * bytes, 32));
  }
  int64_t contiguous = (int64_t(elements.size()) * bytes + 31) / 32;
  if (int64_t(sectors.size()) < kWasteFactor * contiguous)
    return;
  InFlightDiagnostic remark = access->emitRemark();
  remark << "uncoalesced " << what << " in @" << kernel.getName()
         << ": a warp touches " << sectors.size() << " sectors of 32 bytes for "
         << elements.size() << " elements (" << contiguous << " if contiguous)";
  if (std::optional<int64_t> stride = tvq::linearStride(*offsets))
    remark << "; neighbouring threads " << std::abs(*stride)
           << " elements apart";
}

struct ReportUncoalescedAccesses
    : tvq::impl::TVQReportUncoalescedAccessesBase<ReportUncoalescedAccesses> {
  using Base::Base;
  void runOnOperation() override {
    getOperation()->walk([&](gpu::GPUFuncOp kernel) {
      if (!kernel.isKernel())
        return;
      tvq::LaneStrides lanes(kernel);
      kernel.walk([&](Operation *op) {
        if (auto load = dyn_cast<memref::LoadOp>(op))
          report(load, "load", kernel, load.getMemRef(), load.getIndices(),
                 lanes, reportUnknown);
        else if (auto store = dyn_cast<memref::StoreOp>(op))
          report(store, "store", kernel, store.getMemRef(), store.getIndices(),
                 lanes, reportUnknown);
      });
    });
    markAllAnalysesPreserved();
  }
};

} // namespace
