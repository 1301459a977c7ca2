#!/bin/bash
# Fuzzes the Dockerfile parser with libFuzzer (clang, ASan + UBSan) for a
# bounded time. Fails on any crash, hang (>10 s per input), leak or memory
# blow-up. Compiles the parser sources directly with clang++, so it needs no
# CMake support. FUZZ_SECONDS overrides the 60 s budget.
set -euo pipefail

src="${UBUILD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
seconds="${FUZZ_SECONDS:-60}"
clangxx="$(command -v clang++ || command -v clang++-14 || true)"
if [ -z "$clangxx" ]; then
  echo "test_parser_fuzz: clang++ not found (apt-get install clang)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/ubuild-parser-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT

sources=(
  "$src/tests/fuzz/parser_fuzz.cpp"
  "$src/parser/parse.cpp"
  "$src/parser/dump.cpp"
  "$src/parser/go_quote.cpp"
  "$src/parser/go_utf8.cpp"
  "$src/store/base/error.cpp"
  "$src/store/base/strings.cpp"
)
"$clangxx" -std=c++20 -O1 -g -I"$src" \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  "${sources[@]}" -o "$work/parser_fuzz"

# Seeds: small Dockerfiles touching each part of the grammar.
mkdir -p "$work/corpus"
i=0
seed() { i=$((i + 1)); printf '%b' "$1" > "$work/corpus/seed$i"; }
seed 'FROM busybox:1.36 AS base\nRUN echo "hi" \\\n    && true\n'
seed '\xef\xbb\xbf# syntax=docker/dockerfile:1\n# escape=`\nFROM a\r\nRUN dir `\r\n  # c\r\n\r\n  /w\r\n'
seed 'FROM a\nCOPY --chown=1:1 --link a b /d/\nADD ["x y", "/z"]\nVOLUME /v /w\n'
seed 'FROM a\nENV A=1 B="two words" C=a\\ b\nENV LEGACY some value\nLABEL k=v\nARG X=1 Y\n'
seed 'FROM a\nRUN ["sh", "-c", "echo \\u00e9\\ud83d\\ude00"]\nCMD [1, {"a": [true, null]}]\n'
seed 'FROM a\nHEALTHCHECK --interval=5s CMD curl -f http://x/ || exit 1\nHEALTHCHECK NONE\nONBUILD RUN echo hi\n'
seed 'FROM a\nRUN <<EOF\necho hi\nEOF\nCOPY <<X <<-"Y" /dest\nx\nX\n\ty\n\tY\n'
seed 'FROM a\nRUN --mount=type=cache,target=/c -- echo\nEXPOSE 80/tcp 443\nUSER 1:1\nWORKDIR /w\nSTOPSIGNAL 9\nSHELL ["/bin/bash", "-c"]\nMAINTAINER me\nENTRYPOINT x\n'

cd "$work"
if ! "$work/parser_fuzz" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
      -max_len=4096 -print_final_stats=1 "$work/corpus" > "$work/fuzz.log" 2>&1; then
  tail -n 60 "$work/fuzz.log" >&2
  for f in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
    [ -e "$f" ] && { echo "reproducer $f:" >&2; od -c "$f" | head -20 >&2; }
  done
  echo "test_parser_fuzz: FAILED" >&2
  exit 1
fi
grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/fuzz.log" || true
echo "test_parser_fuzz: no crash, hang or leak in ${seconds}s"
