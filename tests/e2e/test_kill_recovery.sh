#!/bin/bash
# Nothing a killed process leaves needs a human (issue 10, part 1).
#
# SIGKILLs `ubuild build` at random points of a build with RUN steps, a
# 20,000-file COPY and a 200 MiB COPY, then `load`, `save`, `import`, `rmi`
# and `prune` the same way. After every kill, before any other command: no
# mount under ROOT in this (the host's) mount table, no RUN process left, no
# temp file in TMPDIR or beside the save target. Then a write command (tag,
# build or prune) must succeed with no manual step, and the store must be
# consistent: every tag, image, layer and link resolves, no staging dir,
# temp file, pending layer or RUN dir is left, every build-cache entry left
# by prune names an image that exists, and images/history/layers read it.
# Builds killed during ADD of a URL and of a git repository, an ssh-key mount
# and a tar context leave nothing in TMPDIR, and their scratch and ssh-agent
# go with their session at the next command, the agent also when a long
# root puts its socket in TMPDIR.
# Last, a store wedged by an older ubuild (an overlay mount left in the
# host's table over a pending layer) heals on the next command.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
BUILD_KILLS=${KILL_BUILD_ITERATIONS:-200}
COMMAND_KILLS=${KILL_COMMAND_ITERATIONS:-12}
SCRATCH_KILLS=${KILL_SCRATCH_ITERATIONS:-3}

# tmpfs keeps 200 kills within minutes (the store's syncs cost nothing there).
T=$E2E_TMP/t
mkdir -p "$T"
mount -t tmpfs -o size=4g,mode=0755 tmpfs "$T"
ROOT=$T/root
UB_TMP=$T/tmp  # ubuild's TMPDIR: it must stay empty
mkdir -p "$UB_TMP"
# The test runs for minutes: on a copy of the binary, a rebuild of the tree
# meanwhile cannot fail its commands (while the linker rewrites the file,
# running it fails with "Permission denied", which read as a failed recovery).
cp "$UBUILD_BIN" "$T/ubuild"
UBUILD_BIN=$T/ubuild
ub() { TMPDIR=$UB_TMP "$UBUILD_BIN" --root "$ROOT" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

e2e_base_image
# One checker process for all the checks (a python start per kill would cost
# more than the kill).
coproc CHECKER { python3 -u "$(dirname "$0")/store_check.py" "$ROOT"; }

# --- the build context -----------------------------------------------------
CTX=$T/ctx
mkdir -p "$CTX"
python3 - "$CTX/many" <<'PY'
import os, sys
for d in range(20):
    os.makedirs(f"{sys.argv[1]}/d{d}")
    for f in range(1000):
        with open(f"{sys.argv[1]}/d{d}/f{f}", "w") as out:
            out.write(f"{d}/{f}\n")
PY
truncate -s 200M "$CTX/big"
printf '%s\n' 'FROM busybox' 'ARG A=0' 'RUN echo "$A" > /a && : killsafe-run-a' 'COPY many /many' \
  'ARG B=0' 'RUN echo "$B" > /b && sleep 0.1 && : killsafe-run-b' 'COPY big /big' > "$CTX/Dockerfile"

# --- checks ----------------------------------------------------------------
PROBLEM=""
problem() { PROBLEM+="$*; "; }
# must CONTEXT ubuild-args...: runs ubuild; when it fails, a problem that
# says CONTEXT and the last line ubuild printed.
must() {
  local what=$1 out
  shift
  out=$(ub "$@" 2>&1 >/dev/null) || problem "$what: $(tail -n 1 <<<"$out")"
  return 0
}

# Right after a kill, before any other ubuild command runs.
check_after_kill() {
  local m
  m=$(awk -v r="$ROOT/" 'index($5, r) == 1 {print $5}' /proc/self/mountinfo)
  [[ -z $m ]] || problem "mounts left under ROOT: $m"
  local waited=0
  # (The [n] keeps grep from finding its own command line.)
  while m=$(grep -las 'killsafe-ru[n]' /proc/[0-9]*/cmdline); do
    if ((waited >= 30)); then problem "RUN processes outlived the builder: $m"; break; fi
    sleep 0.1
    waited=$((waited + 1))
  done
  m=$(ls -A "$UB_TMP")
  [[ -z $m ]] || problem "left in TMPDIR: $m"
  return 0
}

# After the next write command: the whole store. $1=1 also checks that every
# build-cache entry names an existing image (true after a prune).
check_store() {
  local out
  echo "${1:-0}" >&"${CHECKER[1]}"
  read -r out <&"${CHECKER[0]}"
  [[ $out == ok ]] || problem "store: $out"
  must "images failed" images -q
  must "history failed" history busybox
  must "layers failed" layers busybox
  return 0
}

# kill_after MS ubuild-args...: SIGKILLs the command MS ms after its start;
# LANDED=1 when the kill found it still running.
LANDED=0
kill_after() {
  local ms=$1
  shift
  TMPDIR=$UB_TMP "$UBUILD_BIN" --root "$ROOT" "$@" >/dev/null 2>&1 &
  local pid=$!
  sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
  kill -KILL "$pid" 2>/dev/null || true
  local rc=0
  wait "$pid" 2>/dev/null || rc=$?
  LANDED=$((rc == 137 ? 1 : 0))
}

declare -A TRIED=() KILLED=() CLEAN=()
# record CMD: counts the iteration just checked.
record() {
  TRIED[$1]=$((${TRIED[$1]:-0} + 1))
  KILLED[$1]=$((${KILLED[$1]:-0} + LANDED))
  if [[ -z $PROBLEM ]]; then
    CLEAN[$1]=$((${CLEAN[$1]:-0} + 1))
  else
    echo "not clean: $1 kill ${TRIED[$1]} (killed: $LANDED): $PROBLEM"
  fi
  PROBLEM=""
}

# --- build -----------------------------------------------------------------
# Two kinds of build, so kills land everywhere without a full build each
# time: a new A reruns everything, a new B only the last RUN and the 200 MiB
# COPY. Their durations, measured once, bound the random kill points.
start=$(now_ms)
ub build -q -t keep --build-arg A=first --build-arg B=first "$CTX" >/dev/null
full_ms=$(($(now_ms) - start))
start=$(now_ms)
ub build -q -t keep --build-arg A=first --build-arg B=second "$CTX" >/dev/null
part_ms=$(($(now_ms) - start))
echo "build: a full build takes ${full_ms} ms, one from the second RUN ${part_ms} ms"

loop_start=$(now_ms)
for i in $(seq 1 "$BUILD_KILLS"); do
  a=first
  span=$part_ms
  if ((i % 3 == 0)); then
    a=$i
    span=$full_ms
  fi
  args=(build -t keep --build-arg "A=$a" --build-arg "B=$i" "$CTX")
  kill_after $(((RANDOM * 32768 + RANDOM) % span)) "${args[@]}"
  check_after_kill
  cache_clean=0
  case $((i % 6)) in
    0) must "the build after the kill failed" "${args[@]}" ;;
    3) must "prune after the kill failed" prune; cache_clean=1 ;;
    *) must "tag after the kill failed" tag busybox "after:kill" ;;
  esac
  check_store "$cache_clean"
  record build
