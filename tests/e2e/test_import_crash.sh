#!/bin/bash
# SIGKILL `ubuild import` at random points, many times; after each kill the
# store must be consistent: every tag resolves to an image whose layers all
# exist, and the next command leaves no staging leftovers behind.
set -euo pipefail
UBUILD=${UBUILD_BIN:?set UBUILD_BIN to the ubuild binary}
ITERATIONS=${CRASH_ITERATIONS:-40}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ROOT=$W/store
IMG=$ROOT/image/overlay2
fail() { echo "FAIL: $*" >&2; exit 1; }

# A rootfs big enough that a kill lands inside the import: busybox plus files.
mkdir -p "$W/rootfs/bin" "$W/rootfs/data"
cp "$(command -v busybox)" "$W/rootfs/bin/busybox"
for i in $(seq 1 300); do head -c $((RANDOM * 4)) /dev/urandom > "$W/rootfs/data/f$i"; done
tar -C "$W/rootfs" -cf "$W/rootfs.tar" .

check_consistent() {
  python3 - "$ROOT" <<'PY'
import hashlib, json, os, sys
root = sys.argv[1]
img = os.path.join(root, "image/overlay2")
def chain_ids(diff_ids):
    out, prev = [], None
    for d in diff_ids:
        prev = d if prev is None else "sha256:" + hashlib.sha256((prev + " " + d).encode()).hexdigest()
        out.append(prev)
    return out
repos = os.path.join(img, "repositories.json")
tags = json.load(open(repos))["Repositories"] if os.path.exists(repos) else {}
content = os.path.join(img, "imagedb/content/sha256")
for repo, refs in tags.items():
    for ref, iid in refs.items():
        p = os.path.join(content, iid[7:])
        assert os.path.exists(p), f"tag {ref} -> missing image {iid}"
for name in os.listdir(content):
    if name.startswith(".tmp-"):
        continue  # a temp file may exist until the next command sweeps it
    data = open(os.path.join(content, name), "rb").read()
    assert hashlib.sha256(data).hexdigest() == name, f"image {name} content does not match its id"
    for c in chain_ids(json.loads(data)["rootfs"]["diff_ids"]):
        d = os.path.join(img, "layerdb/sha256", c[7:])
        assert os.path.isdir(d), f"image {name} names missing layer {c}"
        cache = open(os.path.join(d, "cache-id")).read()
        assert os.path.isdir(os.path.join(root, "overlay2", cache, "diff")), f"layer {c} has no diff dir"
PY
}

check_no_leftovers() {
  local left
  left=$(ls -A "$IMG/layerdb/tmp")
  [ -z "$left" ] || fail "layerdb/tmp leftovers: $left"
  left=$(find "$IMG" -name '.tmp-*')
  [ -z "$left" ] || fail "temp files left: $left"
  for d in "$ROOT"/overlay2/*/; do
    d=${d%/}
    [ "$(basename "$d")" = l ] && continue
    [ -e "$d/committed" ] || fail "uncommitted overlay2 dir left: $d"
    grep -qlx "$(basename "$d")" "$IMG"/layerdb/sha256/*/cache-id || fail "overlay2 dir no layer names: $d"
  done
  for l in "$ROOT"/overlay2/l/*; do
    [ -e "$l" ] || [ ! -L "$l" ] || fail "dangling link $l"
  done
}

"$UBUILD" --root "$ROOT" import "$W/rootfs.tar" base >/dev/null
killed=0
for i in $(seq 1 "$ITERATIONS"); do
  # A fresh layer each time (different tar bytes), so the kill hits real work.
  echo "$i" > "$W/rootfs/data/iteration"
  tar -C "$W/rootfs" -cf "$W/it.tar" .
  "$UBUILD" --root "$ROOT" import "$W/it.tar" "crash:$i" >/dev/null 2>&1 &
  pid=$!
  sleep "0.0$(( RANDOM % 10 ))$(( RANDOM % 10 ))"
  if kill -KILL "$pid" 2>/dev/null; then killed=$((killed + 1)); fi
  wait "$pid" 2>/dev/null || true
  check_consistent || fail "inconsistent store after kill $i"
  # The next command (a reader) sweeps what the killed writer left.
  "$UBUILD" --root "$ROOT" images >/dev/null
  check_no_leftovers
  check_consistent || fail "inconsistent store after sweep $i"
done
[ "$killed" -gt 0 ] || fail "no import was ever killed mid-way"
"$UBUILD" --root "$ROOT" inspect base >/dev/null
echo "ok: $ITERATIONS iterations, $killed killed mid-import"
