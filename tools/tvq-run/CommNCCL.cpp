//===- CommNCCL.cpp - Summing gradients with NCCL on the GPU --------------===//
//
// A Comm whose allReduceSum runs ncclAllReduce on the GPU; the other
// collectives (start-up check, checkpoint gathers), abort and finalize go to
// the communicator it wraps: MPI's under mpirun, or the local one in a run
// of one process (a one-rank NCCL communicator, which needs no MPI).
//
// NCCL is loaded with dlopen (libnccl.so.2, or $TVQ_NCCL_LIBRARY) and the
// few functions used are declared here, so building needs no NCCL headers
// or library. Device memory and streams come from the runtime's CUDA driver
// layer (runtime/lib/CudaDriver.cpp, compiled into tvq-run as well: the same
// libcuda and the same primary context as the runtime's).
//
// Bootstrap: every worker loads NCCL and the driver; rank 0 creates the
// ncclUniqueId; one all-gather over the wrapped communicator carries every
// worker's problem (if any), host name and rank 0's id. Each worker takes
// CUDA device (local rank mod device count), the local rank counting the
// workers of lower rank on the same host, and sets it as the runtime's
// default device too (mgpuSetDefaultDevice), so that a CUDA module loaded
// afterwards runs on the device NCCL uses. A second exchange makes sure
// that every worker has its device and stream before any enters
// ncclCommInitRank, which blocks until all have.
//
// The gradients are host tensors (tvq_call copies a module's outputs to the
// host), so a sum is staged: host -> device buffer (grow-only, kept),
// ncclAllReduce in place on the stream, a polling wait (cuStreamQuery and
// ncclCommGetAsyncError, with Comm::waitFor's deadline), device -> host.
// Every failure names the call and NCCL's or CUDA's text and ends the job.
//
//===----------------------------------------------------------------------===//

#include "Comm.h"
#include "CudaDriver.h"
#include "CudaWrappers.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <unistd.h>

// The NCCL types under nccl.h's names (as CudaDriver.h does for CUDA's).
struct ncclComm;
/// ncclUniqueId: 128 opaque bytes, passed by value to ncclCommInitRank.
struct ncclUniqueId {
  char internal[128];
};

using namespace tvq;
using namespace tvq::run;
using namespace tvq::cuda;

namespace {

using ncclComm_t = ncclComm *;
using ncclResult_t = int;
constexpr ncclResult_t ncclSuccess = 0;
constexpr ncclResult_t ncclInProgress = 7;
constexpr int ncclFloat = 7; // ncclDataType_t ncclFloat32
constexpr int ncclSum = 0;   // ncclRedOp_t

/// X(member, type): the NCCL functions used (all of NCCL 2.4 and later).
#define TVQ_NCCL_FUNCTIONS(X)                                                  \
  X(ncclGetVersion, ncclResult_t (*)(int *))                                   \
  X(ncclGetUniqueId, ncclResult_t (*)(ncclUniqueId *))                         \
  X(ncclCommInitRank, ncclResult_t (*)(ncclComm_t *, int, ncclUniqueId, int))  \
  X(ncclAllReduce, ncclResult_t (*)(const void *, void *, size_t, int, int,    \
                                    ncclComm_t, CUstream))                     \
  X(ncclCommGetAsyncError, ncclResult_t (*)(ncclComm_t, ncclResult_t *))       \
  X(ncclCommDestroy, ncclResult_t (*)(ncclComm_t))                             \
  X(ncclCommAbort, ncclResult_t (*)(ncclComm_t))                               \
  X(ncclGetErrorString, const char *(*)(ncclResult_t))

/// The loaded library.
struct Nccl {
#define TVQ_NCCL_MEMBER(member, type) Id<type> member = nullptr;
  TVQ_NCCL_FUNCTIONS(TVQ_NCCL_MEMBER)
#undef TVQ_NCCL_MEMBER
  /// ncclGetLastError (NCCL 2.13 and later): the details of the last
  /// failure; null when the library lacks it.
  const char *(*ncclGetLastError)(ncclComm_t) = nullptr;
  std::string path;
  int version = 0;

  /// "call: NCCL's text for result (the details, when NCCL has them)".
  std::string describe(const char *call, ncclResult_t result,
                       ncclComm_t comm) const {
    const char *text = ncclGetErrorString(result);
    std::string message =
        std::string(call) + ": " +
        (text ? text : "NCCL error " + std::to_string(result));
    const char *last = ncclGetLastError ? ncclGetLastError(comm) : nullptr;
    if (last && *last)
      message += std::string(" (") + last + ")";
    return message;
  }

