//===- CudaTest.cpp - Tests of the runtime's CUDA backend -----------------===//
//
// Against the mock driver (mockcuda/mock_cuda.c, loaded through
// TVQ_CUDA_DRIVER) and the hand-written CUDA module fixture
// (fixtures/cuda_add_one.c). The driver is loaded and initialized once per
// process, so every test runs its scenario in a child process of its own
// (fork) with the environment it needs, and checks what the child reports:
// its result text, its exit status, its stderr, and the mock's call log.
//
//===----------------------------------------------------------------------===//

#include "CudaWrappers.h"
#include "TestSupport.h"

#include <cstring>
#include <dlfcn.h>
#include <functional>
#include <map>
#include <sys/wait.h>
#include <unistd.h>

using namespace tvq::test;

namespace {

/// What a scenario run in a child process reported.
struct ChildResult {
  /// The exit status (-1 when killed by a signal).
  int status = -1;
  /// The text the scenario returned.
  std::string text;
  /// What it wrote to stderr.
  std::string err;
};

class CudaTest : public testing::Test {
protected:
  /// Runs scenario in a child process with env added to the environment.
  ChildResult isolated(const std::map<std::string, std::string> &env,
                       const std::function<std::string()> &scenario) {
    std::string textPath = dir.path("child.txt"), errPath = dir.path("err.txt");
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid == 0) {
      if (!std::freopen(errPath.c_str(), "w", stderr))
        _exit(97);
      for (const auto &[name, value] : env)
        setenv(name.c_str(), value.c_str(), 1);
      std::string text = scenario();
      std::FILE *file = std::fopen(textPath.c_str(), "w");
      if (!file)
        _exit(98);
      std::fwrite(text.data(), 1, text.size(), file);
      std::fclose(file);
      std::fflush(nullptr);
      _exit(0);
    }
    ChildResult result;
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid) {
      ADD_FAILURE() << "fork or waitpid failed";
      return result;
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.text = readFile(textPath);
    result.err = readFile(errPath);
    return result;
  }

  /// The environment that selects the mock driver and logs its calls,
  /// failing the functions in fail (comma-separated).
  std::map<std::string, std::string> mockEnv(const std::string &fail = "") {
    std::map<std::string, std::string> env = {
        {"TVQ_CUDA_DRIVER", kMockCudaDriver}, {"TVQ_MOCK_CUDA_LOG", logPath()}};
    if (!fail.empty())
      env["TVQ_MOCK_CUDA_FAIL"] = fail;
    return env;
  }

  std::string logPath() { return dir.path("driver.log"); }

  /// The mock driver's call log, one call per entry ("" when never loaded).
  std::vector<std::string> driverLog() {
    std::vector<std::string> lines;
    std::string text = readFile(logPath()), line;
    for (char c : text) {
      if (c == '\n') {
        lines.push_back(line);
        line.clear();
      } else {
        line += c;
      }
    }
    return lines;
  }

  /// How many lines of the log start with prefix.
  int countCalls(const std::string &prefix) {
    int count = 0;
    for (const std::string &line : driverLog())
      count += line.compare(0, prefix.size(), prefix) == 0;
    return count;
  }

  TempDir dir;
};

/// Expects text to contain part.
void expectContains(const std::string &text, const std::string &part) {
  EXPECT_NE(text.find(part), std::string::npos)
      << "text: " << text << "\nexpected to contain: " << part;
}

/// Loads the CUDA fixture, calls it on x = {1, 2, 3} (calls times) and
/// returns "y=... z=... w=..." or "load error: ..." / "call error: ...".
std::string callAddOne(int calls = 1) {
  ModulePtr module(tvq_module_load(kCudaAddOneModule));
  if (!module)
    return std::string("load error: ") + tvq_last_error();
  std::string text;
  for (int i = 0; i < calls; ++i) {
    TensorPtr x = makeTensor<float>({3}, {1, 2, 3});
    const tvq_tensor *inputs[] = {x.get()};
    tvq_tensor *outputs[3] = {};
    if (tvq_call(module.get(), "add_one", inputs, 1, outputs, 3) != 0)
      return std::string("call error: ") + tvq_last_error();
    text.clear();
    for (int j = 0; j < 3; ++j) {
      TensorPtr output(outputs[j]);
      text += std::string(j ? " " : "") + "yzw"[j] + "=";
      for (float value : valuesOf<float>(output.get()))
        text += std::to_string(static_cast<int>(value)) + ",";
    }
  }
  return text;
}

/// Whether the mock driver library is loaded in this process.
bool mockLoaded() {
  void *handle = dlopen(kMockCudaDriver, RTLD_NOW | RTLD_NOLOAD);
  if (handle)
    dlclose(handle);
  return handle != nullptr;
}

