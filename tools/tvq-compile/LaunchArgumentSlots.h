//===- LaunchArgumentSlots.h - One stack slot for all kernel launches -----===//
//
// The host code of a CUDA module launches each kernel through
// `mgpuLaunchKernel(..., void **params, ...)`. MLIR's translation of
// `gpu.launch_func` puts the arguments in an `alloca` of a struct and their
// addresses in an `alloca` of a pointer array, at the launch site: allocas
// outside the entry block, alive until the function returns. A train_step
// with thousands of launches used megabytes of stack (5.8 MB for the
// 24-layer enwik8-size one, against the main thread's 8 MB), and those
// dynamic allocas sent -O0's FastISel to SelectionDAG.
//
// cuLaunchKernel copies the arguments when it is called, so every launch can
// use the same two slots. `shareLaunchArgumentSlots` makes them allocas of
// the entry block, sized for the largest launch, and points every launch
// whose argument allocas match the translation's pattern at them.
//
//===----------------------------------------------------------------------===//

#ifndef TVQ_TOOLS_TVQ_COMPILE_LAUNCHARGUMENTSLOTS_H
#define TVQ_TOOLS_TVQ_COMPILE_LAUNCHARGUMENTSLOTS_H

namespace llvm {
class Module;
} // namespace llvm

namespace mlir::tvq {

/// What `shareLaunchArgumentSlots` did.
struct LaunchSlotStats {
  unsigned launches = 0; ///< Calls of the launch functions.
  unsigned shared = 0;   ///< Launches now using the shared slots.
  unsigned allocasRemoved = 0;
};

/// Rewrites every function of `module` (whose data layout is set) so that its
/// kernel launches share two entry-block argument slots. Launches whose
/// argument allocas do not match the expected pattern keep their own.
LaunchSlotStats shareLaunchArgumentSlots(llvm::Module &module);

} // namespace mlir::tvq

#endif // TVQ_TOOLS_TVQ_COMPILE_LAUNCHARGUMENTSLOTS_H