  /// "2.21.5" from ncclGetVersion's code.
  std::string versionText() const {
    int major = version >= 10000 ? version / 10000 : version / 1000;
    int minor = version >= 10000 ? version / 100 % 100 : version / 100 % 10;
    return std::to_string(major) + "." + std::to_string(minor) + "." +
           std::to_string(version % 100);
  }
};

/// Loads NCCL into nccl; returns an error message, empty on success.
std::string loadNccl(Nccl &nccl) {
  const char *env = std::getenv("TVQ_NCCL_LIBRARY");
  nccl.path = env && *env ? env : "libnccl.so.2";
  dlerror();
  void *library = dlopen(nccl.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *reason = dlerror();
    return "no NCCL library: cannot load " + nccl.path + " (" +
           (reason ? reason : "unknown dlopen error") +
           "); install NCCL (PyTorch's wheels ship it in "
           "nvidia/nccl/lib) or set TVQ_NCCL_LIBRARY to its path, or train "
           "with --comm=mpi";
  }
  std::string missing;
#define TVQ_NCCL_RESOLVE(member, type)                                         \
  nccl.member = reinterpret_cast<Id<type>>(dlsym(library, #member));           \
  if (!nccl.member)                                                            \
    missing += std::string(missing.empty() ? "" : ", ") + #member;
  TVQ_NCCL_FUNCTIONS(TVQ_NCCL_RESOLVE)
#undef TVQ_NCCL_RESOLVE
  if (!missing.empty())
    return "the NCCL library " + nccl.path + " lacks " + missing +
           " (NCCL 2.4 or later is needed)";
  nccl.ncclGetLastError = reinterpret_cast<const char *(*)(ncclComm_t)>(
      dlsym(library, "ncclGetLastError"));
  if (ncclResult_t result = nccl.ncclGetVersion(&nccl.version))
    return nccl.describe("ncclGetVersion", result, nullptr);
  return "";
}

/// One worker's part of a bootstrap exchange: its host, its problem (empty
/// if none) and, from rank 0, the unique id.
struct Report {
  std::string host, problem, id;

  std::string encode() const { return host + '\0' + problem + '\0' + id; }
  static Report decode(const std::string &text) {
    Report report;
    size_t first = text.find('\0');
    size_t second = text.find('\0', first + 1);
    report.host = text.substr(0, first);
    report.problem = text.substr(first + 1, second - first - 1);
    report.id = text.substr(second + 1);
    return report;
  }
};

/// Exchanges reports over base; returns every worker's, in rank order.
std::vector<Report> exchange(Comm &base, const Report &mine, const char *what) {
  std::vector<Report> all;
  for (const std::string &text : base.allGather(mine.encode(), what))
    all.push_back(Report::decode(text));
  return all;
}

/// The error every worker reports when some worker has a problem in all
/// (empty when none has): its own, or the first other worker's.
std::string firstProblem(const std::vector<Report> &all, int rank) {
  std::string prefix = all.size() > 1
                           ? "rank " + std::to_string(rank) + " of " +
                                 std::to_string(all.size()) + ": "
                           : std::string();
  if (!all[rank].problem.empty())
    return prefix + all[rank].problem;
  for (size_t r = 0; r < all.size(); ++r)
    if (!all[r].problem.empty())
      return prefix + "NCCL cannot be set up on rank " + std::to_string(r) +
             ": " + all[r].problem;
  return "";
}

/// This host's name ("" when unknown: every worker then counts as local).
std::string hostName() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0)
    return "";
  return name;
}

class NCCLComm : public Comm {
public:
  NCCLComm(std::unique_ptr<Comm> base, double timeoutSeconds)
      : base_(std::move(base)) {
    rank_ = base_->rank();
    size_ = base_->size();
    timeout_ = timeoutSeconds;
  }

  const char *backend() const override { return "nccl"; }

  std::string describe() const override {
    return std::string("nccl (NCCL ") + nccl_.versionText() + " from " +
           nccl_.path + "; rank " + std::to_string(rank_) + " on CUDA device " +
           std::to_string(device_) + " of " + std::to_string(devices_) + ")";
  }

  void allReduceSum(float *data, int64_t count, const char *what) override {
    if (count <= 0)
      return;
    startSum(data, count, what);
    finishSums(what);
  }

  /// Queued on the stream behind the sums already started, each in its own
  /// part of the device buffer, while the caller goes on (the gradients
  /// train_grads announces, docs/design.md §4).
  void startAllReduceSum(float *data, int64_t count,
                         const char *what) override {
    if (count > 0)
      startSum(data, count, what);
  }

  void finishAllReduces(const char *what) override { finishSums(what); }

  std::vector<std::string> allGather(const std::string &mine,
                                     const char *what) override {
    return base_->allGather(mine, what);
  }

  void gather(const void *data, int64_t bytes, std::vector<char> &out,
              const char *what) override {
    base_->gather(data, bytes, out, what);
  }

