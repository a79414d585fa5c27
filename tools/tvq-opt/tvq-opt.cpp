//===- tvq-opt.cpp - Runs tvq and upstream passes on MLIR files -----------===//

#include "tvq/Conversion/Passes.h"
#include "tvq/Dialect/TVQ/IR/TVQDialect.h"
#include "tvq/Dialect/TVQ/Transforms/Passes.h"
#include "tvq/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::registerAllPasses();
  mlir::tvq::registerTVQPasses();
  mlir::tvq::registerTVQConversionPasses();
  mlir::tvq::registerTVQPipelines();

  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  registry.insert<mlir::tvq::TVQDialect>();
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "tvq optimizer driver\n", registry));
}
