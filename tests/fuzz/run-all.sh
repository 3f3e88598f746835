#!/bin/sh
# run-all.sh SECONDS [BUILDDIR] - run every built libFuzzer target for
# SECONDS each (default build dir: build-fuzz). Builds nothing. Seeds come
# from tests/fuzz/corpus/<target>/ and are not modified; new inputs go to a
# temp dir. Exits non-zero if any target crashes, leaks or fails to start.
#   CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false && ninja -C build-fuzz
#   tests/fuzz/run-all.sh 60
set -u
secs=${1:?usage: run-all.sh SECONDS [BUILDDIR]}
here=$(cd "$(dirname "$0")" && pwd)
build=${2:-$here/../../build-fuzz}
work=$(mktemp -d /tmp/vmk-fuzz-XXXXXX)
status=0
found=0
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -f "$bin" ] && [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  mkdir -p "$work/$name"
  echo "== $name: ${secs}s"
  if "$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
       -artifact_prefix="$work/$name/" "$work/$name" "$here/corpus/$name" \
       >"$work/$name.log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^Done' "$work/$name.log" | tail -2
    echo "   ok"
  else
    status=1
    echo "   FAILED (log: $work/$name.log, artifacts: $work/$name/)"
    tail -40 "$work/$name.log"
  fi
done
if [ "$found" = 0 ]; then
  echo "no fuzz targets in $build/tests/fuzz (build with -Dfuzz=true)" >&2
  exit 2
fi
[ "$status" = 0 ] && rm -rf "$work"
exit $status
