#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang, ASan and UBSan (the `fuzz` preset) and
# runs each for SECONDS (default 30) from its seed corpus, in a scratch copy of the corpus.
# A crash, a sanitizer report, a leak, a timeout or a broken property fails the script; its input
# is kept under build/fuzz/findings/<target>/ — add it to tests/fuzz/regressions/<target>/ once
# fixed, where the ordinary test suite replays it.
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
seconds="${1:-30}"
shift || true
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=($(sed -n 's/^set(RIFFLE_FUZZ_TARGETS \(.*\))$/\1/p' tests/fuzz/CMakeLists.txt))
fi
work="$PWD/build/fuzz/work"
findings="$PWD/build/fuzz/findings"
bin="$PWD/build/fuzz/tests/fuzz"
failed=()
for t in "${targets[@]}"; do
  rm -rf "$work/$t"
  mkdir -p "$work/$t/corpus" "$findings/$t"
  cp -r "tests/fuzz/corpus/$t/." "$work/$t/corpus/" 2>/dev/null || true
  [ -d "tests/fuzz/regressions/$t" ] && cp -r "tests/fuzz/regressions/$t/." "$work/$t/corpus/"
  echo "== fuzz_$t for ${seconds} s"
  if ! (cd "$work/$t" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        "$bin/fuzz_$t" corpus -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$findings/$t/" \
        >"$work/$t/log" 2>&1); then
    failed+=("$t")
    tail -n 60 "$work/$t/log"
  else
    grep -E "^stat::number_of_executed_units|^Done" "$work/$t/log" | tr '\n' ' '
    echo
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzzing found problems in: ${failed[*]} (inputs in $findings/)"
  exit 1
fi
echo "fuzzing: ${#targets[@]} targets, ${seconds} s each, nothing found"
