/* mock_cuda.c - a stand-in for the CUDA driver (libcuda.so.1) in tests. */
/*
 * NOT the CUDA driver: a small C library, built as libcuda.so.1 in its own
 * directory, that defines the driver functions the runtime's CUDA backend
 * resolves, on host memory, so that the backend can be tested on machines
 * without a GPU (load it with TVQ_CUDA_DRIVER=/path/to/libcuda.so.1).
 *
 * - Managed and device memory are aligned host allocations; copies and
 *   memsets run on the host at once; streams, events, contexts are dummies.
 * - A module image must start with "tvq-mock-module" (else
 *   CUDA_ERROR_INVALID_IMAGE). It has one kernel, "add_one", taking the five
 *   fields of a memref<?xf32> (allocated, aligned, offset, size, stride), each
 *   params[k] pointing to one, as MLIR passes them: every thread i < size of
 *   the grid adds 1 to element i. Other names give CUDA_ERROR_NOT_FOUND.
 * - TVQ_MOCK_CUDA_FAIL=NAME[,NAME...] makes the driver function NAME fail:
 *   cuInit with CUDA_ERROR_NO_DEVICE, cuModuleLoadData(Ex) with
 *   CUDA_ERROR_INVALID_PTX (cuModuleLoadDataEx also writes a JIT error log),
 *   cuLaunchKernel(Ex) and cuCtxSynchronize with CUDA_ERROR_LAUNCH_FAILED,
 *   cuMemAllocManaged and cuMemAlloc_v2 with CUDA_ERROR_OUT_OF_MEMORY,
 *   cuStreamQuery with CUDA_ERROR_NOT_READY (work that never completes: a
 *   hung collective), any other with CUDA_ERROR_UNKNOWN. Read at every call.
 * - TVQ_MOCK_CUDA_DEVICES=N: the number of devices (1 when unset);
 *   cuDeviceGet accepts ordinals below it.
 * - The device has concurrent managed access (attribute 89), unless
 *   TVQ_MOCK_CUDA_NO_CONCURRENT_MANAGED is set.
 * - TVQ_MOCK_CUDA_LOG=PATH appends one line per call to PATH ("loaded" when
 *   the library is loaded, then e.g. "cuMemAllocManaged 12 1").
 * Functions other than cuInit and cuGetError* fail with
 * CUDA_ERROR_NOT_INITIALIZED before a successful cuInit, as the driver does.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The types under cuda.h's names (UBSan's -fsanitize=function compares the
   runtime's function pointer types with these definitions by name). */
typedef int CUresult;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;
typedef struct CUlaunchAttribute_st {
  int id;
  char pad[4];
  union {
    char pad[64];
    struct {
      unsigned x, y, z;
    } clusterDim;
  } value;
} CUlaunchAttribute;
typedef struct CUlaunchConfig_st {
  unsigned gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY, blockDimZ;
  unsigned sharedMemBytes;
  CUstream hStream;
  CUlaunchAttribute *attrs;
  unsigned numAttrs;
} CUlaunchConfig;

enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_OUT_OF_MEMORY = 2,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
  CUDA_ERROR_INVALID_IMAGE = 200,
  CUDA_ERROR_INVALID_PTX = 218,
  CUDA_ERROR_INVALID_HANDLE = 400,
  CUDA_ERROR_NOT_FOUND = 500,
  CUDA_ERROR_NOT_READY = 600,
  CUDA_ERROR_LAUNCH_FAILED = 719,
  CUDA_ERROR_UNKNOWN = 999,
};

#define EXPORT __attribute__((visibility("default")))

static const struct {
  CUresult code;
  const char *name, *text;
} kErrors[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED",
     "initialization error"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE",
     "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE",
     "invalid device ordinal"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE",
     "device kernel image is invalid"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX",
     "a PTX JIT compilation failed"},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE",
     "invalid resource handle"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_NOT_READY, "CUDA_ERROR_NOT_READY",
     "device not ready (mock: work still pending)"},
    {CUDA_ERROR_LAUNCH_FAILED, "CUDA_ERROR_LAUNCH_FAILED",
     "unspecified launch failure"},
    {CUDA_ERROR_UNKNOWN, "CUDA_ERROR_UNKNOWN", "unknown error"},
};

static int initialized = 0;

/* Appends one formatted line to $TVQ_MOCK_CUDA_LOG. */
static void logCall(const char *format, ...) {
  const char *path = getenv("TVQ_MOCK_CUDA_LOG");
  if (!path || !*path)
    return;
  FILE *file = fopen(path, "a");
  if (!file)
    return;
  va_list args;
  va_start(args, format);
  vfprintf(file, format, args);
  va_end(args);
  fputc('\n', file);
  fclose(file);
}

