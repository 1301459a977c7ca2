#!/bin/bash
# RUN --mount speed (issue 13): what mounts add to a RUN, and whether a warm
# cache mount costs the same whatever it holds.
#
#   bash tests/bench/run_mounts_bench.sh [--runs N]
#
# (a) 20 RUNs of `true`, --no-cache: plain, and each RUN with five mounts
#     (bind of a context dir, rw bind, cache, tmpfs, secret), built in
#     alternation (a loaded machine drifts); the median of the pairs'
#     differences over 20 is the mount setup per RUN, in wall and in CPU
#     time (user+system of ubuild and its RUNs), and the difference of the
#     minimum CPU times, the figure a busy machine disturbs least.
#     Target: < 5 ms. (a1) the same with one cache mount per RUN, the
#     commonest case.
# (b) one RUN of `true` with a warm cache mount holding 1 file, then holding
#     256 MiB in 10,000 files: setup is a bind, so the times match (O(1)).
# (c) 20 RUNs with a read-only bind of a 10,000-file context, alternated:
#     a .dockerignore that hides nothing (`*.none`: a plain bind) and one
#     that hides 10 files (`*.log`: an overlay of 10 whiteouts); both cost
#     the cache key's hash the same, so the difference is what the view
#     adds per RUN. Its walk reads only as deep as the patterns reach, so
#     it does not grow with the context.
# Each figure is the median wall time of N builds (default 5) after one
# untimed warm-up; (a) and (c) print the median of the pairs' differences
# and the ratio of the medians. UBUILD_BIN defaults to build/ubuild in the
# repository. Takes about 2 minutes on an idle 2-core machine with --runs 5
# (5 on a loaded one).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../e2e/conformance/lib.sh
source "$REPO/tests/e2e/conformance/lib.sh"

