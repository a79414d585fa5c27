//===- ToolTest.cpp - End-to-end tests of the tvq-run binary --------------===//

#include "Json.h"
#include "TestSupport.h"

#include <cstdio>
#include <sys/wait.h>

using namespace tvq::test;

namespace {

/// Returns path in single quotes for the shell (build directories may
/// contain spaces).
std::string quote(const std::string &path) { return "'" + path + "'"; }

/// The exit status and output of one tvq-run run.
struct RunResult {
  int status = -1;
  std::string out, err;
};

class ToolTest : public testing::Test {
public:
  /// Runs `tvq-run <args>` through the shell.
  RunResult run(const std::string &args) { return runWithEnv("", args); }

  /// Runs `<env> tvq-run <args>` through the shell (env: VAR=value ...).
  RunResult runWithEnv(const std::string &env, const std::string &args) {
    RunResult result;
    std::string errPath = dir.path("stderr.txt");
    std::string command =
        env + " " + quote(kTvqRunPath) + " " + args + " 2>" + quote(errPath);
    std::FILE *pipe = popen(command.c_str(), "r");
    if (!pipe) {
      ADD_FAILURE() << "popen failed: " << command;
      return result;
    }
    char buffer[4096];
    size_t got;
    while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
      result.out.append(buffer, got);
    int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    result.err = readFile(errPath);
    return result;
  }

protected:
  /// Writes tensor to a .npy file in the test's directory; returns its path.
  std::string writeNpy(const std::string &name, const TensorPtr &tensor) {
    std::string path = dir.path(name);
    EXPECT_EQ(tvq_npy_write(path.c_str(), tensor.get()), 0) << tvq_last_error();
    return path;
  }

  /// Writes the inputs x (2x3) and y (3) of scale_add.
  void writeScaleAddInputs() {
    xPath = writeNpy("x.npy", makeTensor<float>({2, 3}, x));
    yPath = writeNpy("y.npy", makeTensor<float>({3}, y));
  }

  /// Expects result to be an error with exit status 1 and message on stderr.
  static void expectError(const RunResult &result, const std::string &message) {
    EXPECT_EQ(result.status, 1) << result.err;
    EXPECT_EQ(result.err.rfind("tvq-run: error: ", 0), 0u) << result.err;
    EXPECT_NE(result.err.find(message), std::string::npos)
        << "stderr: " << result.err << "\nexpected to contain: " << message;
  }

  /// Expects a command-line error: exit status 2, message and a usage hint.
  static void expectUsageError(const RunResult &result,
                               const std::string &message) {
    EXPECT_EQ(result.status, 2) << result.err;
    EXPECT_NE(result.err.find("tvq-run: error: " + message), std::string::npos)
        << result.err;
    EXPECT_NE(result.err.find("tvq-run --help"), std::string::npos)
        << result.err;
  }

  TempDir dir;
  const std::vector<float> x = {1, 2, 3, -4, -5, 0.25f};
  const std::vector<float> y = {10, 20, 30};
  std::string xPath, yPath;
};

TEST_F(ToolTest, Help) {
  RunResult result = run("--help");
  EXPECT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("usage: tvq-run <subcommand>"), std::string::npos);
  EXPECT_NE(result.out.find("  call MODULE.so"), std::string::npos);
  EXPECT_NE(result.out.find("  info MODULE.so"), std::string::npos);
  EXPECT_NE(result.out.find("  bench MODULE.so"), std::string::npos);
  EXPECT_EQ(result.err, "");
}

TEST_F(ToolTest, NoArgumentsPrintsUsage) {
  RunResult result = run("");
  EXPECT_EQ(result.status, 2);
  EXPECT_NE(result.err.find("usage: tvq-run"), std::string::npos);
}

