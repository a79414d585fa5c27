#!/usr/bin/env bash
# Runs the fuzz targets of fuzz/ for a bounded time each and reports the
# executions; fails on the first crash, sanitizer report, hang or leak.
#
#   scripts/fuzz.sh BUILD_DIR quick|SECONDS [TARGET...]
#
# BUILD_DIR is configured with -DTVQ_BUILD_FUZZERS=ON and its fuzzers are
# built (make fuzz and make test do both). Each target first runs every
# input of its seed corpus (made from test/ and models/ by
# fuzz/make_seeds.py) and of fuzz/regressions/TARGET (each crash found so
# far), then mutates them. `quick` (make test) runs about a minute in all,
# from the seeds alone; SECONDS (make fuzz) runs each target that long and
# keeps the corpus it grows in BUILD_DIR/fuzz/corpus/TARGET for the next run.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR quick|SECONDS [TARGET...]" >&2
  exit 2
fi
build=$(cd "$1" && pwd) mode=$2
shift 2
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(npy safetensors data ir)
src=$(cd "$(dirname "$0")/.." && pwd)
fuzz_dir=$build/fuzz

seeds=$fuzz_dir/seeds
rm -rf "$seeds"
# The seeds need numpy: PATH's python3 may be a pyenv or venv interpreter
# without it; setup.sh installs Debian's python3-numpy for /usr/bin/python3.
python=
for candidate in python3 /usr/bin/python3; do
  if "$candidate" -c "import numpy" 2>/dev/null; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "fuzz.sh: no python3 with numpy (scripts/setup.sh installs python3-numpy)" >&2
  exit 1
fi
"$python" "$src/fuzz/make_seeds.py" "$src" "$seeds"
mkdir -p "$fuzz_dir/artifacts"

status=0
for target in "${targets[@]}"; do
  binary=$fuzz_dir/fuzz_$target
  if [ ! -x "$binary" ]; then
    echo "fuzz: no $binary (build the tvq-fuzzers target)" >&2
    exit 2
  fi
  if [ "$mode" = quick ]; then
    seconds=5
    [ "$target" = ir ] && seconds=45
    corpus=$(mktemp -d)
  else
    seconds=$mode
    corpus=$fuzz_dir/corpus/$target
    mkdir -p "$corpus"
  fi
  # The IR pipeline takes up to seconds per input on the seeds.
  timeout=10 rss=2048
  [ "$target" = ir ] && timeout=60 rss=6144
  options=(-max_total_time="$seconds" -timeout="$timeout"
           -rss_limit_mb="$rss" -print_final_stats=1
           -artifact_prefix="$fuzz_dir/artifacts/$target-")
  [ "$target" = ir ] && options+=(-dict="$seeds/ir.dict")
  regressions=$src/fuzz/regressions/$target
  inputs=("$corpus" "$seeds/$target")
  [ -d "$regressions" ] && inputs+=("$regressions")
  before=$(find "$corpus" -type f | wc -l)
  log=$fuzz_dir/fuzz_$target.log
  if (cd "$fuzz_dir" && "$binary" "${options[@]}" "${inputs[@]}") \
      >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    added=$(( $(find "$corpus" -type f | wc -l) - before ))
    echo "fuzz_$target: ${runs:-?} executions in ${seconds}s, no crash" \
         "(corpus +$added inputs; log $log)"
  else
    status=1
    echo "fuzz_$target: FAILED (log $log):" >&2
    grep -E "ERROR|SUMMARY|fuzz property|Test unit written" "$log" >&2 || \
      tail -20 "$log" >&2
    echo "reproduce: $binary ARTIFACT; then add ARTIFACT to" \
         "fuzz/regressions/$target/ with the fix" >&2
  fi
  [ "$mode" = quick ] && rm -rf "$corpus"
done
exit $status
