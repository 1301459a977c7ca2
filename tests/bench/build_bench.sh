#!/bin/bash
# Builder speed benchmark (issue 4): ubuild against Docker's classic builder
# and buildah, measured in the same run on the same busybox base.
#
#   bash tests/bench/build_bench.sh [--runs N] [--strict] [--only a|b|c]
#
# (a) 30 instructions (10 ENV, 10 RUN, 10 COPY): cold (--no-cache), unchanged rebuild
# (b) COPY of 20,000 small files: cold, unchanged rebuild, after editing one file
# (c) COPY of 512 x 1 MiB: cold
# Each figure is the median wall time of N runs (default 3; rebuilds 5),
# cold runs after one untimed warm-up build per tool. In (b) and (c) each tool's block starts after `sync` and a minute's pause
# (see settle() in bench_lib.sh for why); SETTLE_SECONDS=0 skips the pause.
# UBUILD_BIN defaults to build/ubuild in the repository. Starts and stops a
# private dockerd; buildah uses a private storage root. --strict exits 1 if a
# target ratio is missed.
set -euo pipefail

# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_args "$@"
HAVE_BUILDAH=1
command -v buildah >/dev/null || { HAVE_BUILDAH=0; echo "buildah not found: its column stays empty"; }

conf_setup_tmp
ubuild() { "$UBUILD_BIN" --root "$T/ubuild" "$@"; }
bah() {
  buildah --root "$T/buildah/root" --runroot "$T/buildah/run" --storage-driver overlay "$@"
}
# buildah's overlay mounts live under its root; unmount them before lib.sh's cleanup.
bench_cleanup() {
  if [[ $HAVE_BUILDAH == 1 && -d "$T/buildah" ]]; then
    bah rm --all >/dev/null 2>&1 || true
    bah umount --all >/dev/null 2>&1 || true
  fi
}
trap 'rc=$?; bench_cleanup; (exit $rc); conf_cleanup' EXIT

echo "setting up: private dockerd, busybox base in every store"
start_private_dockerd "$T"
make_busybox_rootfs "$T/rootfs.tar"
docker_cli import "$T/rootfs.tar" busybox:local >/dev/null
ubuild import - busybox:local <"$T/rootfs.tar" >/dev/null
if [[ $HAVE_BUILDAH == 1 ]]; then
  docker_cli save -o "$T/base-docker.tar" busybox:local
  bah pull --quiet "docker-archive:$T/base-docker.tar" >/dev/null
  bah tag "$(bah images --quiet --noheading | head -1)" busybox:local
fi

# Each tool's build of CTX; extra options go before the context.
build_ubuild() { local ctx=$1; shift; ubuild build --network none -t bench "$@" "$ctx" >"$T/last.log" 2>&1; }
build_docker() { local ctx=$1; shift; DOCKER_BUILDKIT=0 docker_cli build --network none -t bench "$@" "$ctx" >"$T/last.log" 2>&1; }
# buildah refuses --network none with chroot isolation; no step needs a network.
build_buildah() {
  local ctx=$1; shift
  bah build --isolation chroot --layers --pull=never -t bench "$@" "$ctx" >"$T/last.log" 2>&1
}

# measure TOOL RUNS PREPARE CTX OPTS...: median ms of RUNS builds; PREPARE is
# a command run (untimed) before each build.
measure() {
  local tool=$1 runs=$2 prepare=$3 ctx=$4; shift 4
  local i t0 t1 times=()
  for ((i = 0; i < runs; i++)); do
    eval "$prepare"
    t0=$(now_ns)
    if ! "build_$tool" "$ctx" "$@"; then
      echo "  $tool build failed:" >&2; tail -5 "$T/last.log" >&2; echo "nan"; return
    fi
    t1=$(now_ns)
    times+=($(((t1 - t0) / 1000000)))
  done
  echo "    $tool, each run: ${times[*]} ms" >&2
  printf '%s\n' "${times[@]}" | median
}

# One untimed --no-cache build before a tool's timed cold builds, for every
# tool alike: it fills what a first run fills (ubuild's digest cache of the
# context, Docker's and buildah's own first-use state) and takes the first
# hit of the file system's state after the previous block.
warm_up() { "build_$1" "$2" --no-cache >/dev/null 2>&1 || true; }

