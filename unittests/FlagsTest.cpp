//===- FlagsTest.cpp - The flag parser of tvq-run train/eval/generate -----===//

#include "Flags.h"

#include <gtest/gtest.h>

using tvq::run::Flags;

namespace {

const std::vector<tvq::run::FlagSpec> kSpecs = {
    {"steps", true}, {"rate", true}, {"resume", false}};

TEST(FlagsTest, BothValueFormsSwitchesAndPositionals) {
  Flags flags;
  ASSERT_EQ(flags.parse("train",
                        {"model.so", "--steps", "12", "--rate=0.5", "--resume",
                         "extra"},
                        kSpecs),
            "");
  EXPECT_EQ(flags.positional, (std::vector<std::string>{"model.so", "extra"}));
  EXPECT_TRUE(flags.has("resume"));
  int64_t steps = 0;
  double rate = 0;
  EXPECT_EQ(flags.getInt("steps", 0, 100, steps), "");
  EXPECT_EQ(steps, 12);
  EXPECT_EQ(flags.getDouble("rate", 0, 1, rate), "");
  EXPECT_EQ(rate, 0.5);
  // A flag not given leaves the value as it was.
  Flags none;
  ASSERT_EQ(none.parse("train", {}, kSpecs), "");
  steps = 7;
  EXPECT_EQ(none.getInt("steps", 0, 100, steps), "");
  EXPECT_EQ(steps, 7);
  EXPECT_EQ(none.get("steps", "fallback"), "fallback");
}

TEST(FlagsTest, Errors) {
  auto parse = [](std::vector<std::string> args) {
    Flags flags;
    return flags.parse("train", args, kSpecs);
  };
  EXPECT_EQ(parse({"--nope"}), "unknown option '--nope' for 'train'");
  EXPECT_EQ(parse({"-x"}), "unknown option '-x' for 'train'");
  EXPECT_EQ(parse({"--steps"}), "--steps needs a value");
  EXPECT_EQ(parse({"--steps=1", "--steps", "2"}), "--steps given twice");
  EXPECT_EQ(parse({"--resume=yes"}), "--resume takes no value");

  Flags flags;
  ASSERT_EQ(flags.parse("train", {"--steps=12x", "--rate=nan"}, kSpecs), "");
  int64_t steps = 0;
  double rate = 0;
  EXPECT_EQ(flags.getInt("steps", 0, 100, steps),
            "--steps expects an integer in [0, 100], got '12x'");
  EXPECT_EQ(flags.getDouble("rate", 0, 1, rate),
            "--rate expects a number in [0, 1], got 'nan'");
  Flags range;
  ASSERT_EQ(range.parse("train", {"--steps=-1"}, kSpecs), "");
  EXPECT_EQ(range.getInt("steps", 0, 100, steps),
            "--steps expects an integer in [0, 100], got '-1'");
}

TEST(FlagsTest, Device) {
  const std::vector<tvq::run::FlagSpec> specs = {tvq::run::kDeviceFlag};
  std::string device = "unchanged";
  Flags none;
  ASSERT_EQ(none.parse("eval", {}, specs), "");
  EXPECT_EQ(none.getDevice(device), "");
  EXPECT_EQ(device, "");
  for (const char *name : {"cpu", "cuda"}) {
    Flags flags;
    ASSERT_EQ(flags.parse("eval", {"--device", name}, specs), "");
    EXPECT_EQ(flags.getDevice(device), "");
    EXPECT_EQ(device, name);
  }
  Flags bad;
  ASSERT_EQ(bad.parse("eval", {"--device=gpu"}, specs), "");
  EXPECT_EQ(bad.getDevice(device), "--device expects cpu or cuda, got 'gpu'");
  EXPECT_EQ(tvq::run::checkDevice(""), "--device expects cpu or cuda, got ''");
}

} // namespace
