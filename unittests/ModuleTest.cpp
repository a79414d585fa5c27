//===- ModuleTest.cpp - Tests of loading modules and reading entries ------===//

#include "TestSupport.h"

#include <thread>

using namespace tvq::test;

namespace {

/// Expects loading path to fail with an error that contains each of parts.
void expectLoadError(const std::string &path,
                     const std::vector<std::string> &parts) {
  ModulePtr module(tvq_module_load(path.c_str()));
  EXPECT_FALSE(module);
  std::string message = tvq_last_error();
  for (const std::string &part : parts)
    EXPECT_NE(message.find(part), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << part;
}

std::vector<int64_t> dimsOf(const tvq_arg &arg) {
  return std::vector<int64_t>(arg.dims, arg.dims + arg.rank);
}

TEST(ModuleTest, ReadsTheManifest) {
  ModulePtr module(tvq_module_load(kScaleAddModule));
  ASSERT_TRUE(module) << tvq_last_error();
  EXPECT_STREQ(tvq_module_target(module.get()), "cpu");
  ASSERT_EQ(tvq_module_num_entries(module.get()), 1);
  const tvq_entry *entry = tvq_module_entry(module.get(), 0);
  ASSERT_TRUE(entry);
  EXPECT_EQ(tvq_module_find_entry(module.get(), "scale_add"), entry);
  EXPECT_STREQ(tvq_entry_name(entry), "scale_add");

  ASSERT_EQ(tvq_entry_num_inputs(entry), 2);
  tvq_arg x = tvq_entry_input(entry, 0);
  EXPECT_STREQ(x.name, "x");
  EXPECT_EQ(x.dtype, TVQ_F32);
  EXPECT_EQ(dimsOf(x), (std::vector<int64_t>{-1, 3}));
  tvq_arg y = tvq_entry_input(entry, 1);
  EXPECT_STREQ(y.name, "y");
  EXPECT_EQ(dimsOf(y), std::vector<int64_t>{3});

  ASSERT_EQ(tvq_entry_num_outputs(entry), 2);
  tvq_arg z = tvq_entry_output(entry, 0);
  EXPECT_STREQ(z.name, "z");
  EXPECT_EQ(dimsOf(z), (std::vector<int64_t>{-1, 3}));
  tvq_arg n = tvq_entry_output(entry, 1);
  EXPECT_STREQ(n.name, "n");
  EXPECT_EQ(n.dtype, TVQ_I64);
  EXPECT_EQ(n.rank, 0);

  ASSERT_EQ(tvq_entry_num_checks(entry), 2);
  EXPECT_STREQ(tvq_entry_check(entry, 1),
               "scale_add at scale_add.c:1:1: dim 0 of operand 'x' (N) must "
               "be positive");
  EXPECT_STREQ(tvq_entry_check(entry, 2),
               "scale_add at scale_add.c:1:1: dim 0 of operand 'x' (N) must "
               "be at most 1000");
}

TEST(ModuleTest, OutOfRangeAccessors) {
  ModulePtr module(tvq_module_load(kScaleAddModule));
  ASSERT_TRUE(module) << tvq_last_error();
  EXPECT_EQ(tvq_module_entry(module.get(), 1), nullptr);
  EXPECT_EQ(tvq_module_entry(module.get(), -1), nullptr);
  const tvq_entry *entry = tvq_module_entry(module.get(), 0);
  EXPECT_EQ(tvq_entry_input(entry, 2).name, nullptr);
  EXPECT_EQ(tvq_entry_output(entry, -1).name, nullptr);
  EXPECT_EQ(tvq_entry_check(entry, 0), nullptr);
  EXPECT_EQ(tvq_entry_check(entry, 3), nullptr);
}

TEST(ModuleTest, FindEntryNamesTheEntries) {
  ModulePtr module(tvq_module_load(kMultiEntryModule));
  ASSERT_TRUE(module) << tvq_last_error();
  EXPECT_EQ(tvq_module_num_entries(module.get()), 2);
  EXPECT_EQ(tvq_module_find_entry(module.get(), "nope"), nullptr);
  EXPECT_EQ(std::string(tvq_last_error()),
            std::string("module '") + kMultiEntryModule +
                "' has no entry 'nope' (entries: alias, constant)");
}

TEST(ModuleTest, MissingFile) {
  expectLoadError("/nonexistent/module.so",
                  {"cannot open module '/nonexistent/module.so'",
                   "No such file or directory"});
}

TEST(ModuleTest, Directory) {
  TempDir dir;
  expectLoadError(dir.path(""), {"cannot open module", "is a directory"});
}

TEST(ModuleTest, NotASharedLibrary) {
  TempDir dir;
  std::string path = dir.path("text.so");
  writeFile(path, "this is not an ELF file, just some text\n");
  // The rest of the message is dlerror's, e.g. "invalid ELF header".
  expectLoadError(path, {"cannot load module '" + path + "': "});
}

TEST(ModuleTest, NoManifest) {
  expectLoadError(kNoManifestModule,
                  {std::string("'") + kNoManifestModule +
                   "' is not a tvq module: it has no 'tvq_manifest' symbol"});
}

TEST(ModuleTest, MalformedManifest) {
  expectLoadError(
      kBadManifestModule,
      {std::string("invalid manifest in module '") + kBadManifestModule + "'",
       "line 4: unknown dtype 'f16'"});
}

TEST(ModuleTest, ManifestVersionMismatch) {
  expectLoadError(kFutureVersionModule,
                  {"invalid manifest in module",
                   "manifest version 2 is not supported (this runtime reads "
                   "version 1)"});
}

TEST(ModuleTest, MissingEntrySymbol) {
  expectLoadError(kMissingSymbolModule,
                  {std::string("module '") + kMissingSymbolModule +
                   "' has no symbol '_tvq_packed_g' for entry 'g'"});
}

TEST(ModuleTest, LastErrorIsPerThreadAndKeptBySuccesses) {
  expectLoadError("/nonexistent/module.so", {"cannot open module"});
  std::string before = tvq_last_error();
  ModulePtr module(tvq_module_load(kScaleAddModule));
  ASSERT_TRUE(module);
  EXPECT_EQ(before, tvq_last_error());
  std::string otherThread = "unset";
  std::thread([&] { otherThread = tvq_last_error(); }).join();
  EXPECT_EQ(otherThread, "");
}

} // namespace
