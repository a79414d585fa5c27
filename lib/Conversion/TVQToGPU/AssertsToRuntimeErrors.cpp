//===- AssertsToRuntimeErrors.cpp - Failed checks via the runtime ---------===//
//
// `tvq-asserts-to-runtime-errors` turns each `cf.assert` (from upstream
// `generate-runtime-verification`, which cuda-sim's bounds check runs) into
// an `scf.if` on the negated condition around `_tvq_check_failed(text)`.
// The runtime prints "tvq runtime: out-of-bounds access at model.mlir:40:7"
// to stderr and exits with status 1; upstream's lowering of a failed
// `cf.assert` prints with `puts` and calls `abort`, which loses the message
// in stdout's buffer.
//
//===----------------------------------------------------------------------===//

#include "TextGlobals.h"
#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/SourceLocation.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQASSERTSTORUNTIMEERRORS
#include "tvq/Conversion/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

constexpr StringLiteral kCheckFailedFn = "_tvq_check_failed";

/// What failed: the "^ ..." line of generate-runtime-verification's message
/// ("ERROR: Runtime op verification failed\n^ out-of-bounds access\n
/// Location: ..."), else the whole message; then where.
std::string failureText(cf::AssertOp assert) {
  StringRef message = assert.getMsg();
  StringRef what = message;
  SmallVector<StringRef> lines;
  message.split(lines, '\n');
  for (StringRef line : lines)
    if (line.consume_front("^ ")) {
      what = line;
      break;
    }
  return (what + " at " + tvq::formatLocation(assert.getLoc())).str();
}

struct AssertsToRuntimeErrorsPass
    : public tvq::impl::TVQAssertsToRuntimeErrorsBase<
          AssertsToRuntimeErrorsPass> {
  void runOnOperation() override {
    SmallVector<cf::AssertOp> asserts;
    getOperation().walk([&](cf::AssertOp op) { asserts.push_back(op); });
    if (asserts.empty())
      return;
    tvq::TextGlobals texts(getOperation());
    texts.declareFunction(kCheckFailedFn, 1);
    for (cf::AssertOp assert : asserts) {
      OpBuilder b(assert);
      Location loc = assert.getLoc();
      Value allTrue = arith::ConstantIntOp::create(b, loc, 1, 1);
      Value failed = arith::XOrIOp::create(b, loc, assert.getArg(), allTrue);
      auto report = scf::IfOp::create(b, loc, failed, /*withElseRegion=*/false);
      b.setInsertionPointToStart(report.thenBlock());
      Value text = texts.address(b, loc, failureText(assert));
      func::CallOp::create(b, loc, kCheckFailedFn, TypeRange{},
                           ValueRange{text});
      assert.erase();
    }
  }
};

} // namespace
