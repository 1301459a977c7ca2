#!/usr/bin/env bash
# Benchmark (issue 5, "Speed"): save and load of a single-layer image of
# SIZE_MIB (default 512) MiB, against plain tar in the same run:
#   save  vs  tar -cf FILE DIR                  (target: >= 0.8x tar's throughput)
#   load  vs  tar -xf FILE + sha256sum FILE     (target: >= 0.8x)
# plus docker save / docker load of the same image on a private dockerd,
# for comparison. Best of RUNS (default 3) runs each, warm page cache.
#   UBUILD_BIN=build/ubuild bash tests/bench/save_load_bench.sh
# Exits non-zero when a target is missed.
set -euo pipefail
UBUILD_BIN=${UBUILD_BIN:-$(dirname "$0")/../../build/ubuild}
SIZE_MIB=${SIZE_MIB:-512}
RUNS=${RUNS:-3}
T=$(mktemp -d /tmp/ubuild-bench-save.XXXXXX)
D=$T/docker
if [[ -x /usr/bin/docker ]]; then DOCKER_CLI=/usr/bin/docker; else DOCKER_CLI=docker; fi
docker_cli() { "$DOCKER_CLI" -H "unix://$D/docker.sock" "$@"; }

cleanup() {
  local rc=$? pidfile pid
  set +e
  for pidfile in "$D/dockerd.bgpid" "$D/exec/containerd/containerd.pid"; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile" 2>/dev/null)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || continue
    kill "$pid"
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  grep -o " $T/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$T"
  return $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ub() { "$UBUILD_BIN" --root "$T/root" "$@"; }
# best_of NAME PREP CMD: runs PREP (untimed) then CMD, RUNS times; prints
# and records the fastest CMD in seconds.
declare -A BEST
best_of() {
  local name=$1 prep=$2 cmd=$3 best="" t0 t1 dt
  for _ in $(seq 1 "$RUNS"); do
    eval "$prep"
    sync
    t0=$(date +%s.%N)
    eval "$cmd" >/dev/null
    t1=$(date +%s.%N)
    dt=$(python3 -c "print(f'{$t1 - $t0:.3f}')")
    if [[ -z $best ]] || python3 -c "import sys; sys.exit(0 if $dt < $best else 1)"; then best=$dt; fi
  done
  BEST[$name]=$best
  printf '%-34s %8.3f s  %7.1f MiB/s\n' "$name" "$best" "$(python3 -c "print($SIZE_MIB / $best)")"
}

echo "== image: one layer, one ${SIZE_MIB} MiB file + a few small ones"
mkdir -p "$T/rootfs/etc" "$T/rootfs/data"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$T/rootfs/data/big.bin"
for i in 1 2 3 4 5; do echo "small $i" >"$T/rootfs/etc/f$i"; done
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
ub import "$T/rootfs.tar" big:latest >/dev/null
id=$(ub images -q --no-trunc | head -1)
echo "image $id"

echo "== save"
best_of "tar -cf FILE DIR" "rm -f '$T/ref.tar'" "tar -cf '$T/ref.tar' -C '$T/rootfs' ."
best_of "ubuild save -o FILE" "rm -f '$T/u.tar'" "ub save -o '$T/u.tar' big:latest"
echo "== load"
best_of "tar -xf FILE && sha256sum FILE" "rm -rf '$T/x'; mkdir '$T/x'" \
  "tar -xf '$T/u.tar' -C '$T/x' && sha256sum '$T/u.tar'"
best_of "ubuild load -i FILE (empty store)" "rm -rf '$T/root2'" "'$UBUILD_BIN' --root '$T/root2' load -i '$T/u.tar'"
loaded=$("$UBUILD_BIN" --root "$T/root2" images -q --no-trunc | head -1)
[[ $loaded == "$id" ]] || { echo "loaded id $loaded != $id"; exit 1; }

docker_note="(dockerd not installed)"
if command -v dockerd >/dev/null; then
  mkdir -p "$D/data" "$D/exec"
  dockerd --iptables=false --ip6tables=false --bridge=none --data-root "$D/data" --exec-root "$D/exec" \
    -H "unix://$D/docker.sock" --pidfile "$D/dockerd.pid" >"$D/dockerd.log" 2>&1 &
  echo $! >"$D/dockerd.bgpid"
  for _ in $(seq 1 300); do
    [[ -S $D/docker.sock ]] && docker_cli version >/dev/null 2>&1 && break
    sleep 0.1
  done
  echo "== docker (engine $(docker_cli version --format '{{.Server.Version}}'))"
  best_of "docker load -i FILE" "docker_cli rmi -f big:latest >/dev/null 2>&1 || true" \
    "docker_cli load -i '$T/u.tar'"
  [[ $(docker_cli image inspect --format '{{.Id}}' big:latest) == "$id" ]] || { echo "docker id differs"; exit 1; }
  best_of "docker save -o FILE" "rm -f '$T/d.tar'" "docker_cli save -o '$T/d.tar' big:latest"
  docker_note=""
fi

echo "== ratios (throughput relative to tar; target >= 0.80)"
save_ratio=$(python3 -c "print(f'{${BEST[tar -cf FILE DIR]} / ${BEST[ubuild save -o FILE]}:.2f}')")
load_ratio=$(python3 -c "print(f'{${BEST[tar -xf FILE && sha256sum FILE]} / ${BEST[ubuild load -i FILE (empty store)]}:.2f}')")
echo "save: ${save_ratio}x of tar -cf"
echo "load: ${load_ratio}x of tar -xf + sha256sum"
if [[ -z $docker_note ]]; then
  echo "docker save: $(python3 -c "print(f'{${BEST[tar -cf FILE DIR]} / ${BEST[docker save -o FILE]}:.2f}')")x of tar -cf;" \
       "docker load: $(python3 -c "print(f'{${BEST[tar -xf FILE && sha256sum FILE]} / ${BEST[docker load -i FILE]}:.2f}')")x of tar -xf + sha256sum"
else
  echo "docker: $docker_note"
fi
python3 -c "import sys; sys.exit(0 if $save_ratio >= 0.8 and $load_ratio >= 0.8 else 1)" || { echo "BELOW TARGET"; exit 1; }
echo "targets met"
