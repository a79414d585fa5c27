//===- CudaWrappers.h - MLIR's GPU runtime-wrapper ABI (CUDA) ---*- C++ -*-===//
//
// The functions that host code produced by MLIR 22's `gpu-to-llvm` (and the
// LLVM IR translation of gpu.binary / gpu.launch_func) calls, with the
// signatures of mlir/lib/ExecutionEngine/CudaRuntimeWrappers.cpp of LLVM 22.
// libtvq_runtime defines and exports them (CudaWrappers.cpp), so a CUDA
// module needs no MLIR runtime library. Differences from upstream:
// - mgpuModuleLoad and mgpuModuleLoadJIT only record the image: the module's
//   global constructor calls them while the module is being dlopen'ed,
//   before the runtime knows that it needs the driver. The image is loaded
//   into the context at the first mgpuModuleGetFunction.
// - Failures are not printed: the first one is recorded (CudaRuntime.h) and
//   reported by tvq_call, and launches, copies and memsets are skipped while
//   one is recorded. A failed allocation prints its reason and exits.
// - The cuSPARSE and TMA (tensor map) wrappers are not provided.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_CUDAWRAPPERS_H
#define TVQ_RUNTIME_CUDAWRAPPERS_H

#include "CudaDriver.h"

#include <cstddef>
#include <cstdint>

// Exported from libtvq_runtime (tvq_runtime.map lists them).
#pragma GCC visibility push(default)
extern "C" {

using tvq::cuda::CUevent;
using tvq::cuda::CUfunction;
using tvq::cuda::CUstream;

/// A module image (cubin or fatbin) of gpuBlobSize bytes at data, loaded
/// lazily; the handle is the "CUmodule" that the other functions take.
void *mgpuModuleLoad(void *data, size_t gpuBlobSize);
/// A NUL-terminated PTX image, JIT-compiled lazily at optLevel.
void *mgpuModuleLoadJIT(void *data, int optLevel);
/// Unloads the module if it was loaded; null and never-loaded are fine.
void mgpuModuleUnload(void *module);
/// Loads the module on first use and returns kernel name; null after
/// recording the error when either fails.
CUfunction mgpuModuleGetFunction(void *module, const char *name);

void mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, CUstream stream,
                      void **params, void **extra, size_t paramsCount);
void mgpuLaunchClusterKernel(CUfunction function, intptr_t clusterX,
                             intptr_t clusterY, intptr_t clusterZ,
                             intptr_t gridX, intptr_t gridY, intptr_t gridZ,
                             intptr_t blockX, intptr_t blockY, intptr_t blockZ,
                             int32_t smem, CUstream stream, void **params,
                             void **extra, size_t paramsCount);

CUstream mgpuStreamCreate();
void mgpuStreamDestroy(CUstream stream);
void mgpuStreamSynchronize(CUstream stream);
void mgpuStreamWaitEvent(CUstream stream, CUevent event);

CUevent mgpuEventCreate();
void mgpuEventDestroy(CUevent event);
void mgpuEventSynchronize(CUevent event);
void mgpuEventRecord(CUevent event, CUstream stream);

/// Device memory (cuMemAlloc), or managed memory when isHostShared; null for
/// 0 bytes.
void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream, bool isHostShared);
void mgpuMemFree(void *ptr, CUstream stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, CUstream stream);
void mgpuMemset32(void *dst, unsigned int value, size_t count, CUstream stream);
void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  CUstream stream);

void mgpuMemHostRegister(void *ptr, uint64_t sizeBytes);
/// descriptor: a ranked memref descriptor (allocated, aligned, offset,
/// sizes[rank], strides[rank]) of a dense array.
void mgpuMemHostRegisterMemRef(int64_t rank, void *descriptor,
                               int64_t elementSizeBytes);
void mgpuMemHostUnregister(void *ptr);
void mgpuMemHostUnregisterMemRef(int64_t rank, void *descriptor,
                                 int64_t elementSizeBytes);

/// The device the driver initializes (before its first use only).
void mgpuSetDefaultDevice(int32_t device);

/// The module allocation functions (CudaRuntime.cpp): managed memory.
void *_mlir_memref_to_llvm_alloc(size_t size);
void *_mlir_memref_to_llvm_aligned_alloc(size_t alignment, size_t size);
void _mlir_memref_to_llvm_free(void *pointer);

/// Called by compiled host code before it reads or writes a buffer that
/// queued kernels may use (tvq-async-launches): waits for the device when
/// work is queued (CudaRuntime.cpp).
void _tvq_cuda_wait();

} // extern "C"
#pragma GCC visibility pop

#endif // TVQ_RUNTIME_CUDAWRAPPERS_H
