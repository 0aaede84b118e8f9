#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds everything and runs the whole default
# test suite. Long and benchmark tests carry the labels "long" and "perf" and
# are left out; run them with: ctest --test-dir build -L long
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/setup.sh"
"$root/deploy/build.sh"
build_dir=${TIMEBANK_BUILD_DIR:-$root/build}
ctest --test-dir "$build_dir" --output-on-failure -j 2 -LE 'long|perf' "$@"
