#!/usr/bin/env bash
# ubuild push against a real registry (Debian's docker-registry), read back
# by skopeo, by a private Docker 20.10 engine (pull, run, same id) and by
# ubuild pull into a fresh store (same id); layers the registry has are
# skipped, a sibling repository's are mounted, layers go up as streamed
# PATCHes (a registry refusing those gets whole uploads; also over TLS
# with htpasswd, and with token auth), and compression is
# deterministic (the same image pushed from another store gives the same
# manifest digest), also with --compression zstd or uncompressed. docker
# push -> ubuild pull keeps Docker's id. Bad input
# fails clearly with the store as it was.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
for tool in docker-registry skopeo dockerd htpasswd; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done

e2e_base_image
mkdir -p "$E2E_TMP/ctx"
head -c 300000 /dev/urandom >"$E2E_TMP/ctx/blob"
printf 'FROM busybox\nCOPY blob /blob\nRUN mkdir /d && echo pushed > /d/x\nCMD ["cat", "/d/x"]\n' >"$E2E_TMP/ctx/Dockerfile"
ub build -q -t app:1 "$E2E_TMP/ctx" >/dev/null
id=$(image_id app:1)

reg=$(start_registry plain)
ub tag app:1 "$reg/test/app:1"
out=$(ub push "$reg/test/app:1")
rdigest=$(skopeo inspect --tls-verify=false --format '{{.Digest}}' "docker://$reg/test/app:1")
check "push prints docker's lines" python3 -c '
import sys; out, reg, digest = sys.argv[1:]; lines = out.splitlines()
assert lines[0] == "The push refers to repository [%s/test/app]" % reg, lines
assert sum(l.endswith(": Preparing") for l in lines) == 3, lines
assert sum(l.endswith(": Pushed") for l in lines) == 3, lines
size = len(__import__("subprocess").run(["skopeo", "inspect", "--raw", "--tls-verify=false",
            "docker://%s/test/app:1" % reg], capture_output=True, check=True).stdout)
assert lines[-1] == "1: digest: %s size: %d" % (digest, size), (lines[-1], digest, size)' "$out" "$reg" "$rdigest"
cfg=$(skopeo inspect --tls-verify=false --config --raw "docker://$reg/test/app:1" | sha256sum | cut -d' ' -f1)
check "the registry holds the image's config bytes" test "sha256:$cfg" = "$id"
check "the manifest is Docker schema2 with gzip layers" python3 -c '
import json, subprocess, sys
m = json.loads(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://%s/test/app:1" % sys.argv[1]],
                              capture_output=True, check=True).stdout)
assert m["mediaType"] == "application/vnd.docker.distribution.manifest.v2+json", m
assert [l["mediaType"] for l in m["layers"]] == ["application/vnd.docker.image.rootfs.diff.tar.gzip"] * 3, m' "$reg"
check "layers go up as streamed PATCHes, the config whole (registry access log)" python3 -c '
import re, sys
lines = open(sys.argv[1]).read().splitlines()
patch = [l for l in lines if re.search(r"\"PATCH /v2/test/app/blobs/uploads/\S+ HTTP/1.1\" 202 ", l)]
put = [l for l in lines if re.search(r"\"PUT /v2/test/app/blobs/uploads/\S+digest=sha256:[0-9a-f]{64} HTTP/1.1\" 201 ", l)]
assert len(patch) == 3 and len(put) == 4, (patch, put)' "$E2E_TMP/registry-plain/log"
check "inspect shows the pushed RepoDigest" bash -c "'$UBUILD_BIN' --root '$ROOT' inspect app:1 | grep -q '\"$reg/test/app@$rdigest\"'"

start=$(date +%s%N)
out=$(ub push "$reg/test/app:1")
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "second push (every blob present): ${ms} ms"
check "a second push finds every layer" test "$(grep -c ': Layer already exists$' <<<"$out")" = 3
check "a second push gives the same digest" grep -q "^1: digest: $rdigest " <<<"$out"

ub tag app:1 "$reg/test/other:1"
out=$(ub push "$reg/test/other:1")
check "a sibling repository mounts the layers" test "$(grep -c ': Mounted from test/app$' <<<"$out")" = 3
check "the mounted push has the same digest" grep -q "^1: digest: $rdigest " <<<"$out"

