#!/usr/bin/env bash
# The GPU check, run ON the lent GPU machine (bash, python3, numpy and PyTorch; no LLVM/MLIR, none
# of our libraries: the kit from scripts/gpu-prepare.sh carries them). README "GPU check".
#
#   scripts/gpu-check.sh [--dry-run] [--budget SECONDS] [--sections a,b] [KIT_DIR]
#
# Sections: env (nvidia-smi, driver, torch), correctness (each CUDA module entry vs the CPU module
# through tvq-run call), train (tvq-run train on both, loss curves), bench (tvq-run bench vs
# PyTorch flash SDPA, bf16 GEMM peak, training tokens/s), nccl (tvq-run train --comm=nccl against
# --comm=mpi with the machine's libnccl.so.2, PyTorch's or ldconfig's; SKIPPED without one). Each
# has a time budget (default 450 s in all, 40 s of it NCCL's); results go to $OUT if set, else
# ./gpu-check-out/ (gpu-check.json, gpu-check.md, metrics).
# Exit status: 0 all passed, 1 a correctness or training comparison failed, 2 unusable kit.
# --dry-run (no GPU needed): validates the kit, runs the CPU half of every check and expects every
# CUDA call (and the NCCL run, which needs CUDA) to fail cleanly with tvq-run's "no CUDA driver"
# error; prints the plan.
set -uo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "gpu-check: $PY cannot import numpy, which the check needs (PYTHON=... picks another)" >&2
  exit 2
fi
exec "$PY" "$here/bench/gpu_check.py" check "$@"
