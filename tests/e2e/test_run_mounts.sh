#!/usr/bin/env bash
# End-to-end: RUN --mount (bind, cache, tmpfs, secret, ssh), --secret, --ssh
# and RUN --security (issue 13). The first part builds one Dockerfile with
# every mount type on Docker 20.10 with DOCKER_BUILDKIT=1 (a private engine)
# and on ubuild, and compares the files the RUNs wrote. Then what Docker 20.10
# does differently on purpose: no mount target (nor a parent made for it) in
# any layer. Then what only ubuild's store can show: a secret's bytes nowhere
# in the store, the saved archive or the log; cache mounts kept across builds
# and cleared by `builder prune`; bind content in the cache key; bad input
# located and leaving the store as it was.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/conformance/lib.sh"
tools=$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py
T=$E2E_TMP/docker
mkdir -p "$T"
agent_pid=""
trap '[[ -n $agent_pid ]] && kill "$agent_pid"; e2e_cleanup' EXIT

# merged IMAGE_TAR DIR: the image's files, layers applied in order.
merged() { mkdir -p "$2" && python3 "$tools" merged "$1" "$2"; }
# layer_names ARCHIVE: every path in every layer of the archive.
layer_names() {
  python3 - "$1" <<'PY'
import io, json, sys, tarfile
t = tarfile.open(sys.argv[1])
for layer in json.load(t.extractfile("manifest.json"))[0]["Layers"]:
    with tarfile.open(fileobj=io.BytesIO(t.extractfile(layer).read())) as lt:
        for n in lt.getnames():
            print(n.rstrip("/"))
PY
}

start_dockerd_with_busybox
ub import "$T/rootfs.tar" busybox:local >/dev/null

# The secret's value: long and unlikely, so finding it anywhere means a leak.
SECRET="ubuild-secret-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s' "$SECRET" >"$T/secret.txt"
ssh-keygen -q -t ed25519 -N '' -f "$T/key" >/dev/null
eval "$(ssh-agent -a "$T/agent.sock")" >/dev/null
agent_pid=$SSH_AGENT_PID
SSH_AUTH_SOCK=$T/agent.sock ssh-add -q "$T/key"
# BuildKit relays the agent: the RUN sees the mount's mode and owner, not these.
chmod 0777 "$T/agent.sock"

