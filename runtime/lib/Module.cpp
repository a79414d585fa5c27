//===- Module.cpp - Loading compiled modules and reading their entries ----===//

#include "Module.h"

#include "CudaDriver.h"
#include "CudaRuntime.h"
#include "Error.h"

#include <cerrno>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <sys/stat.h>

using namespace tvq;

tvq_module::~tvq_module() {
  if (handle)
    dlclose(handle);
  // Its buffers' blocks, kept for reuse while it ran, go back to the driver.
  if (target == "cuda")
    tvq::cuda::releaseCachedMemory();
}

/// Looks up symbol in module->handle; null when absent.
static void *findSymbol(tvq_module &module, const std::string &symbol) {
  dlerror();
  return dlsym(module.handle, symbol.c_str());
}

/// Makes this library's exported symbols (the tvq_* API, and the mgpu* and
/// _mlir_memref_to_llvm_* functions that CUDA modules import) global, so that
/// a module dlopen'ed with RTLD_LOCAL finds them even when this library was
/// itself loaded with RTLD_LOCAL (e.g. by Python's ctypes).
static void makeRuntimeSymbolsGlobal() {
  static std::once_flag once;
  std::call_once(once, [] {
    Dl_info info;
    if (dladdr(reinterpret_cast<void *>(&makeRuntimeSymbolsGlobal), &info) &&
        info.dli_fname)
      dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD | RTLD_GLOBAL);
  });
}

/// Checks the module's target against device (the target itself when empty)
/// and prepares the device: for `target cuda`, the CUDA driver. Returns an
/// error message, empty on success.
static std::string prepareDevice(const tvq_module &module,
                                 const std::string &device) {
  const std::string quoted = "'" + module.path + "'";
  if (!device.empty() && device != module.target)
    return "module " + quoted + " was compiled for target " + module.target +
           ", not for device " + device +
           " (compile it with --target=" + device + ")";
  if (module.target != "cuda")
    return "";
  std::string error;
  if (!tvq::cuda::driver(&error))
    return "cannot load module " + quoted + ": " + error +
           "; this module was compiled with --target=cuda; compile with "
           "--target=cpu to run on this machine";
  // Which op each kernel computes, for TVQ_CUDA_PROFILE (absent in modules
  // of older compilers).
  if (const auto *sources = static_cast<const char *>(
          dlsym(module.handle, "_tvq_kernel_sources")))
    tvq::cuda::registerKernelSources(sources);
  return "";
}

/// Opens the library and reads its manifest and entry symbols into module;
/// returns an error message, empty on success.
static std::string load(tvq_module &module, const std::string &device) {
  const std::string quoted = "'" + module.path + "'";
  struct stat info;
  if (stat(module.path.c_str(), &info) != 0)
    return "cannot open module " + quoted + ": " + std::strerror(errno);
  if (S_ISDIR(info.st_mode))
    return "cannot open module " + quoted + ": it is a directory";

  // Without a slash dlopen would search the library path instead of the
  // current directory.
  std::string openPath = module.path;
  if (openPath.find('/') == std::string::npos)
    openPath = "./" + openPath;
  makeRuntimeSymbolsGlobal();
  dlerror();
  module.handle = dlopen(openPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!module.handle) {
    const char *reason = dlerror();
    return "cannot load module " + quoted + ": " +
           (reason ? reason : "unknown dlopen error");
  }

  const char *text =
      static_cast<const char *>(findSymbol(module, "tvq_manifest"));
  if (!text)
    return quoted + " is not a tvq module: it has no 'tvq_manifest' symbol";
  Manifest manifest;
  std::string error;
  if (!parseManifest(text, manifest, error))
    return "invalid manifest in module " + quoted + ": " + error;
  module.target = manifest.target;
  module.inspectOnly = device == "inspect";
  if (!module.inspectOnly)
    if (std::string error = prepareDevice(module, device); !error.empty())
      return error;

  for (EntrySpec &spec : manifest.entries) {
    auto entry = std::make_unique<tvq_entry>();
    void *packed = findSymbol(module, "_tvq_packed_" + spec.name);
    void *check = findSymbol(module, "_tvq_check_" + spec.name);
    if (!packed || !check)
      return "module " + quoted + " has no symbol '" +
             (packed ? "_tvq_check_" : "_tvq_packed_") + spec.name +
             "' for entry '" + spec.name + "'";
    entry->packed = reinterpret_cast<void (*)(void **)>(packed);
    entry->check = reinterpret_cast<int32_t (*)(void **)>(check);
    entry->peakBytes = reinterpret_cast<int64_t (*)(void **)>(
        findSymbol(module, "_tvq_peak_bytes_" + spec.name));
    entry->spec = std::move(spec);
    module.entries.push_back(std::move(entry));
  }
  return "";
}

