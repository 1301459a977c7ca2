#!/usr/bin/env bash
# End-to-end: the BuildKit Dockerfile syntax ubuild accepts beyond the classic
# builder (issue 13). Expected files and history text were taken from Docker
# 20.10.24 with DOCKER_BUILDKIT=1 on the same Dockerfiles (see the README's
# "BuildKit syntax" section); history is in ubuild's classic form, which
# sorts the `|N K=V` build args and has no "RUN " prefix or "# buildkit" tail.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_base_image
tools=$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py

# build NAME DOCKERFILE_TEXT [build flags...]: builds from a fresh context.
build() {
  local name=$1 text=$2; shift 2
  rm -rf "$E2E_TMP/ctx-$name"; mkdir -p "$E2E_TMP/ctx-$name"
  printf '%s' "$text" >"$E2E_TMP/ctx-$name/Dockerfile"
  ub build -q -t "$name" "$@" "$E2E_TMP/ctx-$name" >/dev/null
}
# file_of IMAGE PATH: a file of the image's merged layers.
file_of() {
  local dir=$E2E_TMP/fs-$1
  if [[ ! -d $dir ]]; then
    ub save -o "$dir.tar" "$1" && mkdir "$dir" && python3 "$tools" merged "$dir.tar" "$dir"
  fi
  cat "$dir/$2"
}
created_by() {  # the newest history entry's created_by
  ub save -o "$E2E_TMP/h-$1.tar" "$1"
  python3 - "$E2E_TMP/h-$1.tar" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
m = json.load(t.extractfile("manifest.json"))
print(json.load(t.extractfile(m[0]["Config"]))["history"][-1]["created_by"])
PY
}

machine=$(uname -m)
case $machine in
  x86_64) plat=linux/amd64 arch=amd64 variant="" ;;
  aarch64) plat=linux/arm64 arch=arm64 variant="" ;;
  *) plat="" ;;
esac

# --- platform args -----------------------------------------------------------
# Predefined in the global scope, visible in a stage only after `ARG NAME`.
build plat 'FROM busybox
ARG TARGETPLATFORM
ARG TARGETOS
ARG TARGETARCH
ARG TARGETVARIANT
ARG BUILDPLATFORM
ARG BUILDOS
ARG BUILDARCH
ARG BUILDVARIANT
RUN echo "tp=$TARGETPLATFORM to=$TARGETOS ta=$TARGETARCH tv=$TARGETVARIANT bp=$BUILDPLATFORM bo=$BUILDOS ba=$BUILDARCH bv=$BUILDVARIANT" > /out; env | grep -E "^(TARGET|BUILD)" | sort > /env
'
if [[ -n $plat ]]; then
  check "platform args after ARG in a stage" test "$(file_of plat out)" = \
    "tp=$plat to=linux ta=$arch tv=$variant bp=$plat bo=linux ba=$arch bv=$variant"
  check "platform args are in the RUN's environment, empty variant included" test "$(file_of plat env)" = \
"BUILDARCH=$arch
BUILDOS=linux
BUILDPLATFORM=$plat
BUILDVARIANT=$variant
TARGETARCH=$arch
TARGETOS=linux
TARGETPLATFORM=$plat
TARGETVARIANT=$variant"
fi
build plat-last 'FROM busybox
RUN echo "undeclared=$TARGETARCH" > /out
'
check "a stage that does not declare them sees none" test "$(file_of plat-last out)" = "undeclared="

# In FROM, in global ARG defaults, overridden by --build-arg and by a stage default.
ub tag busybox "busybox:$arch"
build plat-from 'ARG A=x-$TARGETARCH
FROM busybox:${TARGETARCH}
ARG A
ARG TARGETARCH
ARG TARGETOS=plan9
RUN echo "a=$A ta=$TARGETARCH to=$TARGETOS tp=$TARGETPLATFORM" > /out
'
check "TARGETARCH in FROM and in a global default" test "$(file_of plat-from out)" = "a=x-$arch ta=$arch to=plan9 tp="
check "history lists the args sorted, values resolved" test "$(created_by plat-from)" = \
  "|3 A=x-$arch TARGETARCH=$arch TARGETOS=plan9 /bin/sh -c echo \"a=\$A ta=\$TARGETARCH to=\$TARGETOS tp=\$TARGETPLATFORM\" > /out"
build plat-override 'FROM busybox
ARG TARGETARCH
ARG TARGETOS=plan9
RUN echo "ta=$TARGETARCH to=$TARGETOS" > /out
' --build-arg TARGETARCH=arm64 --build-arg TARGETOS=os2
check "--build-arg overrides a platform arg" test "$(file_of plat-override out)" = "ta=arm64 to=os2"

# A Dockerfile that does not use them keeps its classic id: its history
# has no trace of them.
build plain 'ARG B=1
FROM busybox
RUN echo hi > /hi
'
check "no platform arg in a Dockerfile that does not declare one" test "$(created_by plain)" = "/bin/sh -c echo hi > /hi"

e2e_finish
