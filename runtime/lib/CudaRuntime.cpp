//===- CudaRuntime.cpp - Sticky errors and managed memory of CUDA modules -===//
//
// Also defines the allocation functions that CUDA modules import
// (finalize-memref-to-llvm{use-generic-functions=true}): every buffer of a
// CUDA module is CUDA managed memory, which host code and kernels can both
// access.
//
//===----------------------------------------------------------------------===//

#include "CudaRuntime.h"
#include "CudaWrappers.h"

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <unordered_map>

using namespace tvq::cuda;

namespace {

std::mutex errorMutex;
std::string stickyError;
std::atomic<bool> errorRecorded{false};

/// The driver's managed allocations are aligned to this many bytes.
constexpr size_t kDriverAlignment = 256;

/// Allocations aligned beyond kDriverAlignment: aligned pointer -> the
/// pointer the driver returned.
std::mutex alignedMutex;
std::unordered_map<uintptr_t, CUdeviceptr> overAligned;

} // namespace

void tvq::cuda::fatal(const std::string &message) {
  std::string earlier = takeError();
  std::fprintf(stderr, "tvq runtime: fatal error: %s%s\n", message.c_str(),
               earlier.empty() ? "" : (" (after: " + earlier + ")").c_str());
  std::fflush(stderr);
  std::exit(1);
}

void tvq::cuda::recordError(std::string message) {
  std::lock_guard<std::mutex> lock(errorMutex);
  if (stickyError.empty())
    stickyError = std::move(message);
  errorRecorded = true;
}

bool tvq::cuda::hasError() { return errorRecorded.load(); }

std::string tvq::cuda::takeError() {
  std::lock_guard<std::mutex> lock(errorMutex);
  errorRecorded = false;
  return std::move(stickyError);
}

const Driver *tvq::cuda::driverOrRecord() {
  std::string error;
  const Driver *cuda = driver(&error);
  if (!cuda)
    recordError(std::move(error));
  return cuda;
}

void *tvq::cuda::allocManaged(size_t size, size_t alignment) {
  std::string error;
  const Driver *cuda = driver(&error);
  if (!cuda)
    fatal("cannot allocate " + std::to_string(size) +
          " bytes of CUDA managed memory: " + error);
  if (alignment & (alignment - 1))
    fatal("cannot allocate " + std::to_string(size) +
          " bytes of CUDA managed memory aligned to " +
          std::to_string(alignment) + ": not a power of two");
  size_t bytes = size ? size : 1;
  bool extra = alignment > kDriverAlignment;
  if (extra && bytes > SIZE_MAX - alignment)
    fatal("cuMemAllocManaged(" + std::to_string(size) +
          " bytes): the size overflows with alignment " +
          std::to_string(alignment));
  CUdeviceptr base = 0;
  if (CUresult result = cuda->cuMemAllocManaged(
          &base, extra ? bytes + alignment : bytes, CU_MEM_ATTACH_GLOBAL))
    fatal(cuda->describe(
        ("cuMemAllocManaged(" + std::to_string(size) + " bytes)").c_str(),
        result));
  if (!extra)
    return reinterpret_cast<void *>(static_cast<uintptr_t>(base));
  uintptr_t aligned =
      (static_cast<uintptr_t>(base) + alignment - 1) & ~(alignment - 1);
  std::lock_guard<std::mutex> lock(alignedMutex);
  overAligned[aligned] = base;
  return reinterpret_cast<void *>(aligned);
}

void tvq::cuda::freeManaged(void *pointer) {
  if (!pointer)
    return;
  CUdeviceptr base = reinterpret_cast<uintptr_t>(pointer);
  {
    std::lock_guard<std::mutex> lock(alignedMutex);
    auto it = overAligned.find(reinterpret_cast<uintptr_t>(pointer));
    if (it != overAligned.end()) {
      base = it->second;
      overAligned.erase(it);
    }
  }
  if (const Driver *cuda = driverOrRecord())
    if (CUresult result = cuda->cuMemFree(base))
      recordError(cuda->describe("cuMemFree", result));
}

std::string tvq::cuda::beginCall() {
  std::string error;
  if (!driver(&error))
    return error;
  takeError();
  return "";
}

void tvq::cuda::synchronize() {
  if (const Driver *cuda = driverOrRecord())
    if (CUresult result = cuda->cuCtxSynchronize())
      recordError(cuda->describe("cuCtxSynchronize", result));
}

std::string tvq::cuda::endCall() {
  std::string error;
  const Driver *cuda = driver(&error);
  if (cuda)
    if (CUresult result = cuda->cuCtxSynchronize())
      recordError(cuda->describe("cuCtxSynchronize", result));
  std::string recorded = takeError();
  return recorded.empty() ? error : recorded;
}

//===-- What CUDA modules import for their buffers ------------------------===//

void *_mlir_memref_to_llvm_alloc(size_t size) { return allocManaged(size); }

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return allocManaged(size, alignment);
}

void _mlir_memref_to_llvm_free(void *pointer) { freeManaged(pointer); }
