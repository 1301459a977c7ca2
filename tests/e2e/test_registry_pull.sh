#!/usr/bin/env bash
# ubuild pull against a real registry (Debian's docker-registry) filled by
# skopeo: gzip, zstd and uncompressed layers, an OCI index with a platform
# choice, RepoDigests, Basic auth from the docker config, and bad input —
# a bad reference, an unknown tag or platform, a manifest or blob whose
# bytes do not match their digest, a truncated blob, a wrong diff_id — each
# failing with a clear message and leaving the store as it was.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
for tool in docker-registry skopeo htpasswd curl; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done
images=$UBUILD_SOURCE_DIR/tests/e2e/registry_images.py
SRC=$E2E_TMP/src
e2e_base_image
mkdir -p "$E2E_TMP/ctx"
printf 'FROM busybox\nRUN mkdir /d && echo x > /d/x\nCMD ["cat", "/d/x"]\n' >"$E2E_TMP/ctx/Dockerfile"
ub build -q -t multi:1 "$E2E_TMP/ctx" >/dev/null
src_id=$(image_id multi:1)
ub save -o "$E2E_TMP/multi.tar" multi:1
printf 'FROM busybox\nRUN mkdir /d && echo y > /d/x\n' >"$E2E_TMP/ctx/Dockerfile"
ub build -q -t multi:2 "$E2E_TMP/ctx" >/dev/null
src2_id=$(image_id multi:2)
ub save -o "$E2E_TMP/multi2.tar" multi:2
mkdir -p "$E2E_TMP/bigctx"
for i in 1 2 3 4; do head -c 8000000 /dev/urandom >"$E2E_TMP/bigctx/f$i"; done
printf 'FROM busybox\nCOPY f1 f2 /a/\nCOPY f3 f4 /b/\n' >"$E2E_TMP/bigctx/Dockerfile"
ub build -q -t big:1 "$E2E_TMP/bigctx" >/dev/null
big_id=$(image_id big:1)
ub save -o "$E2E_TMP/big.tar" big:1
mv "$ROOT" "$SRC"

reg=$(start_registry plain)
skopeo copy -q --dest-tls-verify=false "docker-archive:$E2E_TMP/multi.tar" "docker://$reg/test/multi:1"
# zstd in a registry of its own: skopeo's blob-info cache would otherwise
# reuse the gzip blobs of the same registry. Docker schema2 has no zstd, so
# skopeo writes an OCI manifest and config: the image id is that config's.
zreg=$(start_registry zstd)
skopeo copy -q --dest-tls-verify=false --dest-compress-format zstd "docker-archive:$E2E_TMP/multi.tar" \
  "docker://$zreg/test/zstd:1"
zstd_id=sha256:$(skopeo inspect --tls-verify=false --config --raw "docker://$zreg/test/zstd:1" | sha256sum | cut -d' ' -f1)
check "the zstd image has zstd layers" bash -c "skopeo inspect --raw --tls-verify=false 'docker://$zreg/test/zstd:1' |
  python3 -c 'import json,sys; m = json.load(sys.stdin); assert all(l[\"mediaType\"].endswith(\"zstd\") for l in m[\"layers\"]), m'"
python3 "$images" multiarch "$E2E_TMP/ma"
skopeo copy -q --all --dest-tls-verify=false "oci:$E2E_TMP/ma:multi" "docker://$reg/test/ma:1"
python3 "$images" bad-diffid "$E2E_TMP/bd"
skopeo copy -q --dest-tls-verify=false "oci:$E2E_TMP/bd:bad" "docker://$reg/test/bad:1"
digest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/test/multi:1")

# gzip layers (skopeo's default), into an empty store.
out=$(ub pull "$reg/test/multi:1")
check "pull prints docker's lines" python3 -c '
import sys; out, reg, digest = sys.argv[1:]; lines = out.splitlines()
assert lines[0] == "1: Pulling from test/multi", lines
assert sum(l.endswith(": Pull complete") for l in lines) == 2, lines
assert lines[-3:] == ["Digest: " + digest, "Status: Downloaded newer image for %s/test/multi:1" % reg,
                      "%s/test/multi:1" % reg], lines' "$out" "$reg" "$digest"