# --- every mount type, against Docker's BuildKit --------------------------------
C=$T/ctx
mkdir -p "$C/src/sub"
echo hello >"$C/src/a.txt"
echo deeper >"$C/src/sub/b.txt"
echo ctxfile >"$C/f.txt"
cat >"$C/Dockerfile" <<'DF'
FROM busybox:local AS build
RUN mkdir -p /out && echo built > /out/result && ln -s result /out/link
FROM busybox:local
RUN --mount=type=bind,source=src,target=/mnt/deep/src cat /mnt/deep/src/a.txt /mnt/deep/src/sub/b.txt > /bind-dir && stat -c '%a %u %g %F' /mnt/deep/src > /bind-dir-stat
RUN --mount=type=bind,target=/c cat /c/f.txt > /bind-ctx && (touch /c/x 2>/dev/null && echo writable || echo read-only) > /bind-ro
RUN --mount=type=bind,source=f.txt,target=/one.txt cat /one.txt > /bind-file
RUN --mount=type=bind,source=src,target=/w,rw echo new > /w/new && ls /w > /bind-rw-ls
RUN --mount=type=bind,source=f.txt,target=/rw.txt,rw echo more >> /rw.txt && cat /rw.txt > /bind-rw-file
RUN --mount=type=bind,from=build,source=/out,target=/in cat /in/result /in/link > /bind-stage
RUN --mount=type=bind,from=busybox:local,source=/etc,target=/img cat /img/group > /bind-image
RUN --mount=type=cache,target=/var/cache/x,id=c1 stat -c '%a %u %g' /var/cache/x > /cache-stat && echo 1 >> /var/cache/x/count && cat /var/cache/x/count > /cache-count
RUN --mount=type=cache,target=/cc,mode=0700,uid=1000,gid=100,sharing=locked stat -c '%a %u %g' /cc > /cache-owner
RUN --mount=type=cache,target=/seeded,from=build,source=/out,sharing=private cat /seeded/result > /cache-seeded
RUN --mount=type=tmpfs,target=/scratch/t stat -c '%a %u %g' /scratch/t > /tmpfs-stat && grep ' /scratch/t ' /proc/mounts | cut -d' ' -f1-4 > /tmpfs-mount
RUN --mount=type=secret,id=tok stat -c '%a %u %g %s' /run/secrets/tok > /secret-stat && sha256sum < /run/secrets/tok > /secret-sum
RUN --mount=type=secret,id=tok,target=/etc/tok,mode=0440,uid=1000,gid=100 stat -c '%a %u %g' /etc/tok > /secret-target
RUN --mount=type=secret,id=absent cat /run/secrets/absent > /secret-absent 2>&1 || echo missing >> /secret-absent
RUN --mount=type=ssh stat -c '%a %u %g %F' $SSH_AUTH_SOCK > /ssh-stat && echo $SSH_AUTH_SOCK > /ssh-env
RUN --mount=type=ssh,target=/fwd,mode=0640,uid=5,gid=6 stat -c '%a %u %g %F' /fwd > /ssh-fwd
RUN --mount=type=ssh,id=keys,target=/agent,mode=0666 stat -c '%a %F' /agent > /ssh-keys
RUN --mount=type=bind,source=f.txt,target=/nest/deep/f.txt --mount=type=tmpfs,target=/nest --mount=type=secret,id=tok,target=/nest/s cat /nest/deep/f.txt /nest/s | wc -c > /nested
DF
outputs="bind-dir bind-dir-stat bind-ctx bind-ro bind-file bind-rw-ls bind-rw-file bind-stage bind-image
cache-stat cache-count cache-owner cache-seeded tmpfs-stat tmpfs-mount secret-stat secret-sum secret-target
secret-absent ssh-stat ssh-fwd ssh-env ssh-keys nested"
flags=(--network none --secret "id=tok,src=$T/secret.txt" --ssh "default=$T/agent.sock" --ssh "keys=$T/key")
DOCKER_BUILDKIT=1 docker_cli build -q "${flags[@]}" -t mounts "$C" >/dev/null
docker_cli save -o "$T/docker.tar" mounts
ub build "${flags[@]}" -t mounts "$C" >"$T/build.log" 2>&1
ub save -o "$T/ubuild.tar" mounts
merged "$T/docker.tar" "$T/fs-docker"
merged "$T/ubuild.tar" "$T/fs-ubuild"
for f in $outputs; do
  check "RUN output $f matches Docker's BuildKit" cmp "$T/fs-docker/$f" "$T/fs-ubuild/$f"
done
check "the context is untouched by a rw bind" test ! -e "$C/src/new" -a "$(cat "$C/f.txt")" = ctxfile
check "a secret's content reaches the RUN" test "$(cat "$T/fs-ubuild/secret-sum")" = \
  "$(sha256sum <"$T/secret.txt")"

# --- .dockerignore hides paths from a context bind, as BuildKit's --------------
# BuildKit receives the context without them: a hidden path is absent, an
# excluded dir an exception re-enters shows only what it keeps, the
# Dockerfile is hidden when a pattern names it, .dockerignore shown when none
# does. ls -AR sorts, so the listings compare byte for byte.
I=$T/ign
mkdir -p "$I/src/sub" "$I/logs/keep" "$I/secret" "$I/onlylogs" "$I/gone" "$I/d/e"
echo a >"$I/src/a.txt"; echo b >"$I/src/sub/b.log"; echo k >"$I/logs/keep/k.log"; echo x >"$I/logs/x.log"
echo s >"$I/secret/s"; echo o >"$I/onlylogs/o.log"; echo g >"$I/gone/other"; echo e >"$I/d/e/e.txt"
echo t >"$I/top.log"; echo kept >"$I/keep.txt"; chmod 0750 "$I/logs"
printf 'secret\n**/*.log\n!logs/keep\nDockerfile\ngone\n!gone/keep\nd/e/e.txt\n' >"$I/.dockerignore"
cat >"$I/Dockerfile" <<'DF'
FROM busybox:local
RUN --mount=type=bind,target=/c ls -AR /c > /ign-ctx && stat -c '%n %a' /c/logs /c/onlylogs /c/d/e > /ign-stat
RUN --mount=type=bind,source=src,target=/s,rw ls -AR /s > /ign-src && touch /s/sub/new.log && ls -A /s/sub > /ign-rw
RUN --mount=type=bind,source=logs,target=/l ls -AR /l > /ign-logs
DF
DOCKER_BUILDKIT=1 docker_cli build -q --network none -t ign "$I" >/dev/null
docker_cli save -o "$T/docker-ign.tar" ign
ub build -q --network none -t ign "$I" >/dev/null
ub save -o "$T/ubuild-ign.tar" ign
merged "$T/docker-ign.tar" "$T/fs-docker-ign"
merged "$T/ubuild-ign.tar" "$T/fs-ubuild-ign"
for f in ign-ctx ign-stat ign-src ign-rw ign-logs; do
  check "context bind with .dockerignore: $f matches Docker's BuildKit" cmp "$T/fs-docker-ign/$f" "$T/fs-ubuild-ign/$f"
