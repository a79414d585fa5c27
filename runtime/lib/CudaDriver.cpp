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

/// Loads the library, resolves every function and initializes the driver
/// (cuInit); returns an error message, empty on success.
std::string loadAndInit(Driver &driver) {
  std::string problem = loadDriver(driver);
  if (problem.empty())
    if (CUresult result = driver.cuInit(0))
      problem = driver.describe("cuInit", result);
  return problem;
}

/// Chooses the device of the initialized driver and retains its primary
/// context.
std::string initDevice(Driver &driver) {
  int32_t ordinal = defaultDevice.load();
  if (CUresult result = driver.cuDeviceGet(&driver.device, ordinal))
    return driver.describe(
        ("cuDeviceGet(" + std::to_string(ordinal) + ")").c_str(), result);
  if (CUresult result =
          driver.cuDevicePrimaryCtxRetain(&driver.context, driver.device))
    return driver.describe("cuDevicePrimaryCtxRetain", result);
  int concurrent = 0;
  driver.concurrentManagedAccess =
      driver.cuDeviceGetAttribute(&concurrent,
                                  CU_DEVICE_ATTRIBUTE_CONCURRENT_MANAGED_ACCESS,
                                  driver.device) == CUDA_SUCCESS &&
      concurrent != 0;
  return "";
}

// The stages of initialization, each run once; never destroyed: modules
// unload their kernels from destructors that may run at exit, after this
// library's static destructors. `initialized` is `loaded` once a device is
// chosen; a failure is kept and reported again on every call.
Driver *loaded = nullptr, *initialized = nullptr;
std::string *loadFailure = nullptr, *deviceFailure = nullptr;
std::once_flag loadOnce, deviceOnce;

/// What a stage gives: its driver, or null with its failure in error.
Driver *outcome(Driver *instance, const std::string *failure,
                std::string *error) {
  if (!instance && error)
    *error = failure ? *failure : "the CUDA driver is not initialized";
  return instance;
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

const Driver *tvq::cuda::loadedDriver(std::string *error) {
  std::call_once(loadOnce, [] {
    auto *driver = new Driver();
    std::string problem = loadAndInit(*driver);
    if (problem.empty()) {
      loaded = driver;
    } else {
      delete driver;
      loadFailure = new std::string(std::move(problem));
    }
  });
  return outcome(loaded, loadFailure, error);
}

const Driver *tvq::cuda::driver(std::string *error) {
  if (!loadedDriver(error))
    return nullptr;
  std::call_once(deviceOnce, [] {
    std::string problem = initDevice(*loaded);
    if (problem.empty())
      initialized = loaded;
    else
      deviceFailure = new std::string(std::move(problem));
  });
  Driver *instance = outcome(initialized, deviceFailure, error);
  if (!instance)
    return nullptr;
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
