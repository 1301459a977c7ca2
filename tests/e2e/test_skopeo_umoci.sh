#!/usr/bin/env bash
# End-to-end with the containers/image tools: skopeo reads ubuild's archive
# as a docker-archive, copies it to an OCI layout, umoci unpacks that layout
# to the same files as the image's merged layers, and ubuild loads the OCI
# layout (as a tar and as a directory) back with the same id. Archives with
# gzip and zstd layers (save --compression) read in skopeo as docker-archive:
# and oci-archive:, and in umoci (gzip: umoci 0.4 knows no zstd); layouts
# skopeo and umoci write, with gzip, zstd and plain layers, load from their
# directories.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
# lib.sh's cleanup runs under errexit+pipefail, where its "no mounts left"
# grep would turn a passing run into exit 1; run it with errexit off.
trap 'set +e; e2e_cleanup' EXIT
tools=$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py
for tool in skopeo umoci; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
e2e_base_image

ctx=$E2E_TMP/ctx
mkdir -p "$ctx/sub"
echo "copied" >"$ctx/sub/file"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
COPY sub /opt/sub
RUN mkdir -p /var/data && echo run > /var/data/x && ln -s /opt/sub/file /var/data/link \
 && rm /etc/group && rm -rf /home/app && chmod 4755 /opt/sub/file