check "pulled image keeps the id it was built with" test "$(image_id "$reg/test/multi:1")" = "$src_id"
check "inspect shows the RepoDigest" python3 -c '
import json, sys; j = json.loads(sys.argv[1])[0]
assert j["RepoDigests"] == [sys.argv[2]], j["RepoDigests"]' "$(ub inspect "$reg/test/multi:1")" "$reg/test/multi@$digest"
check "images --digests shows the digest" bash -c "'$UBUILD_BIN' --root '$ROOT' images --digests | grep -q ' $digest '"
out=$(ub pull "$reg/test/multi:1")
check "a second pull is up to date" grep -q "^Status: Image is up to date for $reg/test/multi:1$" <<<"$out"
check "-q prints only the reference" test "$(ub pull -q "$reg/test/multi@$digest")" = "$reg/test/multi@$digest"
printf 'FROM %s/test/multi:1\nRUN cat /d/x > /y\n' "$reg" >"$E2E_TMP/ctx/Dockerfile"
check "a build runs on the pulled image" ub build -q -t on-pulled "$E2E_TMP/ctx"

# Images named by digest: name@sha256:… and name:tag@sha256:… resolve to
# the image pulled under that RepoDigest; a build FROM a digest the store
# lacks pulls it.
check "inspect name@digest" test "$(image_id "$reg/test/multi@$digest")" = "$src_id"
check "inspect name:tag@digest" test "$(image_id "$reg/test/multi:1@$digest")" = "$src_id"
other_digest=sha256:$(printf x | sha256sum | cut -d' ' -f1)
check "another digest is not that image" bash -c "! '$UBUILD_BIN' --root '$ROOT' inspect '$reg/test/multi@$other_digest' >/dev/null 2>&1"
ROOT_FIRST=$ROOT
ROOT=$E2E_TMP/by-digest
printf 'FROM %s/test/multi@%s\nRUN cat /d/x > /y\n' "$reg" "$digest" >"$E2E_TMP/ctx/Dockerfile"
out=$(ub build -t by-digest "$E2E_TMP/ctx" 2>&1)
check "a build FROM name@digest pulls it" grep -q "^Digest: $digest$" <<<"$out"
check "... and builds on it" test "$(ub inspect by-digest | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["RootFS"]["Layers"]))')" = 3
printf 'FROM %s/test/multi:1@%s\nRUN cat /d/x > /z\n' "$reg" "$digest" >"$E2E_TMP/ctx/Dockerfile"
out=$(ub build -t by-tag-digest "$E2E_TMP/ctx" 2>&1)
check "a build FROM name:tag@digest uses the pulled image without pulling again" bash -c "! grep -q '^Digest:' <<<'$out'"
ROOT=$ROOT_FIRST

# zstd layers, into a fresh store.
rm -rf "$ROOT"
ub pull -q "$zreg/test/zstd:1" >/dev/null
check "zstd layers: the image id is the registry config's" test "$(image_id "$zreg/test/zstd:1")" = "$zstd_id"
check "zstd layers: the same diff_ids as the gzip image" test \
  "$(ub inspect "$zreg/test/zstd:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RootFS"])')" = \
  "$("$UBUILD_BIN" --root "$SRC" inspect multi:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RootFS"])')"

# load reads zstd layers too: the same image as an OCI archive from skopeo.
skopeo copy -q --src-tls-verify=false "docker://$zreg/test/zstd:1" "oci-archive:$E2E_TMP/zstd-oci.tar:z:1"
check "the OCI archive keeps the zstd layers" bash -c "skopeo inspect --raw 'oci-archive:$E2E_TMP/zstd-oci.tar' | grep -q 'tar+zstd'"
rm -rf "$ROOT"
ub load -i "$E2E_TMP/zstd-oci.tar" >/dev/null
check "load of zstd layers gives the same image id" test "$(ub images -q --no-trunc)" = "$zstd_id"

# An OCI index: the host's platform, or --platform's.
ub pull -q --platform linux/arm64 "$reg/test/ma:1" >/dev/null
check "--platform linux/arm64 picks the arm64 entry" test \
  "$(ub inspect "$reg/test/ma:1" | python3 -c 'import json,sys; j=json.load(sys.stdin)[0]; print(j["Architecture"], j["Variant"])')" = "arm64 v8"
