#!/usr/bin/env bash
# Fails when a C++ file of the repository differs from .clang-format (clang-format 14, as on
# Debian 12). Fix with: git ls-files -z -- '*.cpp' '*.h' | xargs -0 clang-format -i
set -euo pipefail
cd "$(dirname "$0")/.."
if ! git ls-files -z -- '*.cpp' '*.h' | xargs -0 clang-format --dry-run -Werror 2>/tmp/riffle-format.$$; then
  grep -E '^[^ ].*: (error|warning):' /tmp/riffle-format.$$ | cut -d: -f1 | sort -u | sed 's/^/not formatted: /'
  rm -f /tmp/riffle-format.$$
  echo "Run: git ls-files -z -- '*.cpp' '*.h' | xargs -0 clang-format -i" >&2
  exit 1
fi
rm -f /tmp/riffle-format.$$
