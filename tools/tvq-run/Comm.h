//===- Comm.h - The workers of a data-parallel training run -----*- C++ -*-===//
//
// `mpirun -np N tvq-run train ...` runs N workers; a Comm connects them. The
// training loop needs few collectives: a sum of float buffers (gradients,
// codebook statistics, metrics), an all-gather of strings (the start-up
// identity check) and a gather of bytes to rank 0 (the carried attention
// state of a checkpoint). Implementations: LocalComm (one worker, no MPI),
// MPI (CommMPI.cpp, when built with TVQ_WITH_MPI) and NCCL (CommNCCL.cpp:
// the sums go through libnccl on the GPU, everything else through the
// local or MPI communicator it wraps, which also bootstraps it).
//
// Every collective waits for the other workers at most the timeout given to
// createComm; past it the worker prints which collective stalled and ends
// the whole job (MPI_Abort), so no worker hangs on a dead or stuck peer.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_TVQ_RUN_COMM_H
#define TVQ_TOOLS_TVQ_RUN_COMM_H

#include <csignal>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace tvq::run {

class Comm {
public:
  virtual ~Comm() = default;
  int rank() const { return rank_; }
  int size() const { return size_; }
  /// "local", "mpi" or "nccl".
  virtual const char *backend() const = 0;
  /// One line for the run's start-up output: the backend and what it runs
  /// on (the NCCL version and the device).
  virtual std::string describe() const { return backend(); }
  /// Sums count floats over all workers, in place; every worker calls it
  /// with the same count. The buffer is reduced in buckets of at most
  /// bucketBytes that are all in flight at once. `what` names the
  /// collective in a timeout message.
  virtual void allReduceSum(float *data, int64_t count, const char *what) = 0;
  /// Starts the same sum without waiting for it: data must stay untouched
  /// until finishAllReduces returns. Every worker starts the same sums in
  /// the same order. A backend that cannot overlap (local, NCCL staged
  /// through the host) sums at once.
  virtual void startAllReduceSum(float *data, int64_t count, const char *what) {
    allReduceSum(data, count, what);
  }
  /// Lets the started sums advance without waiting (MPI progresses
  /// non-blocking collectives only inside its calls).
  virtual void progressAllReduces(const char * /*what*/) {}
  /// Waits for every started sum.
  virtual void finishAllReduces(const char * /*what*/) {}
  /// Every worker's string, in rank order.
  virtual std::vector<std::string> allGather(const std::string &mine,
                                             const char *what) = 0;
  /// Concatenates bytes bytes of every worker (all the same size) in rank
  /// order into out, on rank 0 only.
  virtual void gather(const void *data, int64_t bytes, std::vector<char> &out,
                      const char *what) = 0;
  /// Ends every worker with status (MPI_Abort); the local one just exits.
  [[noreturn]] virtual void abort(int status) = 0;
  /// Leaves the communicator cleanly; every worker calls it.
  virtual void finalize() {}

  /// Set by the training loop's SIGINT/SIGTERM handler. A wait that is
  /// still not complete 10 s after it was set gives up (a worker that died
  /// makes the launcher send SIGTERM to the others).
  static volatile std::sig_atomic_t interrupted;

protected:
  /// Polls done() with sleeps of 20 us growing to 1 ms (a busy wait would
  /// take a core from the workers still computing) until it returns true.
  /// Past timeout_ seconds, or 10 s after a stop signal, prints which
  /// collective (`what`) stalled and calls abort(1).
  void waitFor(const std::function<bool()> &done, const char *what);

  int rank_ = 0, size_ = 1;
  int64_t bucketBytes_ = 4 << 20;
  double timeout_ = 0;
};

/// Which communicator sums the gradients (`tvq-run train --comm`).
enum class CommBackend {
  Auto, ///< NCCL for a module that runs on CUDA with several workers, else
        ///< MPI (or the local one).
  MPI,  ///< MPI, or the local communicator in a run of one process.
  NCCL, ///< NCCL, even for a CPU module (the sums are staged through the
        ///< GPU) and in a run of one process.
};

/// Parses "auto", "mpi" or "nccl"; false for anything else.
bool parseCommBackend(const std::string &text, CommBackend &backend);

/// What createComm needs to know.
struct CommOptions {
  /// Bounds every wait for the other workers (0: none).
  double timeoutSeconds = 900;
  CommBackend backend = CommBackend::Auto;
  /// For Auto: the module and the --device flag ("" = the module's target)
  /// say whether the run is on CUDA.
  std::string modulePath, device;
};

/// The communicator of this process: MPI when launched by mpirun (or
/// another PMI launcher) with TVQ_WITH_MPI, else the local one; wrapped in
/// the NCCL communicator when options ask for it (CommBackend). With more
/// than one process but no MPI in this build, returns null and sets error.
/// When the workers disagree on the communicator or NCCL cannot be set up
/// (on any worker), every worker returns null with an empty error: the
/// problem has been printed already (reportBeforeFinalize).
std::unique_ptr<Comm> createComm(const CommOptions &options,
                                 std::string &error);

/// Prints problem (on every rank, or on rank 0 only when every rank has the
/// same one) and then leaves comm (finalize), in that order: a launcher
/// ends the other workers as soon as one exits with an error, which would
/// lose the messages of workers that had not printed theirs yet.
void reportBeforeFinalize(Comm &comm, const std::string &problem,
                          bool everyRank);

/// Whether an MPI launcher started this process (OMPI_COMM_WORLD_SIZE,
/// PMI_SIZE or PMIX_RANK is set), and the number of processes it says it
/// started (0 when it does not say).
bool launchedByMPI(int &worldSize);

#ifdef TVQ_WITH_MPI
/// CommMPI.cpp.
std::unique_ptr<Comm> createMPIComm(double timeoutSeconds, std::string &error);
#endif

/// CommNCCL.cpp: an NCCL communicator of the workers of base (the local
/// communicator for one process), bootstrapped over base. Null with error
/// when NCCL or the CUDA driver cannot be loaded or initialized on some
/// worker; base has then been finalized.
std::unique_ptr<Comm> createNCCLComm(std::unique_ptr<Comm> base,
                                     double timeoutSeconds, std::string &error);

} // namespace tvq::run

#endif // TVQ_TOOLS_TVQ_RUN_COMM_H
