//===- CudaWrappers.cpp - MLIR's GPU runtime wrappers over the driver -----===//
//
// The mgpu* functions of CudaWrappers.h: each one calls the driver loaded by
// CudaDriver.cpp and records the first failure as the sticky error
// (CudaRuntime.h) instead of printing it.
//
//===----------------------------------------------------------------------===//

#include "CudaWrappers.h"
#include "CudaRuntime.h"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

using namespace tvq::cuda;

namespace {

/// TVQ_CUDA_PROFILE=1: the host-clock time from each launch to the wait
/// that then follows it (waitsAfterEachLaunch), summed per kernel and
/// printed to stderr at exit, with the GEMM library calls (CudaBlas.cpp) as
/// one more entry.
struct Profile {
  std::mutex mutex;
  struct Entry {
    long count = 0;
    double seconds = 0;
  };
  std::map<std::string, Entry> entries;
  /// Kernel name -> the op it computes (registerKernelSources).
  std::map<std::string, std::string> sources;

  void add(const std::string &name, double seconds) {
    std::lock_guard<std::mutex> lock(mutex);
    Entry &e = entries[name];
    ++e.count;
    e.seconds += seconds;
  }
  /// Prints the profile (at exit; the object is never destroyed, so late
  /// calls during exit stay safe).
  void print() {
    std::lock_guard<std::mutex> lock(mutex);
    if (entries.empty())
      return;
    std::vector<std::pair<std::string, Entry>> sorted(entries.begin(),
                                                      entries.end());
    std::sort(sorted.begin(), sorted.end(), [](auto &x, auto &y) {
      return x.second.seconds > y.second.seconds;
    });
    double total = 0;
    long launches = 0;
    for (auto &[name, e] : sorted)
      total += e.seconds, launches += e.count;
    std::fprintf(stderr,
                 "tvq runtime: CUDA profile: %.3f s in %ld launches and GEMM "
                 "calls (launch to synchronize, host clock); the largest:\n",
                 total, launches);
    for (size_t i = 0; i < sorted.size() && i < 25; ++i) {
      auto source = sources.find(sorted[i].first);
      std::fprintf(stderr, "  %10.3f ms %5.1f%% %8ld x  %s%s%s%s\n",
                   sorted[i].second.seconds * 1e3,
                   100.0 * sorted[i].second.seconds / total,
                   sorted[i].second.count, sorted[i].first.c_str(),
                   source == sources.end() ? "" : " (",
                   source == sources.end() ? "" : source->second.c_str(),
                   source == sources.end() ? "" : ")");
    }
  }
};
Profile &profile = *new Profile(); // never destroyed: printed at exit

/// Whether TVQ_CUDA_PROFILE is set (read once, at the first use: after a
/// fork, the child's environment counts); the first use that finds it set
/// has the profile printed at exit.
bool profileEnabled() {
  static const bool enabled = [] {
    if (!std::getenv("TVQ_CUDA_PROFILE"))
      return false;
    std::atexit([] { profile.print(); });
    return true;
  }();
  return enabled;
}

using Clock = std::chrono::steady_clock;

/// The kernel names for the messages of waitsAfterEachLaunch mode.
std::mutex namesMutex;
std::map<CUfunction, std::string> kernelNames;

std::string kernelName(CUfunction function) {
  std::lock_guard<std::mutex> lock(namesMutex);
  auto it = kernelNames.find(function);
  return it == kernelNames.end() ? "?" : it->second;
}

/// Waits for the launch of function just queued on stream (when
/// waitsAfterEachLaunch): a kernel's failure then names the kernel, and
/// the profile gets its time.
void waitForLaunch(const Driver &cuda, CUfunction function, CUstream stream,
                   Clock::time_point start) {
  if (CUresult result = cuda.cuStreamSynchronize(stream))
    return recordError(cuda.describe("cuStreamSynchronize", result) +
                       " after kernel '" + kernelName(function) + "'");
  if (profileEnabled())
    profile.add(kernelName(function),
                std::chrono::duration<double>(Clock::now() - start).count());
}

/// A module image recorded by mgpuModuleLoad(JIT) and loaded into the
/// context by the first mgpuModuleGetFunction.
struct LazyModule {
  const void *image = nullptr;
  size_t size = 0;
  /// The JIT optimization level of a PTX image; -1 for a cubin or fatbin.
  int jitOptLevel = -1;
  std::mutex mutex;
  bool tried = false;
  CUmodule loaded = nullptr;
  /// Why loading failed ("" when it did not).
  std::string error;
};

/// Loads module->image into the current context (once).
void load(const Driver &cuda, LazyModule &module) {
  module.tried = true;
  if (module.jitOptLevel < 0) {
    if (CUresult result = cuda.cuModuleLoadData(&module.loaded, module.image))
      module.error = cuda.describe("cuModuleLoadData", result) + " for a " +
                     std::to_string(module.size) + "-byte kernel image";
    return;
  }
  char log[8192] = {0};
  int options[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                   CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {
      log, reinterpret_cast<void *>(sizeof(log)),
      reinterpret_cast<void *>(static_cast<intptr_t>(module.jitOptLevel))};
  if (CUresult result = cuda.cuModuleLoadDataEx(&module.loaded, module.image, 3,
                                                options, values)) {
    std::string text(log, strnlen(log, sizeof(log)));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
      text.pop_back();
    module.error = cuda.describe("cuModuleLoadDataEx", result) +
                   " compiling the module's PTX" +
                   (text.empty() ? "" : ": " + text);
  }
}

/// Whether a launch dimension fits the driver's unsigned; records an error
/// when it does not.
bool checkDimensions(const char *what, std::initializer_list<intptr_t> dims) {
  for (intptr_t dim : dims)
    if (dim < 0 || static_cast<uintmax_t>(dim) > UINT_MAX) {
      recordError(std::string(what) + ": launch dimension " +
                  std::to_string(dim) + " is out of range");
      return false;
    }
  return true;
}

/// Allows smem bytes of dynamic shared memory for function; records an error
/// when the device has less.
bool setSharedMemory(const Driver &cuda, CUfunction function, int32_t smem) {
  if (smem <= 0)
    return true;
  int maximum = 0;
  if (CUresult result = cuda.cuDeviceGetAttribute(
          &maximum, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN,
          cuda.device)) {
    recordError(cuda.describe("cuDeviceGetAttribute", result));
    return false;
  }
  if (smem > maximum) {
    recordError("a kernel needs " + std::to_string(smem) +
                " bytes of shared memory per block, the device allows " +
                std::to_string(maximum));
    return false;
  }
  if (CUresult result = cuda.cuFuncSetAttribute(
          function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem)) {
    recordError(cuda.describe("cuFuncSetAttribute", result));
    return false;
  }
  return true;
}

/// The driver for a launch, copy or memset: null (the operation is skipped)
/// while an error is recorded or when the driver is missing.
const Driver *driverToRun() {
  if (hasError())
    return nullptr;
  return driverOrRecord();
}

/// Records the failure of call, if it failed.
void check(const Driver &cuda, const char *call, CUresult result) {
  if (result != CUDA_SUCCESS)
    recordError(cuda.describe(call, result));
}

CUdeviceptr address(const void *pointer) {
  return static_cast<CUdeviceptr>(reinterpret_cast<uintptr_t>(pointer));
}

/// The first byte and the byte count of a dense memref descriptor.
void denseRange(int64_t rank, void *descriptor, int64_t elementSizeBytes,
                char *&begin, uint64_t &bytes) {
  auto *fields = static_cast<int64_t *>(descriptor);
  char *aligned = reinterpret_cast<char *>(static_cast<uintptr_t>(fields[1]));
  begin = aligned + fields[2] * elementSizeBytes;
  bytes = static_cast<uint64_t>(elementSizeBytes);
  for (int64_t k = 0; k < rank; ++k)
    bytes *= static_cast<uint64_t>(fields[3 + k]);
}

} // namespace

//===-- Modules and kernels -----------------------------------------------===//

void *mgpuModuleLoad(void *data, size_t gpuBlobSize) {
  auto *module = new LazyModule();
  module->image = data;
  module->size = gpuBlobSize;
  return module;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  auto *module = new LazyModule();
  module->image = data;
  module->jitOptLevel = optLevel < 0 ? 0 : optLevel;
  return module;
}

void mgpuModuleUnload(void *handle) {
  auto *module = static_cast<LazyModule *>(handle);
  if (!module)
    return;
  if (module->loaded)
    if (const Driver *cuda = driver())
      cuda->cuModuleUnload(module->loaded);
  delete module;
}

CUfunction mgpuModuleGetFunction(void *handle, const char *name) {
  auto *module = static_cast<LazyModule *>(handle);
  const Driver *cuda = driverOrRecord();
  if (!cuda || !module)
    return nullptr;
  std::lock_guard<std::mutex> lock(module->mutex);
  if (!module->tried)
    load(*cuda, *module);
  if (!module->error.empty()) {
    recordError(module->error);
    return nullptr;
  }
  CUfunction function = nullptr;
  if (CUresult result =
          cuda->cuModuleGetFunction(&function, module->loaded, name)) {
    recordError(cuda->describe("cuModuleGetFunction", result) +
                " for kernel '" + (name ? name : "") + "'");
    return nullptr;
  }
  if (waitsAfterEachLaunch()) {
    std::lock_guard<std::mutex> lock(namesMutex);
    kernelNames[function] = name ? name : "?";
  }
  return function;
}

void mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, CUstream stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  const Driver *cuda = driverToRun();
  if (!cuda)
    return;
  if (!function)
    return recordError("mgpuLaunchKernel: no kernel");
  if (!checkDimensions("cuLaunchKernel",
                       {gridX, gridY, gridZ, blockX, blockY, blockZ}) ||
      !setSharedMemory(*cuda, function, smem))
    return;
  Clock::time_point start = Clock::now();
  CUresult result =
      cuda->cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY,
                           blockZ, smem, stream, params, extra);
  check(*cuda, "cuLaunchKernel", result);
  if (result == CUDA_SUCCESS)
    noteQueuedWork();
  if (result == CUDA_SUCCESS && waitsAfterEachLaunch())
    waitForLaunch(*cuda, function, stream, start);
}

