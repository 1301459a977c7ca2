#!/usr/bin/env bash
# End-to-end: the BuildKit Dockerfile syntax ubuild accepts beyond the classic
# builder (issue 13). Expected files and history text were taken from Docker
# 20.10.24 with DOCKER_BUILDKIT=1 on the same Dockerfiles (see the README's
# "BuildKit syntax" section); history is in ubuild's classic form, which
# sorts the `|N K=V` build args and has no "RUN " prefix or "# buildkit" tail.
# The last section builds the platform-arg case on a private Docker engine
# (dockerd and busybox-static, as the conformance suite needs) and compares.
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

# --- RUN heredocs ------------------------------------------------------------
# Docker 20.10's built-in frontend has no heredocs (they need the
# docker/dockerfile:1 frontend image, which needs network), so these follow
# BuildKit's dispatchRun (frontend/dockerfile/dockerfile2llb/convert.go): a
# command that is one heredoc marker runs the body as its script; otherwise
# each body and its delimiter are appended to the command, which SHELL runs.
tab=$'\t'
build heredocs "FROM busybox
ENV WHO=world
RUN <<EOF sh
echo \"stdin script for \$WHO\" > /stdin
EOF
RUN cat <<EOF > /file
hello \$WHO
EOF
RUN wc -l <<EOF > /count
one
two
EOF
RUN cat <<A > /a && cat <<'B' > /b
first \$WHO
A
second \$WHO
B
RUN cat <<-EOF > /chomped
${tab}${tab}indented \$WHO
${tab}EOF
RUN cat <<\"EOF\" > /dquoted
kept \$WHO
EOF
RUN <<-EOF
${tab}echo lone \$WHO > /lone
${tab}EOF
"
check "RUN <<EOF sh: the body is the command's stdin" test "$(file_of heredocs stdin)" = "stdin script for world"
check "RUN cat <<EOF > /file writes the body, expanded by the shell" test "$(file_of heredocs file)" = "hello world"
check "RUN CMD <<EOF > /out (the python3 <<EOF form)" test "$(file_of heredocs count | tr -d ' ')" = "2"
check "two heredocs in one RUN, the quoted one unexpanded" \
  test "$(file_of heredocs a)/$(file_of heredocs b)" = "first world/second \$WHO"
check "<<- strips leading tabs" test "$(file_of heredocs chomped)" = "indented world"
check "<<\"EOF\" is not expanded" test "$(file_of heredocs dquoted)" = "kept \$WHO"
check "lone RUN <<-EOF runs the body as the script" test "$(file_of heredocs lone)" = "lone world"
check "history of a lone heredoc: the body (tabs stripped)" \
  test "$(created_by heredocs)" = "/bin/sh -c echo lone \$WHO > /lone"
ub save -o "$E2E_TMP/hd.tar" heredocs
check "history: bodies and delimiters appended to the command, tabs kept (as BuildKit)" \
  python3 - "$E2E_TMP/hd.tar" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
cfg = json.load(t.extractfile(json.load(t.extractfile("manifest.json"))[0]["Config"]))
h = [e.get("created_by", "") for e in cfg["history"]]
assert "/bin/sh -c cat <<A > /a && cat <<'B' > /b\nfirst $WHO\nA\nsecond $WHO\nB" in h, h
assert "/bin/sh -c cat <<-EOF > /chomped\n\t\tindented $WHO\nEOF" in h, h
assert '/bin/sh -c <<EOF sh\necho "stdin script for $WHO" > /stdin\nEOF' in h, h
PY

# A lone heredoc starting with #! is a file BuildKit mounts at /dev/pipes/NAME
# and executes, so the #! line picks the interpreter; the file stays out of
# the layer, and the history shows the path and the body.
mkdir -p "$E2E_TMP/ctx-shebang"
printf 'FROM busybox\nRUN <<EOF\n#!/bin/sh -e\necho "run as $0" > /shebang\nEOF\nRUN <<-EOT\n\t#!/bin/sh\n\tls -d /dev/pipes/* >> /shebang\n\tEOT\n' \
  >"$E2E_TMP/ctx-shebang/Dockerfile"
ub build -t shebang "$E2E_TMP/ctx-shebang" >/dev/null
ub save -o "$E2E_TMP/shebang.tar" shebang
check "a #! heredoc runs as its own file under /dev/pipes, the #! line choosing the interpreter" \
  python3 - "$E2E_TMP/shebang.tar" <<'PY'
