//===- LaunchArgumentSlotsTest.cpp - tvq-compile's shared launch slots ----===//
//
// shareLaunchArgumentSlots on hand-written host code in the shape MLIR's
// translation of gpu.launch_func gives (LaunchArgumentSlots.cpp): which
// launches it rewrites, and that it leaves alone the ones whose argument
// memory may be read after the launch.
//
//===----------------------------------------------------------------------===//

#include "LaunchArgumentSlots.h"

#include "llvm/AsmParser/Parser.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace llvm;

namespace {

/// The declarations every test module starts with.
constexpr const char *kPrelude = R"(
target datalayout = "e-m:e-i64:64-f80:128-n8:16:32:64-S128"
declare void @mgpuLaunchKernel(ptr, i64, i64, i64, i64, i64, i64, i32, ptr, ptr, ptr, i64)
declare void @keep(ptr)
)";

/// One launch of a kernel taking (i64 %x, ptr %p), its argument allocas
/// named %sN and %pN. `extra` goes between the stores and the call.
std::string launch(int n, const std::string &extra = "") {
  std::string s = std::to_string(n);
  return "  %s" + s + " = alloca { i64, ptr }, align 8\n" + "  %p" + s +
         " = alloca ptr, i64 2, align 8\n" + "  %a" + s +
         " = getelementptr { i64, ptr }, ptr %s" + s + ", i32 0, i32 0\n" +
         "  store i64 " + s + ", ptr %a" + s + "\n" + "  store ptr %a" + s +
         ", ptr %p" + s + "\n" + "  %b" + s +
         " = getelementptr { i64, ptr }, ptr %s" + s + ", i32 0, i32 1\n" +
         "  store ptr null, ptr %b" + s + "\n" + "  %q" + s +
         " = getelementptr ptr, ptr %p" + s + ", i32 1\n" + "  store ptr %b" +
         s + ", ptr %q" + s + "\n" + extra +
         "  call void @mgpuLaunchKernel(ptr null, i64 1, i64 1, i64 1, i64 1, "
         "i64 1, i64 1, i32 0, ptr null, ptr %p" +
         s + ", ptr null, i64 2)\n";
}

struct Parsed {
  LLVMContext context;
  std::unique_ptr<Module> module;
};

std::unique_ptr<Parsed> parse(const std::string &body) {
  auto parsed = std::make_unique<Parsed>();
  SMDiagnostic error;
  parsed->module =
      parseAssemblyString(std::string(kPrelude) + body, error, parsed->context);
  if (!parsed->module) {
    std::string text;
    raw_string_ostream os(text);
    error.print("test", os);
    ADD_FAILURE() << text;
  }
  return parsed;
}

/// The allocas of `name`, by block: entry ones and the others.
std::pair<unsigned, unsigned> countAllocas(Module &module, StringRef name) {
  Function *function = module.getFunction(name);
  unsigned entry = 0, other = 0;
  for (BasicBlock &block : *function) {
    unsigned &count = &block == &function->getEntryBlock() ? entry : other;
    for (Instruction &inst : block)
      count += isa<AllocaInst>(inst);
  }
  return {entry, other};
}

bool verifies(Module &module) {
  std::string text;
  raw_string_ostream os(text);
  bool broken = verifyModule(module, &os);
  EXPECT_FALSE(broken) << text;
  return !broken;
}

