/* mock_nccl.c - a stand-in for NCCL (libnccl.so.2) in tests. */
/*
 * NOT NCCL: a small C library, built as libnccl.so.2 in its own directory,
 * that defines the NCCL functions tvq-run's NCCL communicator resolves
 * (tools/tvq-run/CommNCCL.cpp), over MPI and host memory, so that the
 * communicator can be tested on machines without a GPU (tvq-run loads it
 * with TVQ_NCCL_LIBRARY=/path/to/libnccl.so.2, together with the mock CUDA
 * driver, whose "device" memory is host memory).
 *
 * - Rank r of a communicator of n > 1 ranks is rank r of MPI_COMM_WORLD,
 *   which must have n processes and be initialized (tvq-run's MPI
 *   communicator does it); a communicator of one rank needs no MPI.
 * - ncclGetUniqueId makes an id of this process (host, pid, time, a
 *   counter); ncclCommInitRank checks that every rank passed the same one
 *   (MPI_Allgather), else fails with ncclInvalidArgument, as a bootstrap
 *   that did not broadcast rank 0's id would.
 * - ncclAllReduce sums float32 (ncclSum only) with MPI_Allreduce at once,
 *   on the calling thread; the stream is not used. ncclCommGetAsyncError
 *   reports ncclSuccess.
 * - TVQ_MOCK_NCCL_FAIL=NAME[,NAME...] makes the function NAME fail
 *   (ncclGetUniqueId, ncclCommInitRank, ncclAllReduce: ncclSystemError;
 *   ncclCommGetAsyncError: reports ncclRemoteError as the asynchronous
 *   error), with ncclGetLastError explaining it; TVQ_MOCK_NCCL_FAIL_RANK=R
 *   limits that to rank R. Read at every call.
 * - TVQ_MOCK_NCCL_LOG=PATH appends one line per call to PATH (e.g.
 *   "ncclCommInitRank 2 1", "ncclAllReduce 1234").
 * The error texts are the mock's own.
 */
#include <mpi.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The types under nccl.h's names (as tvq-run declares them). */
typedef int ncclResult_t;
typedef struct ncclUniqueId {
  char internal[128];
} ncclUniqueId;
typedef struct ncclComm *ncclComm_t;
typedef struct CUstream_st *cudaStream_t;

enum {
  ncclSuccess = 0,
  ncclUnhandledCudaError = 1,
  ncclSystemError = 2,
  ncclInternalError = 3,
  ncclInvalidArgument = 4,
  ncclInvalidUsage = 5,
  ncclRemoteError = 6,
  ncclInProgress = 7,
};

enum { ncclFloat32 = 7, ncclSum = 0 };

/* MOCK_NCCL_VERSION: reported by ncclGetVersion (2.99.0, no real one). */
#define MOCK_NCCL_VERSION 29900

#define EXPORT __attribute__((visibility("default")))

struct ncclComm {
  int ranks, rank;
};

/* The details of the last failure, for ncclGetLastError. */
static char lastError[256];

static ncclResult_t failWith(ncclResult_t result, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(lastError, sizeof(lastError), format, args);
  va_end(args);
  return result;
}