void mgpuLaunchClusterKernel(CUfunction function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, CUstream stream, void **params,
                             void **extra, size_t /*paramsCount*/) {
  const Driver *cuda = driverToRun();
  if (!cuda)
    return;
  if (!function)
    return recordError("mgpuLaunchClusterKernel: no kernel");
  if (!checkDimensions("cuLaunchKernelEx",
                       {clusterX, clusterY, clusterZ, gridX, gridY, gridZ,
                        blockX, blockY, blockZ}) ||
      !setSharedMemory(*cuda, function, smem))
    return;
  // Clusters of more than 8 blocks are "non-portable" and must be allowed.
  if (clusterX * clusterY * clusterZ > 8)
    if (CUresult result = cuda->cuFuncSetAttribute(
            function, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1))
      return check(*cuda, "cuFuncSetAttribute", result);
  CUlaunchAttribute attribute = {};
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = static_cast<unsigned>(clusterX);
  attribute.value.clusterDim.y = static_cast<unsigned>(clusterY);
  attribute.value.clusterDim.z = static_cast<unsigned>(clusterZ);
  CUlaunchConfig config = {};
  config.gridDimX = static_cast<unsigned>(gridX);
  config.gridDimY = static_cast<unsigned>(gridY);
  config.gridDimZ = static_cast<unsigned>(gridZ);
  config.blockDimX = static_cast<unsigned>(blockX);
  config.blockDimY = static_cast<unsigned>(blockY);
  config.blockDimZ = static_cast<unsigned>(blockZ);
  config.sharedMemBytes = static_cast<unsigned>(smem);
  config.hStream = stream;
  config.attrs = &attribute;
  config.numAttrs = 1;
  Clock::time_point start = Clock::now();
  CUresult result = cuda->cuLaunchKernelEx(&config, function, params, extra);
  check(*cuda, "cuLaunchKernelEx", result);
  if (result == CUDA_SUCCESS)
    noteQueuedWork();
  if (result == CUDA_SUCCESS && waitsAfterEachLaunch())
    waitForLaunch(*cuda, function, stream, start);
}

