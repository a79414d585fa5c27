//===- CudaDriver.cpp - Loading and initializing the CUDA driver ----------===//

#include "CudaDriver.h"

#include <atomic>
#include <cstdlib>
#include <dlfcn.h>
#include <mutex>

using namespace tvq::cuda;

namespace {

std::atomic<int32_t> defaultDevice{0};

/// Loads the library and resolves every function; returns an error message,
/// empty on success.
std::string loadDriver(Driver &driver) {
  std::string path = driverLibrary();
  dlerror();
  driver.library = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!driver.library) {
    const char *reason = dlerror();
    return "no CUDA driver: cannot load " + path + " (" +
           (reason ? reason : "unknown dlopen error") + ")";
  }
  std::string missing;
#define TVQ_CUDA_RESOLVE(member, symbol, type)                                 \
  driver.member = reinterpret_cast<Id<type>>(dlsym(driver.library, symbol));   \
  if (!driver.member)                                                          \
    missing += std::string(missing.empty() ? "" : ", ") + symbol;
  TVQ_CUDA_DRIVER_FUNCTIONS(TVQ_CUDA_RESOLVE)
#undef TVQ_CUDA_RESOLVE
  if (!missing.empty())
    return "the CUDA driver " + path + " lacks " + missing +
           " (it is older than CUDA 12)";
  return "";
}

/// Initializes the loaded driver: cuInit, the device, its primary context.
std::string initDriver(Driver &driver) {
  if (CUresult result = driver.cuInit(0))
    return driver.describe("cuInit", result);
  int32_t ordinal = defaultDevice.load();
  if (CUresult result = driver.cuDeviceGet(&driver.device, ordinal))
    return driver.describe(
        ("cuDeviceGet(" + std::to_string(ordinal) + ")").c_str(), result);
  if (CUresult result =
          driver.cuDevicePrimaryCtxRetain(&driver.context, driver.device))
    return driver.describe("cuDevicePrimaryCtxRetain", result);
  return "";
}

} // namespace

std::string Driver::describe(const char *call, CUresult result) const {
  const char *name = nullptr, *text = nullptr;
  if (cuGetErrorName(result, &name) != CUDA_SUCCESS || !name)
    name = nullptr;
  if (cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    text = nullptr;
  std::string message = std::string(call) + ": ";
  message += name ? name : "CUDA error " + std::to_string(result);
  if (text)
    message += std::string(" (") + text + ")";
  return message;
}

std::string tvq::cuda::driverLibrary() {
  const char *path = std::getenv("TVQ_CUDA_DRIVER");
  return path && *path ? path : "libcuda.so.1";
}

void tvq::cuda::setDefaultDevice(int32_t device) { defaultDevice = device; }

const Driver *tvq::cuda::driver(std::string *error) {
  // Never destroyed: modules unload their kernels from destructors that may
  // run at exit, after this library's static destructors.
  static Driver *instance = nullptr;
  static std::string *failure = nullptr;
  static std::once_flag once;
  std::call_once(once, [] {
    auto *loaded = new Driver();
    std::string problem = loadDriver(*loaded);
    if (problem.empty())
      problem = initDriver(*loaded);
    if (problem.empty()) {
      instance = loaded;
    } else {
      delete loaded;
      failure = new std::string(std::move(problem));
    }
  });
  if (!instance) {
    if (error)
      *error = *failure;
    return nullptr;
  }
  // The primary context is made current once per thread.
  thread_local bool current = false;
  if (!current) {
    if (CUresult result = instance->cuCtxSetCurrent(instance->context)) {
      if (error)
        *error = instance->describe("cuCtxSetCurrent", result);
      return nullptr;
    }
    current = true;
  }
  return instance;
}
