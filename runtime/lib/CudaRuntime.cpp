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

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <unordered_map>
#include <vector>

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

namespace {

/// Allocates bytes of managed memory aligned to alignment (see
/// allocManaged); the driver's result, with *out set on success.
CUresult allocateFromDriver(const Driver &cuda, size_t bytes, size_t alignment,
                            void **out) {
  bool extra = alignment > kDriverAlignment;
  CUdeviceptr base = 0;
  if (CUresult result = cuda.cuMemAllocManaged(
          &base, extra ? bytes + alignment : bytes, CU_MEM_ATTACH_GLOBAL))
    return result;
  if (!extra) {
    *out = reinterpret_cast<void *>(static_cast<uintptr_t>(base));
    return CUDA_SUCCESS;
  }
  uintptr_t aligned =
      (static_cast<uintptr_t>(base) + alignment - 1) & ~(alignment - 1);
  std::lock_guard<std::mutex> lock(alignedMutex);
  overAligned[aligned] = base;
  *out = reinterpret_cast<void *>(aligned);
  return CUDA_SUCCESS;
}

void freeToDriver(void *pointer) {
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

/// Freed blocks kept for reuse by an allocation of the same size and
/// alignment: a training step allocates the same buffers every step, and a
/// fresh managed block costs cuMemAllocManaged, page faults when the GPU
/// first touches it, and a device-wide synchronization in cuMemFree.
/// TVQ_CUDA_CACHE_BYTES bounds the bytes kept (default 16 GiB; 0 turns the
/// cache off); the blocks go back to the driver when a CUDA module is
/// unloaded or an allocation fails.
///
/// Launches do not wait (tvq-async-launches), so a block that host code
/// frees may still be in use by queued kernels. While work is queued
/// (noteQueuedWork) a freed block waits in `freed`, which becomes reusable
/// only after a wait for the whole device: at the end of every call, at
/// synchronize(), or when `freed` holds kFreedBytesBeforeWait. An
/// allocation takes only idle blocks: host code writes into the blocks it
/// gets (the ownership lists of the deallocation pipeline).
struct BlockCache {
  using Key = std::pair<size_t, size_t>; // bytes, alignment (0: the driver's)
  std::mutex mutex;
  std::map<Key, std::vector<void *>> idle;
  std::unordered_map<void *, Key> keyOf; // every block from allocManaged
  size_t idleBytes = 0;
  std::vector<void *> freed; // freed while work was queued
  size_t freedBytes = 0;

  static constexpr size_t kFreedBytesBeforeWait = size_t(1) << 30;

  static size_t limit() {
    static const size_t bytes = [] {
      const char *text = std::getenv("TVQ_CUDA_CACHE_BYTES");
      if (!text || !*text)
        return size_t(16) << 30;
      char *end = nullptr;
      unsigned long long value = std::strtoull(text, &end, 10);
      return end && *end == '\0' ? static_cast<size_t>(value)
                                 : size_t(16) << 30;
    }();
    return bytes;
  }
};
BlockCache &cache = *new BlockCache(); // never destroyed: used at exit

/// Whether work was queued on the device since the last wait for it.
std::atomic<bool> workQueued{false};

/// Moves the blocks freed while work was queued to the idle ones, or back
/// to the driver beyond the cache's limit. Only after a wait for the
/// device.
void recycleFreedBlocks() {
  std::vector<void *> toDriver;
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    for (void *pointer : cache.freed) {
      auto it = cache.keyOf.find(pointer);
      if (cache.idleBytes + it->second.first <= BlockCache::limit()) {
        cache.idle[it->second].push_back(pointer);
        cache.idleBytes += it->second.first;
      } else {
        cache.keyOf.erase(it);
        toDriver.push_back(pointer);
      }
    }
    cache.freed.clear();
    cache.freedBytes = 0;
  }
  for (void *pointer : toDriver)
    freeToDriver(pointer);
}

/// Waits for all work of the device (cuCtxSynchronize), recording a
/// failure, then recycles the freed blocks.
void waitForDevice(const Driver &cuda) {
  workQueued = false;
  if (CUresult result = cuda.cuCtxSynchronize())
    recordError(cuda.describe("cuCtxSynchronize", result));
  recycleFreedBlocks();
}

} // namespace

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
  if (alignment > kDriverAlignment && bytes > SIZE_MAX - alignment)
    fatal("cuMemAllocManaged(" + std::to_string(size) +
          " bytes): the size overflows with alignment " +
          std::to_string(alignment));
  BlockCache::Key key{bytes, alignment > kDriverAlignment ? alignment : 0};
  const bool caching = BlockCache::limit() > 0;
  if (caching) {
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.idle.find(key);
    if (it != cache.idle.end() && !it->second.empty()) {
      void *pointer = it->second.back();
      it->second.pop_back();
      cache.idleBytes -= bytes;
      return pointer;
    }
  }
  void *pointer = nullptr;
  CUresult result = allocateFromDriver(*cuda, bytes, alignment, &pointer);
  if (result != CUDA_SUCCESS) {
    releaseCachedMemory(); // the idle and freed blocks may be what is missing
    result = allocateFromDriver(*cuda, bytes, alignment, &pointer);
  }
  if (result != CUDA_SUCCESS)
    fatal(cuda->describe(
        ("cuMemAllocManaged(" + std::to_string(size) + " bytes)").c_str(),
        result));
  std::lock_guard<std::mutex> lock(cache.mutex);
  cache.keyOf[pointer] = key;
  return pointer;
}

