#!/bin/bash
# One command: build the parser benchmark with optimisations and run it.
#   tests/bench/run_parse_bench.sh [INSTRUCTIONS] [RUNS]
# Not part of CTest: a benchmark is not a timed unit test.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
out="$(mktemp -d "${TMPDIR:-/tmp}/ubuild-parse-bench.XXXXXX")"
trap 'rm -rf "$out"' EXIT
"${CXX:-c++}" -std=c++20 -O2 -DNDEBUG -I"$src" \
  "$src/tests/bench/parse_bench.cpp" "$src/parser/parse.cpp" "$src/parser/dump.cpp" \
  "$src/parser/go_quote.cpp" "$src/parser/go_utf8.cpp" "$src/store/base/error.cpp" \
  "$src/store/base/strings.cpp" \
  -o "$out/parse_bench"
"$out/parse_bench" "$@"
