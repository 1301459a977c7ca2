#!/usr/bin/env bash
# End-to-end with the containers/image tools: skopeo reads ubuild's archive
# as a docker-archive, copies it to an OCI layout, umoci unpacks that layout
# to the same files as the image's merged layers, and ubuild loads the OCI
# layout (as a tar) back with the same id.
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

e2e_finish
