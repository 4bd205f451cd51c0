#!/usr/bin/env bash
# Quick start: installs what is missing, builds Riffle (release) and opens the studio on an
# example project.
#   scripts/start.sh [PROJECT]
# Without a display (no X11 or Wayland), it runs the project headless with riffle-run for ten
# seconds instead:   scripts/start.sh [PROJECT] [riffle-run options...]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
source scripts/env.sh
cmake --preset release >/dev/null
project="${1:-projects/click_analytics.riffle}"
shift || true
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  cmake --build --preset release --target riffle riffle-run riffle-bench
  exec build/release/app/riffle "$project" "$@"
fi
echo "No display found: running $project headless (the studio needs X11 or Wayland)."
cmake --build --preset release --target riffle-run riffle-bench
if [ $# -eq 0 ]; then set -- --for 10s; fi
exec build/release/app/riffle-run "$project" "$@"