RESULTS=()
MISSES=0
# report NAME UBUILD_MS DOCKER_MS BUILDAH_MS MIN_RATIO [MAX_UBUILD_MS]
report() {
  local name=$1 u=$2 d=$3 b=$4 want=$5 cap=${6:-}
  local rd rb verdict=ok
  rd=$(awk -v u="$u" -v d="$d" 'BEGIN { if (u == "nan" || d == "nan" || u <= 0) print "n/a"; else printf "%.1f", d / u }')
  rb=$(awk -v u="$u" -v b="$b" 'BEGIN { if (u == "nan" || b == "nan" || b == "" || u <= 0) print "n/a"; else printf "%.1f", b / u }')
  if [[ $want == - ]]; then verdict="(no target)"
  elif [[ $rd == n/a ]] || awk -v r="$rd" -v w="$want" 'BEGIN { exit !(r < w) }'; then verdict=MISS; fi
  if [[ -n "$cap" && $u != nan ]] && ((u >= cap)); then verdict=MISS; fi
  [[ $verdict == MISS ]] && MISSES=$((MISSES + 1))
  local line
  line=$(printf '%-34s ubuild %7s ms  docker %7s ms  buildah %7s ms  docker/ubuild %6sx  buildah/ubuild %6sx  target %s%s  %s' \
    "$name" "$u" "$d" "${b:-n/a}" "$rd" "$rb" "$([[ $want == - ]] && echo none || echo ">=${want}x")" "${cap:+ and <${cap} ms}" "$verdict")
  echo "$line"
  RESULTS+=("$line")
}

tools=(ubuild docker)
[[ $HAVE_BUILDAH == 1 ]] && tools+=(buildah)

# ---------------------------------------------------------------- (a)
if bench_case a; then
  A=$T/ctx-a
  make_ctx_a "$A"
  echo "(a) 30 instructions"
  declare -A cold warm
  for tool in "${tools[@]}"; do
    warm_up "$tool" "$A"
    cold[$tool]=$(measure "$tool" "$RUNS" : "$A" --no-cache)
    measure "$tool" 1 : "$A" >/dev/null  # fill the cache
    warm[$tool]=$(measure "$tool" "$REBUILD_RUNS" : "$A")
    echo "  $tool: cold ${cold[$tool]} ms, unchanged rebuild ${warm[$tool]} ms"
  done
  report "(a) 30 instr, cold" "${cold[ubuild]}" "${cold[docker]}" "${cold[buildah]:-}" 10
  report "(a) 30 instr, unchanged rebuild" "${warm[ubuild]}" "${warm[docker]}" "${warm[buildah]:-}" 5 30
  unset cold warm
fi

# ---------------------------------------------------------------- (b)
if bench_case b; then
  B=$T/ctx-b
  make_ctx_b "$B"
  echo "(b) COPY of 20,000 small files"
  declare -A cold warm edit
  for tool in "${tools[@]}"; do
    settle
    warm_up "$tool" "$B"
    cold[$tool]=$(measure "$tool" "$RUNS" : "$B" --no-cache)
    measure "$tool" 1 : "$B" >/dev/null
    warm[$tool]=$(measure "$tool" "$REBUILD_RUNS" : "$B")
    # A new content each time, so every timed build redoes COPY and RUN.
    edit[$tool]=$(measure "$tool" "$RUNS" 'echo "edit $tool $i $RANDOM" >>"$B/files/d050/f100.txt"' "$B")
    echo "  $tool: cold ${cold[$tool]} ms, unchanged rebuild ${warm[$tool]} ms, after editing one file ${edit[$tool]} ms"
  done
  report "(b) 20k files, cold" "${cold[ubuild]}" "${cold[docker]}" "${cold[buildah]:-}" 10
  report "(b) 20k files, unchanged rebuild" "${warm[ubuild]}" "${warm[docker]}" "${warm[buildah]:-}" 50
  report "(b) 20k files, one file edited" "${edit[ubuild]}" "${edit[docker]}" "${edit[buildah]:-}" -
  unset cold warm edit
  rm -rf "$B"
fi

# ---------------------------------------------------------------- (c)
if bench_case c; then
  C=$T/ctx-c
  make_ctx_c "$C"
  echo "(c) COPY of 512 x 1 MiB"
  declare -A cold
  for tool in "${tools[@]}"; do
    settle
    warm_up "$tool" "$C"
    cold[$tool]=$(measure "$tool" "$RUNS" : "$C" --no-cache)
    echo "  $tool: cold ${cold[$tool]} ms"
  done
  report "(c) 512 x 1 MiB, cold" "${cold[ubuild]}" "${cold[docker]}" "${cold[buildah]:-}" 5
  unset cold
  rm -rf "$C"
fi

echo
echo "summary ($(nproc) cores, median of $RUNS cold / $REBUILD_RUNS rebuild runs; ratios = peer time / ubuild time):"
printf '%s\n' "${RESULTS[@]}"
echo "$MISSES target(s) missed"
if [[ $STRICT == 1 && $MISSES -gt 0 ]]; then exit 1; fi
exit 0
