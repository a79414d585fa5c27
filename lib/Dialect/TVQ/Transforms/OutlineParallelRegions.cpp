//===- OutlineParallelRegions.cpp - Each omp.parallel in its own function -===//
//
// Moves each outermost omp.parallel of a function into a new internal
// function, so that translating it to LLVM IR (which analyzes the whole
// enclosing function per region) stays linear in the number of regions.
//
//===----------------------------------------------------------------------===//

#include "tvq/Dialect/TVQ/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace mlir {
namespace tvq {
#define GEN_PASS_DEF_TVQOUTLINEPARALLELREGIONS
#include "tvq/Dialect/TVQ/Transforms/Passes.h.inc"
} // namespace tvq
} // namespace mlir

using namespace mlir;

namespace {

/// Whether `v` is a constant without operands, which the outlined function
/// recreates instead of taking as an argument.
static bool isClonableConstant(Value v) {
  Operation *def = v.getDefiningOp();
  return def && def->getNumOperands() == 0 && matchPattern(v, m_Constant());
}

/// Replaces `parallel` by a call of a new function `name`, inserted after
/// `parent`, that holds it; returns that function.
static func::FuncOp outline(omp::ParallelOp parallel, func::FuncOp parent,
                            StringAttr name) {
  // What the region reads from outside: its operands and captured values.
  llvm::SetVector<Value> used(parallel->operand_begin(),
                              parallel->operand_end());
  getUsedValuesDefinedAbove(parallel->getRegions(), used);
  SmallVector<Value> arguments, constants;
  for (Value v : used)
    (isClonableConstant(v) ? constants : arguments).push_back(v);

  Location loc = parallel.getLoc();
  OpBuilder builder(parent->getContext());
  builder.setInsertionPointAfter(parent);
  auto type = builder.getFunctionType(ValueRange(arguments).getTypes(), {});
  auto func = func::FuncOp::create(builder, loc, name, type);
  func.setPrivate();
  func->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(builder.getContext(),
                                       LLVM::linkage::Linkage::Internal));
  // LLVM inlines it back after the translation: the code is as before.
  func->setAttr("always_inline", builder.getUnitAttr());
  Block *entry = func.addEntryBlock();
  IRMapping mapping;
  mapping.map(arguments, entry->getArguments());
  builder.setInsertionPointToStart(entry);
  for (Value c : constants)
    mapping.map(c, builder.clone(*c.getDefiningOp())->getResult(0));
  builder.clone(*parallel, mapping);
  func::ReturnOp::create(builder, loc);

  builder.setInsertionPoint(parallel);
  func::CallOp::create(builder, loc, func, arguments);
  parallel->erase();
  return func;
}

struct TVQOutlineParallelRegionsPass
    : tvq::impl::TVQOutlineParallelRegionsBase<TVQOutlineParallelRegionsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      SmallVector<omp::ParallelOp> outermost;
      func.walk([&](omp::ParallelOp parallel) {
        if (!parallel->getParentOfType<omp::ParallelOp>())
          outermost.push_back(parallel);
      });
      unsigned counter = 0;
      for (omp::ParallelOp parallel : outermost) {
        std::string name;
        do {
          name = (func.getName() + "__omp" + Twine(counter++)).str();
        } while (symbols.lookup(name));
        symbols.insert(
            outline(parallel, func, StringAttr::get(&getContext(), name)));
      }
    }
  }
};

} // namespace
