#!/usr/bin/env bash
# Checks the C++ formatting (scripts/check-format.sh), builds everything with warnings as errors,
# AddressSanitizer and UndefinedBehaviorSanitizer (the `ci` preset), fuzzes each parser of outside
# input for 30 s (scripts/fuzz.sh), runs the runtime's tests under ThreadSanitizer and then the
# whole test suite. Arguments go to ctest (and skip the format check, the fuzzing and
# ThreadSanitizer).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
source scripts/env.sh
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export QT_QPA_PLATFORM=offscreen
# Every C++ file as .clang-format says (scripts/check-format.sh), before anything is built.
[ $# -ne 0 ] || scripts/check-format.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
# A short fuzzing smoke of every parser of outside input (clang, ASan + UBSan; docs/hardening.md),
# before the suite so that ctest's summary is the last word. RIFFLE_FUZZ_SECONDS=0 skips it.
if [ "${RIFFLE_FUZZ_SECONDS:-30}" != 0 ] && [ $# -eq 0 ]; then
  scripts/fuzz.sh "${RIFFLE_FUZZ_SECONDS:-30}"
fi
# The runtime's tests under ThreadSanitizer (the `tsan` preset): workers, queues, markers, state.
if [ $# -eq 0 ]; then
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan --target tst_runtime
  TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp}" \
    build/tsan/tests/tst_runtime -silent
fi
ctest --preset ci -j2 "$@"