TEST_F(ToolTest, UnknownSubcommandAndOptions) {
  expectUsageError(run("frobnicate"), "unknown subcommand 'frobnicate'");
  expectUsageError(run("--verbose"), "unknown option '--verbose'");
  expectUsageError(run("call " + quote(kScaleAddModule) + " --bogus"),
                   "unknown option '--bogus' for 'call'");
  expectUsageError(run("call"), "'call' needs a module");
  expectUsageError(run("call " + quote(kScaleAddModule) + " extra.so"),
                   "unexpected argument 'extra.so' for 'call'");
  expectUsageError(run("call " + quote(kScaleAddModule) + " --input=x.npy"),
                   "--input expects @FILE.npy, got 'x.npy'");
  expectUsageError(run("info"), "'info' needs a module");
}

TEST_F(ToolTest, Info) {
  RunResult result = run("info " + quote(kScaleAddModule));
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out,
            std::string("module ") + kScaleAddModule +
                "\ntarget cpu\n"
                "entry scale_add(x: f32[?,3], y: f32[3]) -> (z: f32[?,3], n: "
                "i64[])\n"
                "  check 1: scale_add at scale_add.c:1:1: dim 0 of operand "
                "'x' (N) must be positive\n"
                "  check 2: scale_add at scale_add.c:1:1: dim 0 of operand "
                "'x' (N) must be at most 1000\n");
}

TEST_F(ToolTest, CallWritesOutputs) {
  writeScaleAddInputs();
  for (const char *function : {"", "--function=scale_add "}) {
    std::string zPath = dir.path("z.npy"), nPath = dir.path("n.npy");
    RunResult result = run("call " + quote(kScaleAddModule) + " " + function +
                           "--input=@" + xPath + " --input=@" + yPath +
                           " --output=@" + zPath + " --output=@" + nPath);
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "");

    TensorPtr z(tvq_npy_read(zPath.c_str()));
    ASSERT_TRUE(z) << tvq_last_error();
    EXPECT_EQ(shapeOf(z.get()), (std::vector<int64_t>{2, 3}));
    std::vector<float> expected;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 3; ++k)
        expected.push_back(2 * x[i * 3 + k] + y[k]);
    EXPECT_EQ(valuesOf<float>(z.get()), expected);

    TensorPtr n(tvq_npy_read(nPath.c_str()));
    ASSERT_TRUE(n) << tvq_last_error();
    EXPECT_EQ(tvq_tensor_rank(n.get()), 0);
    EXPECT_EQ(valuesOf<int64_t>(n.get()), std::vector<int64_t>{2});
    std::remove(zPath.c_str());
    std::remove(nPath.c_str());
  }
}

TEST_F(ToolTest, CallPrintsOutputs) {
  writeScaleAddInputs();
  RunResult result = run("call " + quote(kScaleAddModule) + " --input=@" +
                         xPath + " --input=@" + yPath);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out, "z: f32[2,3] = [12, 24, 36, 2, 10, 30.5]\n"
                        "n: i64[] = 2\n");
}

TEST_F(ToolTest, CallPrintsOnlyLeadingValues) {
  TensorPtr a = makeTensor<int64_t>({10}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  std::string aPath = writeNpy("a.npy", a);
  RunResult result = run("call " + quote(kMultiEntryModule) +
                         " --function=alias --input=@" + aPath);
  ASSERT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.out,
            "same: i64[10] = [0, 1, 2, 3, 4, 5, 6, 7, ...]\n"
            "twice: i64[10] = [0, 2, 4, 6, 8, 10, 12, 14, ...]\n"
            "reversed: i64[10] = [18, 16, 14, 12, 10, 8, 6, 4, ...]\n");
}

TEST_F(ToolTest, MissingInputFile) {
  writeScaleAddInputs();
  std::string missing = dir.path("missing.npy");
  expectError(run("call " + quote(kScaleAddModule) + " --input=@" + xPath +
                  " --input=@" + missing),
              "cannot open '" + missing + "': No such file or directory");
}

