/* dlopen_runtime.c - loads a module through a runtime opened RTLD_LOCAL. */
/*
 * Usage: dlopen_runtime LIBTVQ_RUNTIME.so MODULE.so
 * Opens the runtime with dlopen(RTLD_NOW | RTLD_LOCAL), as Python's ctypes
 * does, and loads MODULE.so through its tvq_module_load. A CUDA module
 * imports mgpu* and _mlir_memref_to_llvm_* from the runtime, which then are
 * not in the global scope unless the runtime makes them so. Prints "loaded"
 * and exits with 0 on success, else prints the error and exits with 1.
 */
#include "tvq/tvq_runtime.h"

#include <dlfcn.h>
#include <stdio.h>

typedef tvq_module *(*LoadFn)(const char *);
typedef void (*UnloadFn)(tvq_module *);
typedef const char *(*ErrorFn)(void);

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s LIBTVQ_RUNTIME.so MODULE.so\n", argv[0]);
    return 2;
  }
  void *runtime = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  if (!runtime) {
    printf("cannot open the runtime: %s\n", dlerror());
    return 1;
  }
  LoadFn load = (LoadFn)dlsym(runtime, "tvq_module_load");
  UnloadFn unload = (UnloadFn)dlsym(runtime, "tvq_module_unload");
  ErrorFn lastError = (ErrorFn)dlsym(runtime, "tvq_last_error");
  if (!load || !unload || !lastError) {
    printf("the runtime lacks the C API\n");
    return 1;
  }
  tvq_module *module = load(argv[2]);
  if (!module) {
    printf("%s\n", lastError());
    return 1;
  }
  unload(module);
  printf("loaded\n");
  return 0;
}