ub pull -q --platform linux/amd64 "$reg/test/ma:1" >/dev/null
check "--platform linux/amd64 picks the amd64 entry" test \
  "$(ub inspect "$reg/test/ma:1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Architecture"])')" = amd64

# Bad input: a clear message, a non-zero exit, the store as it was.
expect_ub_failure "bad reference" "invalid reference format: repository name must be lowercase" pull "$reg/Test/x"
expect_ub_failure "unknown tag" "manifest unknown: $reg/test/multi:nope does not exist" pull "$reg/test/multi:nope"
expect_ub_failure "unknown platform lists the available ones" \
  "no matching manifest for linux/s390x in the manifest list entries (available: linux/amd64, linux/arm64/v8)" \
  pull --platform linux/s390x "$reg/test/ma:1"
expect_ub_failure "bad --platform" "invalid platform \"linux\"" pull --platform linux "$reg/test/ma:1"
expect_ub_failure "wrong diff_id" "but the image config's diff_id is" pull "$reg/test/bad:1"
other=sha256:$(printf x | sha256sum | cut -d' ' -f1)
expect_ub_failure "a digest the registry does not have" "does not exist in the registry" pull "$reg/test/multi@$other"
closed=127.0.0.1:$(free_port)
expect_ub_failure "unreachable registry" "cannot reach registry $closed over HTTPS" pull "$closed/x:1"

fresh_store() { rm -rf "$ROOT"; ub images >/dev/null; }

# SIGKILL at several points of a pull: nothing half-registered, and the
# next pull completes with the right id.
skopeo copy -q --dest-tls-verify=false "docker-archive:$E2E_TMP/big.tar" "docker://$reg/test/big:1"
fresh_store
for delay in 0.05 0.15 0.3 0.5; do
  "$UBUILD_BIN" --root "$ROOT" pull -q "$reg/test/big:1" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
done
ub pull -q "$reg/test/big:1" >/dev/null
check "after SIGKILLed pulls the next pull completes" test "$(image_id "$reg/test/big:1")" = "$big_id"
check "no staging leftovers" test -z "$(ls -A "$ROOT/image/overlay2/layerdb/tmp")"
check "every registered layer is whole" bash -c 'for d in "$1"/image/overlay2/layerdb/sha256/*/; do
  for f in diff size cache-id tar-split.json.gz; do [[ -s $d$f ]] || exit 1; done; done' _ "$ROOT"

# Damage the registry's copy of an image: its manifest, then a layer.
fresh_store
zdigest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$zreg/test/zstd:1")
mfile=$(registry_blob_file zstd "$zdigest")
cp "$mfile" "$E2E_TMP/manifest.bak"
python3 -c 'import sys; p = sys.argv[1]; b = open(p, "rb").read(); open(p, "wb").write(b.replace(b"\"schemaVersion\": 2", b"\"schemaVersion\":  2", 1) if b"\"schemaVersion\": 2" in b else b.replace(b"\"schemaVersion\":2", b"\"schemaVersion\": 2", 1))' "$mfile"
expect_ub_failure "manifest bytes not matching their digest" "manifest digest mismatch: expected $zdigest" pull "$zreg/test/zstd:1"
cp "$E2E_TMP/manifest.bak" "$mfile"
layer=$(skopeo inspect --tls-verify=false --format '{{index .Layers 1}}' "docker://$zreg/test/zstd:1")
lfile=$(registry_blob_file zstd "$layer")
cp "$lfile" "$E2E_TMP/layer.bak"
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0xff; open(p, "wb").write(b)' "$lfile"
expect_ub_failure "corrupted zstd blob" "not to its digest" pull "$zreg/test/zstd:1"
head -c 100 "$E2E_TMP/layer.bak" >"$lfile"
expect_ub_failure "truncated blob" "truncated blob: received 100 of" pull "$zreg/test/zstd:1"
cp "$E2E_TMP/layer.bak" "$lfile"
glayer=$(skopeo inspect --tls-verify=false --format '{{index .Layers 1}}' "docker://$reg/test/multi:1")
gfile=$(registry_blob_file plain "$glayer")
cp "$gfile" "$E2E_TMP/glayer.bak"
python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0xff; open(p, "wb").write(b)' "$gfile"
expect_ub_failure "corrupted gzip blob (decompressed as it streams)" "not to its digest" pull "$reg/test/multi:1"
cp "$E2E_TMP/glayer.bak" "$gfile"
ub pull -q "$zreg/test/zstd:1" >/dev/null
check "after the damage is repaired the pull completes" test "$(image_id "$zreg/test/zstd:1")" = "$zstd_id"