import io, json, sys, tarfile
t = tarfile.open(sys.argv[1])
manifest = json.load(t.extractfile("manifest.json"))[0]
names, body = [], None
for layer in manifest["Layers"]:
    lt = tarfile.open(fileobj=io.BytesIO(t.extractfile(layer).read()))
    for m in lt.getmembers():
        names.append(m.name)
        if m.name in ("shebang", "./shebang"):
            body = lt.extractfile(m).read().decode()
assert body == "run as /dev/pipes/EOF\n/dev/pipes/EOT\n", body
assert not any(n.lstrip("./").startswith("dev/pipes") for n in names), names
cfg = json.load(t.extractfile(manifest["Config"]))
h = [e.get("created_by", "") for e in cfg["history"]]
assert '/dev/pipes/EOF\n#!/bin/sh -e\necho "run as $0" > /shebang\n' in h, h
PY

# --- platform args against Docker 20.10 with DOCKER_BUILDKIT=1 -----------------
# Its built-in frontend has the platform args and builds FROM a local image
# without network: the same Dockerfile on both, the RUN's files compared, and
# the history's build args and command (BuildKit keeps declaration order and
# writes "RUN ... # buildkit"; ubuild sorts, in the classic form).
source "$(dirname "$0")/conformance/lib.sh"
T=$E2E_TMP/docker
mkdir -p "$T"
start_dockerd_with_busybox
ub import "$T/rootfs.tar" busybox:local >/dev/null
docker_cli tag busybox:local "busybox:$arch"
ub tag busybox:local "busybox:$arch"
mkdir -p "$T/ctx"
cat >"$T/ctx/Dockerfile" <<'DF'
ARG GOARCH_DEFAULT=go-$TARGETARCH
FROM busybox:${TARGETARCH} AS build
ARG GOARCH_DEFAULT
ARG TARGETPLATFORM
ARG TARGETOS
ARG TARGETARCH
ARG TARGETVARIANT
ARG BUILDPLATFORM
ARG BUILDOS
ARG BUILDARCH
ARG BUILDVARIANT
RUN echo "$GOARCH_DEFAULT $TARGETPLATFORM $TARGETOS $TARGETARCH [$TARGETVARIANT] $BUILDPLATFORM $BUILDOS $BUILDARCH [$BUILDVARIANT]" > /out && env | grep -E '^(TARGET|BUILD|GOARCH)' | sort > /env
FROM busybox:local
ARG TARGETOS=plan9
COPY --from=build /out /env /
RUN echo "undeclared=[$TARGETARCH] declared=$TARGETOS" >> /out
DF
DOCKER_BUILDKIT=1 docker_cli build -q --network none -t plat-docker "$T/ctx" >/dev/null
DOCKER_BUILDKIT=1 docker_cli build -q --network none --target build -t plat-docker-build "$T/ctx" >/dev/null
ub build -q -t plat-ubuild "$T/ctx" >/dev/null
ub build -q --target build -t plat-ubuild-build "$T/ctx" >/dev/null
docker_cli save -o "$T/docker.tar" plat-docker
docker_cli save -o "$T/docker-build.tar" plat-docker-build
ub save -o "$T/ubuild.tar" plat-ubuild
ub save -o "$T/ubuild-build.tar" plat-ubuild-build
mkdir "$T/fs-docker" "$T/fs-ubuild"
python3 "$tools" merged "$T/docker.tar" "$T/fs-docker"
python3 "$tools" merged "$T/ubuild.tar" "$T/fs-ubuild"
check "the RUNs' files match Docker's BuildKit" cmp "$T/fs-docker/out" "$T/fs-ubuild/out"
check "the RUN's environment matches Docker's BuildKit" cmp "$T/fs-docker/env" "$T/fs-ubuild/env"
check "the RUN history carries the same build args and command" python3 - "$T" <<'PY'
import json, re, sys, tarfile
def runs(archive):
    t = tarfile.open(archive)
    cfg = json.load(t.extractfile(json.load(t.extractfile("manifest.json"))[0]["Config"]))
    out = []
    for e in cfg["history"]:
        c = e.get("created_by", "")
        c = re.sub(r"^RUN ", "", c)
        c = re.sub(r" # buildkit$", "", c)
        m = re.match(r"^\|(\d+) (.*)$", c)
        if m and "/bin/sh -c" in c:
            n = int(m.group(1)); words = m.group(2).split(" ")
            out.append((sorted(words[:n]), " ".join(words[n:])))
        elif c.startswith("/bin/sh -c ") and "#(nop)" not in c:
            out.append(([], c))
    return out
for name, n in (("", 1), ("-build", 1)):
    d, u = runs(f"{sys.argv[1]}/docker{name}.tar"), runs(f"{sys.argv[1]}/ubuild{name}.tar")
    assert d == u and len(d) == n, (d, u)
    print(d)
PY

e2e_finish