# The same image from another store (nothing known about the registry):
# compressed again, to the same bytes.
ub save -o "$E2E_TMP/app.tar" app:1
ROOT_FIRST=$ROOT
ROOT=$E2E_TMP/second
ub load -i "$E2E_TMP/app.tar" >/dev/null
ub tag app:1 "$reg/test/again:1"
out=$(ub push "$reg/test/again:1")
check "compression is deterministic: another store pushes the same digest" grep -q "^1: digest: $rdigest " <<<"$out"

# A registry behind a proxy that refuses bodies without a length (411 to
# the chunked PATCH): each layer is spooled and uploaded whole, to the
# same bytes.
python3 "$UBUILD_SOURCE_DIR/tests/e2e/length_required_proxy.py" "$reg" "$E2E_TMP/proxy.port" "$E2E_TMP/proxy.log" &
REGISTRY_PIDS+=($!)
for _ in $(seq 100); do [[ -f $E2E_TMP/proxy.port ]] && break; sleep 0.1; done
proxied=127.0.0.1:$(cat "$E2E_TMP/proxy.port")
ub tag app:1 "$proxied/test/proxied:1"
out=$(ub push "$proxied/test/proxied:1")
check "behind a proxy refusing the streamed PATCH, push says so once" \
  test "$(grep -c 'the registry refused a streamed upload' <<<"$out")" = 1
check "... uploads every layer whole" test "$(grep -c ': Pushed$' <<<"$out")" = 3
check "... and pushes the same digest" grep -q "^1: digest: $rdigest " <<<"$out"
# The layers start at once, so up to all three may try the PATCH first.
check "... with refused PATCHes and whole PUTs (proxy log)" python3 -c '
import re, sys
lines = open(sys.argv[1]).read().splitlines()
patches = [l for l in lines if l.startswith("PATCH ")]
assert 1 <= len(patches) <= 3 and all(l.endswith(" 411") for l in patches), lines
assert len([l for l in lines if re.match(r"PUT /v2/test/proxied/blobs/uploads/\S+digest=sha256:\S+ 201$", l)]) == 4, lines' "$E2E_TMP/proxy.log"

# Pulled back into a fresh store: the same id.
ROOT=$E2E_TMP/third
ub pull -q "$reg/test/app:1" >/dev/null
check "push then pull into a fresh store keeps the id" test "$(image_id "$reg/test/app:1")" = "$id"
ROOT=$ROOT_FIRST

# build --push: each -t name pushed after the build.
out=$(ub build --push -t "$reg/test/built:1" -t "$reg/test/built:2" "$E2E_TMP/ctx")
check "build --push pushes every tag" test "$(grep -c '^[12]: digest: ' <<<"$out")" = 2
check "the pushed build is in the registry" test "$(skopeo inspect --tls-verify=false --format '{{.Digest}}' \
  "docker://$reg/test/built:2")" = "$(sed -n 's/^2: digest: \(sha256:[0-9a-f]*\) .*/\1/p' <<<"$out")"

# Docker 20.10 pulls what ubuild pushed, and pushes what ubuild pulls.
start_private_dockerd "$E2E_TMP/docker" --insecure-registry "$reg"
docker_cli pull -q "$reg/test/app:1" >/dev/null
check "docker pull of ubuild's push: same image id" test "$(docker_cli image inspect --format '{{.Id}}' "$reg/test/app:1")" = "$id"
check "docker runs it" test "$(docker_cli run --rm --network none "$reg/test/app:1")" = pushed
check "docker and ubuild pull record the same RepoDigests" test \
  "$(docker_cli image inspect --format '{{json .RepoDigests}}' "$reg/test/app:1")" = \
  "$("$UBUILD_BIN" --root "$E2E_TMP/third" inspect "$reg/test/app:1" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]["RepoDigests"], separators=(",", ":")))')"
check "docker and ubuild pull have the same diff_ids" test \
  "$(docker_cli image inspect --format '{{json .RootFS.Layers}}' "$reg/test/app:1")" = \
  "$("$UBUILD_BIN" --root "$E2E_TMP/third" inspect "$reg/test/app:1" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]["RootFS"]["Layers"], separators=(",", ":")))')"
