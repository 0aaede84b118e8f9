#!/usr/bin/env bash
# Installs the Debian 12 packages Timebank needs; the one list of them, used
# by the README's commands, CI and the container build alike, and (for the
# tests) the browser test's npm packages, pinned by tests/browser's
# package-lock.json. Safe to run again: it installs only what is missing and
# asks nothing.
#
#   deploy/setup.sh            build and test (the default: developers, CI)
#   deploy/setup.sh --build    build only (the container's build stage)
#   deploy/setup.sh --runtime  the shared libraries timebankd and timebank
#                              run with (the container's final stage)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_packages=(
  build-essential cmake pkg-config git ca-certificates openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libspdlog-dev libabsl-dev libssl-dev
  libcli11-dev nlohmann-json3-dev libcpp-httplib-dev prometheus-cpp-dev
  libqrencode-dev
)
# Tests: GoogleTest and Google Benchmark; clang 14 with its sanitizer and
# libFuzzer runtimes for the fuzz targets; chromium for the browser test;
# the tools the deployment-file checks run (systemd-analyze verify, YAML);
# zlib to gzip the HTTP limits test's bodies; Prometheus (with promtool) to
# scrape a real server; clang-format and clang-tidy for deploy/check_code.sh.
test_packages=(
  libgtest-dev libgmock-dev libbenchmark-dev clang libclang-rt-14-dev chromium
  systemd python3 python3-yaml zlib1g-dev prometheus clang-format clang-tidy
)
runtime_packages=(
  ca-certificates libgrpc++1.51 libprotobuf32 librocksdb7.8 libspdlog1.10
  libcpp-httplib0.11 libssl3 libprometheus-cpp-core1.0 libqrencode4
)

mode=${1:-}
case "$mode" in
  "") packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  --build) packages=("${build_packages[@]}") ;;
  --runtime) packages=("${runtime_packages[@]}") ;;
  *) echo "usage: $0 [--build|--runtime]" >&2; exit 2 ;;
esac
# Node for the browser test. A machine may already have a newer node from
# elsewhere, whose npm comes with it; Debian's npm would conflict with it.
if [[ -z "$mode" ]] && { ! command -v node >/dev/null || ! command -v npm >/dev/null; }; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
else
  sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  echo "setup: installing ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [[ -n "$mode" ]]; then exit 0; fi

# playwright-core drives Debian's chromium; it downloads no browser of its own.
browser_dir="$root/tests/browser"
wanted=$(node -p "require('$browser_dir/package-lock.json').packages['node_modules/playwright-core'].version")
installed=$(node -p "try { require('$browser_dir/node_modules/playwright-core/package.json').version } catch { '' }")
if [[ "$installed" == "$wanted" ]]; then
  echo "setup: npm packages of tests/browser present"
else
  echo "setup: npm ci in tests/browser"
  (cd "$browser_dir" && npm ci --prefer-offline --no-audit --no-fund </dev/null)
fi
