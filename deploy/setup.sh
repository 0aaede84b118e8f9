#!/usr/bin/env bash
# Installs the Debian 12 packages Timebank builds and tests with, and the
# browser test's npm packages (tests/browser, pinned by its package-lock.json).
# Safe to run again: it installs only what is missing and asks nothing.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  build-essential cmake pkg-config git ca-certificates openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libspdlog-dev libabsl-dev libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev nlohmann-json3-dev
  libcpp-httplib-dev chromium
  # clang 14 with its sanitizer and libFuzzer runtimes, for the fuzz targets.
  clang libclang-rt-14-dev
)
# Node for the browser test. A machine may already have a newer node from
# elsewhere, whose npm comes with it; Debian's npm would conflict with it.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
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
