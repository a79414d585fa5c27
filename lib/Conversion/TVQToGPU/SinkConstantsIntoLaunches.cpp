//===- SinkConstantsIntoLaunches.cpp - Constants into gpu.launch bodies ---===//
//
// `tvq-sink-constants-into-launches`: a constant defined outside a
// `gpu.launch` and used inside it is cloned into the launch body, so that
// outlining does not make it a kernel argument: the kernel then divides by
// a known 16 rather than a runtime value, knows its loop bounds, and indexes
// its private arrays with constants (which LLVM needs to keep them in
// registers). Upstream's gpu-launch-sink-index-computations does this too,
// but took 387 s on the enwik8-size module's ~6,000 launches; this pass is
// one walk per launch.
//
//===----------------------------------------------------------------------===//

#include "tvq/Conversion/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Matchers.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQSINKCONSTANTSINTOLAUNCHES
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Walks the body's operands once (replacing uses through the constants'
/// use lists instead visits every use in the function, for every launch).
void sinkConstants(gpu::LaunchOp launch) {
  Region &body = launch.getBody();
  OpBuilder b = OpBuilder::atBlockBegin(&body.front());
  DenseMap<Value, Value> copies;
  body.walk([&](Operation *op) {
    for (OpOperand &operand : op->getOpOperands()) {
      Operation *def = operand.get().getDefiningOp();
      if (!def || def->getNumResults() != 1 ||
          body.isAncestor(def->getParentRegion()) ||
          !matchPattern(def, m_Constant()))
        continue;
      Value &copy = copies[operand.get()];
      if (!copy)
        copy = b.clone(*def)->getResult(0);
      operand.set(copy);
    }
  });
}

struct SinkConstantsIntoLaunchesPass
    : public tvq::impl::TVQSinkConstantsIntoLaunchesBase<
          SinkConstantsIntoLaunchesPass> {
  void runOnOperation() override {
    getOperation().walk([](gpu::LaunchOp launch) { sinkConstants(launch); });
  }
};

} // namespace
