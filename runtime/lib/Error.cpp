//===- Error.cpp - The runtime's per-thread last error --------------------===//

#include "Error.h"

#include "tvq/tvq_runtime.h"

namespace {
thread_local std::string lastError;
} // namespace

void tvq::setError(std::string message) { lastError = std::move(message); }

const char *tvq_last_error(void) { return lastError.c_str(); }