done
check "an ignored file is absent under the bind" bash -c "! grep -q 'x.log\|secret\|Dockerfile' '$T/fs-ubuild-ign/ign-ctx'"
check "the rw bind's writes stay out of the context" test ! -e "$I/src/sub/new.log"
echo changed >"$I/logs/x.log"
check "a change to an ignored file keeps the bind's cache key" bash -c \
  "'$UBUILD_BIN' --root '$ROOT' build --network none '$I' | grep -c 'Using cache' | grep -qx 3"
echo changed >"$I/logs/keep/k.log"
check "a change to a kept file misses" bash -c \
  "'$UBUILD_BIN' --root '$ROOT' build --network none '$I' | grep -c 'Using cache' | grep -qx 0"

# --- nothing of a mount in any layer --------------------------------------------
# Docker 20.10 leaves the target dirs (and parents) it made; BuildKit since
# v0.10 and ubuild leave none.
layer_names "$T/ubuild.tar" >"$T/names"
leaked=""
for p in nest mnt mnt/deep scratch run run/secrets run/buildkit agent in img c w one.txt rw.txt seeded cc \
         var/cache etc/tok; do
  grep -qx "$p" "$T/names" && leaked+=" $p"
done
check "no mount target or parent made for one is in a layer (leaked:$leaked)" test -z "$leaked"
check "the files the RUNs wrote are in the layers" grep -qx bind-dir "$T/names"

# A parent of a target is in the RUN's init layer (builder/rootfs/init_layer.h);
# a RUN writing into it must leave it in the layer as it would without the
# mount: mode, owner and time copied up from the real directory.
for kind in plain mounts; do
  mounts=""
  [[ $kind == mounts ]] && mounts="--mount=type=tmpfs,target=/a/b/c --mount=type=bind,source=f.txt,target=/a/one.txt"
  printf 'FROM busybox:local\nRUN mkdir -p /a/keep && touch /a/f && chown 1000:2000 /a && chmod 2750 /a && touch -d @1600000000 /a\nRUN %s touch /a/f && chmod 0700 /a/keep\n' \
    "$mounts" >"$C/Dockerfile.parent-$kind"
  ub build -q -f "$C/Dockerfile.parent-$kind" -t "parent-$kind" "$C" >/dev/null
  ub save -o "$T/parent-$kind.tar" "parent-$kind"
  last_layer "$T/parent-$kind.tar" | grep -v '^a/f ' >"$T/parent-$kind.list"
done
check "a RUN writing into a target's parent leaves it as without the mount ($(tr '\n' ';' <"$T/parent-mounts.list"))" \
  bash -c "grep -qx 'a 0o2750 1000:2000 1600000000' '$T/parent-mounts.list' && diff '$T/parent-plain.list' '$T/parent-mounts.list'"
# A RUN that may unmount can remove a target and the parent made for it:
# no whiteout for what no layer below has.
printf 'FROM busybox:local\nRUN --security=insecure --mount=type=tmpfs,target=/gone/t busybox umount /gone/t && rmdir /gone/t /gone && touch /done\n' \
  >"$C/Dockerfile.gone"
ub build -q --allow security.insecure -f "$C/Dockerfile.gone" -t gone "$C" >/dev/null
ub save -o "$T/gone.tar" gone
check "a removed target leaves no whiteout ($(last_layer "$T/gone.tar" | tr '\n' ';'))" \
  test "$(last_layer "$T/gone.tar" | cut -d' ' -f1)" = done

# --- ARG and ENV expand in mount values -----------------------------------------
# As BuildKit since dockerfile 1.4 does; Docker 20.10 (v0.8) shows the values
# expanded in its log but mounts the unexpanded text, so ubuild alone here.
printf 'FROM busybox:local\nARG D=/xx\nENV E=/yy S=src\nRUN --mount=type=tmpfs,target=$D --mount=type=bind,source=${S},target=${E}z cut -d" " -f2 /proc/mounts | grep -E "^/(xx|yyz)$" > /expanded && cat /yyz/a.txt >> /expanded\n' \
  >"$C/Dockerfile.expand"
