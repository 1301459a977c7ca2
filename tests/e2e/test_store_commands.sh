#!/bin/bash
# End to end: import a busybox rootfs, then images/inspect/history/tag/rmi/
# prune/layers, recomputing every id by hand (sha256sum) from the store files.
set -euo pipefail
UBUILD=${UBUILD_BIN:?set UBUILD_BIN to the ubuild binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ROOT=$W/store
u() { "$UBUILD" --root "$ROOT" "$@"; }
fail() { echo "FAIL: $*" >&2; exit 1; }
eq() { [ "$1" = "$2" ] || fail "$3: got [$1] want [$2]"; }

# A busybox-static rootfs, made here.
mkdir -p "$W/rootfs/bin" "$W/rootfs/etc"
cp "$(command -v busybox)" "$W/rootfs/bin/busybox"
for t in sh ls cat echo; do ln -s busybox "$W/rootfs/bin/$t"; done
echo "root:x:0:0:root:/root:/bin/sh" > "$W/rootfs/etc/passwd"
tar -C "$W/rootfs" -cf "$W/rootfs.tar" bin etc
gzip -k "$W/rootfs.tar"

# import: the diff_id is the sha256 of the decompressed tarball.
ID=$(SOURCE_DATE_EPOCH=1700000000 u import "$W/rootfs.tar.gz" busybox)
DIFF="sha256:$(sha256sum < "$W/rootfs.tar" | cut -d' ' -f1)"
IMG=$ROOT/image/overlay2
eq "$ID" "sha256:$(sha256sum < "$IMG/imagedb/content/sha256/${ID#sha256:}" | cut -d' ' -f1)" "image id = sha256 of config"
CONFIG=$(cat "$IMG/imagedb/content/sha256/${ID#sha256:}")
case "$CONFIG" in
  '{"architecture":"'*'","comment":"Imported from -","config":{"Hostname":""'*'"created":"2023-11-14T22:13:20Z","history":[{"created":"2023-11-14T22:13:20Z","comment":"Imported from -"}],"os":"linux","rootfs":{"type":"layers","diff_ids":["'"$DIFF"'"]}}') ;;
  *) fail "config bytes: $CONFIG" ;;
esac
# Same input, same SOURCE_DATE_EPOCH: same id.
eq "$(SOURCE_DATE_EPOCH=1700000000 u import "$W/rootfs.tar.gz" busybox:again)" "$ID" "reproducible import"
u rmi busybox:again >/dev/null

