#!/usr/bin/env bash
# End-to-end against a real Docker engine (issue 5, "Proven against the
# real tools"). The test starts its OWN dockerd on a private socket, data
# root and exec root (never /var/lib/docker), with networking off, and
# always stops it and removes everything in its EXIT trap.
#   ubuild save -> docker load: same id; docker run prints the CMD output
#   (plain and gzip layers; Docker 20.10 reads no zstd layers: its
#   pkg/archive DecompressStream knows gzip, bzip2 and xz only)
#   docker build + docker save -> ubuild load: same id; ubuild builds FROM it
#   ubuild save -> docker load -> docker save -> ubuild load: same id
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_private_dockerd "$E2E_TMP/docker"

id_of() { "$UBUILD_BIN" --root "$1" inspect "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }
docker_id() { docker_cli image inspect --format '{{.Id}}' "$1"; }

# --- ubuild -> docker ---------------------------------------------------------
e2e_base_image
ctx=$E2E_TMP/ctx
mkdir -p "$ctx"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
RUN mkdir -p /greet && echo "from a RUN layer" > /greet/msg && rm /etc/group
CMD ["echo", "hello"]
DF
ub build -q -t hello "$ctx" >/dev/null
hello_id=$(id_of "$ROOT" hello)
bb_id=$(id_of "$ROOT" busybox)
# gzip layers (save --compression gzip) first, while the engine has none of
# them: a layer docker already has is not read again.
ub save --compression gzip -o "$E2E_TMP/hello-gzip.tar" hello
out=$(docker_cli load -i "$E2E_TMP/hello-gzip.tar" 2>&1) && rc=0 || rc=$?
check "docker load of gzip layers succeeds ($out)" test "$rc" -eq 0
check "with ubuild's id" test "$(docker_id hello:latest)" = "$hello_id"
out=$(docker_cli run --rm --network none hello sh -c 'cat /greet/msg; test ! -e /etc/group && echo whiteout-ok' 2>&1)
check "its layers apply ($out)" test "$out" = $'from a RUN layer\nwhiteout-ok'
docker_cli rmi hello:latest >/dev/null
ub save -o "$E2E_TMP/hello.tar" hello busybox
out=$(docker_cli load -i "$E2E_TMP/hello.tar" 2>&1) && rc=0 || rc=$?
echo "$out"
check "docker load of ubuild's archive succeeds" test "$rc" -eq 0
check "docker names hello:latest" grep -q "Loaded image: hello:latest" <<<"$out"
check "docker's id of hello equals ubuild's" test "$(docker_id hello:latest)" = "$hello_id"
check "docker's id of busybox equals ubuild's" test "$(docker_id busybox:latest)" = "$bb_id"
out=$(docker_cli run --rm --network none hello 2>&1) && rc=0 || rc=$?
check "docker run prints the CMD output ($out)" test "$rc" -eq 0 -a "$out" = "hello"
out=$(docker_cli run --rm --network none hello sh -c 'cat /greet/msg; test ! -e /etc/group && echo whiteout-ok' 2>&1)
check "the RUN layer and its whiteout are there ($out)" test "$out" = $'from a RUN layer\nwhiteout-ok'
ub build -q -t example-hello "$UBUILD_SOURCE_DIR/examples/hello" >/dev/null
ub save example-hello | docker_cli load >/dev/null
out=$(docker_cli run --rm --network none example-hello 2>&1)
check "examples/hello prints its greeting under docker ($out)" grep -q "hello from ubuild" <<<"$out"

# --- round trip: ubuild save -> docker load -> docker save -> ubuild load ------
docker_cli save -o "$E2E_TMP/rt.tar" hello:latest
R2=$E2E_TMP/root-rt
out=$("$UBUILD_BIN" --root "$R2" load -i "$E2E_TMP/rt.tar")
check "ubuild loads docker's save of it ($out)" grep -q "Loaded image: hello:latest" <<<"$out"
check "round trip keeps the id" test "$(id_of "$R2" hello)" = "$hello_id"

# --- docker -> ubuild -----------------------------------------------------------
dctx=$E2E_TMP/dctx
mkdir -p "$dctx"
cat >"$dctx/Dockerfile" <<'DF'
FROM busybox
RUN echo "docker built this" > /from-docker && rm -rf /home/app
ENV ORIGIN=docker
CMD ["cat", "/from-docker"]
DF
DOCKER_BUILDKIT=0 docker_cli build -q -t dockbuilt:1 "$dctx" >/dev/null
docker_cli save -o "$E2E_TMP/dockbuilt.tar" dockbuilt:1
db_id=$(docker_id dockbuilt:1)
out=$(ub load -i "$E2E_TMP/dockbuilt.tar")
check "ubuild loads docker's build ($out)" test "$out" = "Loaded image: dockbuilt:1"
check "docker's id is kept" test "$(id_of "$ROOT" dockbuilt:1)" = "$db_id"
R3=$E2E_TMP/root-fresh
"$UBUILD_BIN" --root "$R3" load -i "$E2E_TMP/dockbuilt.tar" >/dev/null
check "and into an empty store too" test "$(id_of "$R3" dockbuilt:1)" = "$db_id"
printf 'FROM dockbuilt:1\nRUN cat /from-docker > /copied && test ! -e /home/app\nCMD ["cat", "/copied"]\n' >"$dctx/Dockerfile"
check "ubuild builds FROM docker's image" ub build -q -t onto-docker "$dctx"
ub save onto-docker | docker_cli load >/dev/null
out=$(docker_cli run --rm --network none onto-docker 2>&1)
check "and docker runs that ($out)" test "$out" = "docker built this"

e2e_finish