# A build pulls what its FROM and COPY --from name; --pull asks again.
fresh_store
printf 'FROM %s/test/multi:1\nCOPY --from=%s/test/ma:1 /arch /arch\nRUN cat /arch /d/x > /out\n' "$reg" "$reg" \
  >"$E2E_TMP/ctx/Dockerfile"
out=$(ub build -t built "$E2E_TMP/ctx" 2>&1) && rc=0 || rc=$?
check "build pulls its FROM and COPY --from images" test "$rc" -eq 0
check "build shows the pulls" grep -q "^Status: Downloaded newer image for $reg/test/ma:1$" <<<"$out"
check "the FROM image pulled by the build keeps its id" test "$(image_id "$reg/test/multi:1")" = "$src_id"
out=$(ub build -t built "$E2E_TMP/ctx" 2>&1)
check "a second build pulls nothing" bash -c '! grep -q "Pulling from" <<<"$1"' _ "$out"
skopeo copy -q --dest-tls-verify=false "docker-archive:$E2E_TMP/multi2.tar" "docker://$reg/test/multi:1"
out=$(ub build --pull -t built "$E2E_TMP/ctx" 2>&1)
check "--pull asks the registry again and takes the new image" \
  grep -q "^Status: Downloaded newer image for $reg/test/multi:1$" <<<"$out"
check "--pull moved the tag to the registry's new image" test "$(image_id "$reg/test/multi:1")" = "$src2_id"
# A stage's platform (FROM --platform=, else build --platform) picks the
# index entry its FROM and COPY --from images are pulled for.
arch_of() { ub inspect "$1" | python3 -c 'import json,sys; j=json.load(sys.stdin)[0]; print(j["Architecture"], j.get("Variant", ""))'; }
fresh_store
printf 'FROM --platform=linux/arm64 %s/test/ma:1\nLABEL p=1\n' "$reg" >"$E2E_TMP/ctx/Dockerfile"
ub build -q -t plat "$E2E_TMP/ctx" >/dev/null
check "FROM --platform=linux/arm64 pulls the index's arm64 entry" test "$(arch_of plat)" = "arm64 v8"
fresh_store
printf 'FROM scratch\nCOPY --from=%s/test/ma:1 /arch /arch\n' "$reg" >"$E2E_TMP/ctx/Dockerfile"
ub build -q --platform linux/arm64 -t plat "$E2E_TMP/ctx" >/dev/null
check "build --platform linux/arm64 pulls COPY --from's arm64 entry" test "$(arch_of "$reg/test/ma:1")" = "arm64 v8"
printf 'FROM busybox\nFROM %s/test/multi:nope\n' "$reg" >"$E2E_TMP/ctx/Dockerfile"
expect_ub_failure "a FROM the registry does not have" \
  "Dockerfile:2: image \"$reg/test/multi:nope\" is not in the store and pulling it failed (manifest unknown" \
  build "$E2E_TMP/ctx"

# Basic auth (htpasswd), credentials from $DOCKER_CONFIG.
areg=$(start_registry basic "$(htpasswd_auth_yaml "$E2E_TMP/htpasswd")")
skopeo copy -q --dest-tls-verify=false --dest-creds tester:s3cret "docker-archive:$E2E_TMP/multi.tar" \
  "docker://$areg/test/multi:1"
