#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds everything and runs the whole default
# test suite. Long and benchmark tests carry the labels "long" and "perf" and
# are left out; run them with: ctest --test-dir build -L long
#
# Then, unless TIMEBANK_SANITIZERS=0: the same default test set built with
# AddressSanitizer + UndefinedBehaviorSanitizer (preset "asan", build-asan/),
# and the libFuzzer targets (preset "fuzz", build-fuzz/): every seed and saved
# crasher once, then each fuzzer for TIMEBANK_FUZZ_SECONDS (default 20).
# Each step prints how long it took.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

step_started=0
step() {
  step_name=$1
  step_started=$SECONDS
  echo "==> $step_name"
}
step_done() {
  echo "==> $step_name took $((SECONDS - step_started)) s"
}

step "set-up"
"$root/deploy/setup.sh"
step_done

step "build"
"$root/deploy/build.sh"
step_done

step "tests"
build_dir=${TIMEBANK_BUILD_DIR:-$root/build}
ctest --test-dir "$build_dir" --output-on-failure -j 2 -LE 'long|perf' "$@"
step_done

if [[ ${TIMEBANK_SANITIZERS:-1} == 0 ]]; then exit 0; fi

step "asan build"
cmake --preset asan >/dev/null
cmake --build --preset asan
step_done

step "asan tests"
ctest --preset asan "$@"
step_done

step "fuzz build"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
step_done

step "fuzz regressions"
ctest --test-dir "$root/build-fuzz" --output-on-failure -L fuzz
step_done

step "fuzzing"
TIMEBANK_FUZZ_JOBS=2 "$root/tests/fuzz/run.sh" "${TIMEBANK_FUZZ_SECONDS:-20}"
step_done