done
echo "build: $BUILD_KILLS kills in $((($(now_ms) - loop_start) / 1000)) s"
ub prune >/dev/null

# --- load, save, import, rmi, prune ----------------------------------------
# A mid-sized image: 5,000 files and 30 MiB, saved once as the load input.
MID=$T/mid
mkdir -p "$MID/files"
python3 - "$MID/files" <<'PY'
import os, sys
for d in range(5):
    os.makedirs(f"{sys.argv[1]}/d{d}")
    for f in range(1000):
        with open(f"{sys.argv[1]}/d{d}/f{f}", "w") as out:
            out.write(f"{d}/{f}\n")
PY
head -c 30M /dev/urandom > "$MID/blob"
printf '%s\n' 'FROM busybox' 'COPY files /files' 'COPY blob /blob' > "$MID/Dockerfile"
ub build -q -t mid "$MID" >/dev/null
ub save -o "$T/mid.tar" mid
mkdir -p "$T/out"
ub save -o "$T/out/saved.tar" mid
saved_sum=$(sha256sum < "$T/out/saved.tar")
mkdir -p "$T/rootfs"
tar -C "$T/rootfs" -xf "$E2E_TMP/busybox.tar"
cp -a "$MID/files" "$MID/blob" "$T/rootfs/"
tar -C "$T/rootfs" -cf "$T/rootfs.tar" .
rm -rf "$T/rootfs"

