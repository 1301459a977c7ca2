#!/bin/bash
# COPY micro-benchmark (issue 4 "Speed"): SourceHash cold (no digest cache),
# SourceHash warm (digest cache filled) and ExecuteCopy, for 20,000 small
# files and for 512 x 1 MiB, against `cp -a` of the same tree on the same
# filesystem. The page cache is warm in every run (nothing is dropped), so
# "cold" means "no digest cache", not "cold disk".
#
#   tests/bench/copy_bench.sh [WORKDIR]     (default: a fresh dir in /var/tmp)
#
# The driver (copy_bench.cpp) is compiled here against the builder sources it
# needs, -O2, so the script works from a plain checkout.
set -euo pipefail
SRC_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-$(mktemp -d /var/tmp/ubuild-copy-bench.XXXXXX)}"
mkdir -p "$WORK"
BIN="$WORK/copy_bench"
RUNS="${RUNS:-3}"

echo "# building driver in $WORK"
g++ -std=c++20 -O2 -I"$SRC_DIR" -o "$BIN" "$SRC_DIR/tests/bench/copy_bench.cpp" \
  "$SRC_DIR"/builder/{go_glob,dockerignore,rooted_path,context_digest_cache,source_hash,copy_sources,file_copier,archive_unpack,copy_step,user_lookup,in_root}.cpp \
  "$SRC_DIR"/store/{digest,error}.cpp -lcrypto -larchive -lpthread

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
best() { sort -g | head -1; }
ratio() { echo "scale=1; $1 / $2" | bc -l; }

make_small() {  # 20,000 files of 64..300 bytes in 200 directories
  local d="$1"; mkdir -p "$d"
  python3 - "$d" <<'PY'
import os, sys, random
root = sys.argv[1]; random.seed(4)
for i in range(200):
    sub = os.path.join(root, "pkg%03d" % i); os.makedirs(sub, exist_ok=True)
    for j in range(100):
        with open(os.path.join(sub, "f%03d.txt" % j), "wb") as f:
            f.write(os.urandom(random.randint(64, 300)))
PY
}
make_big() {  # 512 files of 1 MiB
  local d="$1"; mkdir -p "$d"
  for i in $(seq 1 512); do head -c 1048576 /dev/urandom > "$d/blob$i"; done
}

bench() {  # name context-dir source
  local name="$1" ctx="$2" src="$3"
  local cache="$WORK/cache-$name" hc=() hw=() cp_t=() cpa_t=()
  sleep 0.3  # let the files age past the digest cache's racy window
  for r in $(seq 1 "$RUNS"); do
    rm -rf "$cache"
    hc+=("$("$BIN" hash "$ctx" "$src" "$cache" | cut -d' ' -f1)")
    hw+=("$("$BIN" hash "$ctx" "$src" "$cache" | cut -d' ' -f1)")
    rm -rf "$WORK/root-$name"; mkdir -p "$WORK/root-$name"
    cp_t+=("$("$BIN" copy "$ctx" "$src" "$WORK/root-$name" /dest/ | cut -d' ' -f1)")
    rm -rf "$WORK/cpa-$name"; sync
    local t0; t0=$(now); cp -a "$ctx/$src" "$WORK/cpa-$name"; local t1; t1=$(now)
    cpa_t+=("$(secs "$t0" "$t1")")
  done
  local c w x a
  c=$(printf '%s\n' "${hc[@]}" | best); w=$(printf '%s\n' "${hw[@]}" | best)
  x=$(printf '%s\n' "${cp_t[@]}" | best); a=$(printf '%s\n' "${cpa_t[@]}" | best)
  printf '%-16s hash cold %8.4fs  hash warm %8.4fs (%sx faster than cold)  copy %8.4fs  cp -a %8.4fs  copy/cp-a %s\n' \
    "$name" "$c" "$w" "$(ratio "$c" "$w")" "$x" "$a" "$(echo "scale=2; $x / $a" | bc -l)"
  diff -r "$ctx/$src" "$WORK/root-$name/dest" > /dev/null && echo "  (copied tree identical in content to the source)"
}

echo "# generating trees"
make_small "$WORK/ctx-small/src"
make_big "$WORK/ctx-big/src"
df -T "$WORK" | tail -1 | awk '{print "# filesystem: " $2}'
echo "# best of $RUNS runs"
bench small-20000 "$WORK/ctx-small" src
bench big-512x1MiB "$WORK/ctx-big" src
[ -z "${1:-}" ] && rm -rf "$WORK"
exit 0