# layerdb files: byte-exact, no trailing newline.
L=$IMG/layerdb/sha256/${DIFF#sha256:}
eq "$(cat "$L/diff"; echo x)" "${DIFF}x" "layerdb diff"
[ ! -e "$L/parent" ] || fail "base layer has a parent file"
SIZE=$(cat "$L/size")
# Docker's overlay2 size: lstat sizes of everything but directories (a
# symlink its target's length), each inode once.
eq "$SIZE" "$(find "$W/rootfs" ! -type d -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s }')" "layer size"
CACHE=$(cat "$L/cache-id")
[ -d "$ROOT/overlay2/$CACHE/diff/bin" ] || fail "diff dir"
[ -e "$ROOT/overlay2/$CACHE/committed" ] || fail "committed marker"
LINK=$(cat "$ROOT/overlay2/$CACHE/link")
[[ "$LINK" =~ ^[A-Z0-9]{26}$ ]] || fail "link name $LINK"
eq "$(readlink "$ROOT/overlay2/l/$LINK")" "../$CACHE/diff" "l/ symlink"
eq "$(cat "$IMG/repositories.json")" '{"Repositories":{"busybox":{"busybox:latest":"'"$ID"'"}}}' "repositories.json"
zcat "$L/tar-split.json.gz" | head -c 200 | grep -q '"type"' || fail "tar-split.json.gz"

# images
OUT=$(u images)
echo "$OUT" | head -1 | grep -Eq '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$' || fail "images header: $OUT"
echo "$OUT" | grep -Eq "^busybox +latest +${ID:7:12} +[0-9]+ years ago +[0-9.]+[kM]B$" || fail "images row: $OUT"
eq "$(u images -q)" "${ID:7:12}" "images -q"
eq "$(u images -q --no-trunc)" "$ID" "images -q --no-trunc"

# inspect: by name, full id, short prefix
for ref in busybox busybox:latest "$ID" "${ID:7:12}" "${ID#sha256:}"; do
  J=$(u inspect "$ref")
  python3 - "$J" "$ID" "$DIFF" "$ROOT/overlay2/$CACHE" "$SIZE" <<'PY' || fail "inspect $ref"
import json, sys
j = json.loads(sys.argv[1])
assert len(j) == 1
i = j[0]
assert i["Id"] == sys.argv[2], i["Id"]
assert i["RepoTags"] == ["busybox:latest"]
assert i["RootFS"] == {"Type": "layers", "Layers": [sys.argv[3]]}
assert i["GraphDriver"]["Name"] == "overlay2"
assert i["GraphDriver"]["Data"]["UpperDir"] == sys.argv[4] + "/diff"
assert "LowerDir" not in i["GraphDriver"]["Data"]
assert i["Size"] == int(sys.argv[5])
assert i["Created"] == "2023-11-14T22:13:20Z"
assert i["Config"]["Cmd"] is None and i["Config"]["Env"] is None
assert i["Os"] == "linux" and i["Comment"].startswith("Imported from ")
PY
done
if u inspect nosuch 2>"$W/err" >/dev/null; then fail "inspect of a missing image succeeded"; fi
grep -q "No such image: nosuch" "$W/err" || fail "inspect error: $(cat "$W/err")"

# history
OUT=$(u history busybox)
echo "$OUT" | head -1 | grep -Eq '^IMAGE +CREATED +CREATED BY +SIZE +COMMENT$' || fail "history header: $OUT"
echo "$OUT" | sed -n 2p | grep -Eq "^${ID:7:12} +[0-9]+ years ago +[0-9.]+[kM]B +Imported from " || fail "history row: $OUT"
eq "$(u history -q --no-trunc busybox)" "$ID" "history -q"

# tag: Docker's rules and errors
u tag busybox me/box:v1
u tag "${ID:7:12}" localhost:5000/box
eq "$(u images -q | sort -u)" "${ID:7:12}" "one image, three tags"
eq "$(u images | wc -l)" 4 "rows per tag"
if u tag busybox Bad/Name 2>"$W/err"; then fail "uppercase name accepted"; fi
grep -q "invalid reference format: repository name must be lowercase" "$W/err" || fail "tag error: $(cat "$W/err")"
if u tag busybox "ok:-bad" 2>"$W/err"; then fail "bad tag accepted"; fi
if u tag nosuch x 2>"$W/err"; then fail "tag of a missing image"; fi
grep -q "No such image: nosuch" "$W/err" || fail "tag error: $(cat "$W/err")"
eq "$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["Repositories"]))' "$IMG/repositories.json")" \
   "['busybox', 'localhost:5000/box', 'me/box']" "repositories.json repos"

# A second layer by hand: chain_id recomputed with echo -n | sha256sum.
mkdir -p "$W/top/etc"
echo hello > "$W/top/etc/motd"
tar -C "$W/top" -cf "$W/top.tar" etc
# (import makes base layers only; the chain_id formula is checked by `layers` on the base
#  and by the unit tests on chains; here check `layers` prints the exact hashed string.)
OUT=$(u layers --files busybox)
echo "$OUT" | grep -q "diff_id:    $DIFF" || fail "layers diff_id: $OUT"
echo "$OUT" | grep -q "cache-id:   $CACHE" || fail "layers cache-id"
echo "$OUT" | grep -q "^    A /bin/busybox$" || fail "layers --files: $OUT"
echo "$OUT" | grep -q "^    A /etc/passwd$" || fail "layers --files: $OUT"

# rmi: untag by name keeps the image while tags remain; id with many tags needs -f.
eq "$(u rmi me/box:v1)" "Untagged: me/box:v1" "rmi one tag"
if u rmi "${ID:7:12}" 2>"$W/err" >/dev/null; then fail "rmi of a multiply tagged id without -f"; fi
grep -q "must be forced" "$W/err" || fail "rmi conflict message: $(cat "$W/err")"
OUT=$(u rmi -f "${ID:7:12}")
echo "$OUT" | grep -q "^Deleted: $ID$" || fail "rmi -f: $OUT"
echo "$OUT" | grep -q "^Deleted: $DIFF$" || fail "rmi layer: $OUT"
[ ! -e "$ROOT/overlay2/$CACHE" ] || fail "layer data left after rmi"
[ ! -e "$L" ] || fail "layerdb entry left after rmi"
[ ! -e "$ROOT/overlay2/l/$LINK" ] || fail "link left after rmi"
eq "$(cat "$IMG/repositories.json")" '{"Repositories":{}}' "repositories.json after rmi"
eq "$(u images | wc -l)" 1 "no images left"

# prune: dangling images and unused layers.
ID2=$(u import - tmp:1 < "$W/top.tar")
u tag tmp:1 keep:1
u rmi tmp:1 >/dev/null
ID3=$(u import "$W/rootfs.tar")
eq "$(u images | grep -c '<none>')" 1 "dangling image listed"
OUT=$(u prune)
echo "$OUT" | grep -q "^deleted: $ID3$" || fail "prune images: $OUT"
echo "$OUT" | grep -q "^Total reclaimed space: [0-9.]*[kM]B$" || fail "prune total: $OUT"
u images -q --no-trunc | grep -q "$ID2" || fail "prune removed a tagged image"
eq "$(ls "$IMG/layerdb/sha256" | wc -l)" 1 "one layer left"
eq "$(u prune)" "Total reclaimed space: 0B" "second prune frees nothing"

# Bad input: clear error, non-zero exit, store unchanged.
before=$(find "$ROOT" -path "$ROOT/lock" -prune -o -print | sort | md5sum)
if u import /nonexistent x 2>"$W/err"; then fail "import of a missing file"; fi
grep -q "/nonexistent" "$W/err" || fail "import error: $(cat "$W/err")"
if echo "not a tar" | u import - x 2>"$W/err"; then fail "import of garbage"; fi
if u import "$W/rootfs.tar" "UPPER" 2>"$W/err"; then fail "import with a bad name"; fi
after=$(find "$ROOT" -path "$ROOT/lock" -prune -o -print | sort | md5sum)
eq "$after" "$before" "store unchanged by failed commands"
echo "ok"