TEST_F(CudaTest, NoDriverIsAClearError) {
  std::string missing = dir.path("nowhere/libcuda.so.1");
  ChildResult result =
      isolated({{"TVQ_CUDA_DRIVER", missing}}, [] { return callAddOne(); });
  ASSERT_EQ(result.status, 0) << result.err;
  expectContains(result.text, "load error: cannot load module '" +
                                  std::string(kCudaAddOneModule) +
                                  "': no CUDA driver: cannot load " + missing +
                                  " (");
  expectContains(result.text, "; this module was compiled with --target=cuda; "
                              "compile with --target=cpu to run on this "
                              "machine");
}

TEST_F(CudaTest, InspectionNeedsNoDriverAndCallsNothing) {
  std::string missing = dir.path("nowhere/libcuda.so.1");
  ChildResult result = isolated({{"TVQ_CUDA_DRIVER", missing}}, [] {
    ModulePtr module(tvq_module_load_device(kCudaAddOneModule, "inspect"));
    if (!module)
      return std::string("load error: ") + tvq_last_error();
    std::string text = std::string("target ") +
                       tvq_module_target(module.get()) + ", entry " +
                       tvq_entry_name(tvq_module_entry(module.get(), 0));
    TensorPtr x = makeTensor<float>({3}, {1, 2, 3});
    const tvq_tensor *inputs[] = {x.get()};
    tvq_tensor *outputs[3] = {};
    if (tvq_call(module.get(), "add_one", inputs, 1, outputs, 3) != 0)
      text += std::string("; call error: ") + tvq_last_error();
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(
      result.text,
      "target cuda, entry add_one; call error: entry 'add_one': module '" +
          std::string(kCudaAddOneModule) +
          "' was loaded for inspection (device \"inspect\"): load it "
          "for cpu or cuda to call its entries");
  // The driver was never loaded.
  EXPECT_EQ(driverLog().size(), 0u);
}

TEST_F(CudaTest, InitFailureNamesTheCallAndTheError) {
  ChildResult result = isolated(mockEnv("cuInit"), [] { return callAddOne(); });
  ASSERT_EQ(result.status, 0) << result.err;
  expectContains(result.text, "load error: cannot load module '" +
                                  std::string(kCudaAddOneModule) +
                                  "': cuInit: CUDA_ERROR_NO_DEVICE (no "
                                  "CUDA-capable device is detected)");
}

TEST_F(CudaTest, RunsOnTheMockDriver) {
  ChildResult result = isolated(mockEnv(), [] { return callAddOne(2); });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "y=2,3,4, z=2,3,4, w=1,2,3,");
  EXPECT_EQ(result.err, "");
  // The driver: initialized once, device 0, its primary context.
  EXPECT_EQ(countCalls("cuInit 0"), 1);
  EXPECT_EQ(countCalls("cuDeviceGet 0"), 1);
  EXPECT_EQ(countCalls("cuDevicePrimaryCtxRetain"), 1);
  // The module's image is loaded once, at its first kernel lookup.
  EXPECT_EQ(countCalls("cuModuleLoadData"), 1);
  EXPECT_EQ(countCalls("cuModuleGetFunction add_one"), 2);
  EXPECT_EQ(countCalls("cuLaunchKernel 1 1 1 3 1 1 0"), 2);
  EXPECT_EQ(countCalls("cuModuleUnload"), 1);
  // Each call: the input copy, the temporary, y. The first call allocates
  // them, the second reuses the freed blocks (the runtime's block cache);
  // unloading the module gives every block back, once (the mock would crash
  // on a double free).
  EXPECT_EQ(countCalls("cuMemAllocManaged 12 1"), 3);
  EXPECT_EQ(countCalls("cuMemAllocManaged"), countCalls("cuMemFree_v2"));
  EXPECT_EQ(countCalls("cuCtxSynchronize"), 2);
  // Launches do not wait (tvq-async-launches): the only waits are the
  // calls' ends.
  EXPECT_EQ(countCalls("cuStreamSynchronize"), 0);
  // One stream for the thread, kept across launches and calls.
  EXPECT_EQ(countCalls("cuStreamCreate"), 1);
  EXPECT_EQ(countCalls("cuStreamDestroy"), 0);
}

TEST_F(CudaTest, OutputsStayInManagedMemoryAndGoBackWithoutACopy) {
  // y's block is handed over to the output tensor (no copy); passed back as
  // the next call's input it is not copied either. z, the same buffer, and
  // w, the input, are copied to the host.
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUDA_CACHE_BYTES"] = "0"; // every allocation is the driver's
  ChildResult result = isolated(env, [] {
    ModulePtr module(tvq_module_load(kCudaAddOneModule));
    if (!module)
      return std::string("load error: ") + tvq_last_error();
    TensorPtr x = makeTensor<float>({3}, {1, 2, 3});
    std::string text;
    for (int i = 0; i < 3; ++i) {
      const tvq_tensor *inputs[] = {x.get()};
      tvq_tensor *outputs[3] = {};
      if (tvq_call(module.get(), "add_one", inputs, 1, outputs, 3) != 0)
        return std::string("call error: ") + tvq_last_error();
      TensorPtr y(outputs[0]), z(outputs[1]), w(outputs[2]);
      text += tvq_tensor_data(y.get()) != tvq_tensor_data(z.get()) ? "" : "!";
      for (float value : valuesOf<float>(y.get()))
        text += std::to_string(static_cast<int>(value)) + ",";
      for (float value : valuesOf<float>(w.get()))
        text += std::to_string(static_cast<int>(value)) + ",";
      text += " ";
      x = std::move(y);
    }
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "2,3,4,1,2,3, 3,4,5,2,3,4, 4,5,6,3,4,5, ");
  // Call 1: the copy of x, the temporary and y; calls 2 and 3: the
  // temporary and y, no copy.
  EXPECT_EQ(countCalls("cuMemAllocManaged 12 1"), 7);
  EXPECT_EQ(countCalls("cuMemFree_v2"), 7);
}

TEST_F(CudaTest, TensorsCopiedForTheModuleGoInWithoutACopy) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUDA_CACHE_BYTES"] = "0";
  ChildResult result = isolated(env, [] {
    ModulePtr module(tvq_module_load(kCudaAddOneModule));
    if (!module)
      return std::string("load error: ") + tvq_last_error();
    TensorPtr host = makeTensor<float>({3}, {1, 2, 3});
    TensorPtr placed(tvq_tensor_copy_for_module(module.get(), host.get()));
    if (!placed)
      return std::string("copy error: ") + tvq_last_error();
    std::string text;
    for (float value : valuesOf<float>(placed.get()))
      text += std::to_string(static_cast<int>(value)) + ",";
    for (int i = 0; i < 2; ++i) {
      const tvq_tensor *inputs[] = {placed.get()};
      tvq_tensor *outputs[3] = {};
      if (tvq_call(module.get(), "add_one", inputs, 1, outputs, 3) != 0)
        return std::string("call error: ") + tvq_last_error();
      TensorPtr y(outputs[0]), z(outputs[1]), w(outputs[2]);
      text += " ";
      for (float value : valuesOf<float>(y.get()))
        text += std::to_string(static_cast<int>(value)) + ",";
    }
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "1,2,3, 2,3,4, 2,3,4,");
  // The placed copy, then per call the temporary and y: no input copy.
  EXPECT_EQ(countCalls("cuMemAllocManaged 12 1"), 5);
  EXPECT_EQ(countCalls("cuMemFree_v2"), 5);
}

TEST_F(CudaTest, EachLaunchWaitsWhenAskedOrWhenTheHostMustNotTouchMemory) {
  // TVQ_CUDA_SYNC=1, or a device without concurrent managed access (where
  // host code may not touch managed memory while a kernel runs): the
  // runtime waits after every launch.
  for (const char *variable :
       {"TVQ_CUDA_SYNC", "TVQ_MOCK_CUDA_NO_CONCURRENT_MANAGED"}) {
    SCOPED_TRACE(variable);
    std::map<std::string, std::string> env = mockEnv();
    env[variable] = "1";
    ChildResult result = isolated(env, [] { return callAddOne(2); });
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.text, "y=2,3,4, z=2,3,4, w=1,2,3,");
    EXPECT_EQ(countCalls("cuStreamSynchronize"), 2);
    std::remove(logPath().c_str());
  }
  // A kernel failing with waits on is named.
  std::map<std::string, std::string> env = mockEnv("cuStreamSynchronize");
  env["TVQ_CUDA_SYNC"] = "1";
  ChildResult result = isolated(env, [] { return callAddOne(); });
  ASSERT_EQ(result.status, 0) << result.err;
  expectContains(result.text,
                 "call error: entry 'add_one': cuStreamSynchronize: "
                 "CUDA_ERROR_UNKNOWN (unknown error) after kernel 'add_one'");
}

TEST_F(CudaTest, HostCodeWaitsOnlyWhenWorkIsQueued) {
  // _tvq_cuda_wait, which compiled host code calls before touching a buffer
  // the device uses: a wait when work is queued, nothing otherwise.
  ChildResult result = isolated(mockEnv(), [] {
    CUstream stream = mgpuStreamCreate();
    void *a = _mlir_memref_to_llvm_alloc(16);
    _tvq_cuda_wait(); // nothing queued yet
    mgpuMemset32(a, 0, 4, stream);
    _tvq_cuda_wait(); // waits
    _tvq_cuda_wait(); // nothing queued since
    _mlir_memref_to_llvm_free(a);
    return std::string("done");
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "done");
  EXPECT_EQ(countCalls("cuCtxSynchronize"), 1);
}

TEST_F(CudaTest, ProfileNamesEachKernelsOp) {
  // TVQ_CUDA_PROFILE: each kernel's time at exit, with the op the module's
  // _tvq_kernel_sources table says it computes; a wait after every launch.
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUDA_PROFILE"] = "1";
  std::string textPath = dir.path("child.txt");
  ChildResult result = isolated(env, [&textPath] {
    // The profile prints at exit: leave through exit(), not isolated's
    // _exit, after writing what isolated would.
    std::string text = callAddOne(2);
    if (std::FILE *file = std::fopen(textPath.c_str(), "w")) {
      std::fwrite(text.data(), 1, text.size(), file);
      std::fclose(file);
    }
    std::exit(0);
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "y=2,3,4, z=2,3,4, w=1,2,3,");
  expectContains(result.err, "tvq runtime: CUDA profile: ");
  expectContains(result.err, "2 x  add_one (add_one at cuda_add_one.c:1:1)\n");
  EXPECT_EQ(countCalls("cuStreamSynchronize"), 2);
}

TEST_F(CudaTest, BlocksFreedWhileWorkIsQueuedWaitForTheDevice) {
  ChildResult result = isolated(mockEnv(), [] {
    std::string text;
    CUstream stream = mgpuStreamCreate();
    void *a = _mlir_memref_to_llvm_alloc(100);
    mgpuMemset32(a, 0, 25, stream); // queued: a may be in use
    _mlir_memref_to_llvm_free(a);
    void *b = _mlir_memref_to_llvm_alloc(100);
    text += a == b ? "reused-too-early " : "fresh ";
    // Freeing 1 GiB while work is queued makes the runtime wait; every
    // block freed before is then idle again.
    const size_t big = size_t(1) << 30;
    void *c = _mlir_memref_to_llvm_alloc(big);
    _mlir_memref_to_llvm_free(b);
    _mlir_memref_to_llvm_free(c);
    void *d = _mlir_memref_to_llvm_alloc(100);
    void *e = _mlir_memref_to_llvm_alloc(big);
    text += (d == a || d == b) && e == c ? "reused" : "not-reused";
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "fresh reused");
  EXPECT_EQ(countCalls("cuMemAllocManaged 100 1"), 2);
  EXPECT_EQ(countCalls("cuMemAllocManaged 1073741824 1"), 1);
  EXPECT_EQ(countCalls("cuCtxSynchronize"), 1);
  EXPECT_EQ(countCalls("cuMemFree_v2"), 0);
}

TEST_F(CudaTest, OutputHookWaitsForTheDevice) {
  // The fixture announces y right after its launch; the runtime's
  // trampoline must wait for the device (cuCtxSynchronize) before the hook
  // reads the managed buffer.
  ChildResult result = isolated(mockEnv(), [this] {
    ModulePtr module(tvq_module_load(kCudaAddOneModule));
    if (!module)
      return std::string("load error: ") + tvq_last_error();
    struct Seen {
      std::string text;
      std::function<std::vector<std::string>()> log;
    } seen{"", [this] { return driverLog(); }};
    auto hook = [](void *context, int64_t index, const void *data,
                   int64_t bytes) {
      auto &s = *static_cast<Seen *>(context);
      std::vector<std::string> log = s.log();
      s.text += "index " + std::to_string(index) + ", " +
                std::to_string(bytes) + " bytes, last driver call " +
                (log.empty() ? "none" : log.back()) + ", data";
      for (int64_t i = 0; i < bytes / 4; ++i)
        s.text += " " + std::to_string(static_cast<const float *>(data)[i]);
    };
    if (tvq_module_set_output_hook(module.get(), hook, &seen) != 0)
      return std::string("hook error: ") + tvq_last_error();
    TensorPtr x = makeTensor<float>({3}, {1, 2, 3});
    const tvq_tensor *inputs[] = {x.get()};
    tvq_tensor *outputs[3] = {};
    if (tvq_call(module.get(), "add_one", inputs, 1, outputs, 3) != 0)
      return std::string("call error: ") + tvq_last_error();
    for (tvq_tensor *output : outputs)
      tvq_tensor_destroy(output);
    return seen.text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "index 0, 12 bytes, last driver call "
                         "cuCtxSynchronize, data 2.000000 3.000000 4.000000");
}

TEST_F(CudaTest, ModuleLoadingIsLazy) {
  ChildResult result = isolated(mockEnv(), [this] {
    ModulePtr module(tvq_module_load(kCudaAddOneModule));
    if (!module)
      return std::string("load error: ") + tvq_last_error();
    // The constructor ran (mgpuModuleLoad) and the driver is initialized,
    // but no image was loaded.
    std::string text = std::to_string(countCalls("cuInit")) + " " +
                       std::to_string(countCalls("cuModuleLoadData"));
    module.reset();
    return text + " " + std::to_string(countCalls("cuModuleUnload"));
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "1 0 0");
}

TEST_F(CudaTest, ModuleLoadDoesNotTouchTheDriver) {
  ChildResult result = isolated(mockEnv(), [] {
    static const char image[] = "tvq-mock-module";
    void *module = mgpuModuleLoad(const_cast<char *>(image), sizeof(image));
    void *jit = mgpuModuleLoadJIT(const_cast<char *>(image), 3);
    std::string text = std::string(module ? "handle" : "null") + " " +
                       (mockLoaded() ? "loaded" : "not loaded");
    mgpuModuleUnload(module);
    mgpuModuleUnload(jit);
    mgpuModuleUnload(nullptr);
    return text + " " + (mockLoaded() ? "loaded" : "not loaded");
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "handle not loaded not loaded");
  EXPECT_EQ(readFile(logPath()), "");
}

TEST_F(CudaTest, LaunchFailureIsTheCallsError) {
  ChildResult result = isolated(mockEnv("cuLaunchKernel"), [] {
    std::string failed = callAddOne();
    // The next call runs normally: the error belonged to the first.
    unsetenv("TVQ_MOCK_CUDA_FAIL");
    return failed + "\n" + callAddOne();
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "call error: entry 'add_one': cuLaunchKernel: "
                         "CUDA_ERROR_LAUNCH_FAILED (unspecified launch "
                         "failure)\ny=2,3,4, z=2,3,4, w=1,2,3,");
  // The memset after the failed launch was skipped, the one of the second
  // call was not; all buffers were freed.
  EXPECT_EQ(countCalls("cuMemsetD32Async"), 1);
  EXPECT_EQ(countCalls("cuMemAllocManaged"), countCalls("cuMemFree_v2"));
}

TEST_F(CudaTest, ModuleLoadFailureIsTheCallsError) {
  ChildResult result =
      isolated(mockEnv("cuModuleLoadData"), [] { return callAddOne(); });
  ASSERT_EQ(result.status, 0) << result.err;
  expectContains(result.text,
                 "call error: entry 'add_one': cuModuleLoadData: "
                 "CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed)");
  EXPECT_EQ(countCalls("cuLaunchKernel"), 0);
}

TEST_F(CudaTest, JitFailureIncludesTheLog) {
  auto env = mockEnv("cuModuleLoadDataEx");
  env["TVQ_FIXTURE_CUDA_JIT"] = "1";
  ChildResult result = isolated(env, [] { return callAddOne(); });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text,
            "call error: entry 'add_one': cuModuleLoadDataEx: "
            "CUDA_ERROR_INVALID_PTX (a PTX JIT compilation failed) compiling "
            "the module's PTX: ptxas fatal   : mock JIT failure");
  EXPECT_EQ(countCalls("cuModuleLoadDataEx 3"), 1);
}

TEST_F(CudaTest, SynchronizationFailureIsTheCallsError) {
  ChildResult result =
      isolated(mockEnv("cuCtxSynchronize"), [] { return callAddOne(); });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "call error: entry 'add_one': cuCtxSynchronize: "
                         "CUDA_ERROR_LAUNCH_FAILED (unspecified launch "
                         "failure)");
}

TEST_F(CudaTest, AllocationFailureExits) {
  ChildResult result =
      isolated(mockEnv("cuMemAllocManaged"), [] { return callAddOne(); });
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.text, "");
  expectContains(result.err,
                 "tvq runtime: fatal error: cuMemAllocManaged(12 bytes): "
                 "CUDA_ERROR_OUT_OF_MEMORY (out of memory)");

  result = isolated(mockEnv("cuMemAllocManaged"), [] {
    _mlir_memref_to_llvm_alloc(1000);
    return std::string("survived");
  });
  EXPECT_EQ(result.status, 1);
  EXPECT_EQ(result.text, "");
  expectContains(result.err, "cuMemAllocManaged(1000 bytes): "
                             "CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
}

TEST_F(CudaTest, ModuleMemoryIsManagedMemory) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUDA_CACHE_BYTES"] = "0"; // every free goes to the driver
  ChildResult result = isolated(env, [] {
    std::string text;
    auto *plain = static_cast<char *>(_mlir_memref_to_llvm_alloc(100));
    std::memset(plain, 1, 100);
    auto *wide =
        static_cast<char *>(_mlir_memref_to_llvm_aligned_alloc(4096, 10));
    auto *small =
        static_cast<char *>(_mlir_memref_to_llvm_aligned_alloc(64, 0));
    text += std::to_string(reinterpret_cast<uintptr_t>(wide) % 4096) + " " +
            std::to_string(reinterpret_cast<uintptr_t>(small) % 64);
    std::memset(wide, 1, 10);
    _mlir_memref_to_llvm_free(plain);
    _mlir_memref_to_llvm_free(wide);
    _mlir_memref_to_llvm_free(small);
    _mlir_memref_to_llvm_free(nullptr);
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "0 0");
  EXPECT_EQ(countCalls("cuMemAllocManaged 100 1"), 1);
  EXPECT_EQ(countCalls("cuMemAllocManaged 4106 1"), 1);
  EXPECT_EQ(countCalls("cuMemAllocManaged 1 1"), 1);
  EXPECT_EQ(countCalls("cuMemFree_v2"), 3);
}

TEST_F(CudaTest, FreedBlocksAreReused) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUDA_CACHE_BYTES"] = "150";
  ChildResult result = isolated(env, [] {
    std::string text;
    void *a = _mlir_memref_to_llvm_alloc(100);
    _mlir_memref_to_llvm_free(a);
    // The same size and alignment: the freed block.
    void *b = _mlir_memref_to_llvm_alloc(100);
    text += a == b ? "reused " : "new ";
    // Another size, or another alignment: the driver.
    void *c = _mlir_memref_to_llvm_alloc(120);
    void *d = _mlir_memref_to_llvm_aligned_alloc(4096, 100);
    text += c != b && d != b ? "distinct " : "shared ";
    _mlir_memref_to_llvm_free(b); // kept: 100 of 150 bytes
    _mlir_memref_to_llvm_free(c); // 220 > 150: back to the driver at once
    _mlir_memref_to_llvm_free(d); // kept? 100 + 4196 > 150: no
    std::memset(_mlir_memref_to_llvm_alloc(100), 0, 100); // b again
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "reused distinct ");
  EXPECT_EQ(countCalls("cuMemAllocManaged 100 1"), 1);
  EXPECT_EQ(countCalls("cuMemAllocManaged 120 1"), 1);
  EXPECT_EQ(countCalls("cuMemAllocManaged 4196 1"), 1);
  EXPECT_EQ(countCalls("cuMemFree_v2"), 2);
}

/// Calls the cuda_gemm fixture's matmul of a 2 x 3 by a 3 x 2 matrix; the
/// product's values, or the error.
std::string callGemm() {
  ModulePtr module(tvq_module_load(kCudaGemmModule));
  if (!module)
    return std::string("load error: ") + tvq_last_error();
  TensorPtr a = makeTensor<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  TensorPtr b = makeTensor<float>({3, 2}, {7, 8, 9, 10, 11, 12});
  const tvq_tensor *inputs[] = {a.get(), b.get()};
  tvq_tensor *outputs[1] = {};
  if (tvq_call(module.get(), "matmul", inputs, 2, outputs, 1) != 0)
    return std::string("call error: ") + tvq_last_error();
  TensorPtr c(outputs[0]);
  std::string text;
  for (float value : valuesOf<float>(c.get()))
    text += std::to_string(static_cast<int>(value)) + ",";
  return text;
}

TEST_F(CudaTest, MatrixProductsCallCuBLAS) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUBLAS_LIBRARY"] = kMockCublas;
  ChildResult result = isolated(env, [] { return callGemm(); });
  ASSERT_EQ(result.status, 0) << result.err;
  // [[1,2,3],[4,5,6]] x [[7,8],[9,10],[11,12]], computed by the mock cuBLAS.
  EXPECT_EQ(result.text, "58,64,139,154,");
  EXPECT_EQ(result.err, "");
  // Row-major C is column-major C^T = B^T A^T: both operands untransposed,
  // leading dimensions 2 (B^T), 3 (A^T), 2 (C^T).
  EXPECT_EQ(countCalls("cublasSgemmStridedBatched NN 2 2 3 2 3 2 1"), 1);
  EXPECT_EQ(countCalls("cublasCreate_v2"), 1);
}

TEST_F(CudaTest, TensorCoreMathIsCublasGemmEx) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUBLAS_LIBRARY"] = kMockCublas;
  // CUBLAS_COMPUTE_32F_FAST_TF32 (77) and _FAST_16BF (75), f32 operands.
  for (auto [name, compute] : {std::pair<const char *, int>{"tf32", 77},
                               std::pair<const char *, int>{"bf16", 75}}) {
    SCOPED_TRACE(name);
    env["TVQ_CUBLAS_MATH"] = name;
    ChildResult result = isolated(env, [] { return callGemm(); });
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.text, "58,64,139,154,");
    EXPECT_EQ(countCalls("cublasGemmStridedBatchedEx " +
                         std::to_string(compute) + " NN 2 2 3 2 3 2 1"),
              1);
    EXPECT_EQ(countCalls("cublasSgemmStridedBatched"), 0);
    std::remove(logPath().c_str());
  }
  env["TVQ_CUBLAS_MATH"] = "fp8";
  ChildResult result = isolated(env, [] { return callGemm(); });
  ASSERT_EQ(result.status, 0) << result.err;
  expectContains(result.text,
                 "TVQ_CUBLAS_MATH is 'fp8': expected f32, tf32 or bf16");
}

TEST_F(CudaTest, WithoutCuBLASTheModuleComputesTheProduct) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUBLAS_LIBRARY"] = dir.path("nowhere/libcublas.so.13");
  ChildResult result = isolated(env, [] { return callGemm(); });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "58,64,139,154,");
  expectContains(result.err, "tvq runtime: no cuBLAS (");
  expectContains(result.err, "matrix products run as the module's own kernels");
  EXPECT_EQ(countCalls("cublasSgemmStridedBatched"), 0);
  // Turned off on purpose: no notice.
  env["TVQ_CUBLAS_LIBRARY"] = "none";
  result = isolated(env, [] { return callGemm(); });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "58,64,139,154,");
  EXPECT_EQ(result.err, "");
}

