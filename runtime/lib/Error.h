//===- Error.h - The runtime's per-thread last error ------------*- C++ -*-===//

#ifndef TVQ_RUNTIME_ERROR_H
#define TVQ_RUNTIME_ERROR_H

#include <string>

namespace tvq {

/// Records message as this thread's last error (see tvq_last_error).
void setError(std::string message);

} // namespace tvq

#endif // TVQ_RUNTIME_ERROR_H
