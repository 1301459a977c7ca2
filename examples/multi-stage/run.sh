#!/usr/bin/env bash
# Multi-stage build, offline: build the final image (builder stage + final
# stage with COPY --from), then only the builder stage with --target, and
# show that the artifact — and nothing else from the builder — reached the
# final image. Loads and runs it when a Docker engine answers.
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

"$ubuild" build -t multi-stage --build-arg VERSION=2.0 "$here"
"$ubuild" build -t multi-stage-builder --target builder --build-arg VERSION=2.0 "$here"
"$ubuild" history multi-stage

layer_count() { "$ubuild" inspect "$1" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["RootFS"]["Layers"]))'; }
base=$(layer_count busybox)
final=$(layer_count multi-stage)
builder=$(layer_count multi-stage-builder)
echo "layers: busybox $base, multi-stage $final (COPY --from + RUN), multi-stage-builder $builder (WORKDIR + COPY + RUN)"
[[ $final -eq $((base + 2)) ]] || { echo "run.sh: expected $((base + 2)) layers in multi-stage, got $final" >&2; exit 1; }
[[ $builder -eq $((base + 3)) ]] || { echo "run.sh: expected $((base + 3)) layers in multi-stage-builder, got $builder" >&2; exit 1; }

# What each image's layers add, as `ubuild layers --files` lists it.
"$ubuild" layers --files multi-stage >"$work/final.txt"
"$ubuild" layers --files multi-stage-builder >"$work/builder.txt"
sed -n '/^Layer /,$p' "$work/final.txt" | grep -E '^Layer |created by|^    [ADM] /opt'
for path in /opt/greet/greet /opt/greet/greet.sha256 /opt/greet/banner.txt; do
  grep -q "^    A $path\$" "$work/final.txt" || { echo "run.sh: $path missing from multi-stage" >&2; exit 1; }
done
if grep -q '^    [AM] /src' "$work/final.txt"; then
  echo "run.sh: builder files leaked into multi-stage" >&2; exit 1
fi
grep -q '^    A /src/build.log$' "$work/builder.txt" || { echo "run.sh: /src/build.log missing from multi-stage-builder" >&2; exit 1; }
echo "multi-stage holds /opt/greet only; /src/build.log stayed in multi-stage-builder"

out=${MULTI_STAGE_TAR:-$work/multi-stage.tar}
"$ubuild" save -o "$out" multi-stage
echo "saved multi-stage:latest to $out ($(stat -c %s "$out") bytes)"
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  docker load -i "$out"
  docker run --rm --network none multi-stage
fi
