# Shared by the end-to-end tests: a private store root with a busybox base
# image, store snapshots, and assertions. Source it after `set -euo pipefail`.
: "${UBUILD_BIN:?UBUILD_BIN must name the built ubuild binary}"
: "${UBUILD_SOURCE_DIR:?UBUILD_SOURCE_DIR must name the source tree}"

source "$UBUILD_SOURCE_DIR/tests/e2e/dockerd_lib.sh"

E2E_TMP=$(mktemp -d /tmp/ubuild-e2e.XXXXXX)
e2e_cleanup() {
  local rc=$?
  set +e  # every cleanup step runs, and a grep finding no mount is no failure
  stop_private_dockerd
  grep -o " $E2E_TMP/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$E2E_TMP"
  return $rc
}
trap e2e_cleanup EXIT
# A signal ends the script through its EXIT trap, which stops what it started.
trap 'exit 130' INT
trap 'exit 143' TERM
ROOT=$E2E_TMP/root
FAILS=0
PASSES=0

ub() { "$UBUILD_BIN" --root "$ROOT" "$@"; }

# A busybox base image named busybox:latest in $ROOT.
e2e_base_image() {
  bash "$UBUILD_SOURCE_DIR/examples/busybox-rootfs.sh" "$E2E_TMP/busybox.tar"
  ub import "$E2E_TMP/busybox.tar" busybox >/dev/null
}

# Everything a reader could see in the store: paths, types, sizes, link
# targets and file checksums (the lock file and the per-file digest cache aside).
store_snapshot() {
  (cd "$ROOT" && find . -path ./lock -prune -o -path ./image/overlay2/buildcache/context -prune -o \
     -printf '%p %y %s %l\n' | sort
   cd "$ROOT" && find . -type f ! -name lock ! -path './image/overlay2/buildcache/context/*' -print0 |
     sort -z | xargs -0 -r sha256sum)
}

pass() { PASSES=$((PASSES + 1)); echo "ok: $*"; }
fail() { FAILS=$((FAILS + 1)); echo "FAIL: $*"; }
check() {  # check "description" command...
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
# expect_ub_failure DESCRIPTION EXPECTED-MESSAGE-PART UB-ARGS...: bad input
# gives a non-zero exit, a message holding that part, and the store as it was.
expect_ub_failure() {
  local what=$1 message=$2 before out rc
  shift 2
  before=$(store_snapshot)
  out=$(ub "$@" 2>&1) && rc=0 || rc=$?
  if [[ $rc -ne 0 && $out == *"$message"* ]]; then pass "$what"; else fail "$what (rc=$rc): $out"; fi
  check "$what: store unchanged" test "$before" = "$(store_snapshot)"
}
# last_layer ARCHIVE [N]: "name mode uid:gid mtime" of the entries of a saved
# image's top layer (or its layer N, counted from 0).
last_layer() {
  python3 - "$1" "${2:--1}" <<'PY'
import io, json, sys, tarfile
t = tarfile.open(sys.argv[1])
layer = json.load(t.extractfile("manifest.json"))[0]["Layers"][int(sys.argv[2])]
with tarfile.open(fileobj=io.BytesIO(t.extractfile(layer).read())) as lt:
    for m in lt.getmembers():
        print(m.name, oct(m.mode), "%d:%d" % (m.uid, m.gid), m.mtime if m.isdir() else "-")
PY
}
e2e_finish() {
  echo "$PASSES passed, $FAILS failed"
  [[ $FAILS -eq 0 ]]
}
