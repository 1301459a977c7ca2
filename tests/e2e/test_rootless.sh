#!/usr/bin/env bash
# End-to-end: rootless ubuild. A test user with subordinate ranges (made
# here, removed on exit whatever happens) builds the conformance corpus and
# the examples; every image id must equal root's build of the same context
# with the same SOURCE_DATE_EPOCH, with the kernel's overlay and with
# fuse-overlayfs. Also: save archives byte for byte, load, import, push and
# pull, RUN's networks, the default root, the ids files have on the host,
# and the errors without subordinate ranges and without newuidmap.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
source "$UBUILD_SOURCE_DIR/tests/e2e/conformance/lib.sh"

[[ $(id -u) == 0 ]] || { echo "test_rootless.sh: needs root (it creates the test users)" >&2; exit 2; }
for tool in useradd userdel runuser newuidmap newgidmap fuse-overlayfs slirp4netns; do
  command -v "$tool" >/dev/null || { echo "test_rootless.sh: $tool not found" >&2; exit 2; }
done

USER_FULL=ubrl$$ USER_SINGLE=ubrl1$$
DEVICE_MODES=()
rootless_cleanup() {
  set +e
  local u
  for u in "$USER_FULL" "$USER_SINGLE"; do
    userdel "$u" 2>/dev/null
    sed -i "/^$u:/d" /etc/subuid /etc/subgid
  done
  local entry
  for entry in "${DEVICE_MODES[@]}"; do chmod "${entry%% *}" "${entry#* }"; done
  registry_cleanup
}
trap rootless_cleanup EXIT

# Rootless helpers open these as the user; Debian makes them 0666, some
# hosts 0600. Widened for the test, put back after.
for dev in /dev/net/tun /dev/fuse; do
  mode=$(stat -c %a "$dev")
  if [[ $mode != 666 ]]; then DEVICE_MODES+=("$mode $dev"); chmod 666 "$dev"; fi
done

chmod 755 "$E2E_TMP"
# The first block of 65536 above every range already handed out.
start=$(awk -F: 'BEGIN { m = 100000 } NF == 3 && $2 + $3 > m { m = $2 + $3 } END { print m }' /etc/subuid /etc/subgid)
for u in "$USER_FULL" "$USER_SINGLE"; do
  useradd -M -d "$E2E_TMP/home-$u" -s /bin/sh "$u"
  mkdir -p "$E2E_TMP/home-$u"
  chown "$u:" "$E2E_TMP/home-$u"
  sed -i "/^$u:/d" /etc/subuid /etc/subgid  # useradd may have given ranges
done
echo "$USER_FULL:$start:65536" >>/etc/subuid
echo "$USER_FULL:$start:65536" >>/etc/subgid
HOME_FULL=$E2E_TMP/home-$USER_FULL
ROOTLESS_ROOT=$HOME_FULL/.local/share/ubuild
export SOURCE_DATE_EPOCH=1700000000

# as USER [ENV=VALUE...] -- ARGS...: ubuild as that user, with a clean environment.
as() {
  local u=$1; shift
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  runuser -u "$u" -- env -i HOME="$E2E_TMP/home-$u" PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin \
    SOURCE_DATE_EPOCH="$SOURCE_DATE_EPOCH" "${envs[@]}" "$UBUILD_BIN" "$@"
}
rl() { as "$USER_FULL" -- "$@"; }

# --- bases: the same tars, imported from stdin, give the same ids -----------
make_busybox_rootfs "$E2E_TMP/conf-base.tar"
bash "$UBUILD_SOURCE_DIR/examples/busybox-rootfs.sh" "$E2E_TMP/busybox.tar"
chmod 644 "$E2E_TMP"/*.tar
for pair in "conf-base.tar busybox:local" "busybox.tar busybox"; do
  read -r tarball name <<<"$pair"
  root_id=$(ub import - "$name" <"$E2E_TMP/$tarball")
  rl_id=$(rl import - "$name" <"$E2E_TMP/$tarball")
  check "import $name: rootless id $rl_id is root's" test "$rl_id" = "$root_id"
done
check "the default root of a user is ~/.local/share/ubuild" test -d "$ROOTLESS_ROOT/image/overlay2"
check "no file in the user's store belongs to root" test -z "$(find "$ROOTLESS_ROOT" -uid 0 -print -quit)"
check "the base's files belong to the user (0 inside)" \
  test "$(stat -c %u "$(find "$ROOTLESS_ROOT/overlay2" -path '*/diff/bin' -print -quit)")" = "$(id -u "$USER_FULL")"
