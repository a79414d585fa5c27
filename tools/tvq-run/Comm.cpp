//===- Comm.cpp - One worker, and the choice of communicator --------------===//

#include "Comm.h"

#include <cstdlib>
#include <cstring>

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

} // namespace

bool run::launchedByMPI(int &worldSize) {
  worldSize = 0;
  for (const char *name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"})
    if (const char *value = std::getenv(name)) {
      worldSize = std::atoi(value);
      return true;
    }
  return std::getenv("PMIX_RANK") != nullptr;
}

std::unique_ptr<Comm> run::createComm(double timeoutSeconds,
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
