//===- CommMPI.cpp - Data-parallel workers over MPI -----------------------===//
//
// The collectives of Comm.h over MPI_COMM_WORLD. Each is started
// non-blocking (MPI_Iallreduce per bucket, MPI_Iallgatherv, MPI_Igather)
// and completed by a polling wait with a deadline: a peer that died is
// normally reported by mpirun, which ends the job; a peer that hangs (or a
// launcher that does not end the job) is caught by the deadline, and the
// worker that notices it names the collective and calls MPI_Abort.
//
//===----------------------------------------------------------------------===//

#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include "Comm.h"

#include <algorithm>
#include <climits>
#include <cstdio>

using namespace tvq;
using namespace tvq::run;

namespace {

class MPIComm : public Comm {
public:
  explicit MPIComm(double timeoutSeconds) {
    timeout_ = timeoutSeconds;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  const char *backend() const override { return "mpi"; }

  void allReduceSum(float *data, int64_t count, const char *what) override {
    std::vector<MPI_Request> requests;
    startBuckets(data, count, what, requests);
    wait(requests, what);
  }

  void startAllReduceSum(float *data, int64_t count,
                         const char *what) override {
    startBuckets(data, count, what, pending_);
  }

  void progressAllReduces(const char *what) override {
    if (pending_.empty())
      return;
    int done = 0;
    check(MPI_Testall(static_cast<int>(pending_.size()), pending_.data(), &done,
                      MPI_STATUSES_IGNORE),
          what);
    if (done)
      pending_.clear();
  }

  void finishAllReduces(const char *what) override {
    wait(pending_, what);
    pending_.clear();
  }

  std::vector<std::string> allGather(const std::string &mine,
                                     const char *what) override {
    int length = static_cast<int>(mine.size());
    std::vector<int> lengths(size_), offsets(size_);
    std::vector<MPI_Request> requests(1);
    check(MPI_Iallgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT,
                         MPI_COMM_WORLD, &requests[0]),
          what);
    wait(requests, what);
    int total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[r] = total;
      total += lengths[r];
    }
    std::string all(static_cast<size_t>(total), '\0');
    check(MPI_Iallgatherv(mine.data(), length, MPI_CHAR, all.data(),
                          lengths.data(), offsets.data(), MPI_CHAR,
                          MPI_COMM_WORLD, &requests[0]),
          what);
    wait(requests, what);
    std::vector<std::string> strings;
    for (int r = 0; r < size_; ++r)
      strings.push_back(all.substr(offsets[r], lengths[r]));
    return strings;
  }

  void gather(const void *data, int64_t bytes, std::vector<char> &out,
              const char *what) override {
    if (bytes > INT_MAX) {
      std::fprintf(stderr,
                   "tvq-run: error: rank %d of %d: %s: %lld bytes per worker "
                   "exceed what one MPI message holds\n",
                   rank_, size_, what, static_cast<long long>(bytes));
      abort(1);
    }
    out.assign(rank_ == 0 ? static_cast<size_t>(bytes) * size_ : 0, 0);
    std::vector<MPI_Request> requests(1);
    check(MPI_Igather(data, static_cast<int>(bytes), MPI_BYTE, out.data(),
                      static_cast<int>(bytes), MPI_BYTE, 0, MPI_COMM_WORLD,
                      &requests[0]),
          what);
    wait(requests, what);
  }

  [[noreturn]] void abort(int status) override {
    std::fflush(stdout);
    std::fflush(stderr);
    MPI_Abort(MPI_COMM_WORLD, status);
    std::_Exit(status);
  }

  void finalize() override { MPI_Finalize(); }

private:
  /// Starts the sum of data[0..count) in buckets of at most bucketBytes_,
  /// adding their requests to requests.
  void startBuckets(float *data, int64_t count, const char *what,
                    std::vector<MPI_Request> &requests) {
    int64_t bucket = std::max<int64_t>(1, bucketBytes_ / sizeof(float));
    for (int64_t start = 0; start < count; start += bucket) {
      int n = static_cast<int>(std::min(bucket, count - start));
      requests.emplace_back();
      check(MPI_Iallreduce(MPI_IN_PLACE, data + start, n, MPI_FLOAT, MPI_SUM,
                           MPI_COMM_WORLD, &requests.back()),
            what);
    }
  }

  void check(int code, const char *what) {
    if (code == MPI_SUCCESS)
      return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(code, text, &length);
    std::fprintf(stderr, "tvq-run: error: rank %d of %d: %s: %.*s\n", rank_,
                 size_, what, length, text);
    abort(1);
  }

  /// Completes requests (Comm::waitFor: polling, with the deadline).
  void wait(std::vector<MPI_Request> &requests, const char *what) {
    waitFor(
        [&] {
          int done = 0;
          check(MPI_Testall(static_cast<int>(requests.size()), requests.data(),
                            &done, MPI_STATUSES_IGNORE),
                what);
          return done != 0;
        },
        what);
  }

  /// The sums started (startAllReduceSum) and not yet finished.
  std::vector<MPI_Request> pending_;
};

} // namespace

std::unique_ptr<Comm> run::createMPIComm(double timeoutSeconds,
                                         std::string &error) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    if (MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided) !=
        MPI_SUCCESS) {
      error = "MPI_Init_thread failed";
      return nullptr;
    }
  }
  // Errors come back as codes (MPIComm::check reports them) instead of
  // aborting inside MPI without a word.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return std::make_unique<MPIComm>(timeoutSeconds);
}
