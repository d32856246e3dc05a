#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each, starting from its seed corpus in
# tests/fuzz/corpus/<target>/ (new inputs go to a scratch copy, so the tree stays clean). An input
# that fails is kept in BUILD_DIR/fuzz-artifacts/ and the command to reproduce it is printed.
set -euo pipefail
build_dir=$(cd "${1:?build dir}" && pwd)
seconds=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
artifacts="$build_dir/fuzz-artifacts"
mkdir -p "$artifacts"
status=0
found=0
for bin in "$build_dir"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  work=$(mktemp -d)
  log="$work.log"
  [ -d "$root/tests/fuzz/corpus/$name" ] && cp -r "$root/tests/fuzz/corpus/$name/." "$work/"
  echo "fuzz: $name for ${seconds}s"
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$artifacts/$name-" "$work" >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    echo "fuzz: $name ok: ${runs:-?} runs, $(( ${runs:-0} / (seconds > 0 ? seconds : 1) )) exec/s"
  else
    echo "fuzz: $name FAILED"; tail -40 "$log"; status=1
    ls "$artifacts/$name-"* 2>/dev/null | while read -r a; do echo "fuzz: reproduce: $bin $a"; done
  fi
  rm -rf "$work" "$log"
done
if [ "$found" = 0 ]; then echo "fuzz: no fuzz_* binaries in $build_dir/tests/fuzz" >&2; exit 1; fi
exit $status
