#!/usr/bin/env bash
# An image as cache (--cache-from IMAGE_REF) against Docker 20.10's classic
# builder (DOCKER_BUILDKIT=0 docker build --cache-from), both ways, through
# one docker-registry. The test starts its OWN dockerd on a private socket,
# data root and exec root, networking off, stopped in the EXIT trap.
#   Docker builds and pushes; ubuild, with an empty store, takes every step
#   from the image and ends on Docker's image id, downloading only the
#   layers the store needs (none with --push).
#   ubuild builds and pushes; Docker, with no local cache, takes every step
#   from it and ends on ubuild's image id.
#   One file edited: both hit the same steps (those before its COPY).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
command -v docker-registry >/dev/null || { echo "docker-registry is not installed" >&2; exit 1; }
start_private_dockerd "$E2E_TMP/docker"

e2e_base_image
reg=$(start_registry classic)
ub tag busybox "$reg/base/busybox:1"
ub push "$reg/base/busybox:1" >/dev/null
docker_cli pull -q "$reg/base/busybox:1" >/dev/null

ctx=$E2E_TMP/ctx
mkdir -p "$ctx"
echo data >"$ctx/f.txt"
echo v1 >"$ctx/edit.txt"
cat >"$ctx/Dockerfile" <<DF
FROM $reg/base/busybox:1
ENV A=1
WORKDIR /w
COPY f.txt /w/
RUN cat f.txt f.txt > g.txt
COPY edit.txt /e
CMD ["cat", "/w/g.txt"]
DF
cp -r "$ctx" "$E2E_TMP/edited"
echo v2 >"$E2E_TMP/edited/edit.txt"

hits() { grep -c '^ ---> Using cache$' || true; }
# A store that has the base image and nothing else, as a CI runner's.
machine() {
  local root=$E2E_TMP/$1
  "$UBUILD_BIN" --root "$root" pull -q "$reg/base/busybox:1" >/dev/null
  echo "$root"
}
# Docker without the images it built or pulled since the base: no local cache.
docker_forget() {
  docker_cli image ls -q --no-trunc | grep -v "$(docker_cli image inspect -f '{{.Id}}' "$reg/base/busybox:1")" |
    xargs -r "$DOCKER_CLI" -H "unix://$DOCKERD_DIR/docker.sock" rmi -f >/dev/null
}
uid() { "$UBUILD_BIN" --root "$1" inspect "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }
did() { docker_cli image inspect -f '{{.Id}}' "$1"; }

# --- Docker's image as ubuild's cache -------------------------------------
DOCKER_BUILDKIT=0 docker_cli build -q -t "$reg/app/docker:1" "$ctx" >/dev/null
docker_cli push "$reg/app/docker:1" >/dev/null
docker_built=$(did "$reg/app/docker:1")
# ubuild reads its manifest and config; the layers its base lacks come in
# once, for the store, and with --push not at all (mounted).
b=$(machine ub-b)
at=$(registry_log_mark classic)
out=$("$UBUILD_BIN" --root "$b" build --cache-from "$reg/app/docker:1" -t app "$ctx" 2>&1)
check "Docker's image as cache: ubuild hits every step" test "$(hits <<<"$out")" = 6
check "Docker's image as cache: ubuild's image is Docker's" test "$(uid "$b" app)" = "$docker_built"
got=$(registry_blob_bytes classic "$at" "$docker_built")
want=$(registry_image_layers "$reg" app/docker 1 | registry_bytes_beyond "$reg" base/busybox 1)
check "Docker's image as cache: ubuild downloads its layers, once ($got = $want bytes)" test "$got" = "$want"
p=$(machine ub-p)
at=$(registry_log_mark classic)
out=$("$UBUILD_BIN" --root "$p" build --cache-from "$reg/app/docker:1" -t "$reg/app/pushed:1" --push "$ctx" 2>&1)
check "Docker's image as cache, --push: ubuild hits every step" test "$(hits <<<"$out")" = 6
check "Docker's image as cache, --push: no layer is downloaded" test "$(registry_blob_bytes classic "$at" "$docker_built")" = 0
pushed=$(curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$reg/v2/app/pushed/manifests/1" |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
check "Docker's image as cache, --push: the pushed image is Docker's" test "$pushed" = "$docker_built"
c=$(machine ub-c)
at=$(registry_log_mark classic)
ub_edit=$("$UBUILD_BIN" --root "$c" build --cache-from "$reg/app/docker:1" -t app "$E2E_TMP/edited" 2>&1 | hits)
got=$(registry_blob_bytes classic "$at" "$docker_built")
want=$(registry_image_layers "$reg" app/docker 1 | head -n -1 | registry_bytes_beyond "$reg" base/busybox 1)
check "one file edited: ubuild downloads only the layers below its COPY ($got = $want bytes)" test "$got" = "$want"
docker_forget
docker_cli pull -q "$reg/app/docker:1" >/dev/null
docker_edit=$(DOCKER_BUILDKIT=0 docker_cli build --cache-from "$reg/app/docker:1" "$E2E_TMP/edited" 2>&1 | hits)
check "one file edited: ubuild hits as Docker does ($ub_edit = $docker_edit, the 4 before its COPY)" \
  test "$ub_edit/$docker_edit" = 4/4

# --- ubuild's image as Docker's cache -------------------------------------
ROOT=$(machine ub-a)
ub build -q -t "$reg/app/ubuild:1" "$ctx" >/dev/null
ub push "$reg/app/ubuild:1" >/dev/null
ubuild_built=$(uid "$ROOT" "$reg/app/ubuild:1")
docker_forget
docker_cli pull -q "$reg/app/ubuild:1" >/dev/null
out=$(DOCKER_BUILDKIT=0 docker_cli build --cache-from "$reg/app/ubuild:1" -t dapp "$ctx" 2>&1)
check "ubuild's image as Docker's cache: Docker hits every step" test "$(hits <<<"$out")" = 6
check "ubuild's image as Docker's cache: Docker's image is ubuild's" test "$(did dapp)" = "$ubuild_built"
e2e_finish
