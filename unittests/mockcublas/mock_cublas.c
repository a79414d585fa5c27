/* mock_cublas.c - a stand-in for cuBLAS (libcublas.so.13) in tests. */
/*
 * NOT cuBLAS: a small C library, built as libcublas.so.13 in its own
 * directory, that defines the five functions the runtime's GEMM calls
 * resolve (runtime/lib/CudaBlas.cpp), for the CUDA backend's tests with the
 * mock driver, whose device memory is host memory. Select it with
 * TVQ_CUBLAS_LIBRARY=/path/to/libcublas.so.13.
 *
 * - cublasSgemmStridedBatched computes its product on the host, column-major
 *   as cuBLAS defines it, and appends "cublasSgemmStridedBatched TATB m n k
 *   lda ldb ldc batch" to TVQ_MOCK_CUDA_LOG (the mock driver's log).
 * - cublasGemmStridedBatchedEx (f32 operands only) does the same, logging
 *   "cublasGemmStridedBatchedEx COMPUTE TATB m n k lda ldb ldc batch".
 * - TVQ_MOCK_CUBLAS_FAIL=NAME makes function NAME return
 *   CUBLAS_STATUS_EXECUTION_FAILED (13), whose text is
 *   "mock CUBLAS_STATUS_EXECUTION_FAILED".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT __attribute__((visibility("default")))

struct cublasContext {
  void *stream;
};
struct CUstream_st;

static int failing(const char *function) {
  const char *name = getenv("TVQ_MOCK_CUBLAS_FAIL");
  return name && strcmp(name, function) == 0;
}

static void logLine(const char *line) {
  const char *path = getenv("TVQ_MOCK_CUDA_LOG");
  FILE *file = path ? fopen(path, "a") : NULL;
  if (!file)
    return;
  fprintf(file, "%s\n", line);
  fclose(file);
}

EXPORT int cublasCreate_v2(struct cublasContext **handle) {
  if (failing("cublasCreate_v2"))
    return 13;
  *handle = calloc(1, sizeof(struct cublasContext));
  logLine("cublasCreate_v2");
  return 0;
}

EXPORT int cublasSetStream_v2(struct cublasContext *handle,
                              struct CUstream_st *stream) {
  if (failing("cublasSetStream_v2"))
    return 13;
  handle->stream = stream;
  return 0;
}

EXPORT const char *cublasGetStatusString(int status) {
  return status == 13 ? "mock CUBLAS_STATUS_EXECUTION_FAILED"
                      : "mock cuBLAS status";
}

static void product(int transa, int transb, int m, int n, int k,
                    const float *alpha, const float *a, int lda,
                    long long strideA, const float *b, int ldb,
                    long long strideB, const float *beta, float *c, int ldc,
                    long long strideC, int batch);

EXPORT int cublasGemmStridedBatchedEx(
    struct cublasContext *handle, int transa, int transb, int m, int n, int k,
    const void *alpha, const void *a, int typeA, int lda, long long strideA,
    const void *b, int typeB, int ldb, long long strideB, const void *beta,
    void *c, int typeC, int ldc, long long strideC, int batch, int compute,
    int algo) {
  (void)handle;
  (void)algo;
  if (failing("cublasGemmStridedBatchedEx"))
    return 13;
  if (typeA != 0 || typeB != 0 || typeC != 0)
    return 15; /* CUBLAS_STATUS_NOT_SUPPORTED: f32 only */
  char line[160];
  snprintf(line, sizeof(line),
           "cublasGemmStridedBatchedEx %d %c%c %d %d %d %d %d %d %d", compute,
           transa ? 'T' : 'N', transb ? 'T' : 'N', m, n, k, lda, ldb, ldc,
           batch);
  logLine(line);
  product(transa, transb, m, n, k, alpha, a, lda, strideA, b, ldb, strideB,
          beta, c, ldc, strideC, batch);
  return 0;
}

EXPORT int cublasSgemmStridedBatched(struct cublasContext *handle, int transa,
                                     int transb, int m, int n, int k,
                                     const float *alpha, const float *a,
                                     int lda, long long strideA, const float *b,
                                     int ldb, long long strideB,
                                     const float *beta, float *c, int ldc,
                                     long long strideC, int batch) {
  (void)handle;
  if (failing("cublasSgemmStridedBatched"))
    return 13;
  char line[160];
  snprintf(
      line, sizeof(line), "cublasSgemmStridedBatched %c%c %d %d %d %d %d %d %d",
      transa ? 'T' : 'N', transb ? 'T' : 'N', m, n, k, lda, ldb, ldc, batch);
  logLine(line);
  product(transa, transb, m, n, k, alpha, a, lda, strideA, b, ldb, strideB,
          beta, c, ldc, strideC, batch);
  return 0;
}

static void product(int transa, int transb, int m, int n, int k,
                    const float *alpha, const float *a, int lda,
                    long long strideA, const float *b, int ldb,
                    long long strideB, const float *beta, float *c, int ldc,
                    long long strideC, int batch) {
  for (int p = 0; p < batch; ++p)
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < m; ++i) {
        float sum = 0;
        for (int l = 0; l < k; ++l) {
          float x = transa ? a[p * strideA + l + (long long)i * lda]
                           : a[p * strideA + i + (long long)l * lda];
          float y = transb ? b[p * strideB + j + (long long)l * ldb]
                           : b[p * strideB + l + (long long)j * ldb];
          sum += x * y;
        }
        float *out = &c[p * strideC + i + (long long)j * ldc];
        *out = *alpha * sum + *beta * *out;
      }
}
