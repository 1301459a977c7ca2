#!/bin/bash
# COPY --link rebase benchmark (issue 13): a build whose base changed, with
# the COPY step `--link` (a cache hit: the layer made before is restacked on
# the new base by hard links, store/layer_rebase) against the same COPY without --link (a
# miss: the files are copied and the layer hashed again), for a context of
# many small files and one of a few large ones. Each run changes the base's
# top layer first (a COPY of a one-line file, no RUN), so every figure is
# one step on a new chain.
#
#   UBUILD_BIN=build/ubuild bash tests/bench/link_rebase_bench.sh [--runs N]
#
# Figures are medians of N runs (default 5) of the whole `ubuild build`,
# wall time; the load average is printed beside them. The store is a
# private one under a temporary directory, removed at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

RUNS=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    *) echo "link_rebase_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

UBUILD_BIN=${UBUILD_BIN:-$REPO/build/ubuild}
[[ -x "$UBUILD_BIN" ]] || { echo "link_rebase_bench.sh: no ubuild at $UBUILD_BIN (set UBUILD_BIN)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/link_rebase_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
ub() { "$UBUILD_BIN" --root "$WORK/store" "$@"; }

ms() {  # wall milliseconds of one run of "$@"
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

bash "$REPO/examples/busybox-rootfs.sh" "$WORK/busybox.tar" >/dev/null
ub import "$WORK/busybox.tar" busybox >/dev/null

# The contexts: 5,000 files of 1 KiB in 50 directories; 32 files of 4 MiB.
mkdir -p "$WORK/small/data" "$WORK/large/data" "$WORK/base"
for d in $(seq 1 50); do
  mkdir -p "$WORK/small/data/d$d"
  for f in $(seq 1 100); do head -c 1024 /dev/urandom >"$WORK/small/data/d$d/f$f"; done
done
for f in $(seq 1 32); do head -c $((4 << 20)) /dev/urandom >"$WORK/large/data/f$f"; done
printf 'FROM busybox\nCOPY stamp /stamp\n' >"$WORK/base/Dockerfile"

new_base() { echo "$1" >"$WORK/base/stamp"; ub build -q -t base "$WORK/base" >/dev/null; }

printf '%-22s %10s %12s %12s %8s  %s\n' case link_cold_ms rebase_hit_ms nolink_ms miss/hit load
for c in small large; do
  printf 'FROM base\nCOPY --link data /data/\n' >"$WORK/$c/Dockerfile.link"
  printf 'FROM base\nCOPY data /data/\n' >"$WORK/$c/Dockerfile.plain"
  new_base "$c-0"
  cold=$(ms ub build -q -f "$WORK/$c/Dockerfile.link" "$WORK/$c")
  ub build -q -f "$WORK/$c/Dockerfile.plain" "$WORK/$c" >/dev/null  # the context's digest cache, as the link build had
  hits=() misses=()
  for ((r = 1; r <= RUNS; r++)); do
    new_base "$c-$r"
    sync
    # Alternating which goes first spreads the machine's drift over both.
    if ((r % 2)); then
      hits+=("$(ms ub build -q -f "$WORK/$c/Dockerfile.link" "$WORK/$c")")
      misses+=("$(ms ub build -q -f "$WORK/$c/Dockerfile.plain" "$WORK/$c")")
    else
      misses+=("$(ms ub build -q -f "$WORK/$c/Dockerfile.plain" "$WORK/$c")")
      hits+=("$(ms ub build -q -f "$WORK/$c/Dockerfile.link" "$WORK/$c")")
    fi
  done
  hit=$(median "${hits[@]}") miss=$(median "${misses[@]}")
  label=$([[ $c == small ]] && echo "5000 x 1 KiB" || echo "32 x 4 MiB")
  printf '%-22s %10s %12s %12s %8.2f  %s\n' "$label" "$cold" "$hit" "$miss" "$(echo "$miss / $hit" | bc -l)" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
done