TEST(LaunchArgumentSlots, LaunchesInBlocksAndLoopsShareTwoEntrySlots) {
  std::unique_ptr<Parsed> p = parse("define void @f(i1 %c) {\n"
                                    "entry:\n  br label %loop\n"
                                    "loop:\n" +
                                    launch(0) + launch(1) +
                                    "  br i1 %c, label %loop, label %done\n"
                                    "done:\n" +
                                    launch(2) + "  ret void\n}\n");
  ASSERT_TRUE(p->module);
  mlir::tvq::LaunchSlotStats stats =
      mlir::tvq::shareLaunchArgumentSlots(*p->module);
  EXPECT_EQ(stats.launches, 3u);
  EXPECT_EQ(stats.shared, 3u);
  EXPECT_EQ(stats.allocasRemoved, 6u);
  EXPECT_EQ(countAllocas(*p->module, "f"), std::make_pair(2u, 0u));
  EXPECT_TRUE(verifies(*p->module));

  // Every launch passes the same params slot, 16 bytes (two pointers).
  Function *f = p->module->getFunction("f");
  auto *params = cast<AllocaInst>(f->getEntryBlock().begin()->getNextNode());
  EXPECT_EQ(params->getName(), "launch.params");
  EXPECT_EQ(*params->getAllocationSize(p->module->getDataLayout()),
            TypeSize::getFixed(16));
  for (BasicBlock &block : *f) {
    for (Instruction &inst : block) {
      if (auto *call = dyn_cast<CallInst>(&inst)) {
        EXPECT_EQ(call->getArgOperand(9), params);
      }
    }
  }
}

TEST(LaunchArgumentSlots, ParamsPassedElsewhereKeepTheirOwnSlots) {
  std::unique_ptr<Parsed> p =
      parse("define void @f() {\n" + launch(0) +
            launch(1, "  call void @keep(ptr %p1)\n") + "  ret void\n}\n");
  ASSERT_TRUE(p->module);
  mlir::tvq::LaunchSlotStats stats =
      mlir::tvq::shareLaunchArgumentSlots(*p->module);
  EXPECT_EQ(stats.launches, 2u);
  EXPECT_EQ(stats.shared, 1u);
  // The entry block is the only block: the new slots, and launch 1's own.
  EXPECT_EQ(countAllocas(*p->module, "f").first, 4u);
  EXPECT_TRUE(verifies(*p->module));
}

TEST(LaunchArgumentSlots, ArgumentsReadAfterTheLaunchKeepTheirSlots) {
  std::unique_ptr<Parsed> p =
      parse("define i64 @f() {\n" + launch(0) +
            "  %late = load i64, ptr %a0\n  ret i64 %late\n}\n");
  ASSERT_TRUE(p->module);
  mlir::tvq::LaunchSlotStats stats =
      mlir::tvq::shareLaunchArgumentSlots(*p->module);
  EXPECT_EQ(stats.launches, 1u);
  EXPECT_EQ(stats.shared, 0u);
  EXPECT_EQ(countAllocas(*p->module, "f").first, 2u);
  EXPECT_TRUE(verifies(*p->module));
}

TEST(LaunchArgumentSlots, ArgumentsWrittenBeforeThePreviousLaunchKeepSlots) {
  // Launch 1's struct is filled before launch 0 is called: sharing would let
  // launch 0's stores overwrite it.
  std::string first = launch(0), second = launch(1);
  std::string::size_type call = first.find("  call");
  std::string::size_type secondCall = second.find("  call");
  std::string body = "define void @f() {\n" + first.substr(0, call) +
                     second.substr(0, secondCall) + first.substr(call) +
                     second.substr(secondCall) + "  ret void\n}\n";
  std::unique_ptr<Parsed> p = parse(body);
  ASSERT_TRUE(p->module);
  mlir::tvq::LaunchSlotStats stats =
      mlir::tvq::shareLaunchArgumentSlots(*p->module);
  EXPECT_EQ(stats.launches, 2u);
  EXPECT_EQ(stats.shared, 1u);
  EXPECT_TRUE(verifies(*p->module));
}

TEST(LaunchArgumentSlots, ModulesWithoutLaunchesAreUnchanged) {
  std::unique_ptr<Parsed> p = parse("define void @f() {\n"
                                    "  %x = alloca i64\n"
                                    "  call void @keep(ptr %x)\n"
                                    "  ret void\n}\n");
  ASSERT_TRUE(p->module);
  mlir::tvq::LaunchSlotStats stats =
      mlir::tvq::shareLaunchArgumentSlots(*p->module);
  EXPECT_EQ(stats.launches, 0u);
  EXPECT_EQ(countAllocas(*p->module, "f"), std::make_pair(1u, 0u));
}

} // namespace
