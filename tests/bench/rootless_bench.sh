#!/bin/bash
# Rootless speed (issue 15): the cases of build_bench.sh built by root and by
# an ordinary user with subordinate ranges (made here, removed on exit), on
# the kernel's overlay (target: within 1.3x of root on every case) and on
# the fuse-overlayfs fallback (UBUILD_OVERLAY=fuse-overlayfs; reported, no
# target).
#
#   bash tests/bench/rootless_bench.sh [--runs N] [--strict] [--only a|b|c]
#
# (a) 30 instructions (10 ENV, 10 RUN, 10 COPY): cold (--no-cache), unchanged rebuild
# (b) COPY of 20,000 small files: cold, unchanged rebuild, after editing one file
# (c) COPY of 512 x 1 MiB: cold
# Median wall time of N runs (default 3; rebuilds 5) after one untimed
# warm-up build each; the three take turns within every round. Each
# file-heavy block starts after `sync` and a minute's pause (bench_lib.sh's
# settle(): this VM's ext4 rescans freshly freed inodes); SETTLE_SECONDS=0
# skips it. --strict exits 1 on a missed target.
set -euo pipefail

# shellcheck source=bench_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"
bench_args "$@"

conf_setup_tmp
BENCH_USER=ubrlbench$$
DEVICE_MODES=()
bench_cleanup() {
  userdel "$BENCH_USER" 2>/dev/null
  sed -i "/^$BENCH_USER:/d" /etc/subuid /etc/subgid
  local entry
  for entry in "${DEVICE_MODES[@]}"; do chmod "${entry%% *}" "${entry#* }"; done
}
trap 'rc=$?; set +e; bench_cleanup; (exit $rc); conf_cleanup' EXIT
# fuse-overlayfs opens /dev/fuse as the user (Debian makes it 0666).
if [[ $(stat -c %a /dev/fuse) != 666 ]]; then DEVICE_MODES+=("$(stat -c %a /dev/fuse) /dev/fuse"); chmod 666 /dev/fuse; fi
chmod 755 "$T"
start=$(awk -F: 'BEGIN { m = 100000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' /etc/subuid /etc/subgid)
useradd -M -d "$T/home" -s /bin/sh "$BENCH_USER"
mkdir -p "$T/home"
chown "$BENCH_USER:" "$T/home"
sed -i "/^$BENCH_USER:/d" /etc/subuid /etc/subgid
echo "$BENCH_USER:$start:65536" >>/etc/subuid
echo "$BENCH_USER:$start:65536" >>/etc/subgid

# setpriv, not runuser: no PAM session in the timed path.
as_user() {
  setpriv --reuid "$BENCH_USER" --regid "$BENCH_USER" --clear-groups \
    env -i HOME="$T/home" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "$@"
}
# Root's builds go through the same setpriv and env as the user's, so the
# difference is ubuild's own.
as_root() { setpriv --reuid 0 --regid 0 --clear-groups env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin "$@"; }
build_root() {
  local ctx=$1; shift
  as_root "$UBUILD_BIN" --root "$T/root" build --network none -t bench "$@" "$ctx" >"$T/last.log" 2>&1
}
build_rootless() {
  local ctx=$1; shift
  as_user "$UBUILD_BIN" --root "$T/home/kernel" build --network none -t bench "$@" "$ctx" >"$T/last.log" 2>&1
}
build_fuse() {
  local ctx=$1; shift
  as_user UBUILD_OVERLAY=fuse-overlayfs "$UBUILD_BIN" --root "$T/home/fuse" build --network none -t bench "$@" "$ctx" \
    >"$T/last.log" 2>&1
}

echo "setting up: bench user $BENCH_USER ($start+65536), busybox base in every store"
make_busybox_rootfs "$T/rootfs.tar"
chmod 644 "$T/rootfs.tar"
"$UBUILD_BIN" --root "$T/root" import - busybox:local <"$T/rootfs.tar" >/dev/null
as_user "$UBUILD_BIN" --root "$T/home/kernel" import - busybox:local <"$T/rootfs.tar" >/dev/null
as_user "$UBUILD_BIN" --root "$T/home/fuse" import - busybox:local <"$T/rootfs.tar" >/dev/null

