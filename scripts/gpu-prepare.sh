#!/usr/bin/env bash
# Prepares the GPU check's kit HERE (where LLVM/MLIR and the build are) for a lent GPU machine,
# which has none of them (issue 4 section 3; README "GPU check").
#
#   scripts/gpu-prepare.sh [--tiny-only] [--seed N] [--enwik8-layers N] [--build-dir DIR] [KIT_DIR]
#
# KIT_DIR (default gpu-kit/, ignored by git) gets: bin/tvq-run, lib/ (libtvq_runtime.so and every
# non-system library ldd shows for tvq-run and the CPU modules: Open MPI, libomp, ...;
# lib/compat: libstdc++ and libgcc_s, used there only if the system's are too old), modules/
# (each model as NAME.cuda.so, PTX for sm_90a, and NAME.cpu.so, the reference, for x86-64-v3; the
# training models with the split step too, train_grads and apply_update, for the NCCL section),
# inputs/ (seeded random .npy), manifest.json (files, sizes, sha256, checks, training runs,
# benchmark plan). Files that shrink are xz-compressed; the total must stay under 64 MiB.
# --tiny-only: the small-width op and a micro model only (the lit test's kit, about a minute).
# Everything else is passed to `bench/gpu_check.py prepare` (--help lists it).
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
PY="${PYTHON:-python3}"
if ! "$PY" -c 'import numpy' 2>/dev/null; then
  echo "gpu-prepare: $PY has no numpy (scripts/setup.sh installs it)" >&2
  exit 1
fi
start=$(date +%s)
"$PY" "$here/bench/gpu_check.py" prepare "$@"
echo "gpu-prepare: done in $(( $(date +%s) - start )) s"
