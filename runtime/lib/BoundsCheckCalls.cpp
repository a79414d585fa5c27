//===- BoundsCheckCalls.cpp - What bounds-checked cuda-sim modules call ---===//
//
// cuda-sim modules compiled with `tvq-compile --target=cuda-sim
// --cuda-sim-bounds-check` check every load, store and view against its
// buffer's bounds (upstream `generate-runtime-verification`) and call
// `_tvq_check_failed(text)` when one fails (`tvq-asserts-to-runtime-errors`):
// "tvq runtime: out-of-bounds access at model.mlir:40:7" on stderr, exit
// status 1.
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>

#define TVQ_EXPORT extern "C" __attribute__((visibility("default")))

TVQ_EXPORT void _tvq_check_failed(int64_t text) {
  std::fflush(stdout);
  std::fprintf(stderr, "tvq runtime: %s\n",
               reinterpret_cast<const char *>(static_cast<intptr_t>(text)));
  std::fflush(stderr);
  std::_Exit(1);
}
