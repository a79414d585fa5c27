// FMA peak of this machine: independent fp32 FMA chains in registers, on 1..N
// threads. Prints one JSON line per thread count: {"threads": N, "gflops": G,
// "isa": "avx512"|"avx2"}. Built by bench/run.py with -O3 -march=native; each
// thread runs 16 (AVX-512) or 12 (AVX2) independent accumulators so that FMA
// latency is hidden.
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

int main(int argc, char **argv) {
  int maxThreads = argc > 1 ? std::atoi(argv[1]) : 2;
  const long iterations = 100000000 / kChains;
  for (int threads = 1; threads <= maxThreads; ++threads) {
    double best = 0;
    for (int rep = 0; rep < 3; ++rep) {
      std::vector<std::thread> pool;
      std::vector<float> sink(threads);
      auto start = std::chrono::steady_clock::now();
      for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] { sink[t] = kernel(iterations, 1.0f + t); });
      for (auto &th : pool)
        th.join();
      double s = std::chrono::duration<double>(
                     std::chrono::steady_clock::now() - start)
                     .count();
      double flops = 2.0 * kLanes * kChains * double(iterations) * threads;
      if (flops / s / 1e9 > best)
        best = flops / s / 1e9;
      if (sink[0] == 12345.0f)
        std::printf("#");
    }
    std::printf("{\"threads\": %d, \"gflops\": %.1f, \"isa\": \"%s\"}\n",
                threads, best, kIsa);
  }
  return 0;
}
