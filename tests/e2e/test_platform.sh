#!/usr/bin/env bash
# End-to-end: `ubuild build --platform` and `FROM --platform=` (issue 13):
# the TARGET* args take the requested platform, the BUILD* args stay the
# host's, the image config records the platform as Docker 20.10's BuildKit
# writes it (compared on a private engine), a RUN for another architecture
# runs through qemu-user-static's binfmt_misc handler (which the test sets up
# and takes down again) and fails, saying so, without one, and bad values
# are refused with their place.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_base_image

case $(uname -m) in
  x86_64) host=linux/amd64 other=linux/arm64 ;;
  aarch64) host=linux/arm64 other=linux/amd64 ;;
  *) echo "no case for $(uname -m)"; exit 1 ;;
esac

# build NAME DOCKERFILE_TEXT [build flags...]: builds from a fresh context
# holding the Dockerfile and a file f.
build() {
  local name=$1 text=$2; shift 2
  rm -rf "$E2E_TMP/ctx-$name"; mkdir -p "$E2E_TMP/ctx-$name"
  printf '%s' "$text" >"$E2E_TMP/ctx-$name/Dockerfile"
  echo hi >"$E2E_TMP/ctx-$name/f"
  ub build -q -t "$name" "$@" "$E2E_TMP/ctx-$name"
}
# platform_of IMAGE: its config's os/architecture[/variant], labels and env.
platform_of() {
  python3 -c '
import json, sys
c = json.load(sys.stdin)[0]
print(c["Os"], c["Architecture"], c.get("Variant", ""), json.dumps(c["Config"].get("Labels"), sort_keys=True),
      json.dumps(c["Config"].get("Env")))'
}

scratch_df='FROM scratch
ARG TARGETARCH
ARG TARGETPLATFORM
ARG TARGETVARIANT
ARG BUILDPLATFORM
COPY f /f
LABEL ta=$TARGETARCH tp=$TARGETPLATFORM tv=$TARGETVARIANT bp=$BUILDPLATFORM
ENV TA=$TARGETARCH
'
build arm64 "$scratch_df" --platform linux/arm64 >/dev/null
check "--platform linux/arm64: config arm64, TARGET* arm64 in LABEL and ENV, BUILDPLATFORM the host's" \
  test "$(ub inspect arm64 | platform_of)" = \
  "linux arm64  {\"bp\": \"$host\", \"ta\": \"arm64\", \"tp\": \"linux/arm64\", \"tv\": \"\"} [\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\", \"TA=arm64\"]"
build armv7 "$scratch_df" --platform linux/arm >/dev/null
check "--platform linux/arm is linux/arm/v7, the variant in the config" \
  test "$(ub inspect armv7 | platform_of | cut -d' ' -f1-3)" = "linux arm v7"
check "linux/arm64/v8 is linux/arm64" test "$(build arm64v8 "$scratch_df" --platform linux/arm64/v8)" = "$(build arm64 "$scratch_df" --platform linux/arm64)"
check "--platform of the host builds the image it builds without the flag" \
  test "$(build same "$scratch_df" --platform "$host")" = "$(build same "$scratch_df")"

# FROM --platform=$BUILDPLATFORM: a builder stage on the host's image that
# knows the target, then the target's image.
cross_df='FROM --platform=$BUILDPLATFORM busybox AS build
ARG TARGETARCH
ARG BUILDARCH
RUN echo "$BUILDARCH->$TARGETARCH" > /built
FROM scratch
COPY --from=build /built /
'
build cross "$cross_df" --platform "$other" >/dev/null
ub save -o "$E2E_TMP/cross.tar" cross
mkdir "$E2E_TMP/cross"
python3 "$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py" merged "$E2E_TMP/cross.tar" "$E2E_TMP/cross"
check "FROM --platform=\$BUILDPLATFORM runs on the host and sees the target" \
  test "$(cat "$E2E_TMP/cross/built")" = "${host#linux/}->${other#linux/}"
check "and the image is the target's" test "$(ub inspect cross | platform_of | cut -d' ' -f2)" = "${other#linux/}"

# A RUN for another architecture: the kernel runs it through a binfmt_misc
# handler (qemu-user-static's), else ubuild says what is missing. The test
# sets binfmt_misc up itself and leaves it as it found it: first with no
# handler for $other (one already registered is disabled for that build),
# then with qemu's (binfmt_misc mounted and the handler registered from the
# package's /usr/lib/binfmt.d file when nothing had done so).
case $other in
  linux/arm64) qemu=qemu-aarch64 other_uname=aarch64 ;;
  linux/amd64) qemu=qemu-x86_64 other_uname=x86_64 ;;