ub build -q -f "$C/Dockerfile.expand" -t expand "$C" >/dev/null
ub save -o "$T/expand.tar" expand; merged "$T/expand.tar" "$T/fs-expand"
check "ARG and ENV expand in every mount value" test "$(cat "$T/fs-expand/expanded")" = "/xx
/yyz
hello"

# --- a secret's bytes are nowhere ------------------------------------------------
printf 'FROM busybox:local\nRUN --mount=type=secret,id=tok,env=TOK,required cat /run/secrets/tok >/dev/null; test -n "$TOK"; exit 3\n' \
  >"$T/fail.Dockerfile"
ub build -f "$T/fail.Dockerfile" --secret "id=tok,src=$T/secret.txt" "$C" >"$T/fail.log" 2>&1 && fail "a failing RUN fails"
ub history --no-trunc mounts >"$T/history.txt"
ub inspect mounts >"$T/inspect.txt"
check "the search finds the secret where it is" grep -qaF "$SECRET" "$T/secret.txt"
hits=$(grep -rlaF "$SECRET" "$ROOT" "$T/ubuild.tar" "$T/build.log" "$T/fail.log" "$T/history.txt" "$T/inspect.txt" || true)
check "the secret is in no file of the store, the archive, the logs, history or inspect (found in: $hits)" test -z "$hits"

# --- cache mounts persist between builds; builder prune clears them ---------------
cache_build() {
  printf 'FROM busybox:local\nRUN --mount=type=cache,target=/c,id=counter echo x >> /c/n && wc -l < /c/n > /count\n' \
    >"$T/cache.Dockerfile"
  ub build -q --no-cache -f "$T/cache.Dockerfile" -t counter "$C" >/dev/null
  ub save -o "$T/counter.tar" counter
  rm -rf "$T/fs-counter"; merged "$T/counter.tar" "$T/fs-counter"
  tr -d ' ' <"$T/fs-counter/count"
}
check "a cache mount starts empty" test "$(cache_build)" = 1
check "a cache mount keeps its files for the next build" test "$(cache_build)" = 2
check "the cache dir lives under buildcache/mounts" test -n "$(ls "$ROOT/image/overlay2/buildcache/mounts")"
ub builder prune -f >/dev/null
check "builder prune removes the cache mounts" test ! -e "$ROOT/image/overlay2/buildcache/mounts"
check "after prune the cache mount starts empty again" test "$(cache_build)" = 1

# Two locked mounts of one cache in one RUN share it (and do not wait for
# each other); a private one beside them gets an instance of its own.
printf 'FROM busybox:local\nRUN --mount=type=cache,id=L,target=/a,sharing=locked --mount=type=cache,id=L,target=/b,sharing=locked --mount=type=cache,id=L,target=/c,sharing=private echo 1 > /a/x && cat /b/x > /shared && ls /c > /private\n' \
  >"$T/locked.Dockerfile"
timeout 60 "$UBUILD_BIN" --root "$ROOT" build -q -f "$T/locked.Dockerfile" -t locked "$C" >/dev/null
ub save -o "$T/locked.tar" locked; merged "$T/locked.tar" "$T/fs-locked"
check "locked mounts of one cache in one RUN share it" test "$(cat "$T/fs-locked/shared")" = 1
check "a private mount beside a held one gets a fresh instance" test ! -s "$T/fs-locked/private"

# --- what a bind shows is part of the cache key ----------------------------------
printf 'FROM busybox:local\nRUN --mount=type=bind,source=f.txt,target=/f cat /f > /copy\n' >"$C/Dockerfile.key"
ub build -f "$C/Dockerfile.key" "$C" >/dev/null
check "an unchanged bind source hits the cache" bash -c \
  "'$UBUILD_BIN' --root '$ROOT' build -f '$C/Dockerfile.key' '$C' | grep -q 'Using cache'"
echo changed >"$C/f.txt"
check "a changed bind source misses" bash -c \
  "! '$UBUILD_BIN' --root '$ROOT' build -f '$C/Dockerfile.key' '$C' | grep -q 'Using cache'"

# --- RUN --security --------------------------------------------------------------
printf 'FROM busybox:local\nRUN --security=insecure grep CapEff /proc/self/status > /caps && grep Seccomp: /proc/self/status >> /caps\n' \
  >"$C/Dockerfile.insecure"