docker_cli tag "$reg/test/app:1" "$reg/test/fromdocker:1"
printf 'FROM %s/test/app:1\nRUN echo docker > /d/y\n' "$reg" | docker_cli build -q -t "$reg/test/fromdocker:2" - >/dev/null
docker_cli push "$reg/test/fromdocker:2" >/dev/null
did=$(docker_cli image inspect --format '{{.Id}}' "$reg/test/fromdocker:2")
ROOT=$E2E_TMP/fourth
ub pull -q "$reg/test/fromdocker:2" >/dev/null
check "ubuild pull of docker's push: same image id" test "$(image_id "$reg/test/fromdocker:2")" = "$did"
printf 'FROM %s/test/fromdocker:2\nRUN cat /d/x /d/y > /both\nCMD ["cat", "/both"]\n' "$reg" | ub build -q --push -t "$reg/test/ondocker:1" - >/dev/null
docker_cli pull -q "$reg/test/ondocker:1" >/dev/null
check "docker runs ubuild's build FROM docker's push" test "$(docker_cli run --rm --network none "$reg/test/ondocker:1")" = "$(printf 'pushed\ndocker')"
ROOT=$ROOT_FIRST

# --compression zstd and uncompressed: every layer compressed again (the
# registry's gzip blobs are not reused), the manifest says so, the bytes
# are the same from another store, and Docker and ubuild pull the same id.
for comp in zstd uncompressed; do
  ub tag app:1 "$reg/test/$comp:1"
  out=$(ub push --compression "$comp" "$reg/test/$comp:1")
  check "push --compression $comp compresses every layer" test "$(grep -c ': Pushed$' <<<"$out")" = 3
  cdigest=$(sed -n 's/^1: digest: \(sha256:[0-9a-f]*\) .*/\1/p' <<<"$out")
  # zstd goes in an OCI manifest (BuildKit's choice; containers/image reads
  # no zstd in schema2), the rest stays schema2.
  media=application/vnd.docker.image.rootfs.diff.tar
  [[ $comp == zstd ]] && media=application/vnd.oci.image.layer.v1.tar+zstd
  check "... and the manifest lists $comp layers" python3 -c '
import json, subprocess, sys
m = json.loads(subprocess.run(["skopeo", "inspect", "--raw", "--tls-verify=false", "docker://%s/test/%s:1" % tuple(sys.argv[1:3])],
                              capture_output=True, check=True).stdout)
assert [l["mediaType"] for l in m["layers"]] == [sys.argv[3]] * 3, m' "$reg" "$comp" "$media"
  if [[ $comp == zstd ]]; then
    check "... skopeo (containers/image) copies the zstd push" \
      skopeo copy -q --src-tls-verify=false "docker://$reg/test/$comp:1" "oci:$E2E_TMP/zstd-copy:1"
  fi
  check "... the same bytes from another store" bash -c "'$UBUILD_BIN' --root '$E2E_TMP/second' tag app:1 '$reg/test/${comp}2:1' &&
    '$UBUILD_BIN' --root '$E2E_TMP/second' push --compression $comp '$reg/test/${comp}2:1' | grep -q '^1: digest: $cdigest '"
  ROOT=$E2E_TMP/$comp-pull
  ub pull -q "$reg/test/$comp:1" >/dev/null
  check "... ubuild pulls it with the same id" test "$(image_id "$reg/test/$comp:1")" = "$id"
  ROOT=$ROOT_FIRST
  docker_cli pull -q "$reg/test/$comp:1" >/dev/null
  check "... Docker pulls it with the same id" test "$(docker_cli image inspect --format '{{.Id}}' "$reg/test/$comp:1")" = "$id"
done
out=$(ub push --compression zstd "$reg/test/zstd:1")
check "a second zstd push finds every layer" test "$(grep -c ': Layer already exists$' <<<"$out")" = 3

