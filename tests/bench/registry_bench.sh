#!/usr/bin/env bash
# Benchmark (issue 11, "Speed"): pull and push against a local
# docker-registry on 127.0.0.1, beside skopeo copy and a private Docker
# 20.10 engine's docker pull/push of the same image in the same run, for
# two images on a busybox base (CASES, default both):
#   big:   SIZE_MIB (default 512) random 1 MiB files in one layer
#   small: FILES (default 20000) small files (1-4 KiB, half of them text)
# Medians of RUNS (default 3); Docker's push and skopeo's push once each
# (both remember what they pushed and would mount it after); peak RSS of
# ubuild's last run. Then the compression rate of push, and of ubuild's
# gzip alone (save --compression gzip), beside `gzip -6` and `pigz -6` on
# the same layer tar.
#   UBUILD_BIN=build/ubuild bash tests/bench/registry_bench.sh
set -euo pipefail
UBUILD_BIN=${UBUILD_BIN:-$(dirname "$0")/../../build/ubuild}
SRC_DIR=$(cd "$(dirname "$0")/../.." && pwd)
SIZE_MIB=${SIZE_MIB:-512}
FILES=${FILES:-20000}
RUNS=${RUNS:-3}
CASES=${CASES:-big small}
T=$(mktemp -d /tmp/ubuild-bench-registry.XXXXXX)
source "$SRC_DIR/tests/e2e/dockerd_lib.sh"
# registry_lib.sh keeps its registries under $E2E_TMP; its EXIT trap stops
# them and then calls e2e_cleanup, which here is the bench's own cleanup.
E2E_TMP=$T
e2e_cleanup() {
  local rc=$?
  set +e
  stop_private_dockerd
  grep -o " $T/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m"; done
  rm -rf "$T"
  return $rc
}
source "$SRC_DIR/tests/e2e/registry_lib.sh"

ub() { "$UBUILD_BIN" --root "$1" "${@:2}"; }
now() { date +%s.%N; }
median=()
# timed NAME CMD...: the median of RUNS runs; "{i}" in CMD is the run
# number. $PREP, when set, names a command run (untimed) before each run.
timed() {
  local name=$1 i t0 t1 times=()
  shift
  for i in $(seq "$RUNS"); do
    local args=("${@//\{i\}/$i}")
    [[ -n ${PREP:-} ]] && $PREP >/dev/null 2>&1
    t0=$(now)
    "${args[@]}" >/dev/null
    t1=$(now)
    times+=("$(python3 -c 'import sys; print(float(sys.argv[1]) - float(sys.argv[2]))' "$t1" "$t0")")
  done
  local m
  m=$(python3 -c 'import statistics, sys; print(statistics.median(map(float, sys.argv[1:])))' "${times[@]}")
  printf '  %-44s %8.3f s\n' "$name" "$m"
  median+=("$name=$m")
}

reg=$(start_registry bench)
start_private_dockerd "$T/docker" --insecure-registry "$reg"

bash "$SRC_DIR/examples/busybox-rootfs.sh" "$T/busybox.tar" >/dev/null
ub "$T/src" import "$T/busybox.tar" busybox >/dev/null
echo "registry $reg; $(nproc) cores; medians of $RUNS runs"

make_context() {  # make_context CASE DIR
  mkdir -p "$2/files"
  case $1 in
    big) for i in $(seq "$SIZE_MIB"); do head -c 1048576 /dev/urandom >"$2/files/$i"; done ;;
    small) python3 - "$2/files" "$FILES" <<'PY'
