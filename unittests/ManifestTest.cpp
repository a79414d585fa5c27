//===- ManifestTest.cpp - Tests of the manifest parser --------------------===//

#include "Manifest.h"

#include <gtest/gtest.h>

using namespace tvq;

namespace {

const char *const kValid =
    "tvq-manifest 1\n"
    "target cpu\n"
    "entry attend 3 1\n"
    "input 0 q f32 3 ? ? 48\n"
    "input 1 k f32 3 ? ? 48\n"
    "input 2 steps i64 0\n"
    "output 0 out f64 2 ? 16\n"
    "check 1 tvq.vq_attention at vq_attention.mlir:21:10: dim 1 of operand "
    "'q' (T) must be a multiple of block_len 16\n"
    "check 2 a message  with  double spaces\n"
    "end\n"
    "entry noop 0 0\n"
    "end\n";

TEST(ManifestTest, ParsesEntriesArgsAndChecks) {
  Manifest manifest;
  std::string error;
  ASSERT_TRUE(parseManifest(kValid, manifest, error)) << error;
  EXPECT_EQ(manifest.version, 1);
  EXPECT_EQ(manifest.target, "cpu");
  ASSERT_EQ(manifest.entries.size(), 2u);

  const EntrySpec &attend = manifest.entries[0];
  EXPECT_EQ(attend.name, "attend");
  ASSERT_EQ(attend.inputs.size(), 3u);
  EXPECT_EQ(attend.inputs[0].name, "q");
  EXPECT_EQ(attend.inputs[0].dtype, TVQ_F32);
  EXPECT_EQ(attend.inputs[0].dims, (std::vector<int64_t>{-1, -1, 48}));
  EXPECT_EQ(attend.inputs[2].name, "steps");
  EXPECT_EQ(attend.inputs[2].dtype, TVQ_I64);
  EXPECT_TRUE(attend.inputs[2].dims.empty());
  ASSERT_EQ(attend.outputs.size(), 1u);
  EXPECT_EQ(attend.outputs[0].name, "out");
  EXPECT_EQ(attend.outputs[0].dtype, TVQ_F64);
  EXPECT_EQ(attend.outputs[0].dims, (std::vector<int64_t>{-1, 16}));
  ASSERT_EQ(attend.checks.size(), 2u);
  EXPECT_EQ(attend.checks[0],
            "tvq.vq_attention at vq_attention.mlir:21:10: dim 1 of operand "
            "'q' (T) must be a multiple of block_len 16");
  EXPECT_EQ(attend.checks[1], "a message  with  double spaces");

  const EntrySpec &noop = manifest.entries[1];
  EXPECT_EQ(noop.name, "noop");
  EXPECT_TRUE(noop.inputs.empty());
  EXPECT_TRUE(noop.outputs.empty());
  EXPECT_TRUE(noop.checks.empty());
}

TEST(ManifestTest, AcceptsMissingFinalNewline) {
  Manifest manifest;
  std::string error;
  EXPECT_TRUE(parseManifest("tvq-manifest 1\ntarget cpu\nentry f 0 0\nend",
                            manifest, error))
      << error;
  EXPECT_EQ(manifest.entries.size(), 1u);
}

/// A malformed manifest and a part of the expected error message.
struct BadCase {
  const char *text;
  const char *error;
};

const BadCase kBadCases[] = {
    {"", "manifest is empty"},
    {"tvq-manifest\n", "line 1: expected 'tvq-manifest 1'"},
    {"tvq-manifest one\n", "line 1: expected 'tvq-manifest 1'"},
    {"tvq-manifest 2\ntarget cpu\n",
     "manifest version 2 is not supported (this runtime reads version 1)"},
    {"tvq-manifest 1\n", "line 1: unexpected end of manifest"},
    {"tvq-manifest 1\ntarget  cpu\n", "line 2: empty field"},
    {"tvq-manifest 1\narch cpu\n", "line 2: expected 'target <name>'"},
    {"tvq-manifest 1\ntarget cpu\n", "manifest has no entries"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0\nend\n",
     "line 3: expected 'entry <name> <n_inputs> <n_outputs>'"},
    {"tvq-manifest 1\ntarget cpu\nentry f -1 0\nend\n",
     "line 3: bad input count '-1'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 1 0\nend\n",
     "line 4: expected 'input 0 <name> <dtype> <rank> <dims...>', got 'end'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 1 0\ninput 1 x f32 0\nend\n",
     "line 4: expected 'input 0"},
    {"tvq-manifest 1\ntarget cpu\nentry f 1 0\ninput 0 x bf16 0\nend\n",
     "line 4: unknown dtype 'bf16'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 1 0\ninput 0 x f32 2 3\nend\n",
     "line 4: input 'x' has rank 2 but 1 dimensions"},
    {"tvq-manifest 1\ntarget cpu\nentry f 1 0\ninput 0 x f32 1 -3\nend\n",
     "line 4: bad dimension '-3' of input 'x'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 1 0\ninput 0 x f32 1 ?x\nend\n",
     "line 4: bad dimension '?x'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 1 0\ninput 0 x f32 r\nend\n",
     "line 4: bad rank 'r'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0 1\ninput 0 x f32 0\nend\n",
     "line 4: expected 'output 0"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0 0\ncheck 2 skipped one\nend\n",
     "line 4: expected 'check 1 <message>' or 'end'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0 0\ncheck 1 \nend\n",
     "line 4: expected 'check 1 <message>' or 'end'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0 0\n",
     "line 3: unexpected end of manifest in entry 'f'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0 0\nend\nentry f 0 0\nend\n",
     "line 5: duplicate entry 'f'"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0 0\nend\n\nentry g 0 0\nend\n",
     "line 5: empty field"},
    {"tvq-manifest 1\ntarget cpu\nentry f 0 0\nend\nbogus\n",
     "line 5: expected 'entry <name> <n_inputs> <n_outputs>', got 'bogus'"},
    {"tvq-manifest 1\r\ntarget cpu\n", "line 1: expected 'tvq-manifest 1'"},
    {"tvq-manifest 1\ntarget cpu\r\n", "line 2: control character 0x0d"},
};

TEST(ManifestTest, RejectsMalformedManifests) {
  for (const BadCase &bad : kBadCases) {
    Manifest manifest;
    std::string error;
    EXPECT_FALSE(parseManifest(bad.text, manifest, error)) << "accepted:\n"
                                                           << bad.text;
    EXPECT_NE(error.find(bad.error), std::string::npos)
        << "manifest:\n"
        << bad.text << "\nerror: " << error << "\nexpected: " << bad.error;
  }
}

} // namespace