RUNS=5
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    *) echo "run_mounts_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
UBUILD_BIN=${UBUILD_BIN:-$REPO/build/ubuild}
[[ -x "$UBUILD_BIN" ]] || { echo "run_mounts_bench.sh: no ubuild at $UBUILD_BIN (set UBUILD_BIN)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "run_mounts_bench.sh: needs root" >&2; exit 2; }

conf_setup_tmp
ubuild() { "$UBUILD_BIN" --root "$T/store" "$@"; }
make_busybox_rootfs "$T/rootfs.tar"
ubuild import - busybox:local <"$T/rootfs.tar" >/dev/null
C=$T/ctx
mkdir -p "$C/src"
for i in $(seq 1 100); do echo "$i" >"$C/src/f$i"; done
echo s3cret >"$T/secret"

# median_ms DOCKERFILE [flags]: median wall ms of RUNS --no-cache builds.
median_ms() {
  local df=$1; shift
  ubuild build -q --no-cache --network none -f "$df" "$@" "$C" >/dev/null
  local times=() t0 t1
  for _ in $(seq 1 "$RUNS"); do
    t0=$(date +%s%N)
    ubuild build -q --no-cache --network none -f "$df" "$@" "$C" >/dev/null
    t1=$(date +%s%N)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}

{ echo "FROM busybox:local"; for i in $(seq 1 20); do echo "RUN true $i"; done; } >"$T/plain.Dockerfile"
{ echo "FROM busybox:local"
  for i in $(seq 1 20); do
    echo "RUN --mount=type=bind,source=src,target=/src --mount=type=bind,source=src,target=/rw,rw" \
         "--mount=type=cache,target=/cache --mount=type=tmpfs,target=/tmp/t" \
         "--mount=type=secret,id=s,required true $i"
  done; } >"$T/mounts.Dockerfile"
# build_ms DOCKERFILE [flags]: "WALL CPU" ms of one --no-cache build (CPU:
# user+system of ubuild and the RUNs, which a loaded machine disturbs less).
build_ms() {
  local df=$1 t0 t1 cpu; shift
  local TIMEFORMAT='%3U %3S'
  t0=$(date +%s%N)
  cpu=$({ time ubuild build -q --no-cache --network none -f "$df" "$@" "$C" >/dev/null; } 2>&1)
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $(awk '{ printf "%d", ($1 + $2) * 1000 }' <<<"$cpu")"
}
PAIRS=$((RUNS * 2 - 1))
med() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
least() { printf '%s\n' "$@" | sort -n | head -1; }
per20() { awk -v d="$1" 'BEGIN { printf "%.1f", d / 20 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b / a }'; }
# against_plain LABEL WHAT DOCKERFILE [flags]: the plain 20 RUNs and
# DOCKERFILE's built in alternation; prints the medians and the per-RUN cost.
against_plain() {
  local label=$1 what=$2 df=$3 a ac b bc
  shift 3
  build_ms "$T/plain.Dockerfile" >/dev/null
  build_ms "$df" "$@" >/dev/null
  local plains=() mountss=() diffs=() cpu_diffs=() plain_cpus=() mounts_cpus=()
  for _ in $(seq 1 "$PAIRS"); do
    read -r a ac < <(build_ms "$T/plain.Dockerfile")
    read -r b bc < <(build_ms "$df" "$@")
    plains+=("$a") mountss+=("$b") diffs+=($((b - a))) cpu_diffs+=($((bc - ac)))
    plain_cpus+=("$ac") mounts_cpus+=("$bc")
  done
  echo "($label) 20 RUNs, $PAIRS alternating pairs, load average $(cut -d' ' -f1 /proc/loadavg):" \
       "plain $(med "${plains[@]}") ms wall / $(med "${plain_cpus[@]}") ms CPU, $what each" \
       "$(med "${mountss[@]}") ms / $(med "${mounts_cpus[@]}") ms (medians; ratio" \
       "$(ratio "$(med "${plains[@]}")" "$(med "${mountss[@]}")") wall, $(ratio "$(med "${plain_cpus[@]}")" "$(med "${mounts_cpus[@]}")") CPU)"
  echo "    per RUN for $what: median difference $(per20 "$(med "${diffs[@]}")") ms wall," \
       "$(per20 "$(med "${cpu_diffs[@]}")") ms CPU; minimum CPU $(per20 $(( $(least "${mounts_cpus[@]}") - $(least "${plain_cpus[@]}") ))) ms (target < 5)"
}
against_plain a "5 mounts" "$T/mounts.Dockerfile" --secret "id=s,src=$T/secret"
{ echo "FROM busybox:local"; for i in $(seq 1 20); do echo "RUN --mount=type=cache,target=/cache true $i"; done; } \
  >"$T/one_cache.Dockerfile"
against_plain a1 "1 cache mount" "$T/one_cache.Dockerfile"

printf 'FROM busybox:local\nRUN --mount=type=cache,id=b,target=/c true\n' >"$T/cache.Dockerfile"
small=$(median_ms "$T/cache.Dockerfile")
printf 'FROM busybox:local\nRUN --mount=type=cache,id=b,target=/c mkdir -p /c/d && cd /c/d && seq 1 10000 | while read i; do : > f$i; done && dd if=/dev/zero of=/c/big bs=1M count=256 2>/dev/null\n' \
  >"$T/fill.Dockerfile"
ubuild build -q --no-cache --network none -f "$T/fill.Dockerfile" "$C" >/dev/null
held=$(du -sh "$T/store/image/overlay2/buildcache/mounts" | cut -f1)
big=$(median_ms "$T/cache.Dockerfile")
echo "(b) RUN with a warm cache mount: 1 file ${small} ms, ${held} in 10,001 files ${big} ms"

# (c) the .dockerignore view of a context bind, against a plain bind.
B=$T/big
mkdir -p "$B/tree"
for d in $(seq 1 100); do
  mkdir "$B/tree/d$d"
  for f in $(seq 1 100); do : >"$B/tree/d$d/f$f"; done
done
for i in $(seq 1 10); do echo "$i" >"$B/hidden$i.log"; done
{ echo "FROM busybox:local"; for i in $(seq 1 20); do echo "RUN --mount=type=bind,target=/c true $i"; done; } >"$B/Dockerfile"
view_ms() {  # view_ms with|without: "WALL CPU" of one build of $B
  if [[ $1 == with ]]; then echo '*.log' >"$B/.dockerignore"; else echo '*.none' >"$B/.dockerignore"; fi
  local t0 t1 cpu TIMEFORMAT='%3U %3S'
  t0=$(date +%s%N)
  cpu=$({ time ubuild build -q --no-cache --network none "$B" >/dev/null; } 2>&1)
  t1=$(date +%s%N)
  echo "$(( (t1 - t0) / 1000000 )) $(awk '{ printf "%d", ($1 + $2) * 1000 }' <<<"$cpu")"
}
view_ms without >/dev/null
view_ms with >/dev/null
plains=() views=() diffs=() cpu_diffs=()
for _ in $(seq 1 "$PAIRS"); do
  read -r a ac < <(view_ms without)
  read -r b bc < <(view_ms with)
  plains+=("$a") views+=("$b") diffs+=($((b - a))) cpu_diffs+=($((bc - ac)))
done
echo "(c) 20 RUNs binding a 10,010-file context, $PAIRS alternating pairs, load average $(cut -d' ' -f1 /proc/loadavg):" \
     "plain bind (nothing hidden) $(med "${plains[@]}") ms, view hiding 10 files $(med "${views[@]}") ms" \
     "(medians; ratio $(ratio "$(med "${plains[@]}")" "$(med "${views[@]}")"))"
echo "    per RUN for the view: median difference $(per20 "$(med "${diffs[@]}")") ms wall, $(per20 "$(med "${cpu_diffs[@]}")") ms CPU"
