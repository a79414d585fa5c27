//===- CudaBlas.cpp - The GEMM calls of CUDA and cuda-sim modules ---------===//
//
// `_tvq_cublas_gemm_f32` (CUDA modules) computes a matrix product with
// cuBLAS's cublasSgemmStridedBatched, loaded with dlopen like the driver
// (TVQ_CUBLAS_LIBRARY, else libcublas.so.13, .so.12, .so), or with
// cublasGemmStridedBatchedEx on tensor cores when TVQ_CUBLAS_MATH is tf32 or
// bf16 (f32 inputs and outputs, rounded to TF32 or bf16 inside cuBLAS, f32
// accumulation); `_tvq_host_gemm_f32`
// (cuda-sim modules) runs the same planned call on the host. Both answer 1
// when they computed it and 0 when the compiled fallback kernels must
// (no cuBLAS, or a layout it does not take). docs/abi.md, "GEMM calls".
//
//===----------------------------------------------------------------------===//

#include "CudaRuntime.h"
#include "CudaWrappers.h"
#include "Gemm.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>
#include <string>

using namespace tvq;

namespace {

// cublas_api.h's types and functions that we use (CUDA 12 and 13).
struct cublasContext;
using cublasHandle_t = cublasContext *;
using cublasStatus_t = int;
constexpr int kOpN = 0, kOpT = 1; // cublasOperation_t
using CreateFn = cublasStatus_t (*)(cublasHandle_t *);
using SetStreamFn = cublasStatus_t (*)(cublasHandle_t, CUstream_st *);
using StatusStringFn = const char *(*)(cublasStatus_t);
using SgemmStridedBatchedFn = cublasStatus_t (*)(cublasHandle_t, int, int, int,
                                                 int, int, const float *,
                                                 const float *, int, long long,
                                                 const float *, int, long long,
                                                 const float *, float *, int,
                                                 long long, int);

using GemmStridedBatchedExFn = cublasStatus_t (*)(
    cublasHandle_t, int, int, int, int, int, const void *, const void *, int,
    int, long long, const void *, int, int, long long, const void *, void *,
    int, int, long long, int, int, int);
constexpr int kR32F = 0;             // cudaDataType CUDA_R_32F
constexpr int kComputeFast16BF = 75; // CUBLAS_COMPUTE_32F_FAST_16BF
constexpr int kComputeFastTF32 = 77; // CUBLAS_COMPUTE_32F_FAST_TF32
constexpr int kGemmDefault = -1;     // CUBLAS_GEMM_DEFAULT

/// TVQ_CUBLAS_MATH: the precision of the products' multiplications.
enum class Math { F32, TF32, BF16, Invalid };

Math math() {
  static const Math value = [] {
    const char *text = std::getenv("TVQ_CUBLAS_MATH");
    std::string name = text ? text : "";
    if (name.empty() || name == "f32")
      return Math::F32;
    if (name == "tf32")
      return Math::TF32;
    if (name == "bf16")
      return Math::BF16;
    return Math::Invalid;
  }();
  return value;
}

struct Blas {
  std::string path;
  CreateFn create = nullptr;
  SetStreamFn setStream = nullptr;
  StatusStringFn statusString = nullptr;
  SgemmStridedBatchedFn sgemmStridedBatched = nullptr;
  /// Null when the library lacks it (then TVQ_CUBLAS_MATH=tf32|bf16 fails
  /// the call).
  GemmStridedBatchedExFn gemmStridedBatchedEx = nullptr;

