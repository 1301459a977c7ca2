#!/usr/bin/env bash
# End-to-end: `ubuild save` / `ubuild load` between private stores, no
# other engine involved. Round trips keep ids, tags and archive bytes;
# truncated, corrupted and hostile archives are refused with the target
# store left exactly as it was (listing + checksums compared).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# lib.sh's cleanup runs under errexit+pipefail, where its "no mounts left"
# grep would turn a passing run into exit 1; run it with errexit off.
trap 'set +e; e2e_cleanup' EXIT
tools=$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py
e2e_base_image

ctx=$E2E_TMP/ctx
mkdir -p "$ctx"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
RUN mkdir -p /data && echo layered > /data/one && rm /etc/group
CMD ["echo", "hello"]
DF
ub build -q -t app:1 "$ctx" >/dev/null
ub tag app:1 app:latest
id_of() { "$UBUILD_BIN" --root "$1" inspect "$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }
app_id=$(id_of "$ROOT" app:1)
bb_id=$(id_of "$ROOT" busybox)

# --- save -------------------------------------------------------------------
ub save -o "$E2E_TMP/a.tar" app:1 app:latest busybox
check "save writes an archive" test -s "$E2E_TMP/a.tar"
names=$(tar -tf "$E2E_TMP/a.tar")
for n in oci-layout index.json manifest.json repositories "blobs/sha256/${app_id#sha256:}"; do
  check "archive has $n" grep -qx "$n" <<<"$names"
done
check "every blob matches its name" python3 - "$E2E_TMP/a.tar" <<'PY'
import hashlib, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    for m in t.getmembers():
        if m.isfile() and m.name.startswith("blobs/sha256/"):
            assert hashlib.sha256(t.extractfile(m).read()).hexdigest() == m.name[13:], m.name
PY
check "manifest.json names both tags of app" python3 -c '
import json,sys,tarfile
m = json.load(tarfile.open(sys.argv[1]).extractfile("manifest.json"))
assert m[0]["RepoTags"] == ["app:1", "app:latest"], m
assert m[1]["RepoTags"] == ["busybox:latest"], m
assert m[1]["Layers"] == m[0]["Layers"][:1], m' "$E2E_TMP/a.tar"
ub save -o "$E2E_TMP/a2.tar" app:1 app:latest busybox
check "save is byte-identical the second time" cmp -s "$E2E_TMP/a.tar" "$E2E_TMP/a2.tar"
ub save app:1 app:latest busybox >"$E2E_TMP/a3.tar"
check "save to stdout gives the same bytes" cmp -s "$E2E_TMP/a.tar" "$E2E_TMP/a3.tar"
if command -v script >/dev/null; then
  out=$(script -qec "$UBUILD_BIN --root $ROOT save busybox" /dev/null 2>&1) && rc=0 || rc=$?
  check "save refuses a terminal (rc=$rc)" test "$rc" -ne 0
  check "save names the terminal problem" grep -q "terminal" <<<"$out"
fi
out=$(ub save -o "$E2E_TMP/none.tar" no-such-image 2>&1) && rc=0 || rc=$?
check "save of a missing image fails" test "$rc" -ne 0
check "and says which" grep -q "no-such-image" <<<"$out"
check "and leaves no file" test ! -e "$E2E_TMP/none.tar"

# --- load into a fresh store --------------------------------------------------
R2=$E2E_TMP/root2
out=$("$UBUILD_BIN" --root "$R2" load -i "$E2E_TMP/a.tar")
echo "$out"
check "load prints each tag" test "$out" = $'Loaded image: app:1\nLoaded image: app:latest\nLoaded image: busybox:latest'
check "loaded id equals the saved id" test "$(id_of "$R2" app:latest)" = "$app_id"
check "loaded base id equals" test "$(id_of "$R2" busybox)" = "$bb_id"
"$UBUILD_BIN" --root "$R2" save -o "$E2E_TMP/b.tar" app:1 app:latest busybox
check "saving the loaded images gives the same bytes" cmp -s "$E2E_TMP/a.tar" "$E2E_TMP/b.tar"
check "layerdb/tmp staging is gone" test -z "$(ls -A "$R2/image/overlay2/layerdb/tmp")"
snap() { ROOT=$1 store_snapshot; }
before=$(snap "$R2")
"$UBUILD_BIN" --root "$R2" load -i "$E2E_TMP/a.tar" >/dev/null
check "loading the same archive again changes nothing" test "$before" = "$(snap "$R2")"

# The loaded image builds on.
printf 'FROM app:1\nRUN cat /data/one > /data/two\n' >"$ctx/Dockerfile"
check "build FROM a loaded image" "$UBUILD_BIN" --root "$R2" build -q -t app:child "$ctx"

# stdin, gzip, untagged
R3=$E2E_TMP/root3
gzip -c "$E2E_TMP/a.tar" | "$UBUILD_BIN" --root "$R3" load >/dev/null
check "gzip archive on stdin loads" test "$(id_of "$R3" app:1)" = "$app_id"
R4=$E2E_TMP/root4
ub save -o "$E2E_TMP/byid.tar" "${bb_id#sha256:}"
out=$("$UBUILD_BIN" --root "$R4" load -i "$E2E_TMP/byid.tar")
check "an image saved by id loads untagged" test "$out" = "Loaded image ID: $bb_id"

# --- refused archives leave the store unchanged ------------------------------
# R5 holds busybox already: a failing load must not touch its shared layer
# nor leave the new one behind.
R5=$E2E_TMP/root5
"$UBUILD_BIN" --root "$R5" import "$E2E_TMP/busybox.tar" busybox >/dev/null
refused() {  # refused "what" ARCHIVE [expected message part]
  local what=$1 archive=$2 msg=${3:-} before out rc
  before=$(snap "$R5")
  out=$("$UBUILD_BIN" --root "$R5" load -i "$archive" 2>&1) && rc=0 || rc=$?
  check "$what: refused (rc=$rc)" test "$rc" -ne 0
  check "$what: one clear line: $out" test "$(wc -l <<<"$out")" -eq 1 -a "${out#ubuild: }" != "$out"
  [[ -z $msg ]] || check "$what: message mentions '$msg'" grep -q -- "$msg" <<<"$out"
  check "$what: store unchanged" test "$before" = "$(snap "$R5")"
}
size=$(stat -c %s "$E2E_TMP/a.tar")
for cut in 700 4000 $((size / 3)) $((size / 2)) $((size - 2000)); do
  head -c "$cut" "$E2E_TMP/a.tar" >"$E2E_TMP/cut.tar"
  refused "truncated at $cut" "$E2E_TMP/cut.tar"
done
gzip -c "$E2E_TMP/a.tar" >"$E2E_TMP/a.tar.gz"
head -c $((size / 4)) "$E2E_TMP/a.tar.gz" >"$E2E_TMP/cut.tar.gz"
refused "truncated gzip" "$E2E_TMP/cut.tar.gz"
top_layer=$(python3 -c '
import json,sys,tarfile
print(json.load(tarfile.open(sys.argv[1]).extractfile("manifest.json"))[0]["Layers"][-1])' "$E2E_TMP/a.tar")
python3 "$tools" flip "$E2E_TMP/a.tar" "$E2E_TMP/flip-layer.tar" "$top_layer"
refused "corrupted top layer" "$E2E_TMP/flip-layer.tar" "layer sha256:"
python3 "$tools" flip "$E2E_TMP/a.tar" "$E2E_TMP/flip-base.tar" "$(python3 -c '
import json,sys,tarfile
print(json.load(tarfile.open(sys.argv[1]).extractfile("manifest.json"))[0]["Layers"][0])' "$E2E_TMP/a.tar")"
refused "corrupted shared base layer" "$E2E_TMP/flip-base.tar" "layer sha256:"
for kind in dotdot symlink absolute; do
  python3 "$tools" evil "$E2E_TMP/evil-$kind.tar" "$kind"
  refused "layer escaping by $kind" "$E2E_TMP/evil-$kind.tar"
done
check "nothing escaped" test ! -e /tmp/escaped-by-symlink -a ! -e /tmp/escaped-by-absolute \
  -a ! -e "$E2E_TMP/escaped-by-dotdot" -a ! -e "$R5/escaped-by-dotdot"
head -c 5000 /dev/urandom >"$E2E_TMP/noise.tar"
refused "random bytes" "$E2E_TMP/noise.tar"
tar -C "$ctx" -cf "$E2E_TMP/plain.tar" Dockerfile
refused "a tar that is no image archive" "$E2E_TMP/plain.tar" "manifest.json"
refused "a missing file" "$E2E_TMP/does-not-exist.tar" "does-not-exist"

e2e_finish
