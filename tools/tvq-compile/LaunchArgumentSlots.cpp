//===- LaunchArgumentSlots.cpp - One stack slot for all kernel launches ---===//
//
// The pattern (MLIR 22's translation of `gpu.launch_func`), all in the block
// of the launch call and after the previous launch call of that block:
//
//   %args = alloca %struct             ; the argument values
//   %params = alloca ptr, i64 N        ; their addresses
//   %a0 = getelementptr %struct, ptr %args, i32 0, i32 0
//   store i64 %x, ptr %a0
//   %p0 = getelementptr ptr, ptr %params, i32 0
//   store ptr %a0, ptr %p0
//   ...
//   call void @mgpuLaunchKernel(..., ptr %params, ptr null, i64 N)
//
// Nothing else may use %args, %params or their addresses, so both are dead
// once the call returns and the next launch may reuse their memory.
//
//===----------------------------------------------------------------------===//

#include "LaunchArgumentSlots.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/IR/DataLayout.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace {

/// The launch functions of CudaWrappers and where their `params` argument is
/// (third from the end: params, extra, paramsCount).
bool isLaunch(const CallInst *call) {
  const Function *callee = call->getCalledFunction();
  if (!callee || call->arg_size() < 3)
    return false;
  StringRef name = callee->getName();
  return name == "mgpuLaunchKernel" || name == "mgpuLaunchClusterKernel";
}

Value *paramsOperand(CallInst *call) {
  return call->getArgOperand(call->arg_size() - 3);
}

/// A launch's argument allocas and every instruction that uses them.
struct LaunchSlots {
  AllocaInst *params = nullptr;
  SmallSetVector<AllocaInst *, 2> structs;
  SmallVector<Instruction *> users;
};

/// A static alloca outside the entry block: a constant element count.
bool isConstantSized(AllocaInst *alloca) {
  return isa<ConstantInt>(alloca->getArraySize());
}

/// `value` is `alloca` or a GEP of it: the alloca, else null.
AllocaInst *baseAlloca(Value *value) {
  if (auto *gep = dyn_cast<GetElementPtrInst>(value))
    value = gep->getPointerOperand();
  return dyn_cast<AllocaInst>(value);
}

/// Every address of `slot` (itself and its GEPs) is only stored to, or, when
/// `intoParams` is set, stored as a value into the params array. Appends the
/// instructions to `users`.
bool onlyStoredTo(AllocaInst *slot, AllocaInst *params,
                  SmallVectorImpl<Instruction *> &users, CallInst *launch) {
  SmallVector<Value *> addresses = {slot};
  for (User *user : slot->users()) {
    if (auto *gep = dyn_cast<GetElementPtrInst>(user)) {
      if (gep->getPointerOperand() != slot)
        return false;
      users.push_back(gep);
      addresses.push_back(gep);
    }
  }
  for (Value *address : addresses) {
    for (User *user : address->users()) {
      if (isa<GetElementPtrInst>(user) && address == slot)
        continue; // Collected above.
      if (user == launch && slot == params && paramsOperand(launch) == params)
        continue;
      auto *store = dyn_cast<StoreInst>(user);
      if (!store)
        return false;
      bool storesInto = store->getPointerOperand() == address &&
                        store->getValueOperand() != address;
      bool storedIntoParams = slot != params &&
                              store->getValueOperand() == address &&
                              baseAlloca(store->getPointerOperand()) == params;
      if (!storesInto && !storedIntoParams)
        return false;
      users.push_back(store);
    }
  }
  return true;
}