export DOCKER_CONFIG=$E2E_TMP/docker-config
fresh_store
expect_ub_failure "pull without credentials" "unauthorized: authentication required for $areg" pull "$areg/test/multi:1"
mkdir -p "$DOCKER_CONFIG"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$areg" "$(printf tester:wrong | base64)" >"$DOCKER_CONFIG/config.json"
expect_ub_failure "pull with a wrong password" "refused the credentials of tester" pull "$areg/test/multi:1"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$areg" "$(printf tester:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
ub pull -q "$areg/test/multi:1" >/dev/null
check "Basic auth from the docker config pulls the image" test "$(image_id "$areg/test/multi:1")" = "$src_id"

# TLS with a CA the test makes (and htpasswd): trusted only through certs.d.
tls=$E2E_TMP/tls
make_test_tls "$tls"
sreg=$(start_registry tls "$(htpasswd_auth_yaml "$E2E_TMP/htpasswd")" "$(tls_http_yaml "$tls")")
mkdir -p "$tls/skopeo"
cp "$tls/ca.crt" "$tls/skopeo/ca.crt"
skopeo copy -q --dest-cert-dir "$tls/skopeo" --dest-creds tester:s3cret "docker-archive:$E2E_TMP/multi.tar" \
  "docker://$sreg/test/multi:1"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$sreg" "$(printf tester:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
export UBUILD_CERTS_D=$E2E_TMP/certs.d
fresh_store
expect_ub_failure "TLS: an unknown CA is refused, naming where a CA goes" \
  "is not signed by a CA ubuild trusts: put the registry's CA certificate in $UBUILD_CERTS_D/HOST[:PORT]/ca.crt" \
  pull "$sreg/test/multi:1"
mkdir -p "$UBUILD_CERTS_D/$sreg"
cp "$tls/ca.crt" "$UBUILD_CERTS_D/$sreg/ca.crt"
ub pull -q "$sreg/test/multi:1" >/dev/null
check "TLS: with its CA in certs.d the pull succeeds" test "$(image_id "$sreg/test/multi:1")" = "$src_id"

# A registry that wants a client certificate: certs.d's client.cert/.key.
openssl req -newkey rsa:2048 -nodes -keyout "$tls/client.key" -out "$tls/client.csr" -subj /CN=ubuild-client 2>/dev/null
printf 'extendedKeyUsage=clientAuth\n' >"$tls/client.ext"
openssl x509 -req -in "$tls/client.csr" -CA "$tls/ca.crt" -CAkey "$tls/ca.key" -CAcreateserial -days 1 \
  -extfile "$tls/client.ext" -out "$tls/client.cert" 2>/dev/null
mreg=$(start_registry mtls "" "$(tls_http_yaml "$tls")
    clientcas:
      - $tls/ca.crt")
cp "$tls/client.cert" "$tls/client.key" "$tls/skopeo/"
skopeo copy -q --dest-cert-dir "$tls/skopeo" "docker-archive:$E2E_TMP/multi.tar" "docker://$mreg/test/multi:1"
mkdir -p "$UBUILD_CERTS_D/$mreg"
cp "$tls/ca.crt" "$UBUILD_CERTS_D/$mreg/ca.crt"
fresh_store
expect_ub_failure "TLS: without a client certificate the registry refuses" "cannot reach registry $mreg" pull "$mreg/test/multi:1"
cp "$tls/client.cert" "$tls/client.key" "$UBUILD_CERTS_D/$mreg/"
ub pull -q "$mreg/test/multi:1" >/dev/null
check "TLS: the client certificate from certs.d is presented" test "$(image_id "$mreg/test/multi:1")" = "$src_id"

# The Bearer flow: distribution's token auth, tokens from a server the test runs.
tport=$(start_token_server pull)
tlog=$E2E_TMP/registry-token-pull/log
treg=$(start_registry token "$(token_auth_yaml pull "$tport")")
skopeo copy -q --dest-tls-verify=false --dest-creds tester:s3cret "docker-archive:$E2E_TMP/multi.tar" \
  "docker://$treg/test/multi:1"
rm -f "$DOCKER_CONFIG/config.json"
: >"$tlog"
fresh_store
expect_ub_failure "Bearer: an anonymous token is not enough" "unauthorized: authentication required for $treg" \
  pull "$treg/test/multi:1"
check "Bearer: the token request named the repository's pull scope" grep -qx -- "- repository:test/multi:pull" "$tlog"
printf '{"auths":{"http://%s/v2/":{"auth":"%s"}}}' "$treg" "$(printf tester:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
: >"$tlog"
ub pull -q "$treg/test/multi:1" >/dev/null
check "Bearer: a token for the credentials pulls the image" test "$(image_id "$treg/test/multi:1")" = "$src_id"
check "Bearer: one token served the whole pull" test "$(grep -c '^tester repository:test/multi:pull$' "$tlog")" = 1

e2e_finish
