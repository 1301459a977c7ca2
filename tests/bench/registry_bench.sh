#!/usr/bin/env bash
# Benchmark (issue 11, "Speed", first part): pull and push of an image with
# SIZE_MIB (default 128) random 1 MiB files in one layer on a busybox base,
# against a local docker-registry on 127.0.0.1, beside skopeo copy and a
# private Docker 20.10 engine's docker pull/push of the same image in the
# same run. Best of RUNS (default 3; Docker's push once, as it remembers
# what it pushed); peak RSS of the last run; gzip -6 of the same layer tar
# for the compression rate.
#   UBUILD_BIN=build/ubuild bash tests/bench/registry_bench.sh
set -euo pipefail
UBUILD_BIN=${UBUILD_BIN:-$(dirname "$0")/../../build/ubuild}
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
SIZE_MIB=${SIZE_MIB:-128}
RUNS=${RUNS:-3}
T=$(mktemp -d /tmp/ubuild-bench-registry.XXXXXX)
REG_PID=
D=$T/docker
docker_cli() { /usr/bin/docker -H "unix://$D/docker.sock" "$@"; }
cleanup() {
  local rc=$? pidfile pid
  set +e
  for pidfile in "$D/dockerd.bgpid" "$D/exec/containerd/containerd.pid"; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  [[ -n $REG_PID ]] && kill "$REG_PID" && wait "$REG_PID" 2>/dev/null
  grep -o " $T/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$T"
  return $rc
}
trap cleanup EXIT

ub() { "$UBUILD_BIN" --root "$1" "${@:2}"; }
now() { date +%s.%N; }
best=()
# timed NAME CMD...: best of RUNS; "{i}" in CMD is the run number.
timed() {
  local name=$1 i t0 t1 fastest=
  shift
  for i in $(seq "$RUNS"); do
    local args=("${@//\{i\}/$i}")
    t0=$(now)
    "${args[@]}" >/dev/null
    t1=$(now)
    fastest=$(python3 -c "import sys; a = float(sys.argv[1]) - float(sys.argv[2]); b = sys.argv[3]; print(min(a, float(b)) if b else a)" "$t1" "$t0" "$fastest")
  done
  printf '%-40s %8.3f s\n' "$name" "$fastest"
  best+=("$name=$fastest")
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
reg=127.0.0.1:$port
mkdir -p "$T/reg"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' "$T/reg" "$reg" >"$T/reg.yml"
docker-registry serve "$T/reg.yml" >"$T/reg.log" 2>&1 &
REG_PID=$!
for _ in $(seq 100); do curl -s -o /dev/null "http://$reg/v2/" && break; sleep 0.1; done

bash "$SRC_DIR/examples/busybox-rootfs.sh" "$T/busybox.tar" >/dev/null
ub "$T/src" import "$T/busybox.tar" busybox >/dev/null
mkdir -p "$T/ctx/files"
for i in $(seq "$SIZE_MIB"); do head -c 1048576 /dev/urandom >"$T/ctx/files/$i"; done
printf 'FROM busybox\nCOPY files /files\n' >"$T/ctx/Dockerfile"
ub "$T/src" build -q -t "$reg/bench/img:1" "$T/ctx" >/dev/null
ub "$T/src" save -o "$T/img.tar" "$reg/bench/img:1"
echo "image: busybox + ${SIZE_MIB} x 1 MiB random files; registry $reg"

# Push: each run into a new store loaded from the archive (nothing known
# about the registry) and a new repository, so every layer is compressed
# and uploaded.
for i in $(seq "$RUNS"); do
  ub "$T/push$i" load -i "$T/img.tar" >/dev/null
  ub "$T/push$i" tag "$reg/bench/img:1" "$reg/bench/push$i:1"
done
timed "ubuild push (new repository)" /usr/bin/time -f %M -o "$T/push.rss" "$UBUILD_BIN" --root "$T/push{i}" push "$reg/bench/push{i}:1"
# Once: skopeo's blob-info cache would mount the blobs in later runs.
RUNS=1 timed "skopeo copy docker-archive: -> registry" skopeo copy -q --dest-tls-verify=false "docker-archive:$T/img.tar" \
  "docker://$reg/bench/skopeo{i}:1"
timed "ubuild push (registry has every blob)" "$UBUILD_BIN" --root "$T/push1" push "$reg/bench/push1:1"
timed "ubuild pull (empty store)" /usr/bin/time -f %M -o "$T/pull.rss" "$UBUILD_BIN" --root "$T/pull{i}" pull "$reg/bench/push1:1"
timed "skopeo copy registry -> oci: (no unpack)" skopeo copy -q --src-tls-verify=false "docker://$reg/bench/push1:1" "oci:$T/oci{i}:x"
mkdir -p "$D/data" "$D/exec"
dockerd --iptables=false --ip6tables=false --bridge=none --insecure-registry "$reg" --data-root "$D/data" \
  --exec-root "$D/exec" -H "unix://$D/docker.sock" --pidfile "$D/dockerd.pid" >"$D/dockerd.log" 2>&1 &
echo $! >"$D/dockerd.bgpid"
for _ in $(seq 300); do docker_cli version >/dev/null 2>&1 && break; sleep 0.1; done
# Push first: a loaded image has no distribution metadata, so Docker
# compresses and uploads every layer (after a pull it would mount them).
docker_cli load -i "$T/img.tar" >/dev/null
docker_cli tag "$reg/bench/img:1" "$reg/bench/docker:1"
RUNS=1 timed "docker push (new repository)" docker_cli push "$reg/bench/docker:1"
docker_cli rmi -f "$reg/bench/img:1" "$reg/bench/docker:1" >/dev/null
docker_pull() { docker_cli rmi -f "$reg/bench/push1:1" >/dev/null 2>&1; docker_cli pull -q "$reg/bench/push1:1"; }
# docker_pull removes the image first: untimed work inside the timing, so
# Docker's figure is an upper bound by the rmi's time.
timed "docker pull (empty engine, incl. rmi)" docker_pull
layer_tar=$T/layer.tar
python3 - "$T/img.tar" "$layer_tar" <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))
    biggest = max(m[0]["Layers"], key=lambda p: t.getmember(p).size)
    open(sys.argv[2], "wb").write(t.extractfile(biggest).read())
PY
timed "gzip -6 of the layer tar" bash -c "gzip -6 -c '$layer_tar' >/dev/null"
echo "peak RSS: push $(( $(cat "$T/push.rss") / 1024 )) MiB, pull $(( $(cat "$T/pull.rss") / 1024 )) MiB"
python3 - "${best[@]}" <<'PY'
import sys
b = dict(a.split("=") for a in sys.argv[1:])
print("push / skopeo copy: %.2fx as fast" % (float(b["skopeo copy docker-archive: -> registry"]) / float(b["ubuild push (new repository)"])))
print("pull / skopeo copy (which does not unpack): %.2fx as fast" % (float(b["skopeo copy registry -> oci: (no unpack)"]) / float(b["ubuild pull (empty store)"])))
print("pull / docker pull: %.2fx as fast (target 3x)" % (float(b["docker pull (empty engine, incl. rmi)"]) / float(b["ubuild pull (empty store)"])))
print("push / docker push: %.2fx as fast (target 3x)" % (float(b["docker push (new repository)"]) / float(b["ubuild push (new repository)"])))
PY
