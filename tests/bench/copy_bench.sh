#!/bin/bash
# COPY micro-benchmark (issue 4 "Speed"): SourceHash cold (no digest cache),
# SourceHash warm (digest cache filled) and ExecuteCopy, for 20,000 small
# files and for 512 x 1 MiB, against `cp -a` of the same tree on the same
# filesystem. The page cache is warm in every run (nothing is dropped), so
# "cold" means "no digest cache", not "cold disk".
#
#   tests/bench/copy_bench.sh [WORKDIR]     (default: a fresh dir in /var/tmp)
#
# The driver (copy_bench.cpp, linking the COPY room's library) is built in
# UBUILD_BUILD_DIR (default: build/ in the repository), configured as a
# Release build if it is not there yet, so the script works from a plain checkout.
set -euo pipefail
SRC_DIR="$(cd "$(dirname "$0")/../.." && pwd)"
WORK="${1:-$(mktemp -d /var/tmp/ubuild-copy-bench.XXXXXX)}"
mkdir -p "$WORK"
RUNS="${RUNS:-3}"

BUILD="${UBUILD_BUILD_DIR:-$SRC_DIR/build}"
source "$SRC_DIR/tests/build_target.sh"
echo "# building driver in $BUILD"
BIN=$(build_target "$SRC_DIR" "$BUILD" copy_bench)

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
best() { sort -g | head -1; }
ratio() { if [ "$(echo "$2 > 0" | bc -l)" = 1 ]; then echo "scale=1; $1 / $2" | bc -l; else echo inf; fi; }

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
  local cache="$WORK/cache-$name" hc=() hw=() cp_t=() cpa_t=() hcc=() hwc=() cpc=() cpac=()
  sleep 0.3  # let the files age past the digest cache's racy window
  for r in $(seq 1 "$RUNS"); do
    rm -rf "$cache"
    read -r w c _ < <("$BIN" hash "$ctx" "$src" "$cache"); hc+=("$w"); hcc+=("$c")
    read -r w c _ < <("$BIN" hash "$ctx" "$src" "$cache"); hw+=("$w"); hwc+=("$c")
    rm -rf "$WORK/root-$name"; mkdir -p "$WORK/root-$name"
    read -r w c _ < <("$BIN" copy "$ctx" "$src" "$WORK/root-$name" /dest/); cp_t+=("$w"); cpc+=("$c")
    rm -rf "$WORK/cpa-$name"; sync
    read -r w u s < <( { /usr/bin/time -f '%e %U %S' cp -a "$ctx/$src" "$WORK/cpa-$name"; } 2>&1 >/dev/null | tail -1)
    cpa_t+=("$w"); cpac+=("$(echo "$u + $s" | bc -l)")
  done
  local hcw hww cw aw hcu hwu cu au
  hcw=$(printf '%s\n' "${hc[@]}" | best); hww=$(printf '%s\n' "${hw[@]}" | best)
  cw=$(printf '%s\n' "${cp_t[@]}" | best); aw=$(printf '%s\n' "${cpa_t[@]}" | best)
  hcu=$(printf '%s\n' "${hcc[@]}" | best); hwu=$(printf '%s\n' "${hwc[@]}" | best)
  cu=$(printf '%s\n' "${cpc[@]}" | best); au=$(printf '%s\n' "${cpac[@]}" | best)
  echo "$name (best of $RUNS; wall / cpu seconds)"
  printf '  SourceHash cold (no digest cache) %8.3f / %6.3f\n' "$hcw" "$hcu"
  printf '  SourceHash warm (digest cache)    %8.3f / %6.3f   cold/warm: wall %sx, cpu %sx\n' "$hww" "$hwu" \
    "$(ratio "$hcw" "$hww")" "$(ratio "$hcu" "$hwu")"
  printf '  ExecuteCopy                       %8.3f / %6.3f\n' "$cw" "$cu"
  printf '  cp -a                             %8.3f / %6.3f   ExecuteCopy/cp-a: wall %s, cpu %s\n' "$aw" "$au" \
    "$(echo "scale=2; $cw / $aw" | bc -l)" "$(echo "scale=2; $cu / $au" | bc -l)"
  if diff -r "$ctx/$src" "$WORK/root-$name/dest" > /dev/null; then
    echo "  copied tree identical in content to the source"
  else
    echo "  COPIED TREE DIFFERS FROM THE SOURCE"; exit 1
  fi
}

echo "# generating trees"
make_small "$WORK/ctx-small/src"
make_big "$WORK/ctx-big/src"
df -T "$WORK" | tail -1 | awk '{print "# filesystem: " $2}'
echo "# $(nproc) cpus, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
bench small-20000 "$WORK/ctx-small" src
bench big-512x1MiB "$WORK/ctx-big" src
[ -z "${1:-}" ] && rm -rf "$WORK"
exit 0