# time_ms ubuild-args...: how long the command takes uninterrupted.
time_ms() {
  local start
  start=$(now_ms)
  ub "$@" >/dev/null
  echo $(($(now_ms) - start))
}
# Makes mid absent (image and layers) so a load does all its work.
drop_mid() { ub rmi -f mid >/dev/null 2>&1 || true; ub prune >/dev/null; }

drop_mid
load_ms=$(time_ms load -i "$T/mid.tar")
save_ms=$(time_ms save -o "$T/out/saved.tar" mid)
import_ms=$(time_ms import "$T/rootfs.tar" imported)
rmi_ms=$(time_ms rmi imported)
ub tag busybox mid  # mid's image is now dangling: prune removes it and its layers
prune_ms=$(time_ms prune)
echo "load ${load_ms} ms, save ${save_ms} ms, import ${import_ms} ms, rmi ${rmi_ms} ms, prune ${prune_ms} ms uninterrupted"
ub rmi mid >/dev/null

# after_command CMD CACHE_CLEAN write-args...: the checks after a kill of CMD,
# the write command, the store check.
after_command() {
  local cmd=$1 cache_clean=$2
  shift 2
  check_after_kill
  must "$1 after the kill failed" "$@"
  check_store "$cache_clean"
  record "$cmd"
}
# FROM scratch mounts an empty lower dir of its own, which must not outlive a kill either.
printf '%s\n' 'FROM scratch' 'COPY files /files' > "$MID/Dockerfile.scratch"
scratch_ms=$(time_ms build -q --no-cache -f "$MID/Dockerfile.scratch" "$MID")
echo "a build FROM scratch takes ${scratch_ms} ms"
for i in $(seq 1 "$COMMAND_KILLS"); do
  kill_after $((RANDOM % (scratch_ms + 1))) build --no-cache -f "$MID/Dockerfile.scratch" "$MID"
  after_command "build-from-scratch" 0 tag busybox after:kill
done

for i in $(seq 1 "$COMMAND_KILLS"); do
  drop_mid
  kill_after $((RANDOM % (load_ms + 1))) load -i "$T/mid.tar"
  after_command load 0 tag busybox after:kill

  ub load -i "$T/mid.tar" >/dev/null
  kill_after $((RANDOM % (save_ms + 1))) save -o "$T/out/saved.tar" mid
  m=$(find "$T/out" -name '.saved.tar.ubuild-*')
  [[ -z $m ]] || problem "save left $m"
  [[ $(sha256sum < "$T/out/saved.tar") == "$saved_sum" ]] || problem "save -o target is not the whole archive"
  after_command save 0 tag busybox after:kill

  kill_after $((RANDOM % (import_ms + 1))) import "$T/rootfs.tar" imported
  after_command import 0 tag busybox after:kill

  ub import "$T/rootfs.tar" imported >/dev/null
  kill_after $((RANDOM % (rmi_ms + 1))) rmi imported
  after_command rmi 0 tag busybox after:kill

  ub inspect mid >/dev/null 2>&1 || ub load -i "$T/mid.tar" >/dev/null
  ub tag busybox mid
  kill_after $((RANDOM % (prune_ms + 1))) prune
  after_command prune 1 prune
done

# --- a build's scratch: ADD's downloads, an ssh agent, a tar context ----------
# Each lives in the build's session dir (store/session_scratch.h), so a kill
# leaves nothing in TMPDIR, and the next command's sweep kills the agent and
# removes the dead session with its scratch.
SRV=$T/srv
mkdir -p "$SRV"
head -c 4M /dev/urandom >"$SRV/slow.bin"
git init -q -b main "$T/repo"
python3 - "$T/repo" <<'PY'
import os, sys
for d in range(5):
    os.makedirs(f"{sys.argv[1]}/d{d}")
    for f in range(100):
        with open(f"{sys.argv[1]}/d{d}/f{f}", "w") as out:
            out.write(f"{d}/{f}\n")
PY
git -C "$T/repo" add . && git -C "$T/repo" -c user.email=t@example.com -c user.name=t commit -qm files
git clone -q --bare "$T/repo" "$SRV/repo.git" && git -C "$SRV/repo.git" update-server-info
# Static files, and slow.bin in 64 KiB pieces 10 ms apart, so a kill lands mid-download.
python3 - "$SRV" <<'PY' &
import http.server, os, sys, time
root = sys.argv[1]
class H(http.server.SimpleHTTPRequestHandler):
    def __init__(self, *a, **k): super().__init__(*a, directory=root, **k)
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path != "/slow.bin": return super().do_GET()
        data = open(os.path.join(root, "slow.bin"), "rb").read()
        self.send_response(200); self.send_header("Content-Length", str(len(data))); self.end_headers()
        for i in range(0, len(data), 65536):
            self.wfile.write(data[i:i + 65536]); time.sleep(0.01)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(os.path.join(root, "port"), "w").write(str(s.server_port))
