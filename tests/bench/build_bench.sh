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
# (see settle() below for why); SETTLE_SECONDS=0 skips the pause.
# UBUILD_BIN defaults to build/ubuild in the repository. Starts and stops a
# private dockerd; buildah uses a private storage root. --strict exits 1 if a
# target ratio is missed.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
# shellcheck source=../e2e/conformance/lib.sh
source "$REPO/tests/e2e/conformance/lib.sh"

RUNS=3 STRICT=0 ONLY=""
while [[ $# -gt 0 ]]; do
  case $1 in
    --runs) RUNS=$2; shift ;;
    --strict) STRICT=1 ;;
    --only) ONLY=$2; shift ;;
    *) echo "build_bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
REBUILD_RUNS=$((RUNS < 5 ? 5 : RUNS))

UBUILD_BIN=${UBUILD_BIN:-$REPO/build/ubuild}
[[ -x "$UBUILD_BIN" ]] || { echo "build_bench.sh: no ubuild at $UBUILD_BIN (set UBUILD_BIN)" >&2; exit 2; }
[[ $(id -u) == 0 ]] || { echo "build_bench.sh: needs root" >&2; exit 2; }
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
start_dockerd
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

# ext4 without a journal (this VM's root filesystem) passes over every inode
# freed in the last minute each time it allocates a new one, so a build right
# after a mass deletion (Docker removes its copy of the context after every
# build; each case removes its context at the end) creates files several
# times slower, whichever tool it is. Each tool's block of file-heavy builds
# therefore starts after a sync and that minute. SETTLE_SECONDS=0 skips it.
settle() { sync; sleep "${SETTLE_SECONDS:-61}"; }

now_ns() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

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
if [[ -z "$ONLY" || $ONLY == a ]]; then
  A=$T/ctx-a
  mkdir -p "$A"
  {
    echo "FROM busybox:local"
    for i in $(seq 1 10); do
      echo "ENV VAR$i=value$i"
      echo "RUN echo $i > /run$i.txt"
      echo "COPY file$i.txt /files/"
    done
  } >"$A/Dockerfile"
  for i in $(seq 1 10); do echo "small file $i" >"$A/file$i.txt"; done
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
if [[ -z "$ONLY" || $ONLY == b ]]; then
  B=$T/ctx-b
  mkdir -p "$B"
  printf 'FROM busybox:local\nCOPY files /files/\nRUN echo after > /after.txt\n' >"$B/Dockerfile"
  python3 - "$B/files" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    sub = os.path.join(root, "d%03d" % d)
    os.makedirs(sub)
    for f in range(200):
        with open(os.path.join(sub, "f%03d.txt" % f), "w") as fh:
            fh.write("file %d/%d\n" % (d, f))
PY
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
if [[ -z "$ONLY" || $ONLY == c ]]; then
  C=$T/ctx-c
  mkdir -p "$C/big"
  printf 'FROM busybox:local\nCOPY big /big/\n' >"$C/Dockerfile"
  # Incompressible, distinct files: nobody may shortcut on content.
  for i in $(seq 1 512); do head -c 1048576 /dev/urandom >"$C/big/blob$i"; done
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