before=$(store_snapshot)
out=$(ub build -f "$C/Dockerfile.insecure" "$C" 2>&1) && fail "insecure without --allow is refused"
check "insecure without --allow: located error" grep -q "^ubuild: Dockerfile.insecure:2: RUN --security=insecure needs" <<<"$out"
check "insecure without --allow: store unchanged" test "$before" = "$(store_snapshot)"
ub build -q --allow security.insecure -f "$C/Dockerfile.insecure" -t insecure "$C" >/dev/null
ub save -o "$T/insecure.tar" insecure; merged "$T/insecure.tar" "$T/fs-insecure"
# Every capability the builder has (a builder inside a container may lack some).
check "insecure runs with every capability" test "$(grep CapEff "$T/fs-insecure/caps" | cut -f2)" = \
  "$(grep CapEff /proc/self/status | cut -f2)"
check "insecure runs without seccomp" grep -q "Seccomp:.0" "$T/fs-insecure/caps"
printf 'FROM busybox:local\nRUN --security=sandbox grep CapEff /proc/self/status > /caps\n' >"$C/Dockerfile.sandbox"
check "sandbox is accepted and keeps Docker's capabilities" bash -c \
  "'$UBUILD_BIN' --root '$ROOT' build -q -f '$C/Dockerfile.sandbox' '$C' >/dev/null"

# --- bad input: located, store unchanged ----------------------------------------
bad() {  # bad WHAT EXPECTED_MESSAGE RUN_LINE [build flags]
  local what=$1 want=$2 line=$3; shift 3
  printf 'FROM busybox:local\n%s\n' "$line" >"$C/Dockerfile.bad"
  local before out
  before=$(store_snapshot)
  if out=$(ub build -f "$C/Dockerfile.bad" "$@" "$C" 2>&1); then fail "$what: accepted"; return; fi
  check "$what: $want" grep -qF "ubuild: Dockerfile.bad:2: $want" <<<"$out"
  check "$what: store unchanged" test "$before" = "$(store_snapshot)"
}
bad "unknown mount type" 'RUN --mount: unsupported mount type "volume"' 'RUN --mount=type=volume,target=/x true'
bad "unknown mount option" "RUN --mount: unexpected key 'colour' in 'colour=red'" \
  'RUN --mount=type=cache,target=/x,colour=red true'
bad "required secret not given" "RUN --mount: secret tok is required but was not given" \
  'RUN --mount=type=secret,id=tok,required true'
bad "required ssh not given" "RUN --mount: ssh agent default is required but was not given" \
  'RUN --mount=type=ssh,required true'
bad "bind source escaping the context" 'RUN --mount: source "../.." leads out of the build context' \
  'RUN --mount=type=bind,source=../..,target=/x true'
ln -sfn / "$C/escape"
bad "bind source through a symlink out of the context" 'RUN --mount: source "escape/etc" leads out of the build context' \
  'RUN --mount=type=bind,source=escape/etc,target=/x true'
bad "a mount nested in a cache" "RUN --mount: target /c/x lies inside the cache mount at /c" \
  'RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/c/x true'
printf 'secret\n' >"$C/.dockerignore"; mkdir -p "$C/secret"
bad "bind source .dockerignore excludes" 'RUN --mount: source "secret" not found in the build context (.dockerignore excludes it)' \
  'RUN --mount=type=bind,source=secret,target=/x true'
rm -r "$C/.dockerignore" "$C/secret"
bad "missing bind source" 'RUN --mount: source "nothere" not found in the build context' \
  'RUN --mount=type=bind,source=nothere,target=/x true'
bad "unknown from" 'RUN --mount: from=nosuch: no stage or image of that name' \
  'RUN --mount=type=bind,from=nosuch,target=/x true'
bad "unreadable secret file" 'RUN --mount: secret tok: cannot read the file' \
  'RUN --mount=type=secret,id=tok true' --secret "id=tok,src=$T/none"
check "no ssh-agent socket dir is left behind" bash -c "! ls -d /tmp/ubuild-ssh* \"$ROOT\"/sessions/*/ssh-* 2>/dev/null | grep -q ."
check "store is consistent" bash -c "echo 1 | python3 '$UBUILD_SOURCE_DIR/tests/e2e/store_check.py' '$ROOT' | grep -q '^ok'"

e2e_finish