  [[noreturn]] void abort(int status) override {
    std::fflush(stdout);
    std::fflush(stderr);
    if (comm_)
      nccl_.ncclCommAbort(comm_);
    comm_ = nullptr;
    base_->abort(status);
    std::_Exit(status); // not reached (GCC cannot see that through virtual)
  }

  void finalize() override {
    if (comm_) {
      if (ncclResult_t result = nccl_.ncclCommDestroy(comm_))
        std::fprintf(stderr, "tvq-run: warning: %s%s\n", prefix().c_str(),
                     nccl_.describe("ncclCommDestroy", result, comm_).c_str());
      comm_ = nullptr;
    }
    if (buffer_)
      cuda_->cuMemFree(buffer_);
    if (stream_)
      cuda_->cuStreamDestroy(stream_);
    buffer_ = 0;
    stream_ = nullptr;
    base_->finalize();
  }

  /// The bootstrap (see the file comment); returns the problem that stops
  /// it on some worker, the same on every worker, or "". Failures of NCCL
  /// calls end the job.
  std::string setUp();

private:
  /// "rank R of N: " with several workers, else "".
  std::string prefix() const {
    return size_ > 1 ? "rank " + std::to_string(rank_) + " of " +
                           std::to_string(size_) + ": "
                     : std::string();
  }

  /// Prints "what: problem" and ends the job.
  [[noreturn]] void fail(const char *what, const std::string &problem) {
    std::fprintf(stderr, "tvq-run: error: %s%s: %s\n", prefix().c_str(), what,
                 problem.c_str());
    abort(1);
  }

  void checkNccl(ncclResult_t result, const char *call, const char *what) {
    if (result != ncclSuccess)
      fail(what, nccl_.describe(call, result, comm_));
  }

  void checkCuda(CUresult result, const char *call, const char *what) {
    if (result != CUDA_SUCCESS)
      fail(what, cuda_->describe(call, result));
  }

  /// A sum queued on the stream, not yet copied back.
  struct Pending {
    float *data;
    int64_t count;
    /// Where in the device buffer it is summed.
    size_t offset;
  };

  /// Queues the sum of count floats at data: copy into the next free part
  /// of the device buffer, ncclAllReduce there in place. When the buffer
  /// cannot hold it next to the sums in flight, those are finished first
  /// and the buffer grows to what the whole batch of sums wanted, so from
  /// the second step on a step's sums are all in flight at once.
  void startSum(float *data, int64_t count, const char *what) {
    makeContextCurrent(what);
    size_t bytes = static_cast<size_t>(count) * sizeof(float);
    size_t offset = 0;
    if (!pending_.empty()) {
      const Pending &last = pending_.back();
      // 256-byte aligned parts, as cuMemAlloc's.
      offset = (last.offset + static_cast<size_t>(last.count) * sizeof(float) +
                255) &
               ~static_cast<size_t>(255);
    }
    wanted_ = std::max(wanted_, offset + bytes);
    if (offset + bytes > capacity_) {
      finishSums(what);
      offset = 0;
      reserve(wanted_, what);
    }
    CUdeviceptr part = buffer_ + offset;
    checkCuda(cuda_->cuMemcpyHtoDAsync(part, data, bytes, stream_),
              "cuMemcpyHtoDAsync", what);
    auto *device = reinterpret_cast<void *>(static_cast<uintptr_t>(part));
    checkNccl(nccl_.ncclAllReduce(device, device, static_cast<size_t>(count),
                                  ncclFloat, ncclSum, comm_, stream_),
              "ncclAllReduce", what);
    pending_.push_back({data, count, offset});
  }

  /// Waits for the queued sums and copies them back to the host. The copy
  /// follows the wait: from pageable memory cuMemcpyDtoHAsync blocks the
  /// host until the stream gets there, which would escape the deadline.
  void finishSums(const char *what) {
    if (pending_.empty())
      return;
    waitForStream(what);
    for (const Pending &sum : pending_)
      checkCuda(cuda_->cuMemcpyDtoHAsync(
                    sum.data, buffer_ + sum.offset,
                    static_cast<size_t>(sum.count) * sizeof(float), stream_),
                "cuMemcpyDtoHAsync", what);
    pending_.clear();
    waitForStream(what);
  }

  /// Polls the stream and NCCL's asynchronous error with Comm::waitFor's
  /// deadline.
  void waitForStream(const char *what) {
    waitFor(
        [&] {
          ncclResult_t async = ncclSuccess;
          checkNccl(nccl_.ncclCommGetAsyncError(comm_, &async),
                    "ncclCommGetAsyncError", what);
          if (async != ncclSuccess && async != ncclInProgress)
            fail(what, nccl_.describe("ncclAllReduce (asynchronous error)",
                                      async, comm_));
          CUresult result = cuda_->cuStreamQuery(stream_);
          if (result == CUDA_ERROR_NOT_READY)
            return false;
          checkCuda(result, "cuStreamQuery", what);
          return true;
        },
        what);
  }

