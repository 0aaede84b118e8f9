#!/usr/bin/env bash
# Runs each libFuzzer target for a while, starting from its seeds and saved
# crashers. Used by deploy/test.sh for a short run; use it for long runs too.
#
#   tests/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Environment:
#   TIMEBANK_FUZZ_BUILD_DIR  where the fuzzers were built (default build-fuzz)
#   TIMEBANK_FUZZ_WORK_DIR   keep the corpora the fuzzers grow here, so a
#                            later run goes on from them (default: a
#                            temporary directory, removed afterwards)
#   TIMEBANK_FUZZ_JOBS       fuzzers run at the same time (default 1)
# A crash leaves the input in $TIMEBANK_FUZZ_WORK_DIR/artifacts (or in the
# build directory's fuzz-artifacts/) and fails the run; copy it to
# tests/fuzz/regressions/<target>/ once understood.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
seconds=${1:-20}
shift || true
targets=("$@")
if ((${#targets[@]} == 0)); then
  targets=(fuzz_entry_decode fuzz_validation fuzz_hours fuzz_request_parse)
fi
build_dir=${TIMEBANK_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${TIMEBANK_FUZZ_JOBS:-1}

if [[ -n ${TIMEBANK_FUZZ_WORK_DIR:-} ]]; then
  work=$TIMEBANK_FUZZ_WORK_DIR
  artifacts=$work/artifacts
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  artifacts=$build_dir/fuzz-artifacts
fi
mkdir -p "$artifacts"

# UBSan findings must stop the run: the fuzz build already compiles with
# -fno-sanitize-recover=undefined; these make the report readable.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# Regressions whose bug is still open (open_bugs.txt) would stop every run
# at once: they are left out of the seeds.
# (awk, not grep: a list with no open bug left is not an error)
open_bugs=$(awk '!/^#/ && NF {print $1}' "$root/tests/fuzz/open_bugs.txt")

run_one() {
  local target=$1
  local corpus=$work/corpus/$target
  mkdir -p "$corpus"
  cp -n "$root/tests/fuzz/corpus/$target"/* "$corpus"/ 2>/dev/null || true
  local input
  for input in "$root/tests/fuzz/regressions/$target"/*; do
    [[ -f $input ]] || continue
    if grep -qxF "$target/$(basename "$input")" <<<"$open_bugs"; then continue; fi
    cp -n "$input" "$corpus/regression-$(basename "$input")"
  done
  # libFuzzer adds what it finds to the corpus directory, a copy: the seeds
  # and crashers in the repository are only read.
  local status=0
  "$build_dir/tests/fuzz/$target" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" \
    "$corpus" >"$work/$target.log" 2>&1 || status=$?
  echo "$status" >"$work/$target.rc"
}

running=0
for target in "${targets[@]}"; do
  run_one "$target" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
done
wait

failed=()
for target in "${targets[@]}"; do
  status=$(cat "$work/$target.rc")
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/$target.log" |
    grep -o '[0-9]*$' || echo '?')
  if ((status == 0)); then
    echo "fuzz: $target ok, $runs inputs in ${seconds}s"
  else
    echo "fuzz: $target FAILED (exit $status); the end of its log:" >&2
    tail -n 60 "$work/$target.log" >&2
    failed+=("$target")
  fi
done
if ((${#failed[@]} > 0)); then
  echo "fuzz: crashes in ${failed[*]}; inputs in $artifacts" >&2
  exit 1
fi
