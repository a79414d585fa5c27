//===- InsertRuntimeChecks.cpp - Shape checks for dynamic sizes -----------===//
//
// Derives `@F__tvq_check` for each public function `@F`: it evaluates, for
// the actual input sizes, every shape rule of every tvq op in `@F` that the
// verifier could not decide statically, and returns the 1-based number of
// the first failing rule (0 when all hold).
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/IR/TVQOps.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "tvq/Dialect/TVQ/IR/SourceLocation.h"
#include "llvm/ADT/StringSet.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQINSERTRUNTIMECHECKS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;
using namespace mlir::tvq;

namespace {

/// A value with the same shape as `v`, looking through elementwise ops
/// (`arith.addf` on tensors, ...) whose result sizes cannot be reified, so
/// that the check reads the sizes of the function's arguments in the end.
static Value shapeSource(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (!def->hasTrait<OpTrait::SameOperandsAndResultShape>() &&
        !def->hasTrait<OpTrait::Elementwise>())
      break;
    if (def->getNumOperands() == 0 ||
        def->getOperand(0).getType() != v.getType())
      break;
    v = def->getOperand(0);
  }
  return v;
}

/// tensor.dim of an elementwise op's result reads its first operand instead.
struct DimOfElementwise : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(tensor::DimOp dim,
                                PatternRewriter &rewriter) const override {
    Value source = shapeSource(dim.getSource());
    if (source == dim.getSource())
      return failure();
    rewriter.modifyOpInPlace(dim,
                             [&] { dim.getSourceMutable().assign(source); });
    return success();
  }
};

/// One runtime rule: a condition that is true when the rule is violated.
struct Violation {
  Value failed;
  std::string message;
};

/// Builds the violations of `op`'s shape contract at `b`'s insertion point.
static void checkOp(OpBuilder &b, Operation *op, const ShapeContract &c,
                    SmallVectorImpl<Violation> &out) {
  Location loc = op->getLoc();
  std::string prefix =
      (op->getName().getStringRef() + " at " + formatLocation(loc) + ": ")
          .str();
  auto sizeOf = [&](Value v, unsigned dim) -> Value {
    return tensor::DimOp::create(b, loc, shapeSource(v), dim);
  };
  auto isDynamic = [](Value v, unsigned dim) {
    return cast<RankedTensorType>(v.getType()).isDynamicDim(dim);
  };

  llvm::StringMap<SymbolSite> sites = firstOperandSites(op, c);
  for (auto [index, spec] : llvm::enumerate(c.values)) {
    if (llvm::is_contained(op->getResults(), spec.value))
      continue;
    for (auto [dim, d] : llvm::enumerate(spec.dims)) {
      if (!d.isSymbol()) {
        if (!isDynamic(spec.value, dim))
          continue;
        Value expected = arith::ConstantIndexOp::create(b, loc, d.fixed);
        out.push_back({arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                             sizeOf(spec.value, dim), expected),
                       prefix + "dimension " + std::to_string(dim) + " of " +
                           spec.name + " must be " + std::to_string(d.fixed)});
        continue;
      }
      SymbolSite site = sites.lookup(d.symbol);
      if (site.valueIndex == index && site.dim == dim)
        continue; // The site that defines the symbol.
      const ValueSpec &ref = c.values[site.valueIndex];
      if (!isDynamic(spec.value, dim) && !isDynamic(ref.value, site.dim))
        continue; // Both static: the verifier has decided it.
      out.push_back({arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne,
                                           sizeOf(spec.value, dim),
                                           sizeOf(ref.value, site.dim)),
                     prefix + "dimension " + std::to_string(dim) + " of " +
                         spec.name + " must equal " + d.symbol +
                         ", dimension " + std::to_string(site.dim) + " of " +
                         ref.name});
    }
  }
  for (const DivisibilityRule &rule : c.rules) {
    SymbolSite site = sites.lookup(rule.symbol);
    const ValueSpec &ref = c.values[site.valueIndex];
    if (!isDynamic(ref.value, site.dim))
      continue;
    Value divisor = arith::ConstantIndexOp::create(b, loc, rule.divisor);
    Value rem =
        arith::RemUIOp::create(b, loc, sizeOf(ref.value, site.dim), divisor);
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    out.push_back(
        {arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, rem, zero),
         prefix + rule.symbol + " (dimension " + std::to_string(site.dim) +
             " of " + ref.name + ") must be a multiple of " + rule.divisorName +
             " " + std::to_string(rule.divisor)});
  }
}

