//===- CallTest.cpp - Tests of tvq_call through the fixture modules -------===//

#include "TestSupport.h"

using namespace tvq::test;

namespace {

class CallTest : public testing::Test {
protected:
  void SetUp() override {
    scaleAdd.reset(tvq_module_load(kScaleAddModule));
    ASSERT_TRUE(scaleAdd) << tvq_last_error();
    multiEntry.reset(tvq_module_load(kMultiEntryModule));
    ASSERT_TRUE(multiEntry) << tvq_last_error();
  }

  /// Calls entry of module; returns the outputs (empty on failure, with the
  /// error in `error`).
  std::vector<TensorPtr> call(tvq_module *module, const char *entry,
                              const std::vector<const tvq_tensor *> &inputs,
                              int32_t numOutputs) {
    std::vector<tvq_tensor *> raw(numOutputs, nullptr);
    int status =
        tvq_call(module, entry, inputs.data(),
                 static_cast<int32_t>(inputs.size()), raw.data(), numOutputs);
    error = status == 0 ? "" : tvq_last_error();
    std::vector<TensorPtr> outputs;
    for (tvq_tensor *output : raw) {
      if (status != 0) {
        EXPECT_EQ(output, nullptr) << "a failed call must not leave outputs";
      }
      outputs.emplace_back(output);
    }
    if (status != 0)
      outputs.clear();
    return outputs;
  }

  /// Calls scale_add and expects it to fail with exactly message.
  void expectScaleAddError(const std::vector<const tvq_tensor *> &inputs,
                           const std::string &message) {
    EXPECT_TRUE(call(scaleAdd.get(), "scale_add", inputs, 2).empty());
    EXPECT_EQ(error, message);
  }

