//===- tvq-opt.cpp - Runs tvq and upstream passes on MLIR files -----------===//

#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/TVQDialect.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"
#include "tvq/Pipelines/Pipelines.h"

#include "../common/NestingLimit.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::tvq::registerTVQPasses();
  mlir::tvq::registerTVQConversionPasses();
  mlir::tvq::registerTVQPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR.
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<mlir::tvq::TVQDialect>();
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "tvq optimizer driver\n", registry);
  // Refuse input nested deeply enough to overflow the parser's stack.
  if (inputFilename != "-") {
    std::string error;
    if (auto file = mlir::openInputFile(inputFilename, &error);
        file && !mlir::tvq::checkNesting(*file, llvm::errs()))
      return 1;
    return mlir::asMainReturnCode(
        mlir::MlirOptMain(argc, argv, inputFilename, outputFilename, registry));
  }
  // Standard input can be read only once: read it here, check it, and hand
  // the buffer to MlirOptMain.
  std::string error;
  std::unique_ptr<llvm::MemoryBuffer> input = mlir::openInputFile("-", &error);
  if (!input) {
    llvm::errs() << "tvq-opt: " << error << "\n";
    return 1;
  }
  if (!mlir::tvq::checkNesting(*input, llvm::errs()))
    return 1;
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &error);
  if (!output) {
    llvm::errs() << "tvq-opt: " << error << "\n";
    return 1;
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry,
                            mlir::MlirOptMainConfig::createFromCLOptions())))
    return 1;
  output->keep();
  return 0;
}
