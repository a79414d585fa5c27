//===- fuzz_ir.cpp - Fuzzes parsing, verification and the CPU pipeline ----===//
//
// The input is MLIR text (seeded with the lit tests and model files). It is
// parsed and verified with every dialect tvq-opt knows; a module that
// verifies must print in a form that parses again, and then goes through the
// whole CPU pipeline (tvq-compile's passes up to the LLVM dialect, verified
// after every pass) and the translation to LLVM IR. Errors are expected;
// crashes, sanitizer reports and hangs are not. The input length selects the
// vector width (4, 8 or 16) and whether to make OpenMP tasks, so that every
// variant of the pipeline is reached.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/TVQDialect.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"
#include "tvq/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// Longer inputs are skipped: the pipeline's time grows with the IR, and
/// the seeds (test files split at `// -----`) are shorter.
static constexpr size_t kMaxInputSize = 4096;

static DialectRegistry *registry;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registerAllPasses();
  mlir::tvq::registerTVQPasses();
  mlir::tvq::registerTVQConversionPasses();
  registry = new DialectRegistry;
  registerAllDialects(*registry);
  registerAllExtensions(*registry);
  registerBuiltinDialectTranslation(*registry);
  registerLLVMDialectTranslation(*registry);
  registerOpenMPDialectTranslation(*registry);
  registry->insert<mlir::tvq::TVQDialect>();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > kMaxInputSize)
    return -1;
  llvm::StringRef text(reinterpret_cast<const char *>(data), size);
  MLIRContext context(*registry, MLIRContext::Threading::DISABLED);
  // Format every diagnostic (that code runs too) and drop it.
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &diagnostic) {
    (void)diagnostic.str();
    return success();
  });

  // As the tools read files: into a NUL-terminated buffer, which MLIR's
  // lexer relies on (parseSourceString's buffer is not; it reads past it).
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(text),
                               llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return 0;

  // The custom form must parse back.
  {
    std::string printed;
    llvm::raw_string_ostream os(printed);
    module->print(os);
    llvm::SourceMgr printedMgr;
    printedMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBufferCopy(printed),
                                  llvm::SMLoc());
    FUZZ_CHECK(parseSourceFile<ModuleOp>(printedMgr, &context),
               "the printed module parses:\n" + printed);
  }

  mlir::tvq::CPUOptions cpu;
  cpu.vectorWidth = int64_t(4) << (size % 3);
  cpu.threads = size % 2 == 0;
  PassManager pm(&context, ModuleOp::getOperationName());
  FUZZ_CHECK(succeeded(mlir::tvq::buildCPUPipeline(pm, mlir::tvq::Phase::LLVM,
                                                   {}, cpu)),
             "the pipeline builds");
  if (failed(pm.run(*module)))
    return 0;
  llvm::LLVMContext llvmContext;
  (void)translateModuleToLLVMIR(*module, llvmContext, "fuzz");
  return 0;
}
