//===- Comm.cpp - One worker, and the choice of communicator --------------===//
//
// LocalComm, the polling wait every communicator shares, and createComm:
// the local or the MPI communicator, wrapped in the NCCL one (CommNCCL.cpp)
// when --comm says nccl, or says auto and the run has several workers on
// CUDA.
//
//===----------------------------------------------------------------------===//

#include "Comm.h"
#include "tvq/tvq_runtime.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>

using namespace tvq;
using namespace tvq::run;

volatile std::sig_atomic_t Comm::interrupted = 0;

namespace {

/// A run of one worker: every collective is the identity.
class LocalComm : public Comm {
public:
  const char *backend() const override { return "local"; }
  void allReduceSum(float *, int64_t, const char *) override {}
  std::vector<std::string> allGather(const std::string &mine,
                                     const char *) override {
    return {mine};
  }
  void gather(const void *data, int64_t bytes, std::vector<char> &out,
              const char *) override {
    const auto *begin = static_cast<const char *>(data);
    out.assign(begin, begin + bytes);
  }
  [[noreturn]] void abort(int status) override { std::exit(status); }
};

/// The `target` of the module's manifest ("cpu", "cuda"), or "" when the
/// module cannot be opened (the training run reports that itself). Loaded
/// for inspection: no device is prepared.
std::string moduleTarget(const std::string &path) {
  std::unique_ptr<tvq_module, void (*)(tvq_module *)> module(
      tvq_module_load_device(path.c_str(), "inspect"), tvq_module_unload);
  return module ? tvq_module_target(module.get()) : "";
}

/// Whether the run's module runs on CUDA: --device says so, or the
/// module's target does.
bool runsOnCuda(const CommOptions &options) {
  if (!options.device.empty())
    return options.device == "cuda";
  return moduleTarget(options.modulePath) == "cuda";
}

} // namespace

void Comm::waitFor(const std::function<bool()> &done, const char *what) {
  using Clock = std::chrono::steady_clock;
  auto start = Clock::now(), signalled = Clock::time_point();
  auto pause = std::chrono::microseconds(20);
  while (!done()) {
    auto now = Clock::now();
    double waited = std::chrono::duration<double>(now - start).count();
    if (timeout_ > 0 && waited > timeout_) {
      std::fprintf(stderr,
                   "tvq-run: error: rank %d of %d: no answer from the other "
                   "workers for %.0f s (%s): a worker has died or hangs; "
                   "ending the job (--comm-timeout sets the limit)\n",
                   rank_, size_, waited, what);
      abort(1);
    }
    if (interrupted && signalled == Clock::time_point())
      signalled = now;
    if (interrupted &&
        std::chrono::duration<double>(now - signalled).count() > 10) {
      std::fprintf(stderr,
                   "tvq-run: error: rank %d of %d: no answer from the other "
                   "workers within 10 s of a stop signal (%s): a worker has "
                   "died or was stopped; ending the job without a "
                   "checkpoint\n",
                   rank_, size_, what);
      abort(1);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(1000));
  }
}

bool run::parseCommBackend(const std::string &text, CommBackend &backend) {
  if (text == "auto")
    backend = CommBackend::Auto;
  else if (text == "mpi")
    backend = CommBackend::MPI;
  else if (text == "nccl")
    backend = CommBackend::NCCL;
  else
    return false;
  return true;
}

bool run::launchedByMPI(int &worldSize) {
  worldSize = 0;
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char *value = std::getenv(name)) {
      worldSize = std::atoi(value);
      return true;
    }
  return std::getenv("PMIX_RANK") != nullptr;
}

/// The local or the MPI communicator.
static std::unique_ptr<Comm> createBaseComm(double timeoutSeconds,
                                            std::string &error) {
  int worldSize = 0;
  if (!launchedByMPI(worldSize))
    return std::make_unique<LocalComm>();
#ifdef TVQ_WITH_MPI
  return createMPIComm(timeoutSeconds, error);
#else
  (void)timeoutSeconds;
  if (worldSize == 1)
    return std::make_unique<LocalComm>();
  error = "this process was started by an MPI launcher (" +
          (worldSize ? std::to_string(worldSize) + " processes"
                     : std::string("PMIx")) +
          "), but this tvq-run was built without MPI: install Open MPI "
          "(libopenmpi-dev) and rebuild, or run one process";
  return nullptr;
#endif
}

/// Whether the workers of base agree to use NCCL (each one wants it or not
/// by its own options); every worker gets the same answer, or the same
/// problem, which rank 0 prints before base is finalized (error is then
/// empty: see createComm).
void run::reportBeforeFinalize(Comm &comm, const std::string &problem,
                               bool everyRank) {
  if (everyRank || comm.rank() == 0)
    std::fprintf(stderr, "tvq-run: error: %s\n", problem.c_str());
  std::fflush(stderr);
  comm.finalize();
}

static bool agreeOnNCCL(Comm &base, bool mine, bool &nccl, std::string &error) {
  nccl = mine;
  if (base.size() == 1)
    return true;
  std::vector<std::string> all =
      base.allGather(mine ? "nccl" : "mpi", "choosing the communicator");
  for (int r = 1; r < base.size(); ++r)
    if (all[r] != all[0]) {
      error = "the workers disagree on the communicator: rank " +
              std::to_string(r) + " chose " + all[r] + ", rank 0 chose " +
              all[0] +
              " (--comm, or with --comm=auto the module's target and "
              "--device); every worker must run the same tvq-run on the "
              "same model, data, settings and checkpoint";
      reportBeforeFinalize(base, error, /*everyRank=*/false);
      error.clear();
      return false;
    }
  return true;
}

std::unique_ptr<Comm> run::createComm(const CommOptions &options,
                                      std::string &error) {
  std::unique_ptr<Comm> base = createBaseComm(options.timeoutSeconds, error);
  if (!base)
    return nullptr;
  bool wanted = options.backend == CommBackend::NCCL ||
                (options.backend == CommBackend::Auto && base->size() > 1 &&
                 runsOnCuda(options));
  bool nccl = false;
  if (!agreeOnNCCL(*base, wanted, nccl, error))
    return nullptr;
  if (!nccl)
    return base;
  return createNCCLComm(std::move(base), options.timeoutSeconds, error);
}
