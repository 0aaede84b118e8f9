#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds everything and runs the whole default
# test suite. Long and benchmark tests carry the labels "long" and "perf" and
# are left out; run them with: ctest --test-dir build-asan -L long
#
# The suite is built once, with AddressSanitizer + UndefinedBehaviorSanitizer
# (preset "asan", build-asan/), so every test also checks for memory errors
# and undefined behaviour. Then the libFuzzer targets (preset "fuzz",
# build-fuzz/): every seed and saved crasher once, then each fuzzer for
# TIMEBANK_FUZZ_SECONDS (default 20).
#
# TIMEBANK_SANITIZERS=0 builds the plain RelWithDebInfo tree (build/, as
# deploy/run.sh does) and runs the suite there instead, without fuzzing.
# Before any test, deploy/check_code.sh checks that every C++ file is
# formatted as .clang-format says and that clang-tidy finds nothing in
# ledger/. Each step prints how long it took.
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

if [[ ${TIMEBANK_SANITIZERS:-1} == 0 ]]; then
  step "build"
  "$root/deploy/build.sh"
  step_done
  step "format and clang-tidy"
  "$root/deploy/check_code.sh" "${TIMEBANK_BUILD_DIR:-$root/build}"
  step_done
  step "tests"
  ctest --test-dir "${TIMEBANK_BUILD_DIR:-$root/build}" --output-on-failure -j 2 \
    -LE 'long|perf' "$@"
  step_done
  exit 0
fi

step "format and clang-tidy"
cmake --preset asan >/dev/null
"$root/deploy/check_code.sh" "$root/build-asan"
step_done

step "build (asan preset)"
cmake --build --preset asan
step_done

step "tests (asan preset)"
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
