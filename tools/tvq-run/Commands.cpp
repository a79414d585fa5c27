//===- Commands.cpp - Helpers shared by train, eval and generate ----------===//

#include "Commands.h"

#include <chrono>

using namespace tvq;
using namespace tvq::run;

bool run::parseDataFormat(const std::string &name, tvq_data_format &format) {
  if (name == "bytes")
    format = TVQ_DATA_BYTES;
  else if (name == "tokens")
    format = TVQ_DATA_TOKENS;
  else if (name == "images")
    format = TVQ_DATA_IMAGES;
  else
    return false;
  return true;
}

int64_t run::countParameters(const Model &model) {
  int64_t count = 0;
  for (const tvq_arg &arg : model.params) {
    int64_t elements = 1;
    for (int32_t d = 0; d < arg.rank; ++d)
      elements *= arg.dims[d];
    count += elements;
  }
  return count;
}

double run::nowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