TEST_F(ToolTest, MalformedInputFile) {
  writeScaleAddInputs();
  std::string bad = dir.path("bad.npy");
  writeFile(bad, "not numpy at all");
  expectError(run("call " + quote(kScaleAddModule) + " --input=@" + xPath +
                  " --input=@" + bad),
              "'" + bad + "': not a .npy file (bad magic string)");
}

TEST_F(ToolTest, WrongNumberOfInputs) {
  writeScaleAddInputs();
  expectError(run("call " + quote(kScaleAddModule) + " --input=@" + xPath),
              "entry 'scale_add': expects 2 inputs (x, y), got 1");
}

TEST_F(ToolTest, WrongNumberOfOutputs) {
  writeScaleAddInputs();
  expectError(run("call " + quote(kScaleAddModule) + " --input=@" + xPath +
                  " --input=@" + yPath + " --output=@" + dir.path("z.npy")),
              "entry 'scale_add' has 2 outputs (z: f32[?,3], n: i64[]), but 1 "
              "--output were given");
}

TEST_F(ToolTest, WrongInputType) {
  writeScaleAddInputs();
  expectError(run("call " + quote(kScaleAddModule) + " --input=@" + yPath +
                  " --input=@" + yPath),
              "entry 'scale_add': input 0 'x': expected f32[?,3], got f32[3]");
}

TEST_F(ToolTest, FailingCheck) {
  std::string emptyPath = writeNpy("e.npy", makeTensor<float>({0, 3}, {}));
  writeScaleAddInputs();
  expectError(run("call " + quote(kScaleAddModule) + " --input=@" + emptyPath +
                  " --input=@" + yPath),
              "check 1 failed: scale_add at scale_add.c:1:1: dim 0 of operand "
              "'x' (N) must be positive (inputs: x f32[0,3], y f32[3])");
}

TEST_F(ToolTest, SeveralEntriesNeedFunction) {
  expectError(run("call " + quote(kMultiEntryModule)),
              "has 2 entries (alias, constant); choose one with --function");
  expectError(run("call " + quote(kMultiEntryModule) + " --function=nope"),
              "has no entry 'nope' (entries: alias, constant)");
}

TEST_F(ToolTest, ModuleErrors) {
  expectError(run("call /nonexistent/m.so"),
              "cannot open module '/nonexistent/m.so'");
  expectError(run("info " + quote(kNoManifestModule)), "is not a tvq module");
}

//===----------------------------------------------------------------------===//
// tvq-run bench
//===----------------------------------------------------------------------===//

/// Runs `tvq-run bench` on the counted fixture with extra arguments; returns
/// the result and the number of entry calls.
RunResult benchCounted(ToolTest &test, TempDir &dir, const std::string &extra,
                       size_t &calls) {
  std::string xPath = dir.path("x.npy");
  TensorPtr x = makeTensor<float>({4}, {1, 2, 3, 4});
  EXPECT_EQ(tvq_npy_write(xPath.c_str(), x.get()), 0);
  std::string countPath = dir.path("calls");
  writeFile(countPath, "");
  RunResult result = test.runWithEnv(
      "TVQ_FIXTURE_COUNT_FILE=" + quote(countPath),
      "bench " + quote(kCountedModule) + " --input=@" + xPath + extra);
  calls = readFile(countPath).size();
  return result;
}