  ModulePtr scaleAdd, multiEntry;
  std::string error;
};

TEST_F(CallTest, ScaleAddWithSeveralDynamicSizes) {
  std::vector<float> y = {0.5f, -1.0f, 10.0f};
  TensorPtr yTensor = makeTensor<float>({3}, y);
  for (int64_t rows : {1, 4, 1000}) {
    std::vector<float> x;
    for (int64_t i = 0; i < rows * 3; ++i)
      x.push_back(static_cast<float>(i % 17) - 3.25f);
    TensorPtr xTensor = makeTensor<float>({rows, 3}, x);
    std::vector<TensorPtr> outputs =
        call(scaleAdd.get(), "scale_add", {xTensor.get(), yTensor.get()}, 2);
    ASSERT_EQ(outputs.size(), 2u) << error;

    EXPECT_EQ(shapeOf(outputs[0].get()), (std::vector<int64_t>{rows, 3}));
    std::vector<float> expected;
    for (int64_t i = 0; i < rows; ++i)
      for (int64_t k = 0; k < 3; ++k)
        expected.push_back(2.0f * x[i * 3 + k] + y[k]);
    EXPECT_EQ(valuesOf<float>(outputs[0].get()), expected);

    EXPECT_EQ(tvq_tensor_rank(outputs[1].get()), 0);
    EXPECT_EQ(valuesOf<int64_t>(outputs[1].get()), std::vector<int64_t>{rows});
    // The inputs are untouched.
    EXPECT_EQ(valuesOf<float>(xTensor.get()), x);
  }
}

TEST_F(CallTest, CopyForACpuModuleIsAPlainCopy) {
  TensorPtr x = makeTensor<float>({2}, {1.5f, -2.0f});
  TensorPtr copy(tvq_tensor_copy_for_module(scaleAdd.get(), x.get()));
  ASSERT_TRUE(copy) << tvq_last_error();
  EXPECT_NE(tvq_tensor_data(copy.get()), tvq_tensor_data(x.get()));
  EXPECT_EQ(valuesOf<float>(copy.get()), (std::vector<float>{1.5f, -2.0f}));
  ModulePtr inspected(tvq_module_load_device(kScaleAddModule, "inspect"));
  ASSERT_TRUE(inspected) << tvq_last_error();
  EXPECT_EQ(tvq_tensor_copy_for_module(inspected.get(), x.get()), nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            "module '" + std::string(kScaleAddModule) +
                "' was loaded for inspection (device \"inspect\"): it "
                "computes on no memory");
}

TEST_F(CallTest, WrongInputCount) {
  TensorPtr x = makeTensor<float>({1, 3}, {1, 2, 3});
  expectScaleAddError({x.get()},
                      "entry 'scale_add': expects 2 inputs (x, y), got 1");
  expectScaleAddError({x.get(), x.get(), x.get()},
                      "entry 'scale_add': expects 2 inputs (x, y), got 3");
}

TEST_F(CallTest, WrongDtype) {
  TensorPtr x = makeTensor<double>({2, 3}, {1, 2, 3, 4, 5, 6});
  TensorPtr y = makeTensor<float>({3}, {1, 2, 3});
  expectScaleAddError({x.get(), y.get()},
                      "entry 'scale_add': input 0 'x': expected f32[?,3], got "
                      "f64[2,3]");
}

TEST_F(CallTest, WrongRank) {
  TensorPtr x = makeTensor<float>({1, 3}, {1, 2, 3});
  TensorPtr y = makeTensor<float>({1, 3}, {1, 2, 3});
  expectScaleAddError({x.get(), y.get()},
                      "entry 'scale_add': input 1 'y': expected f32[3], got "
                      "f32[1,3]");
}

TEST_F(CallTest, WrongStaticDim) {
  TensorPtr x = makeTensor<float>({3, 2}, {1, 2, 3, 4, 5, 6});
  TensorPtr y = makeTensor<float>({3}, {1, 2, 3});
  expectScaleAddError({x.get(), y.get()},
                      "entry 'scale_add': input 0 'x': expected f32[?,3], got "
                      "f32[3,2]");
}

TEST_F(CallTest, NullInput) {
  TensorPtr x = makeTensor<float>({1, 3}, {1, 2, 3});
  expectScaleAddError({x.get(), nullptr},
                      "entry 'scale_add': input 1 'y' is null");
}

TEST_F(CallTest, FailingChecks) {
  TensorPtr y = makeTensor<float>({3}, {1, 2, 3});
  TensorPtr empty = makeTensor<float>({0, 3}, {});
  expectScaleAddError(
      {empty.get(), y.get()},
      "entry 'scale_add': check 1 failed: scale_add at scale_add.c:1:1: dim 0 "
      "of operand 'x' (N) must be positive (inputs: x f32[0,3], y f32[3])");
  TensorPtr big =
      makeTensor<float>({1001, 3}, std::vector<float>(1001 * 3, 1.0f));
  expectScaleAddError(
      {big.get(), y.get()},
      "entry 'scale_add': check 2 failed: scale_add at scale_add.c:1:1: dim 0 "
      "of operand 'x' (N) must be at most 1000 (inputs: x f32[1001,3], y "
      "f32[3])");
}

TEST_F(CallTest, CheckNumberNotInManifest) {
  TensorPtr a = makeTensor<int64_t>({7}, std::vector<int64_t>(7, 1));
  EXPECT_TRUE(call(multiEntry.get(), "alias", {a.get()}, 3).empty());
  EXPECT_EQ(error, "entry 'alias': the check function returned 7, but the "
                   "manifest lists 0 checks (inputs: a i64[7])");
}

TEST_F(CallTest, WrongOutputCount) {
  TensorPtr x = makeTensor<float>({1, 3}, {1, 2, 3});
  TensorPtr y = makeTensor<float>({3}, {1, 2, 3});
  EXPECT_TRUE(call(scaleAdd.get(), "scale_add", {x.get(), y.get()}, 1).empty());
  EXPECT_EQ(error, "entry 'scale_add': has 2 outputs (z, n), but room for 1 "
                   "was passed");
}

TEST_F(CallTest, UnknownEntry) {
  EXPECT_TRUE(call(scaleAdd.get(), "scale_mul", {}, 0).empty());
  EXPECT_EQ(error, std::string("module '") + kScaleAddModule +
                       "' has no entry 'scale_mul' (entries: scale_add)");
}

TEST_F(CallTest, AliasedAndSharedOutputs) {
  std::vector<int64_t> a = {3, -1, 4, 1, 5};
  TensorPtr input = makeTensor<int64_t>({5}, a);
  // Repeat so that a wrong free (of the input, or twice of a shared buffer)
  // has a chance to corrupt the heap and abort.
  for (int repeat = 0; repeat < 3; ++repeat) {
    std::vector<TensorPtr> outputs =
        call(multiEntry.get(), "alias", {input.get()}, 3);
    ASSERT_EQ(outputs.size(), 3u) << error;
    EXPECT_EQ(valuesOf<int64_t>(outputs[0].get()), a);
    EXPECT_NE(tvq_tensor_data(outputs[0].get()), tvq_tensor_data(input.get()))
        << "outputs are copies";
    EXPECT_EQ(valuesOf<int64_t>(outputs[1].get()),
              (std::vector<int64_t>{6, -2, 8, 2, 10}));
    EXPECT_EQ(valuesOf<int64_t>(outputs[2].get()),
              (std::vector<int64_t>{10, 2, 8, -2, 6}));
    EXPECT_EQ(valuesOf<int64_t>(input.get()), a);
  }
}

TEST_F(CallTest, EmptyDynamicInput) {
  TensorPtr input = makeTensor<int64_t>({0}, {});
  std::vector<TensorPtr> outputs =
      call(multiEntry.get(), "alias", {input.get()}, 3);
  ASSERT_EQ(outputs.size(), 3u) << error;
  for (const TensorPtr &output : outputs)
    EXPECT_EQ(shapeOf(output.get()), std::vector<int64_t>{0});
}

TEST_F(CallTest, NoInputsAndTransposedOutput) {
  std::vector<TensorPtr> outputs = call(multiEntry.get(), "constant", {}, 1);
  ASSERT_EQ(outputs.size(), 1u) << error;
  EXPECT_EQ(shapeOf(outputs[0].get()), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(valuesOf<double>(outputs[0].get()),
            (std::vector<double>{0, 1, 2, 10, 11, 12}));
}

} // namespace

namespace {

/// What the output hook of the counted fixture received.
struct Announced {
  std::vector<int64_t> indices;
  std::vector<float> data;
};

void recordAnnouncement(void *context, int64_t index, const void *data,
                        int64_t bytes) {
  auto &a = *static_cast<Announced *>(context);
  a.indices.push_back(index);
  const auto *floats = static_cast<const float *>(data);
  a.data.assign(floats, floats + bytes / static_cast<int64_t>(sizeof(float)));
}

} // namespace

TEST(OutputHookTest, AnnouncedOutputReachesTheHookDuringTheCall) {
  ModulePtr counted(tvq_module_load(kCountedModule));
  ASSERT_TRUE(counted) << tvq_last_error();
  Announced announced;
  ASSERT_EQ(
      tvq_module_set_output_hook(counted.get(), recordAnnouncement, &announced),
      0)
      << tvq_last_error();
  TensorPtr x = makeTensor<float>({4}, {1.5f, -2, 0, 7});
  const tvq_tensor *inputs[] = {x.get()};
  tvq_tensor *output = nullptr;
  ASSERT_EQ(tvq_call(counted.get(), "count", inputs, 1, &output, 1), 0)
      << tvq_last_error();
  TensorPtr y(output);
  EXPECT_EQ(announced.indices, std::vector<int64_t>{0});
  EXPECT_EQ(announced.data, (std::vector<float>{2.5f, -1, 1, 8}));
  EXPECT_EQ(announced.data, valuesOf<float>(y.get()));

  // Removed: the next call announces nothing.
  ASSERT_EQ(tvq_module_set_output_hook(counted.get(), nullptr, nullptr), 0);
  ASSERT_EQ(tvq_call(counted.get(), "count", inputs, 1, &output, 1), 0);
  tvq_tensor_destroy(output);
  EXPECT_EQ(announced.indices.size(), 1u);
}

TEST(OutputHookTest, ModuleWithoutAnnouncementsSaysSo) {
  ModulePtr scaleAdd(tvq_module_load(kScaleAddModule));
  ASSERT_TRUE(scaleAdd) << tvq_last_error();
  Announced announced;
  EXPECT_EQ(tvq_module_set_output_hook(scaleAdd.get(), recordAnnouncement,
                                       &announced),
            1);
  EXPECT_NE(std::string(tvq_last_error())
                .find("announces no outputs (no _tvq_output_hook)"),
            std::string::npos)
      << tvq_last_error();
}
