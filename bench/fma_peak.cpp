// FMA peak of this machine: independent fp32 FMA chains in registers, on 1..N
// threads. Prints one JSON line per thread count: {"threads": N, "gflops": G,
// "isa": "avx512"|"avx2"}. Built by bench/run.py with -O3 -march=native; each
// thread runs 16 (AVX-512) or 12 (AVX2) independent accumulators so that FMA
// latency is hidden. Compiled with AVX512-BF16 (__AVX512BF16__), it also
// measures vdpbf16ps (32 bf16 products accumulated into 16 fp32 lanes per
// instruction, 64 FLOPs) the same way and prints one more JSON line per thread
// count with "isa": "avx512_bf16".
#include <immintrin.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
using Vec = __m512;
static const char *kIsa = "avx512";
static constexpr int kLanes = 16, kChains = 16;
static inline Vec splat(float x) { return _mm512_set1_ps(x); }
static inline Vec fma(Vec a, Vec b, Vec c) { return _mm512_fmadd_ps(a, b, c); }
static inline float sum(Vec v) { return _mm512_reduce_add_ps(v); }
#else
using Vec = __m256;
static const char *kIsa = "avx2";
static constexpr int kLanes = 8, kChains = 12;
static inline Vec splat(float x) { return _mm256_set1_ps(x); }
static inline Vec fma(Vec a, Vec b, Vec c) { return _mm256_fmadd_ps(a, b, c); }
static inline float sum(Vec v) {
  float f[8];
  _mm256_storeu_ps(f, v);
  return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#endif

static float kernel(long iterations, float seed) {
  Vec acc[kChains];
  for (int i = 0; i < kChains; ++i)
    acc[i] = splat(seed + i);
  const Vec a = splat(0.999999f), b = splat(1e-7f);
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < kChains; ++i)
      acc[i] = fma(acc[i], a, b);
  float s = 0;
  for (int i = 0; i < kChains; ++i)
    s += sum(acc[i]);
  return s;
}

#if defined(__AVX512BF16__)
/// 16 independent vdpbf16ps chains: 16 x 64 FLOPs per iteration.
static constexpr int kBF16Chains = 16;
static float kernelBF16(long iterations, float seed) {
  __m512 acc[kBF16Chains];
  for (int i = 0; i < kBF16Chains; ++i)
    acc[i] = _mm512_set1_ps(seed + i);
  const __m512bh a =
      _mm512_cvtne2ps_pbh(_mm512_set1_ps(0.5f), _mm512_set1_ps(0.25f));
  const __m512bh b =
      _mm512_cvtne2ps_pbh(_mm512_set1_ps(1e-7f), _mm512_set1_ps(-1e-7f));
  for (long it = 0; it < iterations; ++it)
    for (int i = 0; i < kBF16Chains; ++i)
      acc[i] = _mm512_dpbf16_ps(acc[i], a, b);
  float s = 0;
  for (int i = 0; i < kBF16Chains; ++i)
    s += _mm512_reduce_add_ps(acc[i]);
  return s;
}
#endif

/// Best of 3 runs of `kernel` on `threads` threads, in GFLOP/s.
template <typename Kernel>
static double measure(Kernel kernel, int threads, long iterations,
                      double flopsPerIteration) {
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    std::vector<std::thread> pool;
    std::vector<float> sink(threads);
    auto start = std::chrono::steady_clock::now();
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] { sink[t] = kernel(iterations, 1.0f + t); });
    for (auto &th : pool)
      th.join();
    double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
            .count();
    double flops = flopsPerIteration * double(iterations) * threads;
    if (flops / s / 1e9 > best)
      best = flops / s / 1e9;
    if (sink[0] == 12345.0f)
      std::printf("#");
  }
  return best;
}

int main(int argc, char **argv) {
  int maxThreads = argc > 1 ? std::atoi(argv[1]) : 2;
  const long iterations = 100000000 / kChains;
  for (int threads = 1; threads <= maxThreads; ++threads) {
    double best = measure(kernel, threads, iterations, 2.0 * kLanes * kChains);
    std::printf("{\"threads\": %d, \"gflops\": %.1f, \"isa\": \"%s\"}\n",
                threads, best, kIsa);
  }
#if defined(__AVX512BF16__)
  // As many instructions as the fp32 kernel (each does twice its FLOPs).
  const long bf16Iterations = 100000000 / kBF16Chains;
  for (int threads = 1; threads <= maxThreads; ++threads) {
    double best =
        measure(kernelBF16, threads, bf16Iterations, 64.0 * kBF16Chains);
    std::printf("{\"threads\": %d, \"gflops\": %.1f, \"isa\": "
                "\"avx512_bf16\"}\n",
                threads, best);
  }
#endif
  return 0;
}
