#!/usr/bin/env bash
# End-to-end: `ubuild build` on real overlay mounts, as root, against a
# busybox base imported into a private store. Covers the hello example,
# the build cache, multi-stage builds, failures (message + store unchanged)
# and interruption.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_base_image
ctx=$E2E_TMP/ctx

# --- the hello example -------------------------------------------------------
out=$(ub build -t hello "$UBUILD_SOURCE_DIR/examples/hello" 2>&1) || { echo "$out"; exit 1; }
echo "$out"
check "hello builds and is tagged" grep -q "Successfully tagged hello:latest" <<<"$out"
id=$(ub inspect hello | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
check "image id is the sha256 of the stored config" \
  test "$id" = "sha256:$(sha256sum "$ROOT/image/overlay2/imagedb/content/sha256/${id#sha256:}" | cut -d' ' -f1)"
hist=$(ub history --no-trunc hello)
check "RUN history text" grep -q '/bin/sh -c echo "built on $(uname -s)" > /app/built.txt' <<<"$hist"
check "COPY history text" grep -Eq '/bin/sh -c #\(nop\) COPY file:[0-9a-f]{64} in \. ' <<<"$hist"
check "ENV history text" grep -q '/bin/sh -c #(nop)  ENV GREETING=hello from ubuild' <<<"$hist"
cfg=$(ub inspect hello)
check "CMD in config" python3 -c '
import json,sys; c=json.loads(sys.argv[1])[0]["Config"]
assert c["Cmd"]==["sh","-c","cat /app/greeting.txt; echo \"$GREETING\""], c["Cmd"]
assert c["WorkingDir"]=="/app" and "GREETING=hello from ubuild" in c["Env"], c' "$cfg"

# --- cache ------------------------------------------------------------------
out2=$(ub build -t hello "$UBUILD_SOURCE_DIR/examples/hello" 2>&1)
check "unchanged rebuild uses the cache for every step" test "$(grep -c 'Using cache' <<<"$out2")" -eq 6
id2=$(ub inspect hello | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
check "unchanged rebuild gives the same id" test "$id" = "$id2"
cp -r "$UBUILD_SOURCE_DIR/examples/hello" "$ctx"
touch -d '2001-01-01' "$ctx/greeting.txt"
out3=$(ub build -t hello2 "$ctx" 2>&1)
check "touching a file keeps the cache" test "$(grep -c 'Using cache' <<<"$out3")" -eq 6
echo "changed" >"$ctx/greeting.txt"
out4=$(ub build -t hello2 "$ctx" 2>&1)
check "changing a file redoes its COPY and what follows only" test "$(grep -c 'Using cache' <<<"$out4")" -eq 3
out5=$(ub build --no-cache -q "$ctx" 2>&1)
check "--no-cache -q prints only the id" grep -Eqx 'sha256:[0-9a-f]{64}' <<<"$out5"

# --- multi-stage, --target, COPY --from, WORKDIR layers ----------------------
rm -rf "$ctx"; mkdir -p "$ctx"
cat >"$ctx/Dockerfile" <<'DF'
ARG BASE=busybox
FROM $BASE AS builder
RUN mkdir -p /out && echo artifact > /out/a.txt
FROM builder AS unused
RUN exit 1
FROM busybox
WORKDIR /srv/app
COPY --from=builder /out/a.txt ./
RUN cat /srv/app/a.txt > /srv/app/seen.txt
DF
check "multi-stage build skips stages the target does not need" ub build -t multi "$ctx"
layers=$(ub inspect multi | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["RootFS"]["Layers"]))')
check "new WORKDIR, COPY and RUN each add a layer (1+3)" test "$layers" = 4
check "--target builds up to the named stage" ub build -q --target builder -t onlybuilder "$ctx"

# --- failures: clear message, located, store unchanged ------------------------
expect_failure() {  # expect_failure NAME PATTERN DOCKERFILE [files...]
  local name=$1 pattern=$2 dockerfile=$3
  rm -rf "$ctx"; mkdir -p "$ctx"
  printf '%s\n' "$dockerfile" >"$ctx/Dockerfile"
  shift 3
  for f in "$@"; do echo "content of $f" >"$ctx/$f"; done
  local before after msg rc=0
  before=$(store_snapshot)
  msg=$(ub build -t failing "$ctx" 2>&1) || rc=$?
  after=$(store_snapshot)
  if [[ $rc -eq 0 ]]; then fail "$name: build succeeded"; return; fi
  if ! grep -q "ubuild: .*$pattern" <<<"$msg"; then fail "$name: message: $msg"; return; fi
  if [[ "$before" != "$after" ]]; then fail "$name: store changed"; diff <(echo "$before") <(echo "$after") | head; return; fi
  pass "$name ($(grep 'ubuild:' <<<"$msg" | head -1))"
}
expect_failure "failing RUN" "Dockerfile:2: The command '/bin/sh -c exit 3' returned a non-zero code: 3" \
  $'FROM busybox\nRUN exit 3'
expect_failure "missing COPY source" "Dockerfile:2:.*nope" $'FROM busybox\nCOPY nope /x'
expect_failure "bad --chown user" "Dockerfile:2:.*nosuchuser" $'FROM busybox\nCOPY --chown=nosuchuser f /f' f
expect_failure "unknown stage" "Dockerfile:2:.*nostage" $'FROM busybox\nCOPY --from=nostage /a /b'
expect_failure "missing base image" "Dockerfile:1:.*ubuild import" $'FROM nosuchimage:1.0\nRUN true'
expect_failure "syntax error" "Dockerfile:2:" $'FROM busybox\nCOPY --chown=1 onlyone'
expect_failure "unknown instruction" "Dockerfile:2:.*unknown instruction" $'FROM busybox\nFROBNICATE x'
rm -rf "$ctx"; mkdir -p "$ctx"; ln -s ../../../../etc/passwd "$ctx/link"
printf 'FROM busybox\nCOPY link /x\n' >"$ctx/Dockerfile"
before=$(store_snapshot); rc=0; msg=$(ub build "$ctx" 2>&1) || rc=$?
check "source symlink leaving the context is refused, store unchanged" \
  test $rc -ne 0 -a "$before" = "$(store_snapshot)"
echo "$msg" | tail -1

# A symlink in the image must not redirect COPY's write to the host. Docker
# 20.10 (classic builder) resolves /escape inside the image and succeeds: the
# layer holds tmp/…/host-target/f (the missing directories are made), and
# the host directory stays empty. ubuild must do the same, not crash or refuse.
rm -rf "$ctx"; mkdir -p "$ctx"; echo payload >"$ctx/f"
hostdir=$E2E_TMP/host-target
printf 'FROM busybox\nRUN ln -s %s /escape\nCOPY f /escape/f\n' "$hostdir" >"$ctx/Dockerfile"
mkdir -p "$hostdir"
rc=0; msg=$(ub build -t through-symlink "$ctx" 2>&1) || rc=$?
check "COPY through an image symlink succeeds, as in Docker" test $rc -eq 0
[[ $rc -eq 0 ]] || echo "$msg" | tail -3
check "COPY through an image symlink leaves the host directory empty" test -z "$(ls -A "$hostdir")"
rm -rf "$E2E_TMP/through-symlink"; mkdir -p "$E2E_TMP/through-symlink"
ub save -o "$E2E_TMP/through-symlink.tar" through-symlink &&
  python3 "$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py" merged "$E2E_TMP/through-symlink.tar" "$E2E_TMP/through-symlink"
check "COPY through an image symlink writes inside the image" \
  test "$(cat "$E2E_TMP/through-symlink$hostdir/f" 2>/dev/null)" = payload

# --- RUN sandbox flags: bad values are usage errors, nothing built ------------
rm -rf "$ctx"; mkdir -p "$ctx"; printf 'FROM busybox\nRUN true\n' >"$ctx/Dockerfile"
for bad in "--memory 12q:want a size" "--memory 1m:the minimum is 6m" "--memory 99999999999999999999:want a size" \
           "--pids-limit many:want a number" "--pids-limit -2:want a number" "--network bridge0:supports default, host and none"; do
  flags=${bad%%:*}; want=${bad#*:}
  before=$(store_snapshot); rc=0
  # shellcheck disable=SC2086
  msg=$(ub build $flags "$ctx" 2>&1) || rc=$?
  check "build $flags is refused ($want)" test $rc -ne 0 -a "$before" = "$(store_snapshot)" -a -n "$(grep -F "$want" <<<"$msg")"
done
out=$(ub build --no-cache --network bridge --memory 64M --pids-limit 100 "$ctx" 2>&1)
check "--network bridge (docker's other name for default), --memory 64M, --pids-limit 100 build" \
  grep -q "Successfully built" <<<"$out"

# --- RUN's mount points: in its init layer ------------------------------------
# /etc/hosts, resolv.conf and hostname (this busybox has none) are made in the
# RUN's init layer, as in Docker's "-init" layer: the upperdir never holds
# them, not even while the RUN runs. A write to one goes to the bind-mounted
# file, as in Docker 20.10; an image's own /etc/hosts stays as it is. The
# image's files and directories show one st_dev, as on Docker's overlay.
rm -rf "$ctx"; mkdir -p "$ctx"; printf '10.9.9.9\tmine\n' >"$ctx/hosts"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
RUN echo one >> /etc/hosts && echo two > /etc/hostname && touch /ready && sleep 2 && stat -c %d / /etc /etc/passwd /bin/busybox | sort -u | wc -l > /devs
COPY hosts /etc/hosts
RUN echo three >> /etc/hosts && grep -c three /etc/hosts > /three
DF
ub build -t initlayer "$ctx" >"$E2E_TMP/initlayer.log" 2>&1 &
pid=$!
seen="(never saw /ready)"
for _ in $(seq 1 200); do
  ready=$(find "$ROOT" -path '*/diff/ready' 2>/dev/null | head -1)
  if [[ -n $ready ]]; then seen=$(cd "${ready%/ready}" && find . -mindepth 1 | sort | tr '\n' ' '); break; fi
  sleep 0.05
done
rc=0; wait $pid || rc=$?
check "a RUN writing the /etc files builds" test $rc -eq 0
check "while a RUN runs its upperdir holds none of its mount points (holds: $seen)" test "$seen" = "./ready "
ub save -o "$E2E_TMP/initlayer.tar" initlayer
check "the RUN's layer holds what it wrote only" test "$(last_layer "$E2E_TMP/initlayer.tar" 1 | cut -d' ' -f1 | tr '\n' ' ')" = "devs ready "
rm -rf "$E2E_TMP/initlayer"; mkdir -p "$E2E_TMP/initlayer"
python3 "$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py" merged "$E2E_TMP/initlayer.tar" "$E2E_TMP/initlayer"
check "one st_dev for the image's files and directories in a RUN" test "$(cat "$E2E_TMP/initlayer/devs")" = 1
check "an image's own /etc/hosts stays as it is" test "$(cat "$E2E_TMP/initlayer/etc/hosts")" = $'10.9.9.9\tmine'
check "a write to /etc/hosts goes to the bind-mounted file" test "$(cat "$E2E_TMP/initlayer/three")" = 1
check "a RUN appending to the image's /etc/hosts leaves no layer entry for it" \
  test "$(last_layer "$E2E_TMP/initlayer.tar" 3 | cut -d' ' -f1)" = three

# --- interruption ------------------------------------------------------------
rm -rf "$ctx"; mkdir -p "$ctx"
printf 'FROM busybox\nRUN sleep 4177\n' >"$ctx/Dockerfile"
before=$(store_snapshot)
# exec: the signal must reach ubuild itself, not a subshell around it.
(exec "$UBUILD_BIN" --root "$ROOT" build "$ctx" >"$E2E_TMP/int.log" 2>&1) &
pid=$!
sleep 2
kill -INT $pid
rc=0; wait $pid || rc=$?
check "SIGINT during RUN exits 130" test $rc -eq 130
check "SIGINT leaves the store as it was" test "$before" = "$(store_snapshot)"
check "no mounts left behind" bash -c "! grep -q '$ROOT' /proc/self/mounts"
check "no sleep process left" bash -c "! pgrep -fx 'sleep 4177' >/dev/null"

# SIGKILL during RUN: the network helper goes with ubuild (its exit pipe
# closes), and the RUN's cgroup is swept by the next RUN (on any store: the
# store this build used keeps its leftovers for part 1 of issue 10).
printf 'FROM busybox\nRUN sleep 4178\n' >"$ctx/Dockerfile"
(exec "$UBUILD_BIN" --root "$ROOT" build "$ctx" >"$E2E_TMP/kill.log" 2>&1) &
pid=$!
for _ in $(seq 1 100); do pgrep -fx 'sleep 4178' >/dev/null && break; sleep 0.05; done
helpers=$(pgrep -P $pid || true)
cgroups=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "ubuild-run-$pid-*" 2>/dev/null || true)
check "a RUN has a network helper and a cgroup" test -n "$helpers" -a -n "$cgroups"
kill -KILL $pid; { wait $pid; } 2>/dev/null || true
alive() { local p; for p in $helpers; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
for _ in $(seq 1 100); do alive || break; sleep 0.05; done
still=$(alive && echo "$helpers" || true)
check "SIGKILL: the network helper exits too" test -z "$still"
"$UBUILD_BIN" --root "$E2E_TMP/root2" import "$E2E_TMP/busybox.tar" busybox >/dev/null
printf 'FROM busybox\nRUN true\n' >"$ctx/Dockerfile"
"$UBUILD_BIN" --root "$E2E_TMP/root2" build -q "$ctx" >/dev/null
left=""
for d in $cgroups; do [[ -d $d ]] && left+=" $d"; done
check "SIGKILL: the next RUN removed the killed RUN's cgroup" test -z "$left"

e2e_finish