TEST_F(CudaTest, CuBLASFailureIsTheCallsError) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUBLAS_LIBRARY"] = kMockCublas;
  env["TVQ_MOCK_CUBLAS_FAIL"] = "cublasSgemmStridedBatched";
  ChildResult result = isolated(env, [] { return callGemm(); });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text,
            "call error: entry 'matmul': cublasSgemmStridedBatched: mock "
            "CUBLAS_STATUS_EXECUTION_FAILED (NN, m 2, n 2, k 3, batch 1)");
  env["TVQ_MOCK_CUBLAS_FAIL"] = "cublasCreate_v2";
  result = isolated(env, [] { return callGemm(); });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "call error: entry 'matmul': cublasCreate_v2: mock "
                         "CUBLAS_STATUS_EXECUTION_FAILED");
}

TEST_F(CudaTest, WrappersCallTheDriver) {
  std::map<std::string, std::string> env = mockEnv();
  env["TVQ_CUDA_CACHE_BYTES"] = "0"; // every free goes to the driver
  ChildResult result = isolated(env, [] {
    std::string text;
    CUstream stream = mgpuStreamCreate();
    auto *device = static_cast<float *>(mgpuMemAlloc(16, stream, false));
    auto *shared = static_cast<float *>(mgpuMemAlloc(16, stream, true));
    text += mgpuMemAlloc(0, stream, true) ? "nonnull " : "null ";
    mgpuMemset32(device, 0x3f800000, 4, stream); // 1.0f
    mgpuMemcpy(shared, device, 16, stream);
    mgpuMemset16(device, 0, 2, stream);
    CUevent event = mgpuEventCreate();
    mgpuEventRecord(event, stream);
    mgpuStreamWaitEvent(stream, event);
    mgpuEventSynchronize(event);
    mgpuEventDestroy(event);

    static const char image[] = "tvq-mock-module";
    void *module = mgpuModuleLoadJIT(const_cast<char *>(image), 3);
    CUfunction kernel = mgpuModuleGetFunction(module, "add_one");
    int64_t offset = 0, size = 4, stride = 1;
    void *params[] = {&shared, &shared, &offset, &size, &stride};
    mgpuLaunchKernel(kernel, 1, 1, 1, 4, 1, 1, 1024, stream, params, nullptr,
                     5);
    mgpuLaunchClusterKernel(kernel, 2, 1, 1, 2, 1, 1, 1, 1, 1, 0, stream,
                            params, nullptr, 5);
    mgpuStreamSynchronize(stream);
    for (int i = 0; i < 4; ++i)
      text += std::to_string(static_cast<int>(shared[i])) + ",";
    text += std::string(" ") + (device[0] == 0 && device[1] == 1.0f
                                    ? "memset16 ok"
                                    : "memset16 wrong");

    int64_t descriptor[] = {0, reinterpret_cast<int64_t>(shared), 1, 2, 1};
    mgpuMemHostRegisterMemRef(1, descriptor, 4);
    mgpuMemHostUnregisterMemRef(1, descriptor, 4);

    // A failed lookup records an error: later launches are skipped.
    text += std::string(" ") +
            (mgpuModuleGetFunction(module, "missing") ? "found" : "missing");
    mgpuLaunchKernel(kernel, 1, 1, 1, 4, 1, 1, 0, stream, params, nullptr, 5);
    mgpuModuleUnload(module);
    mgpuMemFree(device, stream);
    mgpuMemFree(shared, stream);
    mgpuStreamDestroy(stream);
    return text;
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "null 3,3,2,2, memset16 ok missing");
  EXPECT_EQ(countCalls("cuStreamCreate 1"), 1); // CU_STREAM_NON_BLOCKING
  EXPECT_EQ(countCalls("cuMemAlloc_v2 16"), 1);
  EXPECT_EQ(countCalls("cuMemAllocManaged 16 1"), 1);
  EXPECT_EQ(countCalls("cuMemsetD32Async 1065353216 4"), 1);
  EXPECT_EQ(countCalls("cuMemcpyAsync 16"), 1);
  EXPECT_EQ(countCalls("cuMemsetD16Async 0 2"), 1);
  EXPECT_EQ(countCalls("cuEventCreate 2"), 1); // CU_EVENT_DISABLE_TIMING
  EXPECT_EQ(countCalls("cuEventRecord"), 1);
  EXPECT_EQ(countCalls("cuStreamWaitEvent 0"), 1);
  EXPECT_EQ(countCalls("cuEventSynchronize"), 1);
  EXPECT_EQ(countCalls("cuEventDestroy_v2"), 1);
  EXPECT_EQ(countCalls("cuModuleLoadDataEx 3"), 1);
  // 1024 bytes of dynamic shared memory: allowed, then launched.
  EXPECT_EQ(countCalls("cuFuncSetAttribute 8 1024"), 1);
  EXPECT_EQ(countCalls("cuLaunchKernel 1 1 1 4 1 1 1024"), 1);
  EXPECT_EQ(countCalls("cuLaunchKernelEx 2 1 1 1 1 1 0 cluster 2 1 1"), 1);
  EXPECT_EQ(countCalls("cuMemHostRegister_v2 8 0"), 1);
  EXPECT_EQ(countCalls("cuMemHostUnregister"), 1);
  EXPECT_EQ(countCalls("cuModuleGetFunction missing"), 1);
  EXPECT_EQ(countCalls("cuLaunchKernel "), 1);
  EXPECT_EQ(countCalls("cuModuleUnload"), 1);
  EXPECT_EQ(countCalls("cuMemFree_v2"), 2);
  // The thread's stream is kept: destroying it does nothing.
  EXPECT_EQ(countCalls("cuStreamDestroy_v2"), 0);
}

TEST_F(CudaTest, DefaultDevice) {
  ChildResult result = isolated(mockEnv(), [] {
    mgpuSetDefaultDevice(1);
    return std::string(mgpuStreamCreate() ? "stream" : "no stream");
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "no stream");
  EXPECT_EQ(countCalls("cuDeviceGet 1"), 1);
  EXPECT_EQ(countCalls("cuStreamCreate"), 0);
}

TEST_F(CudaTest, CpuModulesNeverLoadTheDriver) {
  ChildResult result = isolated(mockEnv(), [] {
    ModulePtr module(tvq_module_load(kScaleAddModule));
    if (!module)
      return std::string("load error: ") + tvq_last_error();
    TensorPtr x = makeTensor<float>({1, 3}, {1, 2, 3});
    TensorPtr y = makeTensor<float>({3}, {0, 0, 0});
    const tvq_tensor *inputs[] = {x.get(), y.get()};
    tvq_tensor *outputs[2] = {};
    if (tvq_call(module.get(), "scale_add", inputs, 2, outputs, 2) != 0)
      return std::string("call error: ") + tvq_last_error();
    TensorPtr z(outputs[0]), n(outputs[1]);
    module.reset();
    return std::string(mockLoaded() ? "driver loaded" : "no driver");
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "no driver");
  EXPECT_EQ(readFile(logPath()), "");
}

TEST_F(CudaTest, DeviceMismatchIsAnErrorBeforeTheDriver) {
  ChildResult result = isolated(mockEnv(), [] {
    std::string text;
    std::vector<std::pair<const char *, const char *>> cases = {
        {kScaleAddModule, "cuda"},
        {kCudaAddOneModule, "cpu"},
        {kCudaAddOneModule, "tpu"}};
    for (auto [path, device] : cases) {
      ModulePtr module(tvq_module_load_device(path, device));
      text += module ? "loaded\n" : std::string(tvq_last_error()) + "\n";
    }
    return text + (mockLoaded() ? "driver loaded" : "no driver");
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(
      result.text,
      "module '" + std::string(kScaleAddModule) +
          "' was compiled for target cpu, not for device cuda (compile "
          "it with --target=cuda)\nmodule '" +
          kCudaAddOneModule +
          "' was compiled for target cuda, not for device cpu (compile "
          "it with --target=cpu)\nunknown device 'tpu': expected cpu, cuda "
          "or inspect\nno driver");

  result = isolated(mockEnv(), [] {
    ModulePtr cpu(tvq_module_load_device(kScaleAddModule, "cpu"));
    ModulePtr cuda(tvq_module_load_device(kCudaAddOneModule, "cuda"));
    ModulePtr either(tvq_module_load_device(kCudaAddOneModule, nullptr));
    return std::string(cpu && cuda && either ? "loaded" : tvq_last_error());
  });
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.text, "loaded");
}

TEST_F(CudaTest, ModulesFindTheWrappersThroughALocalRuntime) {
  // A program that opens the runtime RTLD_LOCAL (as ctypes does) and loads
  // the CUDA fixture through it: the module's mgpu* imports must resolve.
  std::string command = "TVQ_CUDA_DRIVER='" + std::string(kMockCudaDriver) +
                        "' '" + kDlopenRuntimePath + "' '" + kRuntimeLibrary +
                        "' '" + kCudaAddOneModule + "' 2>&1";
  std::FILE *pipe = popen(command.c_str(), "r");
  ASSERT_TRUE(pipe);
  std::string output;
  char buffer[512];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    output.append(buffer, got);
  int status = pclose(pipe);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << output;
  EXPECT_EQ(output, "loaded\n");
}

} // namespace