  std::string describe(const char *call, cublasStatus_t status) const {
    const char *text = statusString ? statusString(status) : nullptr;
    return std::string(call) + ": " +
           (text ? text : "cuBLAS status " + std::to_string(status));
  }
};

/// Loads cuBLAS once; null (after one notice on stderr, unless
/// TVQ_CUBLAS_LIBRARY=none) when it cannot.
const Blas *blas() {
  static Blas *loaded = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    const char *env = std::getenv("TVQ_CUBLAS_LIBRARY");
    if (env && std::string(env) == "none")
      return;
    std::string tried;
    void *library = nullptr;
    std::string path;
    for (const char *name : {env && *env ? env : "libcublas.so.13",
                             "libcublas.so.12", "libcublas.so"}) {
      path = name;
      dlerror();
      library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (library)
        break;
      const char *reason = dlerror();
      tried +=
          std::string(tried.empty() ? "" : "; ") + (reason ? reason : name);
      if (env && *env)
        break; // a named library is the only one tried
    }
    if (!library) {
      std::fprintf(stderr,
                   "tvq runtime: no cuBLAS (%s); matrix products run as the "
                   "module's own kernels\n",
                   tried.c_str());
      return;
    }
    auto *b = new Blas();
    b->path = path;
    b->create = reinterpret_cast<CreateFn>(dlsym(library, "cublasCreate_v2"));
    b->setStream =
        reinterpret_cast<SetStreamFn>(dlsym(library, "cublasSetStream_v2"));
    b->statusString = reinterpret_cast<StatusStringFn>(
        dlsym(library, "cublasGetStatusString"));
    b->sgemmStridedBatched = reinterpret_cast<SgemmStridedBatchedFn>(
        dlsym(library, "cublasSgemmStridedBatched"));
    b->gemmStridedBatchedEx = reinterpret_cast<GemmStridedBatchedExFn>(
        dlsym(library, "cublasGemmStridedBatchedEx"));
    if (!b->create || !b->setStream || !b->sgemmStridedBatched) {
      std::fprintf(stderr,
                   "tvq runtime: %s lacks cublasCreate_v2, cublasSetStream_v2 "
                   "or cublasSgemmStridedBatched; matrix products run as the "
                   "module's own kernels\n",
                   path.c_str());
      delete b;
      return;
    }
    loaded = b;
  });
  return loaded;
}

/// TVQ_TRACE_GEMM=1: how many calls the library computed and how many fell
/// back to the module's kernels, printed to stderr at exit.
struct Trace {
  std::atomic<long> library{0}, fallback{0}, empty{0};
  bool enabled = std::getenv("TVQ_TRACE_GEMM") != nullptr;
  void print() {
    std::fprintf(stderr,
                 "tvq runtime: GEMM calls: %ld by the library, %ld by the "
                 "module's kernels, %ld empty\n",
                 library.load(), fallback.load(), empty.load());
  }
};
/// Never destroyed: printed by an atexit handler, and safe in late calls.
Trace &trace = []() -> Trace & {
  auto *t = new Trace();
  if (t->enabled)
    std::atexit([] { trace.print(); });
  return *t;
}();

std::string shape(const gemm::BlasCall &call) {
  return "(" + std::string(call.transA ? "T" : "N") +
         (call.transB ? "T" : "N") + ", m " + std::to_string(call.m) + ", n " +
         std::to_string(call.n) + ", k " + std::to_string(call.k) + ", batch " +
         std::to_string(call.batch) + ")";
}

