//===- Commands.h - tvq-run train, eval and generate ------------*- C++ -*-===//
//
// The subcommands that run a compiled Transformer-VQ model (Train.cpp,
// Eval.cpp, Generate.cpp) and the few helpers they share.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_TVQ_RUN_COMMANDS_H
#define TVQ_TOOLS_TVQ_RUN_COMMANDS_H

#include "Checkpoint.h"

namespace tvq::run {

int runTrain(const std::vector<std::string> &args);
int runEval(const std::vector<std::string> &args);
int runGenerate(const std::vector<std::string> &args);

/// The data format called name ("bytes", "tokens", "images"); false when
/// there is none.
bool parseDataFormat(const std::string &name, tvq_data_format &format);

/// The number of parameters (elements) of a model.
int64_t countParameters(const Model &model);

/// Seconds since an arbitrary fixed point (a steady clock).
double nowSeconds();

} // namespace tvq::run

#endif // TVQ_TOOLS_TVQ_RUN_COMMANDS_H
