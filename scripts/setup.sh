#!/usr/bin/env bash
# Installs everything tvq needs to build, test and run the demo. Idempotent:
# when everything is present it only checks and returns in about a second.
set -euo pipefail

# clang-22 and libclang-rt-22-dev: the sanitizer and fuzzing build (fuzz/).
# openmpi-bin, libopenmpi-dev: data-parallel training (mpirun -np N tvq-run train).
APT_PKGS=(llvm-22-dev libmlir-22-dev mlir-22-tools llvm-22-tools ninja-build ccache
          cmake g++ libgtest-dev python3 python3-numpy libomp-22-dev
          clang-22 libclang-rt-22-dev openmpi-bin libopenmpi-dev)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
