//===- ReportSerialLoops.cpp - Threads that loop for long -----------------===//
//
// `tvq-report-serial-loops`: a remark at each outermost `scf.for` nest of a
// kernel that one thread runs for many iterations, with the trip count of
// every loop in it. A GPU hides little of a long serial loop per thread: the
// kernels that stand out are the ones to tile or split. The IR is unchanged;
// it reads the kernels after outlining (`tvq-compile --target=cuda
// --compile-to=gpu`).
//
// Iterations of a loop nest per thread: the loop's trips times the sum of the
// iterations of the nests directly inside it (1 if none), an upper bound. A
// loop's trips: exact when its bounds and step are constants; at most
// ceil(ub / step) when only ub and step are (the lower bound a thread offset,
// >= 0); unknown, counted as 1 and said so, when its upper bound is known only
// at run time (a dimension of T or B).
//
//===----------------------------------------------------------------------===//

#include "MatrixProducts.h"
#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MathExtras.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQREPORTSERIALLOOPS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// The iterations one thread runs of a loop nest; `known` is false when a
/// loop in it has a trip count known only at run time (then `iterations`
/// counts such a loop as one trip).
struct NestIterations {
  int64_t iterations = 1;
  bool known = true;
  std::string trips; ///< "16 x (8 + 4)": each loop's trips, "?" if unknown
};

/// Trips of `loop` (an upper bound where the lower bound is not constant),
/// or nullopt where the upper bound or step is not constant.
std::optional<int64_t> tripsOf(scf::ForOp loop) {
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!ub || !step || *step <= 0)
    return std::nullopt;
  int64_t lb = getConstantIntValue(loop.getLowerBound()).value_or(0);
  return std::max<int64_t>(0, (*ub - lb + *step - 1) / *step);
}

NestIterations nestOf(scf::ForOp loop);

/// "module::kernel", how a launch names a kernel.
std::string qualifiedName(StringRef module, StringRef kernel) {
  return (module + "::" + kernel).str();
}

/// The kernels launched only when a library call declined a product (inside
/// an scf.if marked kLibraryFallbackAttr), by qualifiedName.
llvm::StringSet<> libraryFallbacks(ModuleOp module) {
  llvm::StringSet<> names;
  module.walk([&](gpu::LaunchFuncOp launch) {
    for (Operation *p = launch->getParentOp(); p; p = p->getParentOp())
      if (p->hasAttr(tvq::kLibraryFallbackAttr)) {
        names.insert(qualifiedName(launch.getKernelModuleName().getValue(),
                                   launch.getKernelName().getValue()));
        return;
      }
  });
  return names;
}

/// The nests directly inside `op` (not inside a loop nested in it).
SmallVector<NestIterations> innerNests(Operation *op) {
  SmallVector<NestIterations> nests;
  for (Region &region : op->getRegions())
    region.walk<WalkOrder::PreOrder>([&](scf::ForOp inner) {
      nests.push_back(nestOf(inner));
      return WalkResult::skip();
    });
  return nests;
}

NestIterations nestOf(scf::ForOp loop) {
  NestIterations nest;
  std::optional<int64_t> trips = tripsOf(loop);
  nest.known = trips.has_value();
  nest.trips = trips ? std::to_string(*trips) : "?";
  SmallVector<NestIterations> inner = innerNests(loop);
  // Saturating: a count past 2^63 only needs to read as large.
  uint64_t body = inner.empty() ? 1 : 0;
  SmallVector<std::string> innerTrips;
  for (const NestIterations &n : inner) {
    body = llvm::SaturatingAdd(body, uint64_t(n.iterations));
    nest.known &= n.known;
    innerTrips.push_back(n.trips);
  }
  nest.iterations = int64_t(std::min<uint64_t>(
      llvm::SaturatingMultiply(uint64_t(trips.value_or(1)), body),
      uint64_t(INT64_MAX)));
  if (inner.size() == 1)
    nest.trips += " x " + innerTrips.front();
  else if (!inner.empty())
    nest.trips += " x (" + llvm::join(innerTrips, " + ") + ")";
  return nest;
}

struct ReportSerialLoops
    : tvq::impl::TVQReportSerialLoopsBase<ReportSerialLoops> {
  using Base::Base;
  void runOnOperation() override {
    llvm::StringSet<> fallbacks;
    if (skipLibraryFallbacks)
      fallbacks = libraryFallbacks(getOperation());
    getOperation()->walk([&](gpu::GPUFuncOp kernel) {
      auto module = kernel->getParentOfType<gpu::GPUModuleOp>();
      if (!kernel.isKernel() ||
          (module && fallbacks.contains(
                         qualifiedName(module.getName(), kernel.getName()))))
        return;
      kernel.walk<WalkOrder::PreOrder>([&](scf::ForOp loop) {
        NestIterations nest = nestOf(loop);
        if (nest.iterations < minIterations && (nest.known || !reportUnknown))
          return WalkResult::skip();
        InFlightDiagnostic remark = loop->emitRemark();
        remark << "serial loops in @" << kernel.getName() << ": up to "
               << nest.iterations << " iterations per thread";
        if (!nest.known)
          remark << " times trip counts known only at run time";
        remark << " (trips " << nest.trips << ")";
        return WalkResult::skip();
      });
    });
    markAllAnalysesPreserved();
  }
};

} // namespace