tvq_module *tvq_module_load(const char *path) {
  return tvq_module_load_device(path, nullptr);
}

tvq_module *tvq_module_load_device(const char *path, const char *device) {
  if (!path) {
    setError("tvq_module_load: null path");
    return nullptr;
  }
  std::string deviceName = device ? device : "";
  if (!deviceName.empty() && deviceName != "cpu" && deviceName != "cuda" &&
      deviceName != "inspect") {
    setError("unknown device '" + deviceName +
             "': expected cpu, cuda or inspect");
    return nullptr;
  }
  auto module = std::make_unique<tvq_module>();
  module->path = path;
  std::string error = load(*module, deviceName);
  if (!error.empty()) {
    setError(std::move(error));
    return nullptr;
  }
  return module.release();
}

void tvq_module_unload(tvq_module *module) { delete module; }

/// The output hook of a CUDA module: waits for the device, then calls the
/// hook the caller installed.
static void deviceOutputHook(void *context, int64_t index, const void *data,
                             int64_t bytes) {
  auto *module = static_cast<tvq_module *>(context);
  tvq::cuda::synchronize();
  if (module->outputHook)
    module->outputHook(module->outputHookContext, index, data, bytes);
}

int tvq_module_set_output_hook(tvq_module *module, tvq_output_hook hook,
                               void *context) {
  // Both globals come from tvq-lower-output-ready (docs/abi.md).
  auto *hookSlot =
      static_cast<tvq_output_hook *>(findSymbol(*module, "_tvq_output_hook"));
  auto *contextSlot =
      static_cast<void **>(findSymbol(*module, "_tvq_output_hook_context"));
  if (!hookSlot || !contextSlot) {
    setError("module '" + module->path +
             "' announces no outputs (no _tvq_output_hook): compile it with a "
             "tvq-compile that places them, or take its outputs after the "
             "call");
    return 1;
  }
  module->outputHook = hook;
  module->outputHookContext = context;
  // A CUDA module's announced buffer is managed memory that kernels write:
  // the trampoline waits for the device before the hook reads it.
  bool cuda = module->target == "cuda";
  *contextSlot = cuda ? module : context;
  *hookSlot = hook && cuda ? deviceOutputHook : hook;
  return 0;
}

const char *tvq_module_target(const tvq_module *module) {
  return module->target.c_str();
}

int32_t tvq_module_num_entries(const tvq_module *module) {
  return static_cast<int32_t>(module->entries.size());
}

const tvq_entry *tvq_module_entry(const tvq_module *module, int32_t index) {
  if (index < 0 || index >= tvq_module_num_entries(module))
    return nullptr;
  return module->entries[index].get();
}

const tvq_entry *tvq_module_find_entry(const tvq_module *module,
                                       const char *name) {
  std::string names;
  for (const auto &entry : module->entries) {
    if (name && entry->spec.name == name)
      return entry.get();
    names += (names.empty() ? "" : ", ") + entry->spec.name;
  }
  setError("module '" + module->path + "' has no entry '" +
           (name ? name : "<null>") + "' (entries: " + names + ")");
  return nullptr;
}

const char *tvq_entry_name(const tvq_entry *entry) {
  return entry->spec.name.c_str();
}

int32_t tvq_entry_num_inputs(const tvq_entry *entry) {
  return static_cast<int32_t>(entry->spec.inputs.size());
}

int32_t tvq_entry_num_outputs(const tvq_entry *entry) {
  return static_cast<int32_t>(entry->spec.outputs.size());
}

/// The public view of args[index]; a null name when out of range.
static tvq_arg argAt(const std::vector<ArgSpec> &args, int32_t index) {
  if (index < 0 || static_cast<size_t>(index) >= args.size())
    return tvq_arg{nullptr, TVQ_F32, 0, nullptr};
  const ArgSpec &arg = args[index];
  return tvq_arg{arg.name.c_str(), arg.dtype,
                 static_cast<int32_t>(arg.dims.size()), arg.dims.data()};
}

tvq_arg tvq_entry_input(const tvq_entry *entry, int32_t i) {
  return argAt(entry->spec.inputs, i);
}

tvq_arg tvq_entry_output(const tvq_entry *entry, int32_t j) {
  return argAt(entry->spec.outputs, j);
}

int32_t tvq_entry_num_checks(const tvq_entry *entry) {
  return static_cast<int32_t>(entry->spec.checks.size());
}

const char *tvq_entry_check(const tvq_entry *entry, int32_t n) {
  if (n < 1 || n > tvq_entry_num_checks(entry))
    return nullptr;
  return entry->spec.checks[n - 1].c_str();
}
