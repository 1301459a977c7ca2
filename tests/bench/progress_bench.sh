#!/bin/bash
# What the live display costs (issue 14, part 4): the same build with
# --progress=tty and with --progress=plain, both under a pseudo-terminal
# (`script`, output discarded), so both pay for a terminal.
#
#   bash tests/bench/progress_bench.sh [--runs N]
#
# (a) RUN-heavy: 10 RUN steps, each printing 20,000 lines (200,000 lines in
#     all, every one through the display's capture and window)
# (b) COPY of 20,000 files of 1 kB (the display's byte counter on every file)
# (c) the display's own CPU apart from a build (build/progress_display_bench):
#     200,000 lines through the RUN capture and the tty display against the
#     same writes to /dev/null, and 20,000 files' byte counts; three runs
# Every build is --no-cache. Runs alternate plain/tty so a loaded machine's
# drift hits both; each figure is the median of N runs (default 5): wall
# seconds, and CPU seconds of ubuild and what it waited for. On a shared,
# loaded machine (c) is the steady figure. The goal: tty within 2 % of
# plain. UBUILD_BIN defaults to build/ubuild, the display bench to its
# sibling progress_display_bench.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
RUNS=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    *) echo "progress_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
UBUILD_BIN=${UBUILD_BIN:-$REPO/build/ubuild}
[[ -x "$UBUILD_BIN" ]] || { echo "progress_bench.sh: no ubuild at $UBUILD_BIN (set UBUILD_BIN)" >&2; exit 2; }
DISPLAY_BENCH=$(dirname "$UBUILD_BIN")/progress_display_bench
[[ -x "$DISPLAY_BENCH" ]] || { echo "progress_bench.sh: build the target progress_display_bench" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "progress_bench.sh: needs root" >&2; exit 2; }
command -v script >/dev/null || { echo "progress_bench.sh: needs script (util-linux)" >&2; exit 2; }

T=$(mktemp -d /tmp/ubuild-progress-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
bash "$REPO/examples/busybox-rootfs.sh" "$T/busybox.tar" >/dev/null 2>&1
"$UBUILD_BIN" --root "$T/root" import "$T/busybox.tar" busybox >/dev/null

mkdir -p "$T/run" "$T/copy/files"
{
  echo "FROM busybox"
  for i in $(seq 1 10); do echo "RUN i=0; while [ \$i -lt 20000 ]; do echo \"step $i line \$i of the output\"; i=\$((i+1)); done"; done
} >"$T/run/Dockerfile"
printf 'FROM busybox\nCOPY files /files\n' >"$T/copy/Dockerfile"
python3 - "$T/copy/files" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    os.makedirs(os.path.join(root, "d%03d" % d))
    for f in range(200):
        with open(os.path.join(root, "d%03d" % d, "f%03d" % f), "wb") as out:
            out.write(os.urandom(1000))
PY

# One timed build in a pty; prints its wall seconds and the CPU seconds
# (user + system) of ubuild and what it waited for: on a shared machine the
# wall time swings by tens of percent, the CPU time much less.
timed() {  # timed MODE CONTEXT
  local cmd start end
  printf -v cmd '%q ' "$UBUILD_BIN" --root "$T/root" build --no-cache --progress="$1" "$2"
  start=$(date +%s.%N)
  SHELL=/bin/bash TERM=xterm script -qfec "TIMEFORMAT='%U %S'; { time $cmd 2>&3; } 3>&2 2>'$T/cpu'" /dev/null >/dev/null </dev/null
  end=$(date +%s.%N)
  awk -v a="$start" -v b="$end" '{printf "%.3f %.3f\n", b - a, $1 + $2}' "$T/cpu"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

printf '%-6s %9s %9s %9s %10s %10s %9s\n' build plain_s tty_s wall_cost plain_cpu tty_cpu cpu_cost
for kind in run copy; do
  timed plain "$T/$kind" >/dev/null  # warm-up: page cache, digest cache
  : >"$T/plain.times"; : >"$T/tty.times"
  for _ in $(seq 1 "$RUNS"); do
    timed plain "$T/$kind" >>"$T/plain.times"
    timed tty "$T/$kind" >>"$T/tty.times"
  done
  p=$(cut -d' ' -f1 "$T/plain.times" | median); t=$(cut -d' ' -f1 "$T/tty.times" | median)
  pc=$(cut -d' ' -f2 "$T/plain.times" | median); tc=$(cut -d' ' -f2 "$T/tty.times" | median)
  awk -v k="$kind" -v p="$p" -v t="$t" -v pc="$pc" -v tc="$tc" \
    'BEGIN {printf "%-6s %9.3f %9.3f %8.1f%% %10.3f %10.3f %8.1f%%\n", k, p, t, (t - p) * 100 / p, pc, tc, (tc - pc) * 100 / pc}'
  echo "  plain runs (wall cpu): $(tr '\n' ' ' <"$T/plain.times")"
  echo "  tty runs (wall cpu):   $(tr '\n' ' ' <"$T/tty.times")"
done
echo "display alone:"
for _ in 1 2 3; do "$DISPLAY_BENCH" | sed 's/^/  /'; done