/// Checks the JSON line of bench and returns it parsed.
tvq::json::Value parseBenchLine(const RunResult &result,
                                const std::string &function, int64_t repeat,
                                int64_t warmup) {
  tvq::json::Value value;
  EXPECT_EQ(result.status, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 1)
      << result.out;
  EXPECT_EQ(tvq::json::parse(result.out, value), "") << result.out;
  EXPECT_EQ(value.kind, tvq::json::Value::Kind::Object);
  if (value.kind != tvq::json::Value::Kind::Object)
    return value;
  EXPECT_EQ(value.keys,
            (std::vector<std::string>{"function", "module", "repeat", "warmup",
                                      "median_ms", "min_ms", "max_ms",
                                      "mean_ms", "stddev_ms"}));
  EXPECT_EQ(value.find("function")->text, function);
  EXPECT_EQ(value.find("repeat")->asIndex(), repeat);
  EXPECT_EQ(value.find("warmup")->asIndex(), warmup);
  auto number = [&](const char *key) {
    const tvq::json::Value *field = value.find(key);
    EXPECT_TRUE(field && field->kind == tvq::json::Value::Kind::Number) << key;
    return field ? std::strtod(field->text.c_str(), nullptr) : -1.0;
  };
  double minimum = number("min_ms"), median = number("median_ms"),
         maximum = number("max_ms"), mean = number("mean_ms");
  EXPECT_GT(minimum, 0.0);
  EXPECT_LE(minimum, median);
  EXPECT_LE(median, maximum);
  EXPECT_LE(minimum, mean);
  EXPECT_LE(mean, maximum);
  EXPECT_GE(number("stddev_ms"), 0.0);
  return value;
}

TEST_F(ToolTest, CallsACudaModuleOnTheMockDriver) {
  // tvq-run dlopens modules RTLD_LOCAL: the CUDA module's imports (mgpu*,
  // _mlir_memref_to_llvm_*) resolve to tvq-run's libtvq_runtime.
  std::string xFile = writeNpy("x.npy", makeTensor<float>({3}, {1, 2, 3}));
  std::string driver = "TVQ_CUDA_DRIVER=" + quote(kMockCudaDriver);
  for (const char *device : {"", " --device=cuda"}) {
    RunResult result = runWithEnv(driver, "call " + quote(kCudaAddOneModule) +
                                              " --input=@" + xFile + device);
    ASSERT_EQ(result.status, 0) << result.err;
    EXPECT_EQ(result.out, "y: f32[3] = [2, 3, 4]\nz: f32[3] = [2, 3, 4]\n"
                          "w: f32[3] = [1, 2, 3]\n");
  }
  RunResult result =
      runWithEnv(driver, "bench " + quote(kCudaAddOneModule) + " --input=@" +
                             xFile + " --repeat=2 --device=cuda");
  EXPECT_EQ(result.status, 0) << result.err;

  result =
      runWithEnv(driver + " TVQ_MOCK_CUDA_FAIL=cuLaunchKernel",
                 "call " + quote(kCudaAddOneModule) + " --input=@" + xFile);
  expectError(result, "entry 'add_one': cuLaunchKernel: "
                      "CUDA_ERROR_LAUNCH_FAILED (unspecified launch failure)");

  result =
      runWithEnv("TVQ_CUDA_DRIVER=" + quote(dir.path("libcuda.so.1")),
                 "call " + quote(kCudaAddOneModule) + " --input=@" + xFile);
  expectError(result,
              "no CUDA driver: cannot load " + dir.path("libcuda.so.1"));
  expectError(result, "compile with --target=cpu to run on this machine");
}