/// cuBLAS computes `call` on this thread's stream; 1 when done (or failed,
/// with the failure recorded), 0 when the fallback must run.
int32_t runOnDevice(const gemm::BlasCall &call) {
  if (cuda::hasError())
    return 1; // skipped, like the launches after a failure
  const Blas *library = blas();
  if (!library)
    return 0;
  if (!cuda::driverOrRecord())
    return 1;
  thread_local cublasHandle_t handle = nullptr;
  if (!handle)
    if (cublasStatus_t status = library->create(&handle)) {
      handle = nullptr;
      cuda::recordError(library->describe("cublasCreate_v2", status));
      return 1;
    }
  CUstream_st *stream = mgpuStreamCreate();
  if (cuda::hasError())
    return 1;
  if (cublasStatus_t status = library->setStream(handle, stream)) {
    cuda::recordError(library->describe("cublasSetStream_v2", status));
    return 1;
  }
  const float one = 1.0f;
  const int opA = call.transA ? kOpT : kOpN, opB = call.transB ? kOpT : kOpN;
  auto start = std::chrono::steady_clock::now();
  const char *name = "cublasSgemmStridedBatched";
  cublasStatus_t status = 0;
  switch (math()) {
  case Math::Invalid:
    cuda::recordError(std::string("TVQ_CUBLAS_MATH is '") +
                      std::getenv("TVQ_CUBLAS_MATH") +
                      "': expected f32, tf32 or bf16");
    return 1;
  case Math::F32:
    status = library->sgemmStridedBatched(
        handle, opA, opB, call.m, call.n, call.k, &one, call.a, call.lda,
        call.strideA, call.b, call.ldb, call.strideB, &one, call.c, call.ldc,
        call.strideC, call.batch);
    break;
  case Math::TF32:
  case Math::BF16:
    name = "cublasGemmStridedBatchedEx";
    if (!library->gemmStridedBatchedEx) {
      cuda::recordError(library->path +
                        " lacks cublasGemmStridedBatchedEx, which "
                        "TVQ_CUBLAS_MATH=tf32|bf16 needs");
      return 1;
    }
    status = library->gemmStridedBatchedEx(
        handle, opA, opB, call.m, call.n, call.k, &one, call.a, kR32F, call.lda,
        call.strideA, call.b, kR32F, call.ldb, call.strideB, &one, call.c,
        kR32F, call.ldc, call.strideC, call.batch,
        math() == Math::TF32 ? kComputeFastTF32 : kComputeFast16BF,
        kGemmDefault);
    break;
  }
  if (status) {
    cuda::recordError(library->describe(name, status) + " " + shape(call));
    return 1;
  }
  // Queued on the stream like a launch, and waited for like one.
  cuda::noteQueuedWork();
  if (cuda::waitsAfterEachLaunch())
    mgpuStreamSynchronize(stream);
  if (cuda::profiling())
    cuda::profileRegion(name, std::chrono::duration<double>(
                                  std::chrono::steady_clock::now() - start)
                                  .count());
  return 1;
}

/// Answers a GEMM call: 1 when `run` computed the product (or there is
/// nothing to compute), 0 when the module's kernels must (a layout BLAS does
/// not take, or `run` declined); counted for TVQ_TRACE_GEMM.
int32_t answer(const gemm::CallArguments &args,
               int32_t (*run)(const gemm::BlasCall &)) {
  std::optional<gemm::Problem> problem = gemm::decode(args);
  if (problem && gemm::isEmpty(*problem)) {
    ++trace.empty;
    return 1;
  }
  std::optional<gemm::BlasCall> call =
      problem ? gemm::plan(*problem) : std::nullopt;
  int32_t done = call ? run(*call) : 0;
  if (trace.enabled)
    ++(done ? trace.library : trace.fallback);
  return done;
}

} // namespace

#define TVQ_GEMM_PARAMETERS                                                    \
  int64_t a0, int64_t a1, int64_t a2, int64_t a3, int64_t a4, int64_t a5,      \
      int64_t a6, int64_t a7, int64_t a8, int64_t a9, int64_t a10,             \
      int64_t a11, int64_t a12, int64_t a13, int64_t a14, int64_t a15,         \
      int64_t a16, int64_t a17, int64_t a18, int64_t a19, int64_t a20,         \
      int64_t a21
#define TVQ_GEMM_ARGUMENTS                                                     \
  gemm::CallArguments {                                                        \
    a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, \
        a17, a18, a19, a20, a21                                                \
  }

extern "C" __attribute__((visibility("default"))) int32_t
_tvq_cublas_gemm_f32(TVQ_GEMM_PARAMETERS) {
  return answer(TVQ_GEMM_ARGUMENTS, runOnDevice);
}

extern "C" __attribute__((visibility("default"))) int32_t
_tvq_host_gemm_f32(TVQ_GEMM_PARAMETERS) {
  return answer(TVQ_GEMM_ARGUMENTS, [](const gemm::BlasCall &call) {
    gemm::runOnHost(call);
    return int32_t(1);
  });
}