/// The argument allocas of `launch` if they match the pattern and all lie
/// in its block after `previous` (the block's previous launch, or null).
std::optional<LaunchSlots> matchLaunch(CallInst *launch,
                                       Instruction *previous) {
  LaunchSlots slots;
  slots.params = dyn_cast<AllocaInst>(paramsOperand(launch));
  if (!slots.params || !isConstantSized(slots.params))
    return std::nullopt;
  if (!onlyStoredTo(slots.params, slots.params, slots.users, launch))
    return std::nullopt;
  // The argument structs: the allocas whose addresses the params hold.
  for (User *user : slots.params->users())
    for (User *slotUser : user->users())
      if (auto *store = dyn_cast<StoreInst>(slotUser))
        if (AllocaInst *arg = baseAlloca(store->getValueOperand()))
          slots.structs.insert(arg);
  for (User *user : slots.params->users())
    if (auto *store = dyn_cast<StoreInst>(user))
      if (AllocaInst *arg = baseAlloca(store->getValueOperand()))
        slots.structs.insert(arg);
  for (AllocaInst *arg : slots.structs)
    if (!isConstantSized(arg) ||
        !onlyStoredTo(arg, slots.params, slots.users, launch))
      return std::nullopt;

  BasicBlock *block = launch->getParent();
  auto inWindow = [&](Instruction *inst) {
    return inst->getParent() == block && inst->comesBefore(launch) &&
           (!previous || previous->comesBefore(inst));
  };
  if (!inWindow(slots.params) || !llvm::all_of(slots.structs, inWindow) ||
      !llvm::all_of(slots.users, inWindow))
    return std::nullopt;
  return slots;
}

uint64_t allocaBytes(AllocaInst *alloca, const DataLayout &layout) {
  return alloca->getAllocationSize(layout)->getFixedValue();
}

void shareInFunction(Function &function, mlir::tvq::LaunchSlotStats &stats) {
  if (function.isDeclaration())
    return;
  SmallVector<LaunchSlots> matched;
  for (BasicBlock &block : function) {
    Instruction *previous = nullptr;
    for (Instruction &inst : block) {
      auto *call = dyn_cast<CallInst>(&inst);
      if (!call || !isLaunch(call))
        continue;
      ++stats.launches;
      if (std::optional<LaunchSlots> slots = matchLaunch(call, previous))
        matched.push_back(std::move(*slots));
      previous = call;
    }
  }
  if (matched.empty())
    return;

  const DataLayout &layout = function.getParent()->getDataLayout();
  uint64_t structBytes = 1, paramBytes = 1;
  Align structAlign(1), paramAlign(1);
  for (LaunchSlots &slots : matched) {
    paramBytes = std::max(paramBytes, allocaBytes(slots.params, layout));
    paramAlign = std::max(paramAlign, slots.params->getAlign());
    for (AllocaInst *arg : slots.structs) {
      structBytes = std::max(structBytes, allocaBytes(arg, layout));
      structAlign = std::max(structAlign, arg->getAlign());
    }
  }

  BasicBlock &entry = function.getEntryBlock();
  IRBuilder<> builder(&entry, entry.getFirstInsertionPt());
  Type *byte = builder.getInt8Ty();
  AllocaInst *sharedArgs =
      builder.CreateAlloca(byte, builder.getInt64(structBytes), "launch.args");
  sharedArgs->setAlignment(structAlign);
  AllocaInst *sharedParams =
      builder.CreateAlloca(byte, builder.getInt64(paramBytes), "launch.params");
  sharedParams->setAlignment(paramAlign);

  for (LaunchSlots &slots : matched) {
    for (AllocaInst *arg : slots.structs) {
      arg->replaceAllUsesWith(sharedArgs);
      arg->eraseFromParent();
      ++stats.allocasRemoved;
    }
    slots.params->replaceAllUsesWith(sharedParams);
    slots.params->eraseFromParent();
    ++stats.allocasRemoved;
    ++stats.shared;
  }
}

} // namespace

mlir::tvq::LaunchSlotStats mlir::tvq::shareLaunchArgumentSlots(Module &module) {
  LaunchSlotStats stats;
  for (Function &function : module)
    shareInFunction(function, stats);
  return stats;
}
