#!/bin/bash
# One command: build the parser benchmark (CMake target parse_bench, in
# UBUILD_BUILD_DIR, default build/) and run it.
#   tests/bench/run_parse_bench.sh [INSTRUCTIONS] [RUNS]
# Not part of CTest: a benchmark is not a timed unit test.
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
source "$src/tests/build_target.sh"
bin=$(build_target "$src" "${UBUILD_BUILD_DIR:-$src/build}" parse_bench)
"$bin" "$@"
