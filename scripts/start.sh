#!/usr/bin/env bash
# Quick start: installs what is missing, builds Riffle and runs an example project.
#   scripts/start.sh [PROJECT] [riffle-run options...]
# Without arguments it streams synthetic clicks into projects/out/clicks.db for 10 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
source scripts/env.sh
cmake --preset release >/dev/null
cmake --build --preset release --target riffle-run riffle-bench
project="${1:-projects/clicks_to_sqlite.riffle}"
shift || true
if [ $# -eq 0 ]; then set -- --for 10s; fi
exec build/release/app/riffle-run "$project" "$@"
