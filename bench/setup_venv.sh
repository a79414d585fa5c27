#!/usr/bin/env bash
# Creates bench/.venv with numpy and torch from PyPI (plain PyPI: the default torch wheel, which
# also pulls CUDA libraries that this CPU benchmark never loads). Idempotent: returns at once when
# the venv already imports both.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
PY="${PYTHON:-python3}"
if [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import torch, numpy' 2>/dev/null; then
  exit 0
fi
echo "bench: creating $venv (numpy, torch from PyPI; the first time takes a few minutes)"
"$PY" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q numpy torch
"$venv/bin/python" -c 'import torch, numpy; print("bench: torch", torch.__version__, "numpy", numpy.__version__)'
