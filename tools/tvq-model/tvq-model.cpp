//===- tvq-model.cpp - Writes Transformer-VQ model files ------------------===//
//
//   tvq-model --preset=tiny -o models/tiny.mlir
//   tvq-model --preset=enwik8 --print-params
//   tvq-model --layers=4 --d-model=256 ... -o my.mlir
//
// The written file is parsed and verified before it is kept.
//
//===----------------------------------------------------------------------===//

#include "ModelWriter.h"

#include "tvq/Dialect/TVQ/IR/TVQDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

namespace cl = llvm::cl;
using namespace tvq;

static cl::opt<std::string> preset("preset",
                                   cl::desc("Start from a preset: tiny, "
                                            "enwik8, pg19, imagenet64"),
                                   cl::init("tiny"));
static cl::opt<std::string> outputFilename("o", cl::desc("Output model file"),
                                           cl::value_desc("filename"),
                                           cl::init("-"));
static cl::opt<bool> printParams("print-params",
                                 cl::desc("Print the parameter count and the "
                                          "parameter list, write no model"));
static cl::opt<std::string> nameOpt("name", cl::desc("Model name"));
static cl::opt<int64_t> layers("layers", cl::desc("Layers (2 GAUs each)"),
                               cl::init(0));
static cl::opt<int64_t> dModel("d-model", cl::desc("D"), cl::init(0));
static cl::opt<int64_t> dK("d-k", cl::desc("K"), cl::init(0));
static cl::opt<int64_t> dV("d-v", cl::desc("V"), cl::init(0));
static cl::opt<int64_t> codebook("codebook", cl::desc("Codebook size S"),
                                 cl::init(0));
static cl::opt<int64_t>
    blockLen("block-len", cl::desc("Block length L (= window M)"), cl::init(0));
static cl::opt<int64_t> vocab("vocab", cl::desc("Vocabulary size"),
                              cl::init(0));
static cl::opt<double> lrOpt("lr", cl::desc("Peak learning rate"),
                             cl::init(0.0));
static cl::opt<int64_t> warmupOpt("warmup", cl::desc("Warmup steps"),
                                  cl::init(-1));
static cl::opt<int64_t>
    stepsOpt("steps", cl::desc("Total steps of the schedule"), cl::init(0));
static cl::opt<std::string> head("head", cl::desc("Output head: untied, tied"),
                                 cl::init(""));

static cl::opt<std::string>
    optimizerOpt("optimizer", cl::desc("Optimizer: adamw, adafactor"),
                 cl::init(""));
static cl::opt<double>
    residualDropout("residual-dropout",
                    cl::desc("Dropout rate of each GAU's residual branch"),
                    cl::init(-1.0));
static cl::opt<double>
    layerDrop("layer-drop",
              cl::desc("LayerDrop rate (whole GAU branch, per sequence)"),
              cl::init(-1.0));
static cl::opt<double>
    sinusoidDropout("sinusoid-dropout",
                    cl::desc("Dropout rate of the sinusoid table"),
                    cl::init(-1.0));

static cl::opt<bool> recompute(
    "recompute",
    cl::desc("Recompute each GAU's forward in the training step's backward "
             "instead of keeping its activations (tvq.recompute on "
             "@gau_train): less memory, about a third more compute"));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "tvq-model: error: " << message << "\n";
  return 1;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  cl::ParseCommandLineOptions(argc, argv,
                              "tvq-model: writes Transformer-VQ model files\n");
  std::optional<ModelConfig> config = presetConfig(preset);
  if (!config)
    return fail("unknown preset '" + preset + "'; presets: " + presetNames());
  ModelConfig c = *config;
  auto override = [](int64_t flag, int64_t &field) {
    if (flag != 0)
      field = flag;
  };
  override(layers, c.layers);
  override(dModel, c.dModel);
  override(dK, c.dK);
  override(dV, c.dV);
  override(codebook, c.codebookSize);
  override(blockLen, c.blockLen);
  override(vocab, c.vocab);
  if (lrOpt > 0)
    c.lr = lrOpt;
  if (warmupOpt >= 0)
    c.warmupSteps = warmupOpt;
  override(stepsOpt, c.totalSteps);
  if (!nameOpt.empty())
    c.name = nameOpt;
  if (residualDropout >= 0)
    c.residualDropout = residualDropout;
  if (layerDrop >= 0)
    c.layerDrop = layerDrop;
  if (sinusoidDropout >= 0)
    c.sinusoidDropout = sinusoidDropout;
  c.recompute = recompute;
  if (optimizerOpt == "adamw")
    c.optimizer = Optimizer::AdamW;
  else if (optimizerOpt == "adafactor")
    c.optimizer = Optimizer::Adafactor;
  else if (!optimizerOpt.empty())
    return fail("--optimizer must be 'adamw' or 'adafactor', not '" +
                optimizerOpt + "'");
  if (head == "tied")
    c.head = HeadType::Tied;
  else if (head == "untied")
    c.head = HeadType::Untied;
  else if (!head.empty())
    return fail("--head must be 'untied' or 'tied', not '" + head + "'");
  if (std::string error = validate(c); !error.empty())
    return fail(error);

  if (printParams) {
    int64_t total = parameterCount(c);
    llvm::outs() << "model " << c.name << ": " << total << " parameters (";
    if (total >= 1000000000)
      llvm::outs() << llvm::format("%.3fB", total / 1e9) << ")\n";
    else
      llvm::outs() << llvm::format("%.1fM", total / 1e6) << ")\n";
    for (const Parameter &p : parameters(c)) {
      if (p.name.rfind("gau", 0) == 0 && p.name.rfind("gau0.", 0) != 0)
        continue;
      llvm::outs() << "  " << p.name << " [";
      for (size_t i = 0; i < p.shape.size(); ++i)
        llvm::outs() << (i ? ", " : "") << p.shape[i];
      llvm::outs() << "] " << p.numElements() << "\n";
    }
    llvm::outs() << "  (gau0.* repeats for each of the " << c.gaus()
                 << " GAUs)\n";
    return 0;
  }

  std::string text;
  llvm::raw_string_ostream os(text);
  writeModel(c, os);

  // Parse and verify what was written before keeping it.
  mlir::MLIRContext context;
  context.loadDialect<mlir::tvq::TVQDialect, mlir::func::FuncDialect,
                      mlir::arith::ArithDialect>();
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context);
  sourceMgr.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(text, c.name),
                               llvm::SMLoc());
  if (!mlir::parseSourceFile<mlir::ModuleOp>(sourceMgr, &context))
    return fail("internal error: the written model does not verify:\n" + text);

  std::string error;
  auto out = mlir::openOutputFile(outputFilename, &error);
  if (!out)
    return fail(error);
  out->os() << text;
  out->keep();
  return 0;
}