# Bad input.
expect_ub_failure "push of an image the store lacks" "no such image in the store: $reg/test/none:1" push "$reg/test/none:1"
expect_ub_failure "push with an unknown compression" "unknown compression 'xz'" push --compression xz "$reg/test/app:1"
expect_ub_failure "push with a level out of range" "gzip's compression level is 0 to 9, not 11" push --compression-level 11 "$reg/test/app:1"
expect_ub_failure "push of a digest reference" "cannot push a digest reference" push "$reg/test/app@$rdigest"
areg=$(start_registry basic "$(htpasswd_auth_yaml "$E2E_TMP/htpasswd")")
export DOCKER_CONFIG=$E2E_TMP/docker-config
ub tag app:1 "$areg/test/app:1"
expect_ub_failure "push without credentials" "unauthorized: authentication required for $areg" push "$areg/test/app:1"
check "... and says to log in" bash -c "'$UBUILD_BIN' --root '$ROOT' push '$areg/test/app:1' 2>&1 | grep -q \"run 'ubuild login $areg'\""

# login / logout write and clear the file docker writes.
out=$(printf 'wrong\n' | ub login -u tester --password-stdin "$areg" 2>&1) && rc=0 || rc=$?
check "login with a wrong password fails" test "$rc" -ne 0
check "... saying so" grep -q "refused the credentials of tester" <<<"$out"
check "... and stores nothing" test ! -e "$DOCKER_CONFIG/config.json"
check "login succeeds" test "$(printf 's3cret\n' | ub login -u tester --password-stdin "http://$areg/v2/")" = "Login Succeeded"
check "config.json has mode 0600" test "$(stat -c %a "$DOCKER_CONFIG/config.json")" = 600
check "config.json holds docker's auths entry" python3 -c '
import base64, json, sys; j = json.load(open(sys.argv[1]))
assert base64.b64decode(j["auths"][sys.argv[2]]["auth"]) == b"tester:s3cret", j' "$DOCKER_CONFIG/config.json" "$areg"
out=$(ub push "$areg/test/app:1")
check "push with the stored login" test "$(grep -c ': Pushed$' <<<"$out")" = 3
check "logout" test "$(ub logout "$areg")" = "Removing login credentials for $areg"
check "logout removed the entry" python3 -c '
import json, sys; assert sys.argv[2] not in json.load(open(sys.argv[1]))["auths"]' "$DOCKER_CONFIG/config.json" "$areg"
check "a second logout" test "$(ub logout "$areg")" = "Not logged in to $areg"

# TLS with a CA the test makes (and htpasswd), then distribution's token
# auth: the streamed PATCH goes through both like every other request.
tls=$E2E_TMP/tls
make_test_tls "$tls"
sreg=$(start_registry tls "$(htpasswd_auth_yaml "$E2E_TMP/htpasswd")" "$(tls_http_yaml "$tls")")
export UBUILD_CERTS_D=$E2E_TMP/certs.d
mkdir -p "$UBUILD_CERTS_D/$sreg"
cp "$tls/ca.crt" "$UBUILD_CERTS_D/$sreg/ca.crt"
printf '{"auths":{"%s":{"auth":"%s"}}}' "$sreg" "$(printf tester:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
ub tag app:1 "$sreg/test/app:1"
out=$(ub push "$sreg/test/app:1")
check "TLS + htpasswd: push uploads every layer" test "$(grep -c ': Pushed$' <<<"$out")" = 3
check "... to the same digest" grep -q "^1: digest: $rdigest " <<<"$out"
check "... as streamed PATCHes" test "$(grep -c '"PATCH /v2/test/app/blobs/uploads/[^ ]* HTTP/[0-9.]*" 202 ' "$E2E_TMP/registry-tls/log")" = 3

tport=$(start_token_server push)
treg=$(start_registry token "$(token_auth_yaml push "$tport")")
printf '{"auths":{"%s":{"auth":"%s"}}}' "$treg" "$(printf tester:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
ub tag app:1 "$treg/test/app:1"
out=$(ub push "$treg/test/app:1")
check "Bearer: push uploads every layer" test "$(grep -c ': Pushed$' <<<"$out")" = 3
check "... to the same digest" grep -q "^1: digest: $rdigest " <<<"$out"
check "... as streamed PATCHes" test "$(grep -c '"PATCH /v2/test/app/blobs/uploads/[^ ]* HTTP/[0-9.]*" 202 ' "$E2E_TMP/registry-token/log")" = 3
check "... with one token for pull,push" test "$(grep -c '^tester repository:test/app:pull,push$' "$E2E_TMP/registry-token-push/log")" = 1

e2e_finish
