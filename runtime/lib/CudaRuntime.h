//===- CudaRuntime.h - State shared by CUDA modules and tvq_call -*- C++
//-*-===//
//
// The CUDA backend's state besides the driver: the sticky error that the
// functions called by compiled code (which cannot handle failures) record,
// and the managed memory that holds every buffer of a CUDA module. See
// docs/abi.md (the cuda target).
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_RUNTIME_CUDARUNTIME_H
#define TVQ_RUNTIME_CUDARUNTIME_H

#include "CudaDriver.h"

#include <cstddef>
#include <string>

namespace tvq::cuda {

/// Records message as the sticky error unless one is recorded already (the
/// first one wins). Launches, copies and memsets are skipped while an error
/// is recorded.
void recordError(std::string message);

/// Whether an error is recorded.
bool hasError();

/// Returns the recorded error ("" when none) and clears it.
std::string takeError();

/// The driver for a function called by compiled code; null after recording
/// the reason as the sticky error.
const Driver *driverOrRecord();

/// Prints "tvq runtime: fatal error: <message>" (and the recorded error, if
/// any) to stderr and exits with status 1: for failures that compiled code
/// cannot survive, such as a failed allocation.
[[noreturn]] void fatal(const std::string &message);

/// Allocates size bytes (at least 1) of managed memory (a freed block of the
/// same size and alignment, else cuMemAllocManaged, CU_MEM_ATTACH_GLOBAL)
/// aligned to alignment (a power of two; 0 for the
/// driver's own, 256 bytes). A failure cannot be reported to compiled code:
/// it prints the reason, naming the call, the byte count and the error, to
/// stderr and exits with status 1.
void *allocManaged(size_t size, size_t alignment = 0);

/// Frees memory from allocManaged (or mgpuMemAlloc's device memory); null is
/// ignored. The block is kept for the next allocation of its size and
/// alignment (TVQ_CUDA_CACHE_BYTES bounds the bytes kept; beyond it,
/// cuMemFree). While work is queued on the device the block may still be in
/// use: it becomes reusable, or goes back to the driver, only after the next
/// wait for the device (one happens when 1 GiB is freed that way). A failure
/// is recorded as the sticky error.
void freeManaged(void *pointer);

/// Whether pointer is a block from allocManaged that has not been freed
/// (the start of one: the pointer allocManaged returned).
bool isLiveManagedBlock(const void *pointer);

/// Notes that work was queued on the device without a wait (a launch, an
/// asynchronous copy or fill, a GEMM library call): blocks freed from now
/// on are reused only after the next wait for the device.
void noteQueuedWork();

/// Returns the blocks kept by freeManaged to the driver (cuMemFree), after
/// waiting for queued work: when a CUDA module is unloaded, and before
/// allocManaged gives up.
void releaseCachedMemory();

/// Prepares a call of an entry of a CUDA module: the driver current on this
/// thread and no error recorded. Returns an error message, empty on success.
std::string beginCall();

/// Waits for all work of the context (cuCtxSynchronize) in the middle of a
/// call; a failure is recorded as the sticky error (endCall returns it).
void synchronize();

/// Ends it: waits for all work of the context (cuCtxSynchronize) and returns
/// the recorded error, or the synchronization's, or "" when there is none.
std::string endCall();

/// Whether the host waits for each kernel right after launching it:
/// TVQ_CUDA_SYNC=1 (a failing kernel is then named in the error),
/// TVQ_CUDA_PROFILE, or a device without concurrent managed access. Else
/// launches queue on the thread's stream and the runtime waits only where
/// the host needs their results (endCall, synchronize, reusing a freed
/// block).
bool waitsAfterEachLaunch();

/// Whether TVQ_CUDA_PROFILE is set (CudaWrappers.cpp prints the per-kernel
/// times at exit).
bool profiling();

/// Registers a module's `_tvq_kernel_sources` table ("kernel\tsource\n"
/// lines: the op each kernel computes) for the profile's listing.
void registerKernelSources(const char *table);

/// Adds `seconds` under `name` to that profile.
void profileRegion(const char *name, double seconds);

} // namespace tvq::cuda

#endif // TVQ_RUNTIME_CUDARUNTIME_H