s.serve_forever()
PY
SRV_PID=$!
for _ in $(seq 1 50); do [[ -s $SRV/port ]] && break; sleep 0.1; done
PORT=$(cat "$SRV/port")
SC=$T/scratch-ctx
mkdir -p "$SC/files"
head -c 8M /dev/urandom >"$SC/files/blob"
printf '%s\n' 'FROM busybox' "ADD http://127.0.0.1:$PORT/slow.bin /slow.bin" >"$SC/url.df"
printf '%s\n' 'FROM busybox' "ADD http://127.0.0.1:$PORT/repo.git /src" 'RUN sleep 0.2 && : killsafe-run-git' >"$SC/git.df"
printf '%s\n' 'FROM busybox' 'RUN --mount=type=ssh sleep 0.5 && : killsafe-run-ssh' >"$SC/ssh.df"
printf '%s\n' 'FROM busybox' 'COPY files /files' 'RUN sleep 0.2 && : killsafe-run-tar' >"$SC/Dockerfile"
tar -C "$SC" -cf "$T/scratch-ctx.tar" Dockerfile files
ssh-keygen -q -t ed25519 -N '' -f "$T/ssh-key"
scratch_build() {  # scratch_build KIND: the build's arguments
  case $1 in
    url) echo build --no-cache -f "$SC/url.df" "$SC" ;;
    git) echo build --no-cache -f "$SC/git.df" "$SC" ;;
    ssh) echo build --no-cache --ssh "default=$T/ssh-key" -f "$SC/ssh.df" "$SC" ;;
    tar) echo build --no-cache "$T/scratch-ctx.tar" ;;
  esac
}
scratch_start=$(now_ms)
for kind in url git ssh tar; do
  # shellcheck disable=SC2046
  kind_ms=$(time_ms $(scratch_build "$kind"))
  echo "a build with scratch ($kind) takes ${kind_ms} ms"
  for i in $(seq 1 "$SCRATCH_KILLS"); do
    # Past the first third: the scratch is made by then.
    # shellcheck disable=SC2046
    kill_after $((kind_ms / 3 + RANDOM % (kind_ms * 2 / 3 + 1))) $(scratch_build "$kind")
    check_after_kill
    m=$(ub tag busybox after:kill 2>&1) || problem "tag after the kill failed: $m"
    m=$(pgrep -f "ssh-agent -D -a $ROOT" || true)
    [[ -z $m ]] || problem "ssh-agent outlived the next command: $m"
    m=$(ls -A "$ROOT/sessions")
    [[ -z $m ]] || problem "sessions left: $m"
    check_store 0
    record "scratch-$kind"
  done
done
# A root so long that a socket in the session would not fit sun_path: the
# agent's socket dir is made in TMPDIR (session_scratch.h), so its command
# line names no path in the session. It works in the session dir instead,
# and goes with the session at the next command all the same.
LONG_ROOT=$T/$(printf 'long%.0s' $(seq 1 25))/root
LONG_TMP=$T/long-tmp
mkdir -p "$LONG_TMP"
ub save -o "$T/busybox-save.tar" busybox
TMPDIR=$LONG_TMP "$UBUILD_BIN" --root "$LONG_ROOT" load -i "$T/busybox-save.tar" >/dev/null
printf '%s\n' 'FROM busybox' 'RUN --mount=type=ssh sleep 1 && : killsafe-run-ssh' >"$SC/ssh-long.df"
TMPDIR=$LONG_TMP "$UBUILD_BIN" --root "$LONG_ROOT" build --no-cache --ssh "default=$T/ssh-key" -f "$SC/ssh-long.df" \
  "$SC" >/dev/null 2>&1 &
long_pid=$!
agent=""
for _ in $(seq 1 200); do
  agent=$(pgrep -f "ssh-agent -D -a $LONG_TMP/" || true)
  [[ -n $agent ]] && break
  sleep 0.05
