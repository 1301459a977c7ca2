#!/bin/bash
# Builds side by side (issue 10, part 2): four builds of different
# Dockerfiles (RUN sleep, a CPU-bound RUN, a 32 MiB COPY) run one after the
# other, then all four at once on one store; and the latency of readers
# (images, inspect, history, layers, save) on an idle store and while the four
# run. Prints per run and the median of RUNS runs, as ratios:
#   concurrent/sequential = wall time of the four at once / sum of the four alone
#   reader busy/idle      = median reader latency during the builds / idle
# OLD_UBUILD=path (optional) runs the same against another binary, for an A/B.
#   UBUILD_BIN=build/ubuild bash tests/bench/concurrent_bench.sh
set -euo pipefail
UBUILD=${UBUILD_BIN:?set UBUILD_BIN to the ubuild binary}
RUNS=${RUNS:-3}
SLEEP=${SLEEP:-3}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d /tmp/ubuild-concurrent-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

bash "$SRC/examples/busybox-rootfs.sh" "$W/busybox.tar"
for i in 1 2 3 4; do
  mkdir -p "$W/ctx$i"
  head -c 33554432 /dev/urandom >"$W/ctx$i/blob"
  cat >"$W/ctx$i/Dockerfile" <<DF
FROM busybox
RUN sleep $SLEEP && echo $i > /n
RUN i=0; while [ \$i -lt 100000 ]; do i=\$((i + 1)); done; echo \$i > /count
COPY blob /blob$i
DF
done

ms() { date +%s%3N; }

# readers BIN ROOT SECONDS OUT: reader calls round-robin for SECONDS, one "ms" per line.
readers() {
  local end=$(($(ms) + $3 * 1000)) a cmd
  while (( $(ms) < end )); do
    for cmd in "images" "inspect busybox" "history busybox" "layers busybox" "save busybox"; do
      a=$(ms)
      "$1" --root "$2" $cmd >/dev/null
      echo "$(($(ms) - a))" >>"$4"
    done
  done
}

stats() {  # FILE -> "median max"
  python3 -c 'import statistics,sys; v=[int(l) for l in open(sys.argv[1])]; print(int(statistics.median(v)), max(v))' "$1"
}

# run BIN N -> "seq_ms con_ms idle_median busy_median busy_max"
run() {
  local bin=$1 n=$2 root=$W/store-$2 t0 seq=0 i pids=()
  rm -rf "$root"
  "$bin" --root "$root" import "$W/busybox.tar" busybox >/dev/null
  : >"$W/idle$n"; : >"$W/busy$n"
  readers "$bin" "$root" 2 "$W/idle$n"
  for i in 1 2 3 4; do
    t0=$(ms)
    "$bin" --root "$root" build -q --no-cache "$W/ctx$i" >/dev/null
    seq=$((seq + $(ms) - t0))
  done
  t0=$(ms)
  for i in 1 2 3 4; do "$bin" --root "$root" build -q --no-cache "$W/ctx$i" >/dev/null & pids+=($!); done
  sleep 0.3
  readers "$bin" "$root" $((SLEEP - 1)) "$W/busy$n"
  for p in "${pids[@]}"; do wait "$p"; done
  local con=$(($(ms) - t0))
  read -r idle_med _ < <(stats "$W/idle$n")
  read -r busy_med busy_max < <(stats "$W/busy$n")
  echo "$seq $con $idle_med $busy_med $busy_max"
}

bench() {  # BIN LABEL
  local r results=()
  for r in $(seq 1 "$RUNS"); do
    results+=("$(run "$1" "$2$r")")
    read -r s c im bm bx <<<"${results[-1]}"
    printf '%s run %d: sequential %6d ms, concurrent %6d ms (ratio %.2f); readers idle %d ms, during builds median %d ms max %d ms\n' \
      "$2" "$r" "$s" "$c" "$(awk -v c="$c" -v s="$s" 'BEGIN {print c / s}')" "$im" "$bm" "$bx"
  done
  printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
label = sys.argv[1]
rows = [list(map(int, l.split())) for l in sys.stdin if l.strip()]
col = lambda k: statistics.median(r[k] for r in rows)
s, c, im, bm, bx = (col(k) for k in range(5))
print(f"{label} median of {len(rows)}: 4 builds sequential {s:.0f} ms, concurrent {c:.0f} ms, "
      f"concurrent/sequential {c / s:.2f}; reader latency idle {im:.0f} ms, during 4 builds median {bm:.0f} ms "
      f"(busy/idle {bm / im:.2f}), max {bx:.0f} ms")' "$2"
}

bench "$UBUILD" new
if [[ -n ${OLD_UBUILD:-} ]]; then bench "$OLD_UBUILD" old; fi
