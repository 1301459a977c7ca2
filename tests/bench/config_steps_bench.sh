#!/bin/bash
# Config-only steps benchmark (issue 10): a Dockerfile of N LABEL lines, and
# one of N ENV lines, built from scratch with --no-cache, then rebuilt from
# the cache, for N = 1,000 / 4,000 / 10,000. Each step's id hashes its whole
# config, so hashing grows with N^2 bytes; everything else should grow with N:
# the ratio 10k/1k is ~10 when the per-step work is linear, ~100 when quadratic.
#
#   bash tests/bench/config_steps_bench.sh [--runs N] [--sizes "1000 4000 10000"]
#
# Each figure is the median wall time of N runs (default 3). UBUILD_BIN
# defaults to build/ubuild in the repository; the store is a private one
# under a temporary directory, removed at the end.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

RUNS=3 SIZES="1000 4000 10000"
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    --sizes) SIZES=$2; shift ;;
    *) echo "config_steps_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

UBUILD_BIN=${UBUILD_BIN:-$REPO/build/ubuild}
[[ -x "$UBUILD_BIN" ]] || { echo "config_steps_bench.sh: no ubuild at $UBUILD_BIN (set UBUILD_BIN)" >&2; exit 2; }

WORK=$(mktemp -d /tmp/config_steps_bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Seconds (wall) of one run of "$@".
seconds() {
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# The Dockerfile of `n` lines of instruction `kind` in directory `dir`.
dockerfile() {
  local kind=$1 n=$2 dir=$3
  mkdir -p "$dir"
  { echo "FROM scratch"; seq 1 "$n" | awk -v k="$kind" '{print k " key" $1 "=value" $1}'; } > "$dir/Dockerfile"
}

printf '%-6s %7s %10s %10s\n' kind lines cold_s cached_s
for kind in LABEL ENV; do
  declare -A cold=() cached=()
  for n in $SIZES; do
    dir=$WORK/$kind-$n
    dockerfile "$kind" "$n" "$dir"
    cold_runs=() cached_runs=()
    for ((r = 0; r < RUNS; r++)); do
      rm -rf "$WORK/store"
      cold_runs+=("$(seconds env SOURCE_DATE_EPOCH=0 "$UBUILD_BIN" --root "$WORK/store" build -q --no-cache "$dir")")
      cached_runs+=("$(seconds env SOURCE_DATE_EPOCH=0 "$UBUILD_BIN" --root "$WORK/store" build -q "$dir")")
    done
    cold[$n]=$(median "${cold_runs[@]}")
    cached[$n]=$(median "${cached_runs[@]}")
    printf '%-6s %7s %10.2f %10.2f\n' "$kind" "$n" "${cold[$n]}" "${cached[$n]}"
  done
  first=${SIZES%% *} last=${SIZES##* }
  if [[ $first != "$last" ]]; then
    printf '%-6s ratio %s/%s: cold %.1f, cached %.1f\n' "$kind" "$last" "$first" \
      "$(echo "${cold[$last]} / ${cold[$first]}" | bc -l)" "$(echo "${cached[$last]} / ${cached[$first]}" | bc -l)"
  fi
  unset cold cached
done
