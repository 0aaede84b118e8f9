#!/usr/bin/env bash
# Static checks the test command runs before the tests:
#   1. every tracked C++ file is formatted as .clang-format says
#      (clang-format 14; `clang-format -i FILE` fixes one);
#   2. clang-tidy, with the checks in .clang-tidy, finds nothing in ledger/.
# Usage: deploy/check_code.sh BUILD_DIR   (a configured tree with
# compile_commands.json). TIMEBANK_TIDY_JOBS sets clang-tidy's parallelism
# (default 2). Exits non-zero on the first check that fails.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=${1:?usage: deploy/check_code.sh BUILD_DIR}
cd "$root"

mapfile -t sources < <(git ls-files '*.cc' '*.h')
unformatted=()
for file in "${sources[@]}"; do
  if ! clang-format --dry-run --Werror "$file" >/dev/null 2>&1; then
    unformatted+=("$file")
  fi
done
if ((${#unformatted[@]} > 0)); then
  echo "check_code: not formatted as .clang-format says (run clang-format -i):"
  printf '  %s\n' "${unformatted[@]}"
  exit 1
fi
echo "check_code: ${#sources[@]} files formatted"

if [[ ! -f "$build_dir/compile_commands.json" ]]; then
  echo "check_code: $build_dir/compile_commands.json is missing; configure first" >&2
  exit 2
fi
mapfile -t ledger_sources < <(git ls-files 'ledger/*.cc')
findings=$(mktemp)
trap 'rm -f "$findings"' EXIT
printf '%s\n' "${ledger_sources[@]}" |
  xargs -P "${TIMEBANK_TIDY_JOBS:-2}" -n 1 \
    clang-tidy -p "$build_dir" --quiet 2>/dev/null |
  grep -E '^[^ ].*: (warning|error): ' >"$findings" || true
if [[ -s "$findings" ]]; then
  echo "check_code: clang-tidy findings in ledger/:"
  sort -u "$findings"
  exit 1
fi
echo "check_code: clang-tidy found nothing in ${#ledger_sources[@]} ledger files"