esac
binfmt=/proc/sys/fs/binfmt_misc
# The magic qemu-user-static registers for the other architecture.
other_magic=$([[ $other == linux/arm64 ]] && echo 7f454c460201010000000000000000000200b700 || echo 7f454c4602010100000000000000000002003e00)
binfmt_mounted=no binfmt_registered=no binfmt_disabled=() binfmt_enabled=()
binfmt_restore() {
  local rc=$? e
  for e in "${binfmt_disabled[@]}"; do echo 1 >"$e" || true; done
  for e in "${binfmt_enabled[@]}"; do echo 0 >"$e" || true; done
  if [[ $binfmt_registered == yes ]]; then echo -1 >"$binfmt/$qemu" || true; fi
  if [[ $binfmt_mounted == yes ]]; then umount "$binfmt" || true; fi
  return $rc
}
trap 'binfmt_restore; e2e_cleanup' EXIT
# The enabled entries that take the other architecture's binaries.
other_handlers() {
  local e
  [[ $(cat "$binfmt/status" 2>/dev/null) == enabled ]] || return 0
  for e in "$binfmt"/*; do
    [[ -f $e && $(basename "$e") != status && $(basename "$e") != register ]] || continue
    if head -1 "$e" | grep -qx enabled && grep -qx "magic $other_magic" "$e"; then echo "$e"; fi
  done
}

mkdir -p "$E2E_TMP/ctx-foreign"
cp "$(command -v busybox)" "$E2E_TMP/ctx-foreign/busybox"
# The same steps built for the host first: FROM --platform= leaves scratch's
# config the build's (as BuildKit does), so only the RUN's cache key tells
# the host's RUN from the other platform's. The COPY is then in the cache,
# and a failing build must leave the store as it was.
# The RUN is in a stage FROM that one, which keeps its platform.
printf 'FROM scratch AS base\nCOPY busybox /\nFROM base\nRUN ["/busybox", "true"]\n' >"$E2E_TMP/ctx-foreign/Dockerfile"
ub build -q "$E2E_TMP/ctx-foreign" >/dev/null
printf 'FROM --platform=%s scratch AS base\nCOPY busybox /\n' "$other" >"$E2E_TMP/ctx-foreign/Dockerfile"
ub build -q "$E2E_TMP/ctx-foreign" >/dev/null
printf 'FROM base\nRUN ["/busybox", "true"]\n' >>"$E2E_TMP/ctx-foreign/Dockerfile"
mapfile -t binfmt_disabled < <(other_handlers)
for e in "${binfmt_disabled[@]}"; do echo 0 >"$e"; done
before=$(store_snapshot)
if out=$(ub build -q -t foreign "$E2E_TMP/ctx-foreign" 2>&1); then
  fail "a RUN for $other without an emulator should fail"
else
  check "a RUN for $other without an emulator fails at its line, saying so" \
    grep -q "Dockerfile:4: RUN for $other needs an emulator: .*(install qemu-user-static)" <<<"$out"
  check "and the store is as it was" test "$before" = "$(store_snapshot)"
fi
for e in "${binfmt_disabled[@]}"; do echo 1 >"$e"; done
binfmt_disabled=()

# With qemu: the other architecture's busybox-static (.ci/install-deps
# --test fetches it from the Debian archive), its applets installed by one
# RUN and `uname -m` written by a shell-form RUN.
foreign_busybox=/var/cache/ubuild-test/busybox-static-${other#linux/}/busybox
emulated_ctx=$E2E_TMP/ctx-emulated
if [[ ! -x $foreign_busybox || ! -f /usr/lib/binfmt.d/$qemu.conf ]]; then
  fail "no $foreign_busybox or /usr/lib/binfmt.d/$qemu.conf: run .ci/install-deps --test"
else
  if [[ ! -f $binfmt/status ]]; then
    mount -t binfmt_misc binfmt_misc "$binfmt"
    binfmt_mounted=yes
  fi
  if [[ -z $(other_handlers) ]]; then
    if [[ -f $binfmt/$qemu ]]; then
      echo 1 >"$binfmt/$qemu"  # registered but disabled
      binfmt_enabled=("$binfmt/$qemu")
    else
      cat "/usr/lib/binfmt.d/$qemu.conf" >"$binfmt/register"
      binfmt_registered=yes
    fi
  fi
  mkdir -p "$emulated_ctx"
  cp "$foreign_busybox" "$emulated_ctx/busybox"
  printf 'FROM scratch\nCOPY busybox /bin/busybox\nRUN ["/bin/busybox", "--install", "-s", "/bin"]\nRUN uname -m > /arch\n' \
    >"$emulated_ctx/Dockerfile"
  ub build -q -t emulated --platform "$other" "$emulated_ctx" >/dev/null
  ub build -q -o "type=local,dest=$E2E_TMP/out-emulated" --platform "$other" "$emulated_ctx" >/dev/null
  check "a RUN for $other runs through qemu's binfmt_misc handler: uname -m says $other_uname" \
    test "$(cat "$E2E_TMP/out-emulated/arch")" = "$other_uname"
  check "and the config records ${other#linux/}" test "$(ub inspect emulated | platform_of | cut -d' ' -f1-2)" = "linux ${other#linux/}"
fi

# Bad values: the flag or the line named, nothing stored.
before=$(store_snapshot)
out=$(build bad "$scratch_df" --platform linux/arm/v7/x 2>&1) && fail "a bad --platform should fail" ||
  check "a bad --platform names the flag" grep -q '^ubuild: --platform linux/arm/v7/x: invalid platform' <<<"$out"
out=$(build bad 'FROM --platform=linux/$NOPE scratch
COPY f /
' 2>&1) && fail "a bad FROM --platform should fail" ||
  check "a bad FROM --platform names its line" grep -q '^ubuild: Dockerfile:1: FROM --platform=linux/: invalid platform' <<<"$out"
out=$(build bad "FROM --platform=$other busybox
RUN true
" 2>&1) && fail "a store image of another platform should be refused" ||
  check "FROM --platform of a store image made for another platform is refused" \
    grep -q "^ubuild: Dockerfile:1: FROM busybox: the image in the store is $host, not the requested $other" <<<"$out"
check "the store is as it was after the refusals" test "$before" = "$(store_snapshot)"

# --- against Docker 20.10 with DOCKER_BUILDKIT=1 -------------------------------
# FROM scratch builds offline; the configs' os, architecture, variant,
# labels and env compared for several --platform values and for FROM
# --platform= (where BuildKit keeps the build's target platform).
source "$(dirname "$0")/conformance/lib.sh"
T=$E2E_TMP/docker
mkdir -p "$T"
start_private_dockerd "$T"
compare() {  # compare WHAT DOCKERFILE_TEXT [build flags...]
  local what=$1 text=$2; shift 2
  build cmp "$text" "$@" >/dev/null
  DOCKER_BUILDKIT=1 docker_cli build -q --network none "$@" -t cmp "$E2E_TMP/ctx-cmp" >/dev/null
  check "$what matches Docker's BuildKit" test "$(ub inspect cmp | platform_of)" = "$(docker_cli image inspect cmp | platform_of)"
}
compare "--platform linux/arm64" "$scratch_df" --platform linux/arm64
compare "--platform linux/arm64/v8" "$scratch_df" --platform linux/arm64/v8
compare "--platform linux/arm" "$scratch_df" --platform linux/arm
compare "--platform linux/ppc64le" "$scratch_df" --platform linux/ppc64le
compare "FROM --platform=$other scratch" "${scratch_df/FROM scratch/FROM --platform=$other scratch}"
compare "FROM --platform=$other scratch with --platform linux/s390x" \
  "${scratch_df/FROM scratch/FROM --platform=$other scratch}" --platform linux/s390x

# The emulated RUN: the same files (uname -m, busybox's applet links) and the
# same platform in the config as Docker's BuildKit gives, offline too.
if [[ -x $foreign_busybox && -f /usr/lib/binfmt.d/$qemu.conf ]]; then
  DOCKER_BUILDKIT=1 docker_cli build -q --network none --platform "$other" -t emulated "$emulated_ctx" >/dev/null
  DOCKER_BUILDKIT=1 docker_cli build --network none --platform "$other" -o "type=local,dest=$T/out-emulated" \
    "$emulated_ctx" >/dev/null 2>&1
  emulated_files() { (cd "$1" && cat arch && find bin -printf '%p %M %l\n' | sort); }
  check "the emulated RUN's files match Docker's BuildKit" \
    test "$(emulated_files "$T/out-emulated")" = "$(emulated_files "$E2E_TMP/out-emulated")"
  check "and so does the config's platform" \
    test "$(docker_cli image inspect emulated | platform_of)" = "$(ub inspect emulated | platform_of)"
fi

e2e_finish
