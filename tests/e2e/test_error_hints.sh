#!/bin/bash
# Errors that say what to do next: a --target that names no stage lists the
# stages (and the nearest), an unknown instruction suggests the nearest one,
# a store on a read-only mount says "read-only file system", not "needs root".
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# run WORDS...: sets $err and $rc, never fails the script.
run() { rc=0; ub "$@" >/dev/null 2>"$E2E_TMP/err" </dev/null || rc=$?; err=$(cat "$E2E_TMP/err"); }

e2e_base_image
ctx=$E2E_TMP/ctx
mkdir -p "$ctx"

# --- --target -----------------------------------------------------------------
printf 'FROM busybox AS builder\nRUN true\nFROM busybox AS tester\nFROM busybox\n' >"$ctx/Dockerfile"
run build --target buidler "$ctx"
check "a mistyped --target fails" test "$rc" != 0
check "…with docker's words, the stages and the nearest ($err)" grep -qF \
  'failed to reach build target buidler in Dockerfile: its stages are builder, tester (did you mean builder?)' <<<"$err"
run build --target production "$ctx"
check "a far --target lists the stages without a guess ($err)" \
  grep -qx 'ubuild: failed to reach build target production in Dockerfile: its stages are builder, tester' <<<"$err"
printf 'FROM busybox\nRUN true\n' >"$ctx/Dockerfile"
run build --target builder "$ctx"
check "a --target in a Dockerfile without names says how to name one ($err)" \
  grep -qF 'failed to reach build target builder in Dockerfile: it names no stage (FROM IMAGE AS NAME)' <<<"$err"

# --- unknown instructions --------------------------------------------------------
printf 'FROM busybox\nRUNN echo hi\n' >"$ctx/Dockerfile"
run build "$ctx"
check "an unknown instruction suggests the nearest ($err)" \
  grep -qx 'ubuild: Dockerfile:2: unknown instruction: RUNN (did you mean RUN?)' <<<"$err"
printf 'FROM busybox\nCOPPY a b\n' >"$ctx/Dockerfile"
run parse "$ctx/Dockerfile"
check "parse suggests it too ($err)" grep -qF 'unknown instruction: COPPY (did you mean COPY?)' <<<"$err"
printf 'FROM busybox\nFROBNICATE x\n' >"$ctx/Dockerfile"
run build "$ctx"
check "a far word gets no guess ($err)" grep -qx 'ubuild: Dockerfile:2: unknown instruction: FROBNICATE' <<<"$err"

# --- a read-only store ------------------------------------------------------------
ro=$E2E_TMP/ro
mkdir -p "$ro"
mount --bind "$ROOT" "$ro"
mount -o remount,bind,ro "$ro"
rc=0; "$UBUILD_BIN" --root "$ro" tag busybox other:1 >/dev/null 2>"$E2E_TMP/err" || rc=$?
err=$(cat "$E2E_TMP/err")
check "tag in a read-only store fails" test "$rc" != 0
check "…saying read-only file system ($err)" grep -qF 'read-only file system: ubuild needs write access' <<<"$err"
check "…not that it needs root" bash -c '! grep -qi "root for this\|run as root" <<<"$1"' _ "$err"
rc=0; out=$("$UBUILD_BIN" --root "$ro" images --format '{{.Repository}}' 2>&1) || rc=$?
check "a read-only store can still be read ($out)" test "$rc" = 0 -a "$out" = busybox
umount "$ro"

e2e_finish
