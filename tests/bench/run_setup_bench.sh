#!/bin/bash
# What a plain RUN's set-up costs, one ubuild binary against another (the
# tree before a change against the tree after it), on one store:
#
#   bash tests/bench/run_setup_bench.sh UBUILD_A UBUILD_B [--pairs N]
#
# 20 RUNs of `true` (--no-cache, --network none) on the busybox-static base,
# built by A and B in alternation (a loaded machine drifts) N times (default
# 9): the medians of each binary's wall and CPU time (user+system of ubuild
# and its RUNs) and the median of the pairs' differences per RUN. Then one
# build each under `perf stat` with ext4's tracepoints: the inodes the build
# allocates and frees and the unlinks it makes on the store's filesystem,
# the changes that ext4 makes slow after many deletions (README, "The
# machine"). Needs root and perf.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench_lib.sh
source "$HERE/bench_lib.sh"

[[ $# -ge 2 ]] || { echo "usage: run_setup_bench.sh UBUILD_A UBUILD_B [--pairs N]" >&2; exit 2; }
A=$(realpath "$1") B=$(realpath "$2") PAIRS=9
shift 2
while [[ $# -gt 0 ]]; do
  case $1 in
    --pairs) PAIRS=$2; shift ;;
    *) echo "run_setup_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
for bin in "$A" "$B"; do [[ -x $bin ]] || { echo "run_setup_bench.sh: $bin is not executable" >&2; exit 2; }; done
[[ $(id -u) == 0 ]] || { echo "run_setup_bench.sh: needs root" >&2; exit 2; }

conf_setup_tmp
make_busybox_rootfs "$T/rootfs.tar"
"$A" --root "$T/store" import - busybox:local <"$T/rootfs.tar" >/dev/null
mkdir -p "$T/ctx"
{ echo "FROM busybox:local"; for i in $(seq 1 20); do echo "RUN true $i"; done; } >"$T/ctx/Dockerfile"
build() { "$1" --root "$T/store" build -q --no-cache --network none "$T/ctx" >/dev/null; }

# build_ms BINARY: "WALL CPU" ms of one build.
build_ms() {
  local t0 t1 cpu TIMEFORMAT='%3U %3S'
  t0=$(now_ns)
  cpu=$({ time build "$1"; } 2>&1)
  t1=$(now_ns)
  echo "$(( (t1 - t0) / 1000000 )) $(awk '{ printf "%d", ($1 + $2) * 1000 }' <<<"$cpu")"
}
med() { printf '%s\n' "$@" | median; }
per_run() { awk -v d="$1" 'BEGIN { printf "%.2f", d / 20 }'; }

build "$A"
build "$B"
aw=() ac=() bw=() bc=() dw=() dc=()
for _ in $(seq 1 "$PAIRS"); do
  read -r w c < <(build_ms "$A")
  read -r w2 c2 < <(build_ms "$B")
  aw+=("$w") ac+=("$c") bw+=("$w2") bc+=("$c2") dw+=($((w2 - w))) dc+=($((c2 - c)))
done
echo "20 plain RUNs, $PAIRS alternating pairs, load average $(cut -d' ' -f1 /proc/loadavg):" \
     "A $(med "${aw[@]}") ms wall / $(med "${ac[@]}") ms CPU, B $(med "${bw[@]}") ms / $(med "${bc[@]}") ms (medians);" \
     "B - A per RUN: $(per_run "$(med "${dw[@]}")") ms wall, $(per_run "$(med "${dc[@]}")") ms CPU (median of the pairs)"

if command -v perf >/dev/null; then
  for side in A B; do
    bin=$A
    [[ $side == B ]] && bin=$B
    counts=$(perf stat -x, -e ext4:ext4_allocate_inode,ext4:ext4_free_inode,ext4:ext4_unlink_enter \
               -- "$bin" --root "$T/store" build -q --no-cache --network none "$T/ctx" 2>&1 >/dev/null |
             awk -F, '{ sub("ext4:ext4_", "", $3); printf "%s %s, ", $3, $1 }')
    echo "$side, one build: ${counts%, } (ext4 tracepoints)"
  done
fi