/// Ops that a derivation pass added to a derived function (marked
/// `tvq.derived`): their shapes follow from the forward ops' shapes, which
/// are checked already.
static bool isDerivedOp(Operation *op) {
  return isa<EmbeddingGradOp, RMSNormGradOp, ScaleShiftGradOp, SiLUGradOp,
             DenseWeightGradOp, SumLeadingOp, ConcatOp, VQQuantizeGradOp,
             VQAttentionGradOp, CrossEntropyGradOp, MeanGradOp, LRScheduleOp,
             GlobalNormOp, AdamWUpdateOp, CodebookEMAOp, CodebookStatsOp,
             CodebookBlendOp>(op) &&
         op->getParentOfType<func::FuncOp>()->hasAttr(kDerivedAttr);
}

/// Adds `@F__tvq_check` next to `func`.
static LogicalResult addCheckFunction(func::FuncOp func) {
  OpBuilder b(func);
  b.setInsertionPointAfter(func);
  Location loc = func.getLoc();
  auto type = b.getFunctionType(func.getArgumentTypes(), {b.getI32Type()});
  auto check =
      func::FuncOp::create(b, loc, (func.getName() + kCheckSuffix).str(), type);
  IRMapping mapping;
  func.getBody().cloneInto(&check.getBody(), mapping);
  if (!check.getBody().hasOneBlock())
    return func.emitError("tvq entry points must have a single block");
  Block &body = check.getBody().front();
  Operation *terminator = body.getTerminator();
  // The copy announces nothing: its results are not the entry's.
  for (auto ready : llvm::make_early_inc_range(body.getOps<OutputReadyOp>()))
    ready.erase();
  // Shapes are checked on the values themselves.
  for (auto input :
       llvm::make_early_inc_range(body.getOps<RecomputeInputOp>())) {
    input.getOutput().replaceAllUsesWith(input.getInput());
    input.erase();
  }

  b.setInsertionPoint(terminator);
  SmallVector<Violation> violations;
  for (Operation &op : body.without_terminator())
    if (!isDerivedOp(&op))
      if (std::optional<ShapeContract> contract = getShapeContract(&op))
        checkOp(b, &op, *contract, violations);
  // Inlined copies of one op share its location and so its messages; one
  // check of each rule is enough.
  llvm::StringSet<> seen;
  llvm::erase_if(violations, [&](const Violation &v) {
    return !seen.insert(v.message).second;
  });

  // code = first violated rule's number, or 0.
  Value code = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
  for (int i = static_cast<int>(violations.size()) - 1; i >= 0; --i) {
    Value number = arith::ConstantIntOp::create(b, loc, b.getI32Type(), i + 1);
    code = arith::SelectOp::create(b, loc, violations[i].failed, number, code);
  }
  func::ReturnOp::create(b, loc, code);
  terminator->erase();

  SmallVector<Attribute> messages;
  for (const Violation &v : violations)
    messages.push_back(b.getStringAttr(v.message));
  check->setAttr(kCheckMessagesAttr, b.getArrayAttr(messages));

  // Sizes of tvq results resolve to sizes of the function's arguments; the
  // tvq ops (and anything else not feeding a size) then die.
  RewritePatternSet patterns(func.getContext());
  memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
  tensor::DimOp::getCanonicalizationPatterns(patterns, func.getContext());
  patterns.add<DimOfElementwise>(func.getContext());
  return applyPatternsGreedily(check, std::move(patterns));
}

struct TVQInsertRuntimeChecksPass
    : tvq::impl::TVQInsertRuntimeChecksBase<TVQInsertRuntimeChecksPass> {
  void runOnOperation() override {
    SmallVector<func::FuncOp> entries;
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (func.isPublic() && !func.isExternal() &&
          !func.getName().ends_with(kCheckSuffix) &&
          !getOperation().lookupSymbol((func.getName() + kCheckSuffix).str()))
        entries.push_back(func);
    for (func::FuncOp func : entries)
      if (failed(addCheckFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