void tvq::cuda::noteQueuedWork() { workQueued = true; }

bool tvq::cuda::isLiveManagedBlock(const void *pointer) {
  std::lock_guard<std::mutex> lock(cache.mutex);
  auto it = cache.keyOf.find(const_cast<void *>(pointer));
  if (it == cache.keyOf.end())
    return false;
  auto idle = cache.idle.find(it->second);
  if (idle != cache.idle.end() &&
      std::find(idle->second.begin(), idle->second.end(), pointer) !=
          idle->second.end())
    return false;
  return std::find(cache.freed.begin(), cache.freed.end(), pointer) ==
         cache.freed.end();
}

void tvq::cuda::freeManaged(void *pointer) {
  if (!pointer)
    return;
  bool toDriver = false, waitFirst = false;
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    auto it = cache.keyOf.find(pointer);
    if (it == cache.keyOf.end()) {
      // Not from allocManaged (mgpuMemAlloc's device memory): to the driver,
      // once the work that may use it is done.
      toDriver = true;
      waitFirst = workQueued;
    } else if (workQueued) {
      cache.freed.push_back(pointer);
      cache.freedBytes += it->second.first;
      waitFirst = cache.freedBytes >= BlockCache::kFreedBytesBeforeWait;
    } else if (cache.idleBytes + it->second.first <= BlockCache::limit()) {
      cache.idle[it->second].push_back(pointer);
      cache.idleBytes += it->second.first;
    } else {
      cache.keyOf.erase(it);
      toDriver = true;
    }
  }
  if (waitFirst)
    if (const Driver *cuda = driverOrRecord())
      waitForDevice(*cuda);
  if (toDriver)
    freeToDriver(pointer);
}

void tvq::cuda::releaseCachedMemory() {
  if (workQueued)
    if (const Driver *cuda = driverOrRecord())
      waitForDevice(*cuda);
  std::vector<void *> blocks;
  {
    std::lock_guard<std::mutex> lock(cache.mutex);
    for (auto &[key, pointers] : cache.idle)
      for (void *pointer : pointers) {
        blocks.push_back(pointer);
        cache.keyOf.erase(pointer);
      }
    cache.idle.clear();
    cache.idleBytes = 0;
  }
  for (void *pointer : blocks)
    freeToDriver(pointer);
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
    waitForDevice(*cuda);
}

std::string tvq::cuda::endCall() {
  std::string error;
  if (const Driver *cuda = driver(&error))
    waitForDevice(*cuda);
  std::string recorded = takeError();
  return recorded.empty() ? error : recorded;
}

//===-- What CUDA modules import for their buffers ------------------------===//

void *_mlir_memref_to_llvm_alloc(size_t size) { return allocManaged(size); }

void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size) {
  return allocManaged(size, alignment);
}

void _mlir_memref_to_llvm_free(void *pointer) { freeManaged(pointer); }

void _tvq_cuda_wait() {
  if (workQueued)
    if (const Driver *cuda = driverOrRecord())
      waitForDevice(*cuda);
}