/* Appends one formatted line to $TVQ_MOCK_NCCL_LOG. */
static void logCall(const char *format, ...) {
  const char *path = getenv("TVQ_MOCK_NCCL_LOG");
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

/* Whether $TVQ_MOCK_NCCL_FAIL names function for this rank
   ($TVQ_MOCK_NCCL_FAIL_RANK, when set, names the one rank that fails). */
static int failing(const char *function, int rank) {
  const char *only = getenv("TVQ_MOCK_NCCL_FAIL_RANK");
  if (only && *only && atoi(only) != rank)
    return 0;
  const char *list = getenv("TVQ_MOCK_NCCL_FAIL");
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

/* The MPI_COMM_WORLD rank of this process, 0 without MPI. */
static int worldRank(void) {
  int initialized = 0, rank = 0;
  MPI_Initialized(&initialized);
  if (initialized)
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  return rank;
}

EXPORT const char *ncclGetErrorString(ncclResult_t result) {
  switch (result) {
  case ncclSuccess:
    return "mock NCCL: success";
  case ncclUnhandledCudaError:
    return "mock NCCL: a CUDA call failed";
  case ncclSystemError:
    return "mock NCCL: system error";
  case ncclInternalError:
    return "mock NCCL: internal error";
  case ncclInvalidArgument:
    return "mock NCCL: invalid argument";
  case ncclInvalidUsage:
    return "mock NCCL: invalid usage";
  case ncclRemoteError:
    return "mock NCCL: a remote rank failed";
  case ncclInProgress:
    return "mock NCCL: in progress";
  default:
    return "mock NCCL: unknown result";
  }
}

EXPORT const char *ncclGetLastError(ncclComm_t comm) {
  (void)comm;
  return lastError;
}

EXPORT ncclResult_t ncclGetVersion(int *version) {
  logCall("ncclGetVersion");
  if (!version)
    return failWith(ncclInvalidArgument, "ncclGetVersion: null pointer");
  *version = MOCK_NCCL_VERSION;
  return ncclSuccess;
}

EXPORT ncclResult_t ncclGetUniqueId(ncclUniqueId *id) {
  static unsigned counter;
  logCall("ncclGetUniqueId");
  if (failing("ncclGetUniqueId", worldRank()))
    return failWith(ncclSystemError,
                    "ncclGetUniqueId failure injected by TVQ_MOCK_NCCL_FAIL");
  if (!id)
    return failWith(ncclInvalidArgument, "ncclGetUniqueId: null id");
  memset(id->internal, 0, sizeof(id->internal));
  char host[64] = {0};
  gethostname(host, sizeof(host) - 1);
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  snprintf(id->internal, sizeof(id->internal), "mock-nccl %s %ld %lld.%09ld %u",
           host, (long)getpid(), (long long)now.tv_sec, now.tv_nsec, counter++);
  return ncclSuccess;
}

EXPORT ncclResult_t ncclCommInitRank(ncclComm_t *comm, int ranks,
                                     ncclUniqueId id, int rank) {
  logCall("ncclCommInitRank %d %d", ranks, rank);
  if (!comm || ranks < 1 || rank < 0 || rank >= ranks)
    return failWith(ncclInvalidArgument,
                    "ncclCommInitRank: rank %d of %d ranks", rank, ranks);
  if (failing("ncclCommInitRank", rank))
    return failWith(ncclSystemError,
                    "ncclCommInitRank failure injected by TVQ_MOCK_NCCL_FAIL");
  if (ranks > 1) {
    int initialized = 0, worldSize = 0, me = 0;
    MPI_Initialized(&initialized);
    if (!initialized)
      return failWith(ncclInvalidUsage,
                      "the mock maps %d ranks onto MPI, which is not "
                      "initialized",
                      ranks);
    MPI_Comm_size(MPI_COMM_WORLD, &worldSize);
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    if (worldSize != ranks || me != rank)
      return failWith(ncclInvalidArgument,
                      "the mock maps NCCL rank %d of %d onto MPI rank %d "
                      "of %d, which differs",
                      rank, ranks, me, worldSize);
    char *ids = malloc((size_t)ranks * sizeof(id.internal));
    if (!ids)
      return failWith(ncclSystemError, "out of memory");
    MPI_Allgather(id.internal, (int)sizeof(id.internal), MPI_BYTE, ids,
                  (int)sizeof(id.internal), MPI_BYTE, MPI_COMM_WORLD);
    for (int r = 0; r < ranks; ++r)
      if (memcmp(ids + (size_t)r * sizeof(id.internal), id.internal,
                 sizeof(id.internal))) {
        free(ids);
        return failWith(ncclInvalidArgument,
                        "rank %d passed another unique id than rank %d", r,
                        rank);
      }
    free(ids);
  }
  *comm = malloc(sizeof(struct ncclComm));
  if (!*comm)
    return failWith(ncclSystemError, "out of memory");
  (*comm)->ranks = ranks;
  (*comm)->rank = rank;
  return ncclSuccess;
}

EXPORT ncclResult_t ncclAllReduce(const void *send, void *receive, size_t count,
                                  int type, int op, ncclComm_t comm,
                                  cudaStream_t stream) {
  logCall("ncclAllReduce %zu", count);
  if (!comm || !send || !receive || !stream)
    return failWith(ncclInvalidArgument,
                    "ncclAllReduce: null communicator, buffer or stream");
  if (type != ncclFloat32 || op != ncclSum)
    return failWith(ncclInvalidArgument,
                    "the mock sums float32 only (type %d, op %d)", type, op);
  if (failing("ncclAllReduce", comm->rank))
    return failWith(ncclSystemError,
                    "ncclAllReduce failure injected by TVQ_MOCK_NCCL_FAIL");
  if (comm->ranks == 1) {
    if (send != receive)
      memmove(receive, send, count * sizeof(float));
    return ncclSuccess;
  }
  int inPlace = send == receive;
  for (size_t done = 0; done < count;) {
    size_t part = count - done < (1u << 30) ? count - done : (1u << 30);
    const void *in = inPlace ? MPI_IN_PLACE : (const float *)send + done;
    if (MPI_Allreduce(in, (float *)receive + done, (int)part, MPI_FLOAT,
                      MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
      return failWith(ncclSystemError, "MPI_Allreduce failed");
    done += part;
  }
  return ncclSuccess;
}

EXPORT ncclResult_t ncclCommGetAsyncError(ncclComm_t comm,
                                          ncclResult_t *error) {
  if (!comm || !error)
    return failWith(ncclInvalidArgument, "ncclCommGetAsyncError: null");
  *error = ncclSuccess;
  if (failing("ncclCommGetAsyncError", comm->rank)) {
    logCall("ncclCommGetAsyncError failing");
    failWith(ncclRemoteError,
             "asynchronous failure injected by TVQ_MOCK_NCCL_FAIL");
    *error = ncclRemoteError;
  }
  return ncclSuccess;
}

EXPORT ncclResult_t ncclCommDestroy(ncclComm_t comm) {
  logCall("ncclCommDestroy");
  if (!comm)
    return failWith(ncclInvalidArgument, "ncclCommDestroy: null");
  free(comm);
  return ncclSuccess;
}

EXPORT ncclResult_t ncclCommAbort(ncclComm_t comm) {
  logCall("ncclCommAbort");
  free(comm);
  return ncclSuccess;
}