out=$(rl info)
check "info says rootless with subordinate ids" grep -q '^ Rootless: yes, subordinate ids' <<<"$out"
check "info names the overlay a build mounts" grep -q '^ Overlay Mount: overlay (userxattr)$' <<<"$out"
out=$(as "$USER_FULL" UBUILD_OVERLAY=fuse-overlayfs -- info)
check "info names fuse-overlayfs when asked for it" grep -q '^ Overlay Mount: fuse-overlayfs$' <<<"$out"
# A SIGKILL'd info leaves its probe dir, named by its pid: the next info
# removes it, and leaves a live prober's.
sleep 0 & dead=$!
wait "$dead"
runuser -u "$USER_FULL" -- mkdir -p "$ROOTLESS_ROOT/overlay-probe-$dead-AbCdEf/upper" "$ROOTLESS_ROOT/overlay-probe-$$-AbCdEf"
rl info >/dev/null
check "info removes the overlay-probe dir of a dead prober" test ! -e "$ROOTLESS_ROOT/overlay-probe-$dead-AbCdEf"
check "info keeps the overlay-probe dir of a live prober" test -d "$ROOTLESS_ROOT/overlay-probe-$$-AbCdEf"
rm -r "$ROOTLESS_ROOT/overlay-probe-$$-AbCdEf"
check "info leaves no overlay-probe dir of its own" test -z "$(ls -d "$ROOTLESS_ROOT"/overlay-probe-* 2>/dev/null)"
as "$USER_FULL" XDG_DATA_HOME="$HOME_FULL/xdg" -- images >/dev/null
check "\$XDG_DATA_HOME/ubuild is the default root when set" test -d "$HOME_FULL/xdg/ubuild/image"

