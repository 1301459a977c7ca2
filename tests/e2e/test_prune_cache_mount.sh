#!/usr/bin/env bash
# End-to-end: `builder prune` while a RUN uses cache mounts. The RUN holds
# each mount it uses (store/cache_mount_use.h), so prune keeps those, says
# so, and removes the rest; the RUN finds its files after the prune and the
# next build finds what the RUN wrote. With no build running, prune removes
# the mounts too.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_base_image
W=$E2E_TMP/w
mkdir -p "$W"
MOUNTS=$ROOT/image/overlay2/buildcache/mounts

# One mount of each sharing mode, plus one no RUN of this build uses.
printf '%s\n' 'FROM busybox' 'RUN --mount=type=cache,id=idle,target=/c echo idle > /c/idle' >"$W/idle.df"
cat >"$W/Dockerfile" <<'DF'
FROM busybox
RUN --mount=type=cache,id=s,target=/s --mount=type=cache,id=l,target=/l,sharing=locked \
    --mount=type=cache,id=p,target=/p,sharing=private \
    for d in s l p; do echo before > /$d/before; done; touch /s/started; \
    i=0; while [ ! -e /s/pruned ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; \
    for d in s l p; do cat /$d/before || exit 1; echo after > /$d/after; done
DF
printf '%s\n' 'FROM busybox' \
  'RUN --mount=type=cache,id=s,target=/s --mount=type=cache,id=l,target=/l,sharing=locked cat /s/before /s/after /l/after > /seen' \
  >"$W/again.df"

ub build -q -f "$W/idle.df" "$W" >/dev/null
ub build --no-cache -q -t held "$W" >"$W/build.out" 2>&1 &
build_pid=$!
for _ in $(seq 1 300); do compgen -G "$MOUNTS/*/0/started" >/dev/null && break; sleep 0.1; done
check "the RUN started" compgen -G "$MOUNTS/*/0/started"
rc=0; out=$(ub builder prune) || rc=$?
echo "$out"
check "builder prune succeeds while a RUN uses cache mounts" test "$rc" = 0
check "builder prune says it kept the three mounts in use" grep -qx "Kept 3 cache mounts in use by a running build" <<<"$out"
check "builder prune removed the mount no RUN held" test -z "$(grep -rlx idle "$MOUNTS" 2>/dev/null)"
touch "$(compgen -G "$MOUNTS/*/0/started" | head -1 | xargs dirname)/pruned"
rc=0; wait "$build_pid" || rc=$?
[[ $rc == 0 ]] || cat "$W/build.out"
check "the RUN found its files after the prune" test "$rc" = 0
ub build -q -f "$W/again.df" -o "$W/again" "$W" >/dev/null
check "the next build sees what the RUN wrote" test "$(cat "$W/again/seen")" = "$(printf 'before\nafter\nafter')"

rc=0; out=$(ub builder prune) || rc=$?
check "with no build running, builder prune keeps nothing" bash -c '[ "$1" = 0 ] && ! grep -q Kept <<<"$2"' _ "$rc" "$out"
check "with no build running, builder prune removes every mount" test ! -e "$MOUNTS"
e2e_finish
