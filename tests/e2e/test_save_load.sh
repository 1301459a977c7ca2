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
size_plain=$(stat -c %s "$E2E_TMP/a.tar")
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

# --- compressed layers ----------------------------------------------------------
# Each layer becomes the blob of its compressed digest, with the OCI media
# type in the manifest and the same blob in manifest.json's Layers; the
# archive is the same bytes every time, and loads back to the same ids.
check "--compression uncompressed is the default archive" \
  bash -c '"$0" --root "$1" save --compression uncompressed app:1 app:latest busybox | cmp -s - "$2"' \
  "$UBUILD_BIN" "$ROOT" "$E2E_TMP/a.tar"
for c in gzip zstd; do
  ub save --compression "$c" -o "$E2E_TMP/$c.tar" app:1 app:latest busybox
  ub save --compression "$c" -o "$E2E_TMP/$c-2.tar" app:1 app:latest busybox
  check "$c: byte-identical the second time" cmp -s "$E2E_TMP/$c.tar" "$E2E_TMP/$c-2.tar"
  check "$c: smaller than the plain archive" test "$(stat -c %s "$E2E_TMP/$c.tar")" -lt "$size_plain"
  check "$c: layer blobs, media types and manifest.json agree" python3 - "$E2E_TMP/$c.tar" "$c" <<'PY'
import hashlib, json, subprocess, sys, tarfile
path, kind = sys.argv[1], sys.argv[2]
magic = {"gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}[kind]
t = tarfile.open(path)
blob = lambda d: t.extractfile("blobs/sha256/" + d.split(":")[1]).read()
for m in t.getmembers():
    if m.isfile() and m.name.startswith("blobs/sha256/"):
        assert hashlib.sha256(t.extractfile(m).read()).hexdigest() == m.name[13:], m.name
layers_of = {}
for d in json.load(t.extractfile("index.json"))["manifests"]:
    man = json.loads(blob(d["digest"]))
    diff_ids = json.loads(blob(man["config"]["digest"]))["rootfs"]["diff_ids"]
    assert len(man["layers"]) == len(diff_ids)
    for l, diff in zip(man["layers"], diff_ids):
        assert l["mediaType"] == "application/vnd.oci.image.layer.v1.tar+" + kind, l
        data = blob(l["digest"])
        assert data.startswith(magic) and len(data) == l["size"], l
        tar = subprocess.run([kind, "-dc"], input=data, capture_output=True, check=True).stdout
        assert "sha256:" + hashlib.sha256(tar).hexdigest() == diff, (l, diff)
    layers_of[man["config"]["digest"]] = ["blobs/sha256/" + l["digest"][7:] for l in man["layers"]]
for item in json.load(t.extractfile("manifest.json")):
    assert item["Layers"] == layers_of["sha256:" + item["Config"][13:]], item
PY
  Rc=$E2E_TMP/root-$c
  "$UBUILD_BIN" --root "$Rc" load -i "$E2E_TMP/$c.tar" >/dev/null
  check "$c: loads with the same ids" test "$(id_of "$Rc" app:1) $(id_of "$Rc" busybox)" = "$app_id $bb_id"
  "$UBUILD_BIN" --root "$Rc" save -o "$E2E_TMP/$c-back.tar" app:1 app:latest busybox
  check "$c: the loaded store saves the same plain archive" cmp -s "$E2E_TMP/a.tar" "$E2E_TMP/$c-back.tar"
done
ub save --compression gzip --compression-level 1 -o "$E2E_TMP/gzip1.tar" app:1
check "gzip level 1 gives other bytes" bash -c '! cmp -s "$0" "$1"' "$E2E_TMP/gzip1.tar" "$E2E_TMP/gzip.tar"
out=$("$UBUILD_BIN" --root "$E2E_TMP/root-gzip1" load -i "$E2E_TMP/gzip1.tar")
check "and loads as the same image ($out)" test "$(id_of "$E2E_TMP/root-gzip1" app:1)" = "$app_id"
for bad in "--compression lz4" "--compression-level 3" "--compression gzip --compression-level 10" \
           "--compression zstd --compression-level x"; do
  # shellcheck disable=SC2086
  out=$(ub save $bad -o "$E2E_TMP/bad.tar" app:1 2>&1) && rc=0 || rc=$?
  check "save $bad is refused (rc=$rc): $out" test "$rc" -ne 0 -a ! -e "$E2E_TMP/bad.tar"
done
check "no compression spool is left in the store" test -z "$(ls -A "$ROOT/image/overlay2/layerdb/tmp")"

# Whole archives compressed as docker load accepts them, on standard input.
for z in zstd xz bzip2; do
  Rz=$E2E_TMP/root-$z
  "$z" -c "$E2E_TMP/a.tar" | "$UBUILD_BIN" --root "$Rz" load >/dev/null
  check "a $z-compressed archive on stdin loads" test "$(id_of "$Rz" app:1)" = "$app_id"
done

# --- OCI image layout directories ----------------------------------------------
# ubuild's archive is itself an OCI layout: unpacked, it loads from index.json.
lay=$E2E_TMP/layout
mkdir -p "$lay" && tar -C "$lay" -xf "$E2E_TMP/zstd.tar" && rm "$lay/manifest.json" "$lay/repositories"
Rd=$E2E_TMP/root-dir
out=$("$UBUILD_BIN" --root "$Rd" load -i "$lay")
check "load -i DIR prints each tag ($out)" \
  test "$out" = $'Loaded image: app:1\nLoaded image: app:latest\nLoaded image: busybox:latest'
check "load -i DIR keeps the ids" test "$(id_of "$Rd" app:latest) $(id_of "$Rd" busybox)" = "$app_id $bb_id"
# A multi-platform layout (skopeo copy --all): index.json -> an index of one
# manifest per platform. load takes the host's, as pull and podman do.
multi=$E2E_TMP/multi-layout
cp -a "$lay" "$multi"
python3 - "$multi" <<'PY'
import hashlib, json, os, platform, sys
d = sys.argv[1]
arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
def put(obj):
    data = json.dumps(obj).encode()
    h = hashlib.sha256(data).hexdigest()
    open(os.path.join(d, "blobs/sha256", h), "wb").write(data)
    return {"digest": "sha256:" + h, "size": len(data)}
def get(desc):
    return json.load(open(os.path.join(d, "blobs/sha256", desc["digest"][7:])))
index = json.load(open(os.path.join(d, "index.json")))
app = next(m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "1")
man = get(app)
other_cfg = get(man["config"]); other_cfg["architecture"] = "s390x"
other = dict(man, config=dict(man["config"], **put(other_cfg)))
mt = "application/vnd.oci.image.manifest.v1+json"
inner = put({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
    dict(mediaType=mt, **put(other), platform={"architecture": "s390x", "os": "linux"}),
    dict(mediaType=mt, digest=app["digest"], size=app["size"], platform={"architecture": arch, "os": "linux"})]})
