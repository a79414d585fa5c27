# lit configuration of the tvq regression tests.
import os
import shutil
import sys

import lit.formats
from lit.llvm import llvm_config

config.name = "TVQ"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tvq_obj_root, "test")

llvm_config.with_system_environment(["HOME", "PATH", "PYTHONPATH", "TMPDIR"])
llvm_config.use_default_substitutions()

tools_dir = config.tvq_tools_dir
config.substitutions.append(("%tvq_opt", os.path.join(tools_dir, "tvq-opt")))
config.substitutions.append(("%tvq_compile", os.path.join(tools_dir, "tvq-compile")))
config.substitutions.append(("%tvq_run", os.path.join(tools_dir, "tvq-run")))
config.substitutions.append(("%tvq_model", os.path.join(tools_dir, "tvq-model")))
config.substitutions.append(("%models", os.path.join(config.tvq_src_root, "models")))
# lit runs under /usr/bin/python3; numpy for it comes from Debian (scripts/setup.sh).
config.substitutions.append(("%python", sys.executable))
llvm_config.add_tool_substitutions(
    ["tvq-opt", "tvq-compile", "tvq-run", "tvq-model"], [tools_dir])
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", tools_dir, append_path=True)

# Data-parallel training tests (feature "mpi"): tvq-run built with MPI and
# Open MPI's mpirun. %mpirun runs as root too (containers, CI) and puts more
# processes than cores on this machine, each with one OpenMP thread. Open MPI
# does not free everything it allocates, so under AddressSanitizer (make
# test-asan) the workers run without leak detection.
mpirun = shutil.which("mpirun")
if mpirun and getattr(config, "tvq_with_mpi", "") in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("mpi")
    config.substitutions.append(
        ("%mpirun", mpirun + " --allow-run-as-root --oversubscribe --bind-to none"
         " -x OMP_NUM_THREADS=1 -x ASAN_OPTIONS=detect_leaks=0"))

# PTX assembly tests (feature "ptxas"): CUDA's ptxas, from PATH or the
# toolkit's usual place (these machines have CUDA 13 at /usr/local/cuda).
ptxas = shutil.which("ptxas") or (
    "/usr/local/cuda/bin/ptxas" if os.access("/usr/local/cuda/bin/ptxas", os.X_OK) else None)
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))

# The runtime library, for mlir-runner tests of what compiled code calls in it
# (the cuda-sim race check: -shared-libs=%libtvq_runtime).
config.substitutions.append(
    ("%libtvq_runtime", os.path.join(config.tvq_obj_root, "lib", "libtvq_runtime.so")))

# The runtime's mock CUDA driver (unittests/mockcuda): host memory, no kernels
# but its own; loaded with TVQ_CUDA_DRIVER=%mockcuda.
config.substitutions.append(
    ("%mockcuda", os.path.join(config.tvq_obj_root, "unittests", "mockcuda", "libcuda.so.1")))

# The use-after-free detector (unittests/poisonfrees): LD_PRELOAD=%poison_frees
# poisons every freed block. TVQ_LIT_PRELOAD=<library> preloads one into every
# test (e.g. the detector over the whole suite).
config.substitutions.append(
    ("%poison_frees",
     os.path.join(config.tvq_obj_root, "unittests", "poisonfrees", "libtvq_poison_frees.so")))
if os.environ.get("TVQ_LIT_PRELOAD"):
    config.environment["LD_PRELOAD"] = os.environ["TVQ_LIT_PRELOAD"]

# The runtime's hand-written fixture modules (unittests/fixtures), e.g.
# %tvq_fixtures/cuda_add_one.so, a module of target cuda.
config.substitutions.append(
    ("%tvq_fixtures", os.path.join(config.tvq_obj_root, "unittests", "fixtures")))

# The mock NCCL (unittests/mocknccl, built with MPI): NCCL's functions over
# MPI on host memory; tvq-run loads it with TVQ_NCCL_LIBRARY=%mocknccl.
config.substitutions.append(
    ("%mocknccl", os.path.join(config.tvq_obj_root, "unittests", "mocknccl", "libnccl.so.2")))

# A sanitizer build (make test-asan): memory measurements mean nothing there
# (shadow memory, quarantine).
if getattr(config, "tvq_sanitized", "") in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("asan")