# measure RUNS PREPARE CTX OPTS...: MS[tool] = the median ms of RUNS builds
# per tool. The tools take turns within each round, so a load that comes
# and goes on a shared machine falls on all of them alike. PREPARE runs
# (untimed, with $tool set) before each build.
declare -A MS
measure() {
  local runs=$1 prepare=$2 ctx=$3; shift 3
  local i tool t0 t1
  declare -A times=()
  for ((i = 0; i < runs; i++)); do
    for tool in "${tools[@]}"; do
      eval "$prepare"
      t0=$(now_ns)
      if ! "build_$tool" "$ctx" "$@"; then
        echo "  $tool build failed:" >&2; tail -5 "$T/last.log" >&2; times[$tool]+=" nan"; continue
      fi
      t1=$(now_ns)
      times[$tool]+=" $(((t1 - t0) / 1000000))"
    done
  done
  for tool in "${tools[@]}"; do
    echo "    $tool, each run:${times[$tool]} ms" >&2
    if [[ ${times[$tool]} == *nan* ]]; then MS[$tool]=nan; else MS[$tool]=$(printf '%s\n' ${times[$tool]} | median); fi
  done
}
warm_up() { local tool; for tool in "${tools[@]}"; do "build_$tool" "$1" --no-cache >/dev/null 2>&1 || true; done; }

tools=(root rootless fuse)
RESULTS=() MISSES=0
# report NAME ROOT_MS ROOTLESS_MS FUSE_MS
report() {
  local name=$1 r=$2 k=$3 f=$4 rk rf verdict=ok
  rk=$(awk -v r="$r" -v k="$k" 'BEGIN { if (r == "nan" || k == "nan" || r <= 0) print "n/a"; else printf "%.2f", k / r }')
  rf=$(awk -v r="$r" -v f="$f" 'BEGIN { if (r == "nan" || f == "nan" || r <= 0) print "n/a"; else printf "%.2f", f / r }')
  if [[ $rk == n/a ]] || awk -v x="$rk" 'BEGIN { exit !(x > 1.3) }'; then verdict=MISS; MISSES=$((MISSES + 1)); fi
  local line
  line=$(printf '%-34s root %7s ms  rootless %7s ms (%5sx, target <=1.3x %s)  fuse-overlayfs %7s ms (%5sx)' \
    "$name" "$r" "$k" "$rk" "$verdict" "$f" "$rf")
  echo "$line"
  RESULTS+=("$line")
}

if bench_case a; then
  A=$T/ctx-a
  make_ctx_a "$A"
  chmod -R a+rX "$A"
  echo "(a) 30 instructions"
  warm_up "$A"
  measure "$RUNS" : "$A" --no-cache
  report "(a) 30 instr, cold" "${MS[root]}" "${MS[rootless]}" "${MS[fuse]}"
  measure 1 : "$A" >/dev/null 2>&1  # fill the caches
  measure "$REBUILD_RUNS" : "$A"
  report "(a) 30 instr, unchanged rebuild" "${MS[root]}" "${MS[rootless]}" "${MS[fuse]}"
fi

if bench_case b; then
  B=$T/ctx-b
  make_ctx_b "$B"
  chmod -R a+rwX "$B"  # the edits below come from root, the builds from either
  echo "(b) COPY of 20,000 small files"
  settle
  warm_up "$B"
  measure "$RUNS" : "$B" --no-cache
  report "(b) 20k files, cold" "${MS[root]}" "${MS[rootless]}" "${MS[fuse]}"
  measure 1 : "$B" >/dev/null 2>&1
  measure "$REBUILD_RUNS" : "$B"
  report "(b) 20k files, unchanged rebuild" "${MS[root]}" "${MS[rootless]}" "${MS[fuse]}"
  # A new content each time, so every timed build redoes COPY and RUN.
  measure "$RUNS" 'echo "edit $tool $i $RANDOM" >>"$B/files/d050/f100.txt"' "$B"
  report "(b) 20k files, one file edited" "${MS[root]}" "${MS[rootless]}" "${MS[fuse]}"
  rm -rf "$B"
fi

if bench_case c; then
  C=$T/ctx-c
  make_ctx_c "$C"
  chmod -R a+rX "$C"
  echo "(c) COPY of 512 x 1 MiB"
  settle
  warm_up "$C"
  measure "$RUNS" : "$C" --no-cache
  report "(c) 512 x 1 MiB, cold" "${MS[root]}" "${MS[rootless]}" "${MS[fuse]}"
  rm -rf "$C"
fi

echo
echo "summary:"
printf '  %s\n' "${RESULTS[@]}"
[[ $STRICT == 0 || $MISSES == 0 ]]