# --- the conformance corpus and the examples: same ids as root -------------
# Where the kernel or fuse-overlayfs cannot give root's bytes, the one
# difference expected, as entries_diff prints it (layer, -/+, entry):
# - the kernel keeps a setuid bit through a write only for CAP_FSETID in the
#   host's namespace (setattr_should_drop_suidgid), so `echo >> /f` on a
#   4755 file drops it in a user namespace, as for rootless podman;
# - fuse-overlayfs copies up a hard-linked file under its other name, and
#   a directory that ADD writes into through a symlink (usr/ by way of
#   lib -> usr/lib) gets a new mtime where the kernel keeps the lower's.
declare -A KNOWN=(
  ["36-special-files rootless"]="3 - f 0 0o4755 0:0 10 1700000000 
3 + f 0 0o755 0:0 10 1700000000 "
  ["36-special-files fuse-overlayfs"]="3 - f 0 0o4755 0:0 10 1700000000 
3 + hard 0 0o4755 0:0 10 1700000000 "
  ["41-add-tar-symlinks fuse-overlayfs"]="3 - usr 5 0o755 0:0 0 1600000000 
3 + usr 5 0o755 0:0 0 1700000000 "
)
# entries_diff ROOT.tar OTHER.tar: the layer entries one has and the other not.
entries_diff() {
  python3 - "$1" "$2" <<'PY'
import io, json, sys, tarfile
def layers(path):
    with tarfile.open(path) as t:
        m = json.load(t.extractfile("manifest.json"))[0]
        return [[f"{e.name} {e.type.decode()} {oct(e.mode)} {e.uid}:{e.gid} {e.size} {e.mtime} {e.linkname}"
                 for e in tarfile.open(fileobj=io.BytesIO(t.extractfile(name).read()))] for name in m["Layers"]]
a, b = layers(sys.argv[1]), layers(sys.argv[2])
for i, (la, lb) in enumerate(zip(a, b)):
    print("\n".join([f"{i} - {e}" for e in la if e not in lb] + [f"{i} + {e}" for e in lb if e not in la]))
if len(a) != len(b): print("layer count", len(a), len(b))
PY
}
mkdir -p "$E2E_TMP/ctx"
ids_equal=0 known_equal=0 ids_differ=()
# compare_build NAME CTX [OPTS...]: builds as root, rootless and rootless on
# fuse-overlayfs; root's id, or the difference KNOWN expects?
compare_build() {
  local name=$1 ctx=$2 root_id rl_id fuse_id kind id got
  shift 2
  root_id=$(ub build --network none -q "$@" "$ctx" 2>"$E2E_TMP/root.err") ||
    { fail "$name: root build failed: $(tail -2 "$E2E_TMP/root.err")"; return; }
  rl_id=$(rl build --network none -q "$@" "$ctx" 2>"$E2E_TMP/rl.err") ||
    { fail "$name: rootless build failed: $(tail -2 "$E2E_TMP/rl.err")"; return; }
  fuse_id=$(as "$USER_FULL" UBUILD_OVERLAY=fuse-overlayfs -- build --no-cache --network none -q "$@" "$ctx" \
    2>"$E2E_TMP/fuse.err") || { fail "$name: fuse-overlayfs build failed: $(tail -2 "$E2E_TMP/fuse.err")"; return; }
  BUILT_IDS=("$rl_id" "$fuse_id")
  for kind in rootless fuse-overlayfs; do
    [[ $kind == rootless ]] && id=$rl_id || id=$fuse_id
    if [[ $id == "$root_id" ]]; then
      ids_equal=$((ids_equal + 1))
    elif [[ -n "${KNOWN["${name##* } $kind"]:-}" ]]; then
      ub save -o "$E2E_TMP/known-root.tar" "$root_id"
      rl save -o "$HOME_FULL/known.tar" "$id"
      got=$(entries_diff "$E2E_TMP/known-root.tar" "$HOME_FULL/known.tar" | sed '/^$/d')
      if [[ $got == "${KNOWN["${name##* } $kind"]}" ]]; then
        known_equal=$((known_equal + 1))
      else
        ids_differ+=("$name $kind, not the known difference: $got")
      fi
    else
      ids_differ+=("$name $kind: root $root_id, $kind $id")
    fi
  done
}
for casedir in "$UBUILD_SOURCE_DIR"/tests/e2e/conformance/cases/*/; do
  case=$(basename "$casedir")
  TARGET="" PARENT_TAG="" CACHE_CHECK="" DOCKER_FAILS=""
  # shellcheck disable=SC1091
  [[ -f "$casedir/build.conf" ]] && source "$casedir/build.conf"
  opts=()
  if [[ -f "$casedir/args" ]]; then
    while IFS= read -r line; do [[ -n "$line" ]] && opts+=(--build-arg "$line"); done <"$casedir/args"
  fi
  if [[ -f "$casedir/labels" ]]; then
    while IFS= read -r line; do [[ -n "$line" ]] && opts+=(--label "$line"); done <"$casedir/labels"
  fi
  [[ -n "$TARGET" ]] && opts+=(--target "$TARGET")
  ctx=$E2E_TMP/ctx/$case
  cp -a "$casedir" "$ctx"
  chmod -R a+rX "$ctx"
  if [[ -n "$PARENT_TAG" ]]; then
    ub build --network none -q -t "$PARENT_TAG" "$ctx/parent" >/dev/null
    rl build --network none -q -t "$PARENT_TAG" "$ctx/parent" >/dev/null
  fi
  compare_build "conformance $case" "$ctx" -t "conf-$case" "${opts[@]}"
done
for ex in hello layers-walkthrough multi-stage reproducible-ci; do
  ctx=$E2E_TMP/ctx/example-$ex
  cp -a "$UBUILD_SOURCE_DIR/examples/$ex" "$ctx"
  if [[ $ex == reproducible-ci ]]; then  # its run.sh packs this first
    tar --sort=name --owner=0 --group=0 --numeric-owner -C "$ctx" -cf - assets | gzip -n >"$ctx/assets.tar.gz"
  fi
  chmod -R a+rX "$ctx"
  compare_build "example $ex" "$ctx" -t "ex-$ex"
done
check "conformance cases and examples: $ids_equal rootless/fuse-overlayfs ids are root's, $known_equal known differences" \
  test "${#ids_differ[@]}" -eq 0 -a "$known_equal" -eq "${#KNOWN[@]}"
for d in "${ids_differ[@]}"; do echo "    differs: $d"; done
check "a --chown=1000 file belongs to subordinate id $((start + 999)) on the host" \
  test -n "$(find "$ROOTLESS_ROOT/overlay2" -uid $((start + 999)) -print -quit)"

# --- RUN --mount rootless: no target in the layer; --ssh with a key file ---
# Every mount type, with targets whose parents the mount had to create
# (gone with it), under pre-existing dirs (copied up, then left as they
# were), and under a dir the RUN also writes to (kept, its empty child not).
# ssh-add, run from the host's files, lists what the agent of --ssh
# default=KEY serves.
M=$E2E_TMP/ctx/mounts
mkdir -p "$M/src" "$M/tools"
echo hi >"$M/src/a.txt"
echo f >"$M/f.txt"
cp /usr/bin/ssh-add "$M/tools/"
ldd /usr/bin/ssh-add | grep -o '/[^ ]*' | while read -r lib; do cp -L "$lib" "$M/tools/"; done
loader=$(basename "$(ldd /usr/bin/ssh-add | grep -o '/[^ ]*ld-linux[^ ]*')")
cat >"$M/Dockerfile" <<DF
FROM busybox:local
RUN mkdir -p /pre/keep
RUN --mount=type=cache,target=/c1/deep/cache touch /c1/deep/cache/x
RUN --mount=type=bind,source=src,target=/b1/deep/bind --mount=type=bind,source=f.txt,target=/b2/f.txt cat /b2/f.txt
RUN --mount=type=tmpfs,target=/t1/deep/tmp touch /t1/deep/tmp/x
RUN --mount=type=secret,id=tok,target=/s1/deep/sec --mount=type=secret,id=tok cat /s1/deep/sec /run/secrets/tok
RUN --mount=type=ssh,target=/k1/deep/ssh test -S /k1/deep/ssh
RUN --mount=type=cache,target=/pre/keep/cache --mount=type=tmpfs,target=/etc/t --mount=type=secret,id=tok,target=/pre/sec true
RUN --mount=type=tmpfs,target=/w/deep/t touch /w/written
RUN --mount=type=ssh --mount=type=bind,source=tools,target=/tools /tools/$loader --library-path /tools /tools/ssh-add -l >/ssh-listed
DF
chmod -R a+rX "$M"
ssh-keygen -q -t ed25519 -N '' -C ubuild-rootless -f "$HOME_FULL/key"
echo "not-so-secret" >"$HOME_FULL/secret.txt"
chown "$USER_FULL:" "$HOME_FULL/key" "$HOME_FULL/key.pub" "$HOME_FULL/secret.txt"
before=${#ids_differ[@]} BUILT_IDS=()
compare_build "run mounts" "$M" -t mounts --secret "id=tok,src=$HOME_FULL/secret.txt" --ssh "default=$HOME_FULL/key"
check "RUN --mount: the rootless and fuse-overlayfs ids are root's" \
  test "${#BUILT_IDS[@]}" -eq 2 -a "${#ids_differ[@]}" -eq "$before"
for d in "${ids_differ[@]:$before}"; do echo "    differs: $d"; done
# mount_layers ARCHIVE: the entries of the layers after the base's and the
# mkdir's (identical empty layers may be saved once), then the key list the
# last RUN wrote.
mount_layers() {
  python3 - "$1" <<'PY'
import io, json, sys, tarfile
names = set()
with tarfile.open(sys.argv[1]) as t:
    for name in json.load(t.extractfile("manifest.json"))[0]["Layers"][2:]:
        layer = tarfile.open(fileobj=io.BytesIO(t.extractfile(name).read()))
        names.update(layer.getnames())
        if "ssh-listed" in layer.getnames():
            listed = layer.extractfile("ssh-listed").read().decode().strip()
print(" ".join(sorted(names)))
print(listed)
PY
}
expected="ssh-listed w w/written
$(ssh-keygen -lf "$HOME_FULL/key.pub")"
for i in 0 1; do
  kind=$([[ $i == 0 ]] && echo rootless || echo fuse-overlayfs)
  [[ -n "${BUILT_IDS[$i]:-}" ]] || continue
  rl save -o "$HOME_FULL/mounts.tar" "${BUILT_IDS[$i]}"
  got=$(mount_layers "$HOME_FULL/mounts.tar")
  check "RUN --mount, $kind: no target nor parent made for it in a layer, /pre and /etc as they were" \
    test "$(head -n 1 <<<"$got")" = "$(head -n 1 <<<"$expected")"
  [[ "$(head -n 1 <<<"$got")" == "$(head -n 1 <<<"$expected")" ]] || echo "    layer entries: $(head -n 1 <<<"$got")"
  check "RUN --mount, $kind: --ssh default=KEY's agent serves the key" \
    test "$(tail -n 1 <<<"$got")" = "$(tail -n 1 <<<"$expected")"
done

# --- the kernel refusing its first overlay mid-build ----------------------
# A store on overlayfs, which the kernel refuses as an upper layer: a build's
# first RUN, its init layer (mount points and targets) already stacked, falls
# back to fuse-overlayfs with it, and the later steps go to fuse-overlayfs
# straight away. The image must be root's, with no mount point nor target in
# a layer.
OVL=$E2E_TMP/ovl
mkdir -p "$OVL/lower" "$OVL/upper" "$OVL/work" "$OVL/merged"
mount -t overlay overlay -o "lowerdir=$OVL/lower,upperdir=$OVL/upper,workdir=$OVL/work" "$OVL/merged"
chown "$USER_FULL:" "$OVL/merged"
mkdir -p "$E2E_TMP/ctx/fallback"
printf '%s\n' 'FROM busybox:local' \
  'RUN --mount=type=tmpfs,target=/t1/deep/tmp echo x >/etc/new && touch /t1/deep/tmp/x /pre' \
  'RUN --mount=type=tmpfs,target=/t2/deep/tmp echo y >>/etc/new' >"$E2E_TMP/ctx/fallback/Dockerfile"
chmod -R a+rX "$E2E_TMP/ctx/fallback"
ofb() { as "$USER_FULL" -- --root "$OVL/merged/store" "$@"; }
ofb import - busybox:local <"$E2E_TMP/conf-base.tar" >/dev/null
check "kernel overlay refused: info names fuse-overlayfs for a store on overlayfs" \
  grep -q '^ Overlay Mount: fuse-overlayfs$' <<<"$(ofb info)"
fb_id=$(ofb build --network none -q "$E2E_TMP/ctx/fallback" 2>"$E2E_TMP/fallback.err") ||
  fail "kernel overlay refused: the build failed: $(tail -2 "$E2E_TMP/fallback.err")"
root_id=$(ub build --network none -q "$E2E_TMP/ctx/fallback")
check "kernel overlay refused mid-build: fuse-overlayfs takes over with the init layer, root's id" \
  test "${fb_id:-none}" = "$root_id"
if [[ -n "${fb_id:-}" ]]; then
  ofb save -o "$HOME_FULL/fallback.tar" "$fb_id"
  got=$(python3 - "$HOME_FULL/fallback.tar" <<'PY'
import io, json, sys, tarfile
names = set()
with tarfile.open(sys.argv[1]) as t:
    for name in json.load(t.extractfile("manifest.json"))[0]["Layers"][1:]:
        names.update(tarfile.open(fileobj=io.BytesIO(t.extractfile(name).read())).getnames())
print(" ".join(sorted(names)))
PY
)
  check "kernel overlay refused mid-build: the layers hold what the RUNs wrote only ($got)" test "$got" = "etc etc/new pre"
fi

# --- save, load, push, pull ----------------------------------------------
ub save -o "$E2E_TMP/root-save.tar" ex-reproducible-ci conf-10-copy-files-dirs
rl save -o "$HOME_FULL/rl-save.tar" ex-reproducible-ci conf-10-copy-files-dirs
check "save: the rootless archive has root's bytes" cmp -s "$E2E_TMP/root-save.tar" "$HOME_FULL/rl-save.tar"
out=$(as "$USER_FULL" UBUILD_ROOT="$HOME_FULL/loaded" -- load -i "$E2E_TMP/root-save.tar")
check "load: root's archive loads rootless with its ids" \
  test "$(as "$USER_FULL" UBUILD_ROOT="$HOME_FULL/loaded" -- images -q --no-trunc ex-reproducible-ci)" = \
       "$(ub images -q --no-trunc ex-reproducible-ci)"
reg=$(start_registry rootless)
rl tag ex-multi-stage "$reg/rootless/app:1"
check "push works rootless" rl push "$reg/rootless/app:1"
ub pull -q "$reg/rootless/app:1" >/dev/null
check "root pulls what rootless pushed with the same id" \
  test "$(ub images -q --no-trunc "$reg/rootless/app:1")" = "$(ub images -q --no-trunc ex-multi-stage)"
as "$USER_FULL" UBUILD_ROOT="$HOME_FULL/pulled" -- pull -q "$reg/rootless/app:1" >/dev/null
check "pull works rootless, same id" \
  test "$(as "$USER_FULL" UBUILD_ROOT="$HOME_FULL/pulled" -- images -q --no-trunc "$reg/rootless/app:1")" = \
       "$(ub images -q --no-trunc ex-multi-stage)"

# --- RUN's networks --------------------------------------------------------
mkdir -p "$E2E_TMP/ctx/net"
# /proc/net/dev, not /sys: with the host's network a user namespace may not
# mount sysfs, so a rootless RUN has no /sys/class/net there.
interfaces='sed -n "s/^ *\([^:]*\):.*/\1/p" /proc/net/dev | sort | tr "\n" " "'
printf 'FROM busybox:local\nRUN echo "nets: $(%s)"; cat /etc/resolv.conf\n' "$interfaces" >"$E2E_TMP/ctx/net/Dockerfile"
chmod -R a+rX "$E2E_TMP/ctx/net"
out=$(rl build --no-cache "$E2E_TMP/ctx/net" 2>&1) || true
check "RUN's default network rootless: eth0 through the user-mode stack" grep -q '^nets: eth0 lo $' <<<"$out"
check "RUN's default network rootless: its DNS forwarder" grep -Eq '^nameserver (10\.0\.2\.3|169\.254\.1\.1)$' <<<"$out"
out=$(rl build --no-cache --network none "$E2E_TMP/ctx/net" 2>&1) || true
check "RUN --network none rootless: loopback only" grep -q '^nets: lo $' <<<"$out"
out=$(rl build --no-cache --network host "$E2E_TMP/ctx/net" 2>&1) || true
check "RUN --network host rootless: the host's interfaces" grep -qF "nets: $(sh -c "$interfaces")" <<<"$out"

# --- without subordinate ranges, without newuidmap -------------------------
# A rootfs of root's files only (busybox's has /home/app of 1000:1000).
mkdir -p "$E2E_TMP/allroot/bin"
cp "$(command -v busybox)" "$E2E_TMP/allroot/bin/busybox"
tar --owner=0 --group=0 --numeric-owner --mtime=@1600000000 --sort=name -C "$E2E_TMP/allroot" -cf "$E2E_TMP/allroot.tar" .
chmod 644 "$E2E_TMP/allroot.tar"
rc=0
as "$USER_SINGLE" -- import - allroot <"$E2E_TMP/allroot.tar" >"$E2E_TMP/single.out" 2>"$E2E_TMP/single.err" || rc=$?
check "single-id: an image of root's files imports, with root's id" \
  test "$rc" -eq 0 -a "$(cat "$E2E_TMP/single.out")" = "$(ub import - allroot <"$E2E_TMP/allroot.tar")"
check "single-id: it warns what is lost" grep -q "has no subordinate ids in /etc/subuid and /etc/subgid" "$E2E_TMP/single.err"
rc=0
as "$USER_SINGLE" -- import - busybox <"$E2E_TMP/busybox.tar" >/dev/null 2>"$E2E_TMP/single.err" || rc=$?
check "single-id: a file of another owner fails the import" test "$rc" -ne 0
check "single-id: the error names the /etc/subuid line" grep -qx "  $USER_SINGLE:$((start + 65536)):65536" "$E2E_TMP/single.err"
check "single-id: ... and the /etc/subgid line" \
  test "$(grep -cx "  $USER_SINGLE:$((start + 65536)):65536" "$E2E_TMP/single.err")" -eq 2
check "single-id: the failed import left no image" test -z "$(as "$USER_SINGLE" -- images -q busybox:latest 2>/dev/null)"
rc=0
runuser -u "$USER_FULL" -- env -i HOME="$HOME_FULL" PATH="$E2E_TMP/nowhere" "$UBUILD_BIN" images \
  >/dev/null 2>"$E2E_TMP/nomap.err" || rc=$?
check "without newuidmap: exits non-zero" test "$rc" -ne 0
check "without newuidmap: says to install uidmap" grep -q "newuidmap and newgidmap .* not on PATH.*apt-get install uidmap" \
  "$E2E_TMP/nomap.err"

e2e_finish
