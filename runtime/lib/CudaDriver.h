//===- CudaDriver.h - The CUDA driver API, loaded with dlopen ---*- C++ -*-===//
//
// The few types, constants and functions of the CUDA driver API that the
// CUDA backend uses, declared here so that building the runtime needs no CUDA
// headers or libraries. The functions are resolved with dlsym from
// libcuda.so.1 (or the library named by TVQ_CUDA_DRIVER) the first time a
// CUDA module is loaded or an mgpu* function runs; CPU modules never get here.
// tvq-run compiles this file too, for the NCCL communicator's staging
// buffers (tools/tvq-run/CommNCCL.cpp): its copy loads the same library and
// retains the same primary context as the runtime's.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_CUDADRIVER_H
#define TVQ_RUNTIME_CUDADRIVER_H

#include <cstddef>
#include <cstdint>
#include <string>

// The structs under cuda.h's names, in the global namespace like cuda.h's:
// the handles are pointers to opaque structs, and the launch configuration
// of cuLaunchKernelEx has cuda.h's layout. (UBSan's -fsanitize=function
// compares the types of functions called through pointers by name.)
struct CUctx_st;
struct CUmod_st;
struct CUfunc_st;
struct CUstream_st;
struct CUevent_st;

/// CUlaunchAttribute: an id padded to 8 bytes, then a 64-byte value.
struct CUlaunchAttribute_st {
  int id;
  char pad[4];
  union {
    char pad[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
  } value;
};

/// CUlaunchConfig of cuLaunchKernelEx.
struct CUlaunchConfig_st {
  unsigned gridDimX, gridDimY, gridDimZ;
  unsigned blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream_st *hStream;
  CUlaunchAttribute_st *attrs;
  unsigned numAttrs;
};

static_assert(sizeof(CUlaunchAttribute_st) == 72, "layout of cuda.h");
static_assert(sizeof(CUlaunchConfig_st) == 56, "layout of cuda.h");

namespace tvq::cuda {

// Types (as in cuda.h of CUDA 13).
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = CUctx_st *;
using CUmodule = CUmod_st *;
using CUfunction = CUfunc_st *;
using CUstream = CUstream_st *;
using CUevent = CUevent_st *;
using CUlaunchAttribute = CUlaunchAttribute_st;
using CUlaunchConfig = CUlaunchConfig_st;

// Values of the enums used.
constexpr CUresult CUDA_SUCCESS = 0;
constexpr CUresult CUDA_ERROR_NOT_READY = 600;
constexpr unsigned CU_MEM_ATTACH_GLOBAL = 0x1;
constexpr unsigned CU_STREAM_NON_BLOCKING = 0x1;
constexpr unsigned CU_EVENT_DISABLE_TIMING = 0x2;
constexpr int CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS = 89;
constexpr int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;
constexpr int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;
constexpr int CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED = 14;
constexpr int CU_JIT_ERROR_LOG_BUFFER = 5;
constexpr int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
constexpr int CU_JIT_OPTIMIZATION_LEVEL = 7;
constexpr int CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION = 4;

/// X(member, exported symbol, type): every driver function the backend calls,
/// under the name cuda.h of CUDA 13 maps it to (the _v2 names where it does).
#define TVQ_CUDA_DRIVER_FUNCTIONS(X)                                           \
  X(cuGetErrorName, "cuGetErrorName", CUresult (*)(CUresult, const char **))   \
  X(cuGetErrorString, "cuGetErrorString",                                      \
    CUresult (*)(CUresult, const char **))                                     \
  X(cuInit, "cuInit", CUresult (*)(unsigned))                                  \
  X(cuDeviceGet, "cuDeviceGet", CUresult (*)(CUdevice *, int))                 \
  X(cuDeviceGetCount, "cuDeviceGetCount", CUresult (*)(int *))                 \
  X(cuDeviceGetAttribute, "cuDeviceGetAttribute",                              \
    CUresult (*)(int *, int, CUdevice))                                        \
  X(cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain",                      \
    CUresult (*)(CUcontext *, CUdevice))                                       \
  X(cuCtxSetCurrent, "cuCtxSetCurrent", CUresult (*)(CUcontext))               \
  X(cuCtxSynchronize, "cuCtxSynchronize", CUresult (*)())                      \
  X(cuModuleLoadData, "cuModuleLoadData",                                      \
    CUresult (*)(CUmodule *, const void *))                                    \
  X(cuModuleLoadDataEx, "cuModuleLoadDataEx",                                  \
    CUresult (*)(CUmodule *, const void *, unsigned, int *, void **))          \
  X(cuModuleUnload, "cuModuleUnload", CUresult (*)(CUmodule))                  \
  X(cuModuleGetFunction, "cuModuleGetFunction",                                \
    CUresult (*)(CUfunction *, CUmodule, const char *))                        \
  X(cuFuncSetAttribute, "cuFuncSetAttribute",                                  \
    CUresult (*)(CUfunction, int, int))                                        \
  X(cuLaunchKernel, "cuLaunchKernel",                                          \
    CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, \
                 unsigned, unsigned, CUstream, void **, void **))              \
  X(cuLaunchKernelEx, "cuLaunchKernelEx",                                      \
    CUresult (*)(const CUlaunchConfig *, CUfunction, void **, void **))        \
  X(cuStreamCreate, "cuStreamCreate", CUresult (*)(CUstream *, unsigned))      \
  X(cuStreamDestroy, "cuStreamDestroy_v2", CUresult (*)(CUstream))             \
  X(cuStreamSynchronize, "cuStreamSynchronize", CUresult (*)(CUstream))        \
  X(cuStreamQuery, "cuStreamQuery", CUresult (*)(CUstream))                    \
  X(cuStreamWaitEvent, "cuStreamWaitEvent",                                    \
    CUresult (*)(CUstream, CUevent, unsigned))                                 \
  X(cuEventCreate, "cuEventCreate", CUresult (*)(CUevent *, unsigned))         \
  X(cuEventDestroy, "cuEventDestroy_v2", CUresult (*)(CUevent))                \
  X(cuEventSynchronize, "cuEventSynchronize", CUresult (*)(CUevent))           \
  X(cuEventRecord, "cuEventRecord", CUresult (*)(CUevent, CUstream))           \
  X(cuMemAlloc, "cuMemAlloc_v2", CUresult (*)(CUdeviceptr *, size_t))          \
  X(cuMemAllocManaged, "cuMemAllocManaged",                                    \
    CUresult (*)(CUdeviceptr *, size_t, unsigned))                             \
  X(cuMemFree, "cuMemFree_v2", CUresult (*)(CUdeviceptr))                      \
  X(cuMemcpyAsync, "cuMemcpyAsync",                                            \
    CUresult (*)(CUdeviceptr, CUdeviceptr, size_t, CUstream))                  \
  X(cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2",                                 \
    CUresult (*)(CUdeviceptr, const void *, size_t, CUstream))                 \
  X(cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2",                                 \
    CUresult (*)(void *, CUdeviceptr, size_t, CUstream))                       \
  X(cuMemsetD32Async, "cuMemsetD32Async",                                      \
    CUresult (*)(CUdeviceptr, unsigned, size_t, CUstream))                     \
  X(cuMemsetD16Async, "cuMemsetD16Async",                                      \
    CUresult (*)(CUdeviceptr, unsigned short, size_t, CUstream))               \
  X(cuMemHostRegister, "cuMemHostRegister_v2",                                 \
    CUresult (*)(void *, size_t, unsigned))                                    \
  X(cuMemHostUnregister, "cuMemHostUnregister", CUresult (*)(void *))

/// T itself: lets a function pointer type declare a member.
template <typename T> using Id = T;

/// The loaded driver: its functions, and device 0's (or the
/// mgpuSetDefaultDevice device's) primary context.
struct Driver {
#define TVQ_CUDA_MEMBER(member, symbol, type) Id<type> member = nullptr;
  TVQ_CUDA_DRIVER_FUNCTIONS(TVQ_CUDA_MEMBER)
#undef TVQ_CUDA_MEMBER
  void *library = nullptr;
  CUdevice device = 0;
  CUcontext context = nullptr;
  /// Whether the host may touch managed memory while kernels run
  /// (CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS; Linux, Pascal and
  /// later). Without it the runtime waits after every launch.
  bool concurrentManagedAccess = false;

  /// "call: CUDA_ERROR_NAME (CUDA's description)" for a failed call.
  std::string describe(const char *call, CUresult result) const;
};

/// The driver, loaded and initialized on the first call (dlopen, cuInit(0),
/// the device, its primary context) and made current on the calling thread.
/// Null when that failed; error (when given) then receives the reason, the
/// same on every call, e.g. "no CUDA driver: cannot load libcuda.so.1 (...)"
/// or "cuInit: CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)".
const Driver *driver(std::string *error = nullptr);

/// The driver loaded and cuInit'ed on the first call, before a device is
/// chosen (its device and context are not set): for cuDeviceGetCount ahead
/// of setDefaultDevice. Null when that failed, with the reason in error (when
/// given), the same on every call. driver() calls it.
const Driver *loadedDriver(std::string *error = nullptr);

/// The library the driver is loaded from: $TVQ_CUDA_DRIVER when set and
/// non-empty, else "libcuda.so.1".
std::string driverLibrary();

/// The device ordinal the driver initializes (mgpuSetDefaultDevice sets it;
/// it has no effect once the driver is initialized).
void setDefaultDevice(int32_t device);

} // namespace tvq::cuda

#endif // TVQ_RUNTIME_CUDADRIVER_H