  /// Makes the device's context current on the calling thread (a sum may
  /// be started from a thread other than the one that set NCCL up).
  void makeContextCurrent(const char *what) {
    std::string problem;
    if (!driver(&problem))
      fail(what, problem);
  }

  /// Grows the device buffer to at least bytes (never shrinks it).
  void reserve(size_t bytes, const char *what) {
    if (bytes <= capacity_)
      return;
    if (buffer_)
      checkCuda(cuda_->cuMemFree(buffer_), "cuMemFree", what);
    buffer_ = 0;
    capacity_ = 0;
    checkCuda(cuda_->cuMemAlloc(&buffer_, bytes), "cuMemAlloc", what);
    capacity_ = bytes;
  }

  /// Loads NCCL and the CUDA driver and counts the devices.
  std::string loadLibraries();
  /// Chooses this worker's device (local rank mod device count), makes it
  /// the runtime's too, and creates the stream.
  std::string prepareDevice(const std::vector<Report> &all);

  std::unique_ptr<Comm> base_;
  Nccl nccl_;
  const Driver *cuda_ = nullptr;
  ncclComm_t comm_ = nullptr;
  CUstream stream_ = nullptr;
  CUdeviceptr buffer_ = 0;
  size_t capacity_ = 0;
  /// The most bytes a batch of sums in flight has wanted.
  size_t wanted_ = 0;
  int device_ = 0, devices_ = 0;
  std::vector<Pending> pending_;
};

std::string NCCLComm::loadLibraries() {
  if (std::string problem = loadNccl(nccl_); !problem.empty())
    return problem;
  std::string problem;
  const Driver *loaded = loadedDriver(&problem);
  if (!loaded)
    return "NCCL needs the CUDA driver: " + problem;
  if (CUresult result = loaded->cuDeviceGetCount(&devices_))
    return loaded->describe("cuDeviceGetCount", result);
  if (devices_ < 1)
    return "NCCL needs a CUDA device, and cuDeviceGetCount finds none";
  return "";
}

std::string NCCLComm::prepareDevice(const std::vector<Report> &all) {
  int localRank = 0;
  for (int r = 0; r < rank_; ++r)
    localRank += all[r].host == all[rank_].host;
  // The runtime's driver (a CUDA module loaded later) and tvq-run's copy
  // of it (the buffers and stream here) initialize the same device.
  device_ = localRank % devices_;
  mgpuSetDefaultDevice(device_);
  setDefaultDevice(device_);
  std::string problem;
  cuda_ = driver(&problem);
  if (!cuda_)
    return "NCCL needs the CUDA driver: " + problem;
  if (CUresult result = cuda_->cuStreamCreate(&stream_, CU_STREAM_NON_BLOCKING))
    return cuda_->describe("cuStreamCreate", result);
  return "";
}

std::string NCCLComm::setUp() {
  Report mine{hostName(), loadLibraries(), ""};
  if (mine.problem.empty() && rank_ == 0) {
    ncclUniqueId id;
    if (ncclResult_t result = nccl_.ncclGetUniqueId(&id))
      mine.problem = nccl_.describe("ncclGetUniqueId", result, nullptr);
    else
      mine.id.assign(id.internal, sizeof(id.internal));
  }
  std::vector<Report> all = exchange(*base_, mine, "setting up NCCL");
  if (std::string problem = firstProblem(all, rank_); !problem.empty())
    return problem;
  ncclUniqueId id;
  if (all[0].id.size() != sizeof(id.internal))
    return prefix() + "rank 0 sent an NCCL id of " +
           std::to_string(all[0].id.size()) + " bytes";
  std::memcpy(id.internal, all[0].id.data(), sizeof(id.internal));

  // No worker may enter ncclCommInitRank (which waits for all) alone.
  Report ready{mine.host, prepareDevice(all), ""};
  all = exchange(*base_, ready, "preparing the devices for NCCL");
  if (std::string problem = firstProblem(all, rank_); !problem.empty())
    return problem;
  checkNccl(nccl_.ncclCommInitRank(&comm_, size_, id, rank_),
            "ncclCommInitRank", "setting up NCCL");
  return "";
}

} // namespace

std::unique_ptr<Comm> run::createNCCLComm(std::unique_ptr<Comm> base,
                                          double timeoutSeconds,
                                          std::string &error) {
  auto comm = std::make_unique<NCCLComm>(std::move(base), timeoutSeconds);
  error = comm->setUp();
  if (error.empty())
    return comm;
  // Each worker's own problem, printed before anyone leaves.
  reportBeforeFinalize(*comm, error, /*everyRank=*/true);
  error.clear();
  return nullptr;
}
