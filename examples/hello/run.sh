#!/usr/bin/env bash
# The main job, offline: make a busybox base image locally, build this
# directory's Dockerfile as hello:latest, save it as a docker-load tarball,
# and — when a Docker engine answers — load and run it there.
# Store: $UBUILD_ROOT, else /var/lib/ubuild. Binary: $UBUILD_BIN, else ./build/ubuild.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ubuild=${UBUILD_BIN:-$top/build/ubuild}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if ! "$ubuild" inspect busybox >/dev/null 2>&1; then
  bash "$top/examples/busybox-rootfs.sh" "$work/busybox.tar"
  "$ubuild" import "$work/busybox.tar" busybox
fi
"$ubuild" build -t hello "$here"
"$ubuild" history hello
out=${HELLO_TAR:-/tmp/ubuild-hello.tar}
"$ubuild" save -o "$out" hello
echo "saved hello:latest to $out ($(stat -c %s "$out") bytes)"
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  docker load -i "$out"
  docker run --rm --network none hello
fi