__attribute__((constructor)) static void onLoad(void) { logCall("loaded"); }

/* Whether $TVQ_MOCK_CUDA_FAIL names function. */
static int failing(const char *function) {
  const char *list = getenv("TVQ_MOCK_CUDA_FAIL");
  size_t length = strlen(function);
  while (list && *list) {
    const char *end = strchr(list, ',');
    size_t size = end ? (size_t)(end - list) : strlen(list);
    if (size == length && strncmp(list, function, length) == 0)
      return 1;
    list = end ? end + 1 : NULL;
  }
  return 0;
}

/* The error function returns when $TVQ_MOCK_CUDA_FAIL names it. */
static CUresult failure(const char *function) {
  if (!strcmp(function, "cuInit"))
    return CUDA_ERROR_NO_DEVICE;
  if (!strncmp(function, "cuModuleLoadData", 16))
    return CUDA_ERROR_INVALID_PTX;
  if (!strncmp(function, "cuLaunchKernel", 14) ||
      !strcmp(function, "cuCtxSynchronize"))
    return CUDA_ERROR_LAUNCH_FAILED;
  if (!strncmp(function, "cuMemAlloc", 10))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (!strcmp(function, "cuStreamQuery"))
    return CUDA_ERROR_NOT_READY;
  return CUDA_ERROR_UNKNOWN;
}

/* Common start of a driver function: logs nothing, returns the error the
   call must fail with (0 when it proceeds). */
static CUresult enter(const char *function) {
  if (!initialized)
    return CUDA_ERROR_NOT_INITIALIZED;
  return failing(function) ? failure(function) : CUDA_SUCCESS;
}

#define ENTER(function)                                                        \
  do {                                                                         \
    CUresult status_ = enter(function);                                        \
    if (status_)                                                               \
      return status_;                                                          \
  } while (0)

/*===-- Errors, initialization, devices, contexts -------------------------===*/

