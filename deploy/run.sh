#!/usr/bin/env bash
# Sets up a Debian 12 machine, builds Timebank and starts timebankd on
# localhost with its RocksDB data in ./data. Stop it with Ctrl-C (SIGINT) or
# SIGTERM. Extra arguments go to timebankd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/deploy/setup.sh"
"$root/deploy/build.sh"
build_dir=${TIMEBANK_BUILD_DIR:-$root/build}
exec "$build_dir/services/timebankd" --data-dir "${TIMEBANK_DATA_DIR:-$root/data}" "$@"