//===-- Streams and events ------------------------------------------------===//

/// Compiled host code creates one stream per entry call
/// (tvq-async-launches); MLIR's synchronous launches would create, wait for
/// and destroy one per launch. Either way each thread gets one stream, made
/// on first use and kept; destroying it does nothing. GEMM library calls
/// (CudaBlas.cpp) run on it too, so launches and products keep their
/// order.
static thread_local CUstream threadStream = nullptr;

CUstream mgpuStreamCreate() {
  if (threadStream)
    return threadStream;
  CUstream stream = nullptr;
  if (const Driver *cuda = driverOrRecord()) {
    CUresult result = cuda->cuStreamCreate(&stream, CU_STREAM_NON_BLOCKING);
    check(*cuda, "cuStreamCreate", result);
    if (result == CUDA_SUCCESS)
      threadStream = stream;
  }
  return stream;
}

void mgpuStreamDestroy(CUstream stream) {
  if (stream == threadStream)
    return;
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuStreamDestroy", cuda->cuStreamDestroy(stream));
}

void mgpuStreamSynchronize(CUstream stream) {
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuStreamSynchronize", cuda->cuStreamSynchronize(stream));
}

bool tvq::cuda::waitsAfterEachLaunch() {
  static const bool requested = [] {
    const char *sync = std::getenv("TVQ_CUDA_SYNC");
    return profileEnabled() || (sync && *sync && std::string(sync) != "0");
  }();
  if (requested)
    return true;
  const Driver *cuda = driver();
  return cuda && !cuda->concurrentManagedAccess;
}

