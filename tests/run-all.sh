#!/bin/bash
# tests/run-all.sh - everything CI runs, in order:
#   1. default build (warnings are errors), unit + integration suites
#   2. ASan+UBSan build, unit + integration suites again
#   3. fuzz build (clang, -Dfuzz=true), every fuzz target for FUZZ_SECONDS
#      (tests/fuzz/run-all.sh; skipped with a message when absent)
# Each step is counted; the last line is "N passed, N failed" and the exit
# status is non-zero when any step failed. Needs the Debian packages listed
# in .ci/run. Build dirs: build/, build-asan/, build-fuzz/ (reused if present).
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-2}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
passed=0
failed=0
failed_steps=()
last_rc=0

# step NAME CMD... - run one counted step, never abort the sequence.
step() {
    local name=$1 t0=$SECONDS rc=0
    shift
    echo
    echo "=== step: $name"
    "$@" || rc=$?
    last_rc=$rc
    if [ "$rc" -eq 0 ]; then
        passed=$((passed + 1))
        echo "=== ok: $name ($((SECONDS - t0)) s)"
    else
        failed=$((failed + 1))
        failed_steps+=("$name")
        echo "=== FAILED: $name (exit $rc, $((SECONDS - t0)) s)"
    fi
    return 0
}

# setup DIR ARGS... - configure DIR (or reconfigure an existing one).
setup() {
    local dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson setup --reconfigure "$dir" -Dwerror=true "$@"
    else
        meson setup "$dir" -Dwerror=true "$@"
    fi
}

build() {
    local dir=$1
    shift
    setup "$dir" "$@" && meson compile -C "$dir" -j "$JOBS"
}

suite() {
    meson test -C "$1" --no-rebuild --print-errorlogs --suite "$2"
}

# 1. default build
step "build" build build
if [ "$last_rc" -eq 0 ]; then
    step "unit tests" suite build unit
    step "integration tests" suite build integration
fi

# 2. sanitizers (lookupd started by the integration tests inherits these)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
# GCC 12 reports false -Wmaybe-uninitialized inside libstdc++'s std::regex
# (pulled in by Catch2's main) when sanitizers are on; only that one warning
# is relaxed, and only in this build.
step "asan+ubsan build" build build-asan -Db_sanitize=address,undefined -Db_lundef=false \
    -Dcpp_args=-Wno-maybe-uninitialized
if [ "$last_rc" -eq 0 ]; then
    step "asan+ubsan unit tests" suite build-asan unit
    step "asan+ubsan integration tests" suite build-asan integration
fi
unset ASAN_OPTIONS UBSAN_OPTIONS

# 3. fuzzing (clang, libFuzzer)
if [ -f tests/fuzz/run-all.sh ]; then
    # -Dfuzz=true instruments the whole tree (see meson.build); tests off.
    CXX=clang++ CC=clang step "fuzz build" build build-fuzz -Dfuzz=true -Dtests=false -Db_lundef=false
    if [ "$last_rc" -eq 0 ]; then
        step "fuzz run (${FUZZ_SECONDS}s per target)" sh tests/fuzz/run-all.sh "$FUZZ_SECONDS" build-fuzz
    fi
else
    echo
    echo "=== skip: fuzz (tests/fuzz/run-all.sh not present)"
fi

echo
if [ "$failed" -gt 0 ]; then
    printf 'failed step: %s\n' "${failed_steps[@]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