import os, random, sys
rng = random.Random(11)
words = [b"alpha", b"beta", b"gamma", b"delta", b"layer", b"image", b"registry", b"\n"]
for i in range(int(sys.argv[2])):
    d = os.path.join(sys.argv[1], "d%03d" % (i % 200))
    os.makedirs(d, exist_ok=True)
    n = rng.randint(1024, 4096)
    data = rng.randbytes(n) if i % 2 else b" ".join(rng.choice(words) for _ in range(n // 5))[:n]
    open(os.path.join(d, "f%05d" % i), "wb").write(data)
PY
    ;;
  esac
  printf 'FROM busybox\nCOPY files /files\n' >"$2/Dockerfile"
}

run_case() {
  local c=$1 C=$T/$1 i
  mkdir -p "$C"
  make_context "$c" "$C/ctx"
  ub "$T/src" build -q -t "$reg/$c/img:1" "$C/ctx" >/dev/null
  ub "$T/src" save -o "$C/img.tar" "$reg/$c/img:1"
  case $c in
    big) echo "case big: busybox + $SIZE_MIB x 1 MiB random files" ;;
    small) echo "case small: busybox + $FILES files of 1-4 KiB" ;;
  esac
  median=()
  # Push: each run from a new store loaded from the archive (nothing known
  # about the registry) into a new repository, so every layer is compressed
  # and uploaded.
  for i in $(seq "$RUNS"); do
    ub "$C/push$i" load -i "$C/img.tar" >/dev/null
    ub "$C/push$i" tag "$reg/$c/img:1" "$reg/$c/push$i:1"
  done
  timed "ubuild push (new repository)" /usr/bin/time -f %M -o "$C/rss.push" "$UBUILD_BIN" --root "$C/push{i}" push "$reg/$c/push{i}:1"
  RUNS=1 timed "skopeo copy docker-archive: -> registry" skopeo copy -q --dest-tls-verify=false "docker-archive:$C/img.tar" \
    "docker://$reg/$c/skopeo{i}:1"
  timed "ubuild push (registry has every blob)" "$UBUILD_BIN" --root "$C/push1" push "$reg/$c/push1:1"
  timed "ubuild pull (empty store)" /usr/bin/time -f %M -o "$C/rss.pull" "$UBUILD_BIN" --root "$C/pull{i}" pull "$reg/$c/push1:1"
  rm -rf "$C"/pull* "$C"/push[2-9]*
  timed "skopeo copy registry -> oci: (no unpack)" skopeo copy -q --src-tls-verify=false "docker://$reg/$c/push1:1" "oci:$C/oci{i}:x"
  rm -rf "$C"/oci*
  # A loaded image has no distribution metadata, so Docker compresses and
  # uploads every layer (after a pull it would mount them).
  docker_cli load -i "$C/img.tar" >/dev/null
  docker_cli tag "$reg/$c/img:1" "$reg/$c/docker:1"
  RUNS=1 timed "docker push (new repository)" docker_cli push "$reg/$c/docker:1"
  docker_cli rmi -f "$reg/$c/img:1" "$reg/$c/docker:1" >/dev/null
  docker_rmi() { docker_cli rmi -f "$reg/$c/push1:1"; }
  PREP=docker_rmi timed "docker pull (empty engine)" docker_cli pull -q "$reg/$c/push1:1"
  docker_rmi >/dev/null
  python3 - "$C/img.tar" "$C/layer.tar" <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))
    biggest = max(m[0]["Layers"], key=lambda p: t.getmember(p).size)
    open(sys.argv[2], "wb").write(t.extractfile(biggest).read())
PY
  RUNS=1 timed "gzip -6 of the layer tar" bash -c "gzip -6 -c '$C/layer.tar' >/dev/null"
  RUNS=1 timed "pigz -6 of the layer tar" bash -c "pigz -6 -c '$C/layer.tar' >/dev/null"
  # ubuild's compressor without the upload: save --compression gzip runs
  # push's gzip over every layer (stored blocks for incompressible ones, as
  # push writes them), then writes the archive.
  RUNS=1 timed "ubuild save --compression gzip" "$UBUILD_BIN" --root "$C/push1" save --compression gzip \
    -o "$C/gz.tar" "$reg/$c/push1:1"
  rm -f "$C/gz.tar"
  echo "  peak RSS: push $(($(cat "$C/rss.push") / 1024)) MiB, pull $(($(cat "$C/rss.pull") / 1024)) MiB"
  python3 - "$(stat -c %s "$C/layer.tar")" "${median[@]}" <<'PY'
import sys
size = int(sys.argv[1]) / 2**20
b = {k: float(v) for k, v in (a.split("=") for a in sys.argv[2:])}
def rate(k): return size / b[k]
print("  layer tar %.0f MiB: push (compress + upload) %.0f MiB/s, save --compression gzip %.0f MiB/s,"
      " gzip -6 %.0f MiB/s, pigz -6 %.0f MiB/s"
      % (size, rate("ubuild push (new repository)"), rate("ubuild save --compression gzip"),
         rate("gzip -6 of the layer tar"), rate("pigz -6 of the layer tar")))
print("  push / skopeo copy: %.3gx as fast" % (b["skopeo copy docker-archive: -> registry"] / b["ubuild push (new repository)"]))
print("  pull / skopeo copy (which does not unpack): %.3gx as fast" % (b["skopeo copy registry -> oci: (no unpack)"] / b["ubuild pull (empty store)"]))
print("  pull / docker pull: %.3gx as fast (target 3x)" % (b["docker pull (empty engine)"] / b["ubuild pull (empty store)"]))
print("  push / docker push: %.3gx as fast (target 3x)" % (b["docker push (new repository)"] / b["ubuild push (new repository)"]))
print("  push the registry already has: %.0f ms (target < 100 ms)" % (1000 * b["ubuild push (registry has every blob)"]))
PY
  rm -rf "$C"
}

for c in $CASES; do run_case "$c"; done