EXPORT CUresult cuGetErrorName(CUresult error, const char **name) {
  for (size_t i = 0; i < sizeof(kErrors) / sizeof(kErrors[0]); ++i)
    if (kErrors[i].code == error) {
      *name = kErrors[i].name;
      return CUDA_SUCCESS;
    }
  *name = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuGetErrorString(CUresult error, const char **text) {
  for (size_t i = 0; i < sizeof(kErrors) / sizeof(kErrors[0]); ++i)
    if (kErrors[i].code == error) {
      *text = kErrors[i].text;
      return CUDA_SUCCESS;
    }
  *text = NULL;
  return CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuInit(unsigned flags) {
  logCall("cuInit %u", flags);
  if (failing("cuInit"))
    return failure("cuInit");
  initialized = 1;
  return CUDA_SUCCESS;
}

/* $TVQ_MOCK_CUDA_DEVICES, else 1. */
static int deviceCount(void) {
  const char *text = getenv("TVQ_MOCK_CUDA_DEVICES");
  int count = text && *text ? atoi(text) : 1;
  return count > 0 ? count : 0;
}

EXPORT CUresult cuDeviceGetCount(int *count) {
  logCall("cuDeviceGetCount");
  ENTER("cuDeviceGetCount");
  *count = deviceCount();
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGet(int *device, int ordinal) {
  logCall("cuDeviceGet %d", ordinal);
  ENTER("cuDeviceGet");
  if (ordinal < 0 || ordinal >= deviceCount())
    return CUDA_ERROR_INVALID_DEVICE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuDeviceGetAttribute(int *value, int attribute, int device) {
  logCall("cuDeviceGetAttribute %d %d", attribute, device);
  ENTER("cuDeviceGetAttribute");
  if (attribute == 97) /* max opt-in shared memory */
    *value = 232448;
  else if (attribute == 89) /* concurrent managed access, unless told not */
    *value = getenv("TVQ_MOCK_CUDA_NO_CONCURRENT_MANAGED") ? 0 : 1;
  else
    *value = 0;
  return CUDA_SUCCESS;
}

static int context;

EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *result, int device) {
  logCall("cuDevicePrimaryCtxRetain %d", device);
  ENTER("cuDevicePrimaryCtxRetain");
  *result = (CUcontext)&context;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuCtxSetCurrent(CUcontext ctx) {
  logCall("cuCtxSetCurrent");
  ENTER("cuCtxSetCurrent");
  return ctx == (CUcontext)&context ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuCtxSynchronize(void) {
  logCall("cuCtxSynchronize");
  ENTER("cuCtxSynchronize");
  return CUDA_SUCCESS;
}

/*===-- Modules and kernels -----------------------------------------------===*/

static const char kMagic[] = "tvq-mock-module";
static int module;
static int addOne;

static CUresult loadModule(const char *function, CUmodule *result,
                           const void *image) {
  ENTER(function);
  if (!image || strncmp((const char *)image, kMagic, sizeof(kMagic) - 1))
    return CUDA_ERROR_INVALID_IMAGE;
  *result = (CUmodule)&module;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuModuleLoadData(CUmodule *result, const void *image) {
  logCall("cuModuleLoadData");
  return loadModule("cuModuleLoadData", result, image);
}

EXPORT CUresult cuModuleLoadDataEx(CUmodule *result, const void *image,
                                   unsigned count, int *options,
                                   void **values) {
  logCall("cuModuleLoadDataEx %u", count);
  CUresult status = loadModule("cuModuleLoadDataEx", result, image);
  if (status == CUDA_ERROR_INVALID_PTX)
    for (unsigned i = 0; i + 1 < count; ++i)
      if (options[i] == 5 && options[i + 1] == 6) /* error log, its size */
        snprintf((char *)values[i], (size_t)(uintptr_t)values[i + 1],
                 "ptxas fatal   : mock JIT failure\n");
  return status;
}

EXPORT CUresult cuModuleUnload(CUmodule handle) {
  logCall("cuModuleUnload");
  ENTER("cuModuleUnload");
  return handle == (CUmodule)&module ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

EXPORT CUresult cuModuleGetFunction(CUfunction *function, CUmodule handle,
                                    const char *name) {
  logCall("cuModuleGetFunction %s", name);
  ENTER("cuModuleGetFunction");
  if (handle != (CUmodule)&module)
    return CUDA_ERROR_INVALID_HANDLE;
  if (strcmp(name, "add_one"))
    return CUDA_ERROR_NOT_FOUND;
  *function = (CUfunction)&addOne;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuFuncSetAttribute(CUfunction function, int attribute,
                                   int value) {
  logCall("cuFuncSetAttribute %d %d", attribute, value);
  ENTER("cuFuncSetAttribute");
  return function == (CUfunction)&addOne ? CUDA_SUCCESS
                                         : CUDA_ERROR_INVALID_HANDLE;
}

/* Runs add_one over threads [0, threads). */
static CUresult runKernel(CUfunction function, unsigned long long threads,
                          void **params) {
  if (function != (CUfunction)&addOne)
    return CUDA_ERROR_INVALID_HANDLE;
  if (!params)
    return CUDA_ERROR_INVALID_VALUE;
  float *aligned = *(float **)params[1];
  int64_t offset = *(int64_t *)params[2], size = *(int64_t *)params[3],
          stride = *(int64_t *)params[4];
  for (unsigned long long i = 0; i < threads && (int64_t)i < size; ++i)
    aligned[offset + (int64_t)i * stride] += 1.0f;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuLaunchKernel(CUfunction function, unsigned gridX,
                               unsigned gridY, unsigned gridZ, unsigned blockX,
                               unsigned blockY, unsigned blockZ, unsigned smem,
                               CUstream stream, void **params, void **extra) {
  (void)stream;
  (void)extra;
  logCall("cuLaunchKernel %u %u %u %u %u %u %u", gridX, gridY, gridZ, blockX,
          blockY, blockZ, smem);
  ENTER("cuLaunchKernel");
  return runKernel(function,
                   (unsigned long long)gridX * gridY * gridZ * blockX * blockY *
                       blockZ,
                   params);
}

EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *config,
                                 CUfunction function, void **params,
                                 void **extra) {
  (void)extra;
  logCall("cuLaunchKernelEx %u %u %u %u %u %u %u cluster %u %u %u",
          config->gridDimX, config->gridDimY, config->gridDimZ,
          config->blockDimX, config->blockDimY, config->blockDimZ,
          config->sharedMemBytes,
          config->numAttrs ? config->attrs[0].value.clusterDim.x : 0,
          config->numAttrs ? config->attrs[0].value.clusterDim.y : 0,
          config->numAttrs ? config->attrs[0].value.clusterDim.z : 0);
  ENTER("cuLaunchKernelEx");
  return runKernel(function,
                   (unsigned long long)config->gridDimX * config->gridDimY *
                       config->gridDimZ * config->blockDimX *
                       config->blockDimY * config->blockDimZ,
                   params);
}

/*===-- Streams and events ------------------------------------------------===*/

static CUresult createHandle(const char *function, void **result) {
  ENTER(function);
  *result = malloc(1);
  return *result ? CUDA_SUCCESS : CUDA_ERROR_OUT_OF_MEMORY;
}

static CUresult destroyHandle(const char *function, void *handle) {
  ENTER(function);
  if (!handle)
    return CUDA_ERROR_INVALID_HANDLE;
  free(handle);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamCreate(CUstream *stream, unsigned flags) {
  logCall("cuStreamCreate %u", flags);
  return createHandle("cuStreamCreate", (void **)stream);
}

EXPORT CUresult cuStreamDestroy_v2(CUstream stream) {
  logCall("cuStreamDestroy_v2");
  return destroyHandle("cuStreamDestroy_v2", stream);
}

EXPORT CUresult cuStreamSynchronize(CUstream stream) {
  (void)stream;
  logCall("cuStreamSynchronize");
  ENTER("cuStreamSynchronize");
  return CUDA_SUCCESS;
}

EXPORT CUresult cuStreamQuery(CUstream stream) {
  logCall("cuStreamQuery");
  ENTER("cuStreamQuery");
  return stream ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

EXPORT CUresult cuStreamWaitEvent(CUstream stream, CUevent event,
                                  unsigned flags) {
  (void)stream;
  logCall("cuStreamWaitEvent %u", flags);
  ENTER("cuStreamWaitEvent");
  return event ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

EXPORT CUresult cuEventCreate(CUevent *event, unsigned flags) {
  logCall("cuEventCreate %u", flags);
  return createHandle("cuEventCreate", (void **)event);
}

EXPORT CUresult cuEventDestroy_v2(CUevent event) {
  logCall("cuEventDestroy_v2");
  return destroyHandle("cuEventDestroy_v2", event);
}

EXPORT CUresult cuEventSynchronize(CUevent event) {
  logCall("cuEventSynchronize");
  ENTER("cuEventSynchronize");
  return event ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

EXPORT CUresult cuEventRecord(CUevent event, CUstream stream) {
  (void)stream;
  logCall("cuEventRecord");
  ENTER("cuEventRecord");
  return event ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

/*===-- Memory ------------------------------------------------------------===*/

static CUresult allocate(const char *function, CUdeviceptr *pointer,
                         size_t bytes) {
  ENTER(function);
  if (bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  void *memory = aligned_alloc(256, (bytes + 255) / 256 * 256);
  if (!memory)
    return CUDA_ERROR_OUT_OF_MEMORY;
  *pointer = (CUdeviceptr)(uintptr_t)memory;
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemAllocManaged(CUdeviceptr *pointer, size_t bytes,
                                  unsigned flags) {
  logCall("cuMemAllocManaged %zu %u", bytes, flags);
  return allocate("cuMemAllocManaged", pointer, bytes);
}

EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *pointer, size_t bytes) {
  logCall("cuMemAlloc_v2 %zu", bytes);
  return allocate("cuMemAlloc_v2", pointer, bytes);
}

EXPORT CUresult cuMemFree_v2(CUdeviceptr pointer) {
  logCall("cuMemFree_v2");
  ENTER("cuMemFree_v2");
  free((void *)(uintptr_t)pointer);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                              CUstream stream) {
  (void)stream;
  logCall("cuMemcpyAsync %zu", bytes);
  ENTER("cuMemcpyAsync");
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src,
                                     size_t bytes, CUstream stream) {
  (void)stream;
  logCall("cuMemcpyHtoDAsync_v2 %zu", bytes);
  ENTER("cuMemcpyHtoDAsync_v2");
  memcpy((void *)(uintptr_t)dst, src, bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t bytes,
                                     CUstream stream) {
  (void)stream;
  logCall("cuMemcpyDtoHAsync_v2 %zu", bytes);
  ENTER("cuMemcpyDtoHAsync_v2");
  memcpy(dst, (const void *)(uintptr_t)src, bytes);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t count,
                                 CUstream stream) {
  (void)stream;
  logCall("cuMemsetD32Async %u %zu", value, count);
  ENTER("cuMemsetD32Async");
  for (size_t i = 0; i < count; ++i)
    memcpy((char *)(uintptr_t)dst + 4 * i, &value, 4);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value,
                                 size_t count, CUstream stream) {
  (void)stream;
  logCall("cuMemsetD16Async %u %zu", (unsigned)value, count);
  ENTER("cuMemsetD16Async");
  for (size_t i = 0; i < count; ++i)
    memcpy((char *)(uintptr_t)dst + 2 * i, &value, 2);
  return CUDA_SUCCESS;
}

EXPORT CUresult cuMemHostRegister_v2(void *pointer, size_t bytes,
                                     unsigned flags) {
  logCall("cuMemHostRegister_v2 %zu %u", bytes, flags);
  ENTER("cuMemHostRegister_v2");
  return pointer ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

EXPORT CUresult cuMemHostUnregister(void *pointer) {
  logCall("cuMemHostUnregister");
  ENTER("cuMemHostUnregister");
  return pointer ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