CMD ["echo", "hello"]
DF
ub build -q -t multi:1 "$ctx" >/dev/null
id=$(ub inspect multi:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')
ub save -o "$E2E_TMP/multi.tar" multi:1

out=$(skopeo inspect "docker-archive:$E2E_TMP/multi.tar" 2>&1) && rc=0 || rc=$?
check "skopeo inspect docker-archive: succeeds" test "$rc" -eq 0
check "skopeo sees the image's layers" python3 -c '
import json,sys; j=json.loads(sys.argv[1]); assert len(j["Layers"]) == 3, j; assert j["Os"] == "linux", j' "$out"
cfg_sha=$(skopeo inspect --config --raw "docker-archive:$E2E_TMP/multi.tar" | sha256sum | cut -d' ' -f1)
check "skopeo's config bytes are the image id" test "sha256:$cfg_sha" = "$id"

oci=$E2E_TMP/oci
check "skopeo copy docker-archive: -> oci:" skopeo copy -q "docker-archive:$E2E_TMP/multi.tar" "oci:$oci:multi"
# skopeo rewrites Docker's config as an OCI config on the way (other bytes,
# another digest): what ubuild must keep from here on is skopeo's digest.
oci_id=sha256:$(skopeo inspect --config --raw "oci:$oci:multi" | sha256sum | cut -d' ' -f1)
check "the OCI layout holds that config blob" test -f "$oci/blobs/sha256/${oci_id#sha256:}"
umoci unpack --image "$oci:multi" "$E2E_TMP/bundle" >/dev/null
python3 "$tools" tree "$E2E_TMP/bundle/rootfs" >"$E2E_TMP/umoci.list"
mkdir -p "$E2E_TMP/merged"
python3 "$tools" merged "$E2E_TMP/multi.tar" "$E2E_TMP/merged"
python3 "$tools" tree "$E2E_TMP/merged" >"$E2E_TMP/merged.list"
check "umoci unpack gives the image's merged layers" diff "$E2E_TMP/merged.list" "$E2E_TMP/umoci.list"
check "the whiteout applied" test ! -e "$E2E_TMP/bundle/rootfs/etc/group" -a ! -e "$E2E_TMP/bundle/rootfs/home/app"
check "the RUN's file is there" grep -q run "$E2E_TMP/bundle/rootfs/var/data/x"

# The OCI layout skopeo wrote, as a tar, loads back with the same id.
tar -C "$oci" -cf "$E2E_TMP/oci.tar" .
R2=$E2E_TMP/root-oci
out=$("$UBUILD_BIN" --root "$R2" load -i "$E2E_TMP/oci.tar" 2>&1) && rc=0 || rc=$?
echo "$out"
check "ubuild loads skopeo's OCI layout" test "$rc" -eq 0
got=$("$UBUILD_BIN" --root "$R2" images -q --no-trunc | head -1)
check "with the OCI config's digest as id ($got)" test "$got" = "$oci_id"
# skopeo names the OCI image "multi:2" when asked: the ref.name carries a tag.
skopeo copy -q "docker-archive:$E2E_TMP/multi.tar" "oci:$E2E_TMP/oci2:multi:2"
tar -C "$E2E_TMP/oci2" -cf "$E2E_TMP/oci2.tar" .
out=$("$UBUILD_BIN" --root "$R2" load -i "$E2E_TMP/oci2.tar" 2>&1)
check "an OCI ref.name with a tag names the image ($out)" test "$out" = "Loaded image: multi:2"
# And back the other way: skopeo copy oci: -> docker-archive: loads too.
skopeo copy -q "oci:$oci:multi" "docker-archive:$E2E_TMP/back.tar:multi:back"
R3=$E2E_TMP/root-back
"$UBUILD_BIN" --root "$R3" load -i "$E2E_TMP/back.tar" >/dev/null
back_id=sha256:$(skopeo inspect --config --raw "docker-archive:$E2E_TMP/back.tar" | sha256sum | cut -d' ' -f1)
check "skopeo's docker-archive loads with its config's digest as id" \
  test "$("$UBUILD_BIN" --root "$R3" inspect multi:back | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')" = "$back_id"

# --- compressed archives -----------------------------------------------------------
for c in gzip zstd; do
  ub save --compression "$c" -o "$E2E_TMP/multi-$c.tar" multi:1
  for transport in docker-archive oci-archive; do
    cfg=$(skopeo inspect --config --raw "$transport:$E2E_TMP/multi-$c.tar" | sha256sum | cut -d' ' -f1)
    check "$c: skopeo reads the $transport: with ubuild's config" test "sha256:$cfg" = "$id"
  done
  check "$c: skopeo copies it whole (layers decompressed and checked)" \
    skopeo copy -q "oci-archive:$E2E_TMP/multi-$c.tar" "oci:$E2E_TMP/copy-$c:x"
done
mkdir -p "$E2E_TMP/gz-layout" && tar -C "$E2E_TMP/gz-layout" -xf "$E2E_TMP/multi-gzip.tar"
umoci unpack --image "$E2E_TMP/gz-layout:1" "$E2E_TMP/gz-bundle" >/dev/null
python3 "$tools" tree "$E2E_TMP/gz-bundle/rootfs" >"$E2E_TMP/umoci-gz.list"
check "umoci unpacks the gzip archive's layout to the merged layers" diff "$E2E_TMP/merged.list" "$E2E_TMP/umoci-gz.list"

# --- layout directories skopeo and umoci write -----------------------------------
# From ubuild's archive read as oci-archive: skopeo keeps the config (the
# image id), gzips the layers by default, keeps them plain or zstd-compresses
# them when told.
skopeo copy -q --dest-oci-accept-uncompressed-layers "oci-archive:$E2E_TMP/multi.tar" "oci:$E2E_TMP/d-plain:multi:1"
skopeo copy -q "oci-archive:$E2E_TMP/multi.tar" "oci:$E2E_TMP/d-gzip:multi:1"
skopeo copy -q --dest-compress-format zstd "oci-archive:$E2E_TMP/multi.tar" "oci:$E2E_TMP/d-zstd:multi:1"
for c in plain gzip zstd; do
  types=$(python3 -c '
import json,sys
d=sys.argv[1]; i=json.load(open(d+"/index.json"))
m=json.load(open(d+"/blobs/sha256/"+i["manifests"][0]["digest"][7:]))
print(" ".join(sorted({l["mediaType"].rsplit(".",1)[1] for l in m["layers"]})))' "$E2E_TMP/d-$c")
  check "skopeo's $c layout has $c layers ($types)" test "$types" = "$(sed 's/plain/tar/;s/gzip/tar+gzip/;s/zstd/tar+zstd/' <<<"$c")"
  Rd=$E2E_TMP/root-d-$c
  out=$("$UBUILD_BIN" --root "$Rd" load -i "$E2E_TMP/d-$c" 2>&1) && rc=0 || rc=$?
  check "ubuild loads skopeo's $c layout directory ($out)" test "$rc" -eq 0 -a "$out" = "Loaded image: multi:1"
  check "with ubuild's image id" test "$("$UBUILD_BIN" --root "$Rd" images -q --no-trunc multi:1)" = "$id"
done
# umoci: a new layer on top (umoci repack, gzip) and a new config (umoci
# config), each under a bare tag, which names no repository: loaded by id.
umoci repack --image "$oci:multi" "$E2E_TMP/bundle" >/dev/null
cp -a "$oci" "$E2E_TMP/umoci-layout"
mkdir -p "$E2E_TMP/bundle/rootfs/added" && echo umoci >"$E2E_TMP/bundle/rootfs/added/file"
umoci repack --image "$E2E_TMP/umoci-layout:grown" "$E2E_TMP/bundle" >/dev/null
umoci config --image "$E2E_TMP/umoci-layout:grown" --tag relabelled --config.label umoci=yes >/dev/null
umoci rm --image "$E2E_TMP/umoci-layout:multi"
umoci rm --image "$E2E_TMP/umoci-layout:grown"
relabelled=sha256:$(skopeo inspect --config --raw "oci:$E2E_TMP/umoci-layout:relabelled" | sha256sum | cut -d' ' -f1)
Ru=$E2E_TMP/root-umoci
out=$("$UBUILD_BIN" --root "$Ru" load -i "$E2E_TMP/umoci-layout" 2>&1) && rc=0 || rc=$?
check "ubuild loads umoci's layout ($out)" test "$rc" -eq 0 -a "$out" = "Loaded image ID: $relabelled"
check "its added layer is there" test "$("$UBUILD_BIN" --root "$Ru" inspect -f '{{len .RootFS.Layers}} {{index .Config.Labels "umoci"}}' "$relabelled")" = "4 yes"

e2e_finish
