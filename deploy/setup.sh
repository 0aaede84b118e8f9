#!/usr/bin/env bash
# Installs the Debian 12 packages Timebank needs; the one list of them, used
# by the README's commands, CI and the container build alike. Safe to run
# again: it installs only what is missing and asks nothing.
#
#   deploy/setup.sh            build and test (the default: developers, CI)
#   deploy/setup.sh --build    build only (the container's build stage)
#   deploy/setup.sh --runtime  the shared libraries timebankd and timebank
#                              run with (the container's final stage)
set -euo pipefail

build_packages=(
  build-essential cmake pkg-config git ca-certificates openssl
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librocksdb-dev libspdlog-dev libabsl-dev libssl-dev
  libcli11-dev nlohmann-json3-dev libmicrohttpd-dev
)
# Tests: GoogleTest, and the tools the deployment-file checks run
# (systemd-analyze verify, YAML parsing).
test_packages=(
  libgtest-dev libgmock-dev systemd python3 python3-yaml
)
runtime_packages=(
  ca-certificates libgrpc++1.51 libprotobuf32 librocksdb7.8 libspdlog1.10
  libmicrohttpd12 libssl3
)

case "${1:-}" in
  "") packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  --build) packages=("${build_packages[@]}") ;;
  --runtime) packages=("${runtime_packages[@]}") ;;
  *) echo "usage: $0 [--build|--runtime]" >&2; exit 2 ;;
esac

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null |
      grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#packages[@]} packages present"
  exit 0
fi

sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "setup: installing ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