TEST_F(ToolTest, DeviceMismatch) {
  writeScaleAddInputs();
  std::string inputs = " --input=@" + xPath + " --input=@" + yPath;
  // No driver is needed to refuse: the target is checked first.
  std::string noDriver = "TVQ_CUDA_DRIVER=" + quote(dir.path("libcuda.so.1"));
  expectError(
      runWithEnv(noDriver,
                 "call " + quote(kScaleAddModule) + inputs + " --device=cuda"),
      "module '" + std::string(kScaleAddModule) +
          "' was compiled for target cpu, not for device cuda (compile it "
          "with --target=cuda)");
  std::string xFile = writeNpy("x1.npy", makeTensor<float>({3}, {1, 2, 3}));
  expectError(runWithEnv(noDriver, "bench " + quote(kCudaAddOneModule) +
                                       " --input=@" + xFile + " --device=cpu"),
              "was compiled for target cuda, not for device cpu");
  RunResult cpu =
      run("call " + quote(kScaleAddModule) + inputs + " --device=cpu");
  EXPECT_EQ(cpu.status, 0) << cpu.err;
  // train, eval and generate check it when they load the module.
  expectError(runWithEnv(noDriver, "eval " + quote(kScaleAddModule) +
                                       " --checkpoint=run --data=x "
                                       "--device cuda"),
              "was compiled for target cpu, not for device cuda");
  expectError(runWithEnv(noDriver, "generate " + quote(kCudaAddOneModule) +
                                       " --checkpoint=run --tokens=1 "
                                       "--device=cpu"),
              "was compiled for target cuda, not for device cpu");
  expectError(runWithEnv(noDriver, "train " + quote(kScaleAddModule) +
                                       " --data=x --steps=1 --out=" +
                                       quote(dir.path("run")) +
                                       " --device=cuda"),
              "was compiled for target cpu, not for device cuda");
  expectUsageError(run("call " + quote(kScaleAddModule) + " --device=gpu"),
                   "--device expects cpu or cuda, got 'gpu'");
  expectUsageError(
      run("call " + quote(kScaleAddModule) + " --device=cpu --device=cpu"),
      "--device given twice");
  expectUsageError(run("eval " + quote(kScaleAddModule) +
                       " --checkpoint=run --data=x --device=tpu"),
                   "--device expects cpu or cuda, got 'tpu'");
}

TEST_F(ToolTest, BenchCallsWarmupPlusRepeatTimes) {
  size_t calls = 0;
  RunResult result = benchCounted(*this, dir, " --repeat=5 --warmup=2", calls);
  parseBenchLine(result, "count", 5, 2);
  EXPECT_EQ(calls, 7u);
  // The defaults: one warm-up call, ten timed ones.
  result = benchCounted(*this, dir, "", calls);
  parseBenchLine(result, "count", 10, 1);
  EXPECT_EQ(calls, 11u);
  result = benchCounted(*this, dir, " --warmup=0 --repeat=1", calls);
  parseBenchLine(result, "count", 1, 0);
  EXPECT_EQ(calls, 1u);
}

TEST_F(ToolTest, BenchNamedFunction) {
  writeScaleAddInputs();
  RunResult result = run("bench " + quote(kScaleAddModule) +
                         " --function=scale_add --input=@" + xPath +
                         " --input=@" + yPath + " --repeat=3");
  tvq::json::Value value = parseBenchLine(result, "scale_add", 3, 1);
  const tvq::json::Value *module = value.find("module");
  ASSERT_TRUE(module);
  EXPECT_EQ(module->text, kScaleAddModule);
}

TEST_F(ToolTest, BenchErrors) {
  writeScaleAddInputs();
  std::string call = "bench " + quote(kScaleAddModule) + " --input=@" + xPath +
                     " --input=@" + yPath;
  expectUsageError(run(call + " --repeat=0"),
                   "--repeat expects a count of at least 1, got '0'");
  expectUsageError(run(call + " --repeat=ten"),
                   "--repeat expects a count of at least 1, got 'ten'");
  expectUsageError(run(call + " --warmup=-1"),
                   "--warmup expects a count of at least 0, got '-1'");
  expectUsageError(run(call + " --output=@z.npy"),
                   "unknown option '--output=@z.npy' for 'bench'");
  expectUsageError(run("bench"), "'bench' needs a module");
  expectError(run("bench " + quote(kMultiEntryModule)),
              "has 2 entries (alias, constant); choose one with --function");
  // A failing call stops the benchmark with the call's error.
  std::string emptyPath = writeNpy("e.npy", makeTensor<float>({0, 3}, {}));
  RunResult result = run("bench " + quote(kScaleAddModule) + " --input=@" +
                         emptyPath + " --input=@" + yPath);
  expectError(result, "check 1 failed: scale_add at scale_add.c:1:1");
  EXPECT_EQ(result.out, "");
}

} // namespace