done
kill -KILL "$long_pid"
wait "$long_pid" 2>/dev/null || true
check "a long root's build runs its ssh-agent on a socket in TMPDIR" test -n "$agent"
for _ in $(seq 1 50); do pgrep -f 'killsafe-ru[n]' >/dev/null || break; sleep 0.1; done  # its RUN holds the session
TMPDIR=$LONG_TMP "$UBUILD_BIN" --root "$LONG_ROOT" tag busybox after:kill
m=$(pgrep -f "ssh-agent -D -a $LONG_TMP/" || true)
check "that ssh-agent goes with its session at the next command" test -z "$m"
[[ -z $m ]] || kill $m
rm -rf "$LONG_ROOT" "$LONG_TMP"

kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null || true
echo "scratch: $((SCRATCH_KILLS * 4)) kills in $((($(now_ms) - scratch_start) / 1000)) s"

# A temp name a killed save left between its link and its rename goes with
# the next save of that file; one a live save holds locked stays.
ub load -i "$T/mid.tar" >/dev/null  # mid names busybox since the last prune round
touch "$T/out/.saved.tar.ubuild-stale1"
flock "$T/out/.saved.tar.ubuild-held01" "$UBUILD_BIN" --root "$ROOT" save -o "$T/out/saved.tar" mid
check "save -o removes a temp name nobody holds" test ! -e "$T/out/.saved.tar.ubuild-stale1"
check "save -o keeps a temp name a live process holds" test -e "$T/out/.saved.tar.ubuild-held01"
check "save -o wrote the whole archive" test "$(sha256sum < "$T/out/saved.tar")" = "$saved_sum"

# --- a store wedged by an older ubuild --------------------------------------
# Before builds mounted in a private namespace, a killed build left its
# overlay mount in the host's table over its pending layer, and the dirty
# marker: every later write failed with "Device or resource busy".
wedge() {
  local id lower
  id=$(head -c 32 /dev/urandom | sha256sum | cut -c1-64)
  lower=$ROOT/overlay2/$(cat "$(ls -d "$ROOT"/image/overlay2/layerdb/sha256/*/ | head -1)cache-id")/diff
  mkdir -p "$ROOT/overlay2/$id/diff" "$ROOT/overlay2/$id/work" "$ROOT/overlay2/$id/merged"
  mount -t overlay overlay -o "lowerdir=$lower,upperdir=$ROOT/overlay2/$id/diff,workdir=$ROOT/overlay2/$id/work" \
    "$ROOT/overlay2/$id/merged"
  echo through-the-mount > "$ROOT/overlay2/$id/merged/written"
  touch "$ROOT/dirty"
  WEDGED=$ROOT/overlay2/$id
}
healed() {  # $1: what ran
  if awk -v r="$ROOT/" 'index($5, r) == 1 {f=1} END {exit !f}' /proc/self/mountinfo; then
    fail "$1: the leftover mount is still in the host's mount table"
  elif [[ -e $WEDGED ]]; then
    fail "$1: the pending layer under the mount is still there"
  else
    pass "$1 heals a store with an old ubuild's leftover overlay mount"
  fi
}
wedge
check "tag on a wedged store succeeds" ub tag busybox healed:tag
healed tag
wedge
check "build on a wedged store succeeds" eval 'ub build -q -t healed:build "$MID" >/dev/null'
healed build
wedge
check "images on a wedged store succeeds" eval 'ub images -q >/dev/null'
healed images
check_store 0
[[ -z $PROBLEM ]] && pass "store consistent after the heals" || fail "after the heals: $PROBLEM"

# --- figures ------------------------------------------------------------------
for c in build build-from-scratch load save import rmi prune scratch-url scratch-git scratch-ssh scratch-tar; do
  tried=${TRIED[$c]:-0} killed=${KILLED[$c]:-0} clean=${CLEAN[$c]:-0}
  echo "figures: $c: kills tried $tried (landed mid-command $killed), clean $clean/$tried"
  [[ $tried -gt 0 && $clean -eq $tried ]] && pass "$c: every kill recovered with no manual step" ||
    fail "$c: $((tried - clean)) of $tried kills left something"
done
# A build that fails at once, or kill points past its end, would test nothing.
((${KILLED[build]:-0} * 2 >= ${TRIED[build]:-1})) && pass "most build kills landed mid-build" ||
  fail "only ${KILLED[build]:-0} of ${TRIED[build]:-0} build kills landed mid-build"
e2e_finish