json.dump({"schemaVersion": 2, "manifests": [dict(mediaType="application/vnd.oci.image.index.v1+json",
           annotations={"org.opencontainers.image.ref.name": "multi:1"}, **inner)]},
          open(os.path.join(d, "index.json"), "w"))
PY
Rm=$E2E_TMP/root-multi
out=$("$UBUILD_BIN" --root "$Rm" load -i "$multi")
check "a nested index loads the host's image, named by ref.name ($out)" test "$out" = "Loaded image: multi:1"
check "with the host image's id" test "$(id_of "$Rm" multi:1)" = "$app_id"

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

# Layout directories with a missing blob, a blob not matching its digest, a
# blob leading out of the directory, an unknown or missing oci-layout.
bad_layout() {  # bad_layout NAME: a fresh copy of $lay to damage
  rm -rf "$E2E_TMP/bad-$1"; cp -a "$lay" "$E2E_TMP/bad-$1"; echo "$E2E_TMP/bad-$1"
}
top_blob=$(python3 -c '
import json,sys,os
d=sys.argv[1]; idx=json.load(open(d+"/index.json"))
m=json.load(open(d+"/blobs/sha256/"+idx["manifests"][0]["digest"][7:]))
print(m["layers"][-1]["digest"][7:], m["config"]["digest"][7:])' "$lay")
read -r top_hex cfg_hex <<<"$top_blob"
d=$(bad_layout missing); rm "$d/blobs/sha256/$top_hex"
refused "layout dir: missing layer blob" "$d" "sha256:$top_hex is missing"
flip_middle() { python3 -c '
import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); b[len(b)//2]^=1; open(p,"wb").write(bytes(b))' "$1"; }
d=$(bad_layout flipped); flip_middle "$d/blobs/sha256/$top_hex"
refused "layout dir: damaged zstd layer blob" "$d" "blobs/sha256/$top_hex"
# A plain layer's blob digest is its diff_id.
d=$E2E_TMP/bad-plain; mkdir -p "$d" && tar -C "$d" -xf "$E2E_TMP/a.tar"
flip_middle "$d/${top_layer}"
refused "layout dir: plain layer blob not matching its digest" "$d" "layer sha256:${top_layer#blobs/sha256/}"
d=$(bad_layout config); printf ' ' >>"$d/blobs/sha256/$cfg_hex"
refused "layout dir: config blob of the wrong size" "$d" "sha256:$cfg_hex has"
d=$(bad_layout outside); rm "$d/blobs/sha256/$cfg_hex"; ln -s /etc/passwd "$d/blobs/sha256/$cfg_hex"
refused "layout dir: blob symlinked out of it" "$d" "leads out of the layout directory"
d=$(bad_layout version); echo '{"imageLayoutVersion": "2.0.0"}' >"$d/oci-layout"
refused "layout dir: oci-layout version 2.0.0" "$d" 'imageLayoutVersion "2.0.0"'
d=$(bad_layout nolayout); rm "$d/oci-layout"
refused "layout dir: no oci-layout" "$d" "oci-layout is missing"
d=$(bad_layout noindex); rm "$d/index.json"
refused "layout dir: no index.json" "$d" "index.json is missing"
d=$(bad_layout foreign); python3 - "$d" <<'PY'
import json, sys
p = sys.argv[1] + "/index.json"; j = json.load(open(p))
inner = {"schemaVersion": 2, "manifests": [dict(j["manifests"][0], platform={"os": "linux", "architecture": "s390x"}),
                                           dict(j["manifests"][0], platform={"os": "windows", "architecture": "s390x"})]}
import hashlib, os
data = json.dumps(inner).encode(); h = hashlib.sha256(data).hexdigest()
open(sys.argv[1] + "/blobs/sha256/" + h, "wb").write(data)
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.index.v1+json",
           "digest": "sha256:" + h, "size": len(data)}]}, open(p, "w"))
PY
refused "layout dir: an index without the host's platform" "$d" "has no image for linux/"

e2e_finish
