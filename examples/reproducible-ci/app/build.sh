#!/bin/sh
# Turns the ADDed assets into an index: one line per file with its checksum.
set -eu
src=$1 out=$2
mkdir -p "$out"
cd "$src"
find . -type f | sort | while read -r f; do
  printf '%s  %s\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f"
done > "$out/index.txt"
wc -l < "$out/index.txt" > "$out/count.txt"
