#!/usr/bin/env bash
# Configures and builds Timebank into build/ (or $TIMEBANK_BUILD_DIR) with two
# parallel jobs. Used by run.sh and test.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${TIMEBANK_BUILD_DIR:-$root/build}
jobs=${TIMEBANK_JOBS:-2}
cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE="${TIMEBANK_BUILD_TYPE:-RelWithDebInfo}" "$@" >/dev/null
cmake --build "$build_dir" -j "$jobs"
