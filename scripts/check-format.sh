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
# Markdown is not C++: clang-format run over it (as `git diff --name-only | xargs clang-format -i`
# does) glues headings to their `#` and spaces out paths. A heading without its space, outside a
# code block, is what it leaves behind.
bad="$(git ls-files -z -- '*.md' | xargs -0 awk '
  FNR == 1 { fence = 0 }
  /^```/ { fence = !fence; next }
  !fence && /^#+[^# !]/ { print FILENAME ":" FNR ": " $0 }')"
if [ -n "$bad" ]; then
  printf '%s\n' "$bad" | sed 's/^/not Markdown: /' >&2
  echo "Restore these files from git; format only C++: clang-format -i FILE.cpp FILE.h" >&2
  exit 1
fi