void tvq::cuda::registerKernelSources(const char *table) {
  if (!profileEnabled() || !table)
    return;
  std::lock_guard<std::mutex> lock(profile.mutex);
  std::string text(table);
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos)
      end = text.size();
    std::string line = text.substr(start, end - start);
    size_t tab = line.find('\t');
    if (tab != std::string::npos)
      profile.sources[line.substr(0, tab)] = line.substr(tab + 1);
    start = end + 1;
  }
}

void tvq::cuda::profileRegion(const char *name, double seconds) {
  if (profileEnabled())
    profile.add(name, seconds);
}

bool tvq::cuda::profiling() { return profileEnabled(); }

void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuStreamWaitEvent",
          cuda->cuStreamWaitEvent(stream, event, /*flags=*/0));
}

CUevent mgpuEventCreate() {
  CUevent event = nullptr;
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuEventCreate",
          cuda->cuEventCreate(&event, CU_EVENT_DISABLE_TIMING));
  return event;
}

void mgpuEventDestroy(CUevent event) {
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuEventDestroy", cuda->cuEventDestroy(event));
}

void mgpuEventSynchronize(CUevent event) {
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuEventSynchronize", cuda->cuEventSynchronize(event));
}

void mgpuEventRecord(CUevent event, CUstream stream) {
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuEventRecord", cuda->cuEventRecord(event, stream));
}

//===-- Memory ------------------------------------------------------------===//

void *mgpuMemAlloc(uint64_t sizeBytes, CUstream /*stream*/, bool isHostShared) {
  if (sizeBytes == 0)
    return nullptr;
  if (isHostShared)
    return allocManaged(sizeBytes);
  std::string error;
  const Driver *cuda = driver(&error);
  if (!cuda)
    fatal("cannot allocate " + std::to_string(sizeBytes) +
          " bytes of CUDA device memory: " + error);
  CUdeviceptr pointer = 0;
  if (CUresult result = cuda->cuMemAlloc(&pointer, sizeBytes))
    fatal(cuda->describe(
        ("cuMemAlloc(" + std::to_string(sizeBytes) + " bytes)").c_str(),
        result));
  return reinterpret_cast<void *>(static_cast<uintptr_t>(pointer));
}

void mgpuMemFree(void *ptr, CUstream /*stream*/) { freeManaged(ptr); }

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, CUstream stream) {
  if (const Driver *cuda = driverToRun()) {
    noteQueuedWork();
    check(*cuda, "cuMemcpyAsync",
          cuda->cuMemcpyAsync(address(dst), address(src), sizeBytes, stream));
  }
}

void mgpuMemset32(void *dst, unsigned int value, size_t count,
                  CUstream stream) {
  if (const Driver *cuda = driverToRun()) {
    noteQueuedWork();
    check(*cuda, "cuMemsetD32Async",
          cuda->cuMemsetD32Async(address(dst), value, count, stream));
  }
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  CUstream stream) {
  if (const Driver *cuda = driverToRun()) {
    noteQueuedWork();
    check(*cuda, "cuMemsetD16Async",
          cuda->cuMemsetD16Async(address(dst), value, count, stream));
  }
}

void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes) {
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuMemHostRegister",
          cuda->cuMemHostRegister(ptr, sizeBytes, /*flags=*/0));
}

void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSizeBytes) {
  char *begin;
  uint64_t bytes;
  denseRange(rank, descriptor, elementSizeBytes, begin, bytes);
  mgpuMemHostRegister(begin, bytes);
}

void mgpuMemHostUnregister(void *ptr) {
  if (const Driver *cuda = driverOrRecord())
    check(*cuda, "cuMemHostUnregister", cuda->cuMemHostUnregister(ptr));
}

void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSizeBytes) {
  char *begin;
  uint64_t bytes;
  denseRange(rank, descriptor, elementSizeBytes, begin, bytes);
  mgpuMemHostUnregister(begin);
}

void mgpuSetDefaultDevice(int32_t device) { setDefaultDevice(device); }
