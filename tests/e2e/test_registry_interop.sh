#!/usr/bin/env bash
# ubuild and other registry clients on one registry (Debian's
# docker-registry), both ways: podman pulls and runs what ubuild pushed,
# ubuild pulls what podman pushed (zstd), builds FROM it with a RUN and
# podman runs the result; a two-platform OCI index with zstd layers from
# skopeo is pulled (the host's entry), built on and run; over TLS with a
# CA the test makes and htpasswd, ubuild logs in and pushes and podman
# checks the certificate, pulls and runs. Bearer tokens that
# expire every 2 s while a push and a pull, slowed by a proxy, last longer;
# anonymous tokens for a public repository, `token` instead of
# `access_token`. Bad input: SIGKILL during a push, an oversized manifest,
# a registry that accepts connections and never answers (a bounded wait).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
for tool in docker-registry skopeo podman curl openssl htpasswd; do
  command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 1; }
done

# A registry that accepts connections and never answers: the pull must
# give up on its own. It runs in the background while the rest goes on.
silent_dir=$E2E_TMP/registry-silent
mkdir -p "$silent_dir"
python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(600)' "$silent_dir/port.tmp" &
echo $! >"$silent_dir/pid"
for _ in $(seq 100); do [[ -s $silent_dir/port.tmp ]] && break; sleep 0.1; done
silent=127.0.0.1:$(cat "$silent_dir/port.tmp")
( start=$(date +%s)
  "$UBUILD_BIN" --root "$E2E_TMP/silent-store" pull "$silent/x:1" >"$silent_dir/out" 2>&1 && echo 0 >"$silent_dir/rc" ||
    echo $? >"$silent_dir/rc"
  echo $(( $(date +%s) - start )) >"$silent_dir/seconds" ) &
silent_job=$!

e2e_base_image
arch=$(ub inspect busybox | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Architecture"])')
mkdir -p "$E2E_TMP/ctx"
printf 'FROM busybox\nRUN echo from-ubuild > /msg\nCMD ["cat", "/msg"]\n' >"$E2E_TMP/ctx/Dockerfile"
ub build -q -t app:1 "$E2E_TMP/ctx" >/dev/null
app_id=$(image_id app:1)
reg=$(start_registry plain)

# podman: private storage, cgroupfs, no network; the registry is plain HTTP.
P=$E2E_TMP/podman
pm() {
  podman --root "$P/root" --runroot "$P/run" --tmpdir "$P/tmp" --network-config-dir "$P/net" \
    --storage-driver vfs --cgroup-manager cgroupfs --events-backend file "$@"
}
# podman's defaults for root raise nofile and nproc, which a container
# engine's process without CAP_SYS_RESOURCE (as in CI) may not.
pm_run() { pm run --network none --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 "$@"; }
mkdir -p "$P/net"

ub tag app:1 "$reg/test/app:1"
ub push -q "$reg/test/app:1" >/dev/null
pm pull -q --tls-verify=false "$reg/test/app:1" >/dev/null
check "podman pull of ubuild's push: same image id" \
  test "sha256:$(pm image inspect --format '{{.Id}}' "$reg/test/app:1")" = "$app_id"
check "podman runs it" test "$(pm_run --rm "$reg/test/app:1")" = from-ubuild

# podman commits a container and pushes it with zstd layers (an OCI manifest).
pm_run --name made "$reg/test/app:1" sh -c 'echo from-podman > /p' >/dev/null
pm commit -q made "$reg/test/frompodman:1" >/dev/null
pm rm made >/dev/null
pm push -q --tls-verify=false --compression-format zstd "$reg/test/frompodman:1"
pid_podman=sha256:$(pm image inspect --format '{{.Id}}' "$reg/test/frompodman:1")
check "podman pushed zstd layers" bash -c "skopeo inspect --raw --tls-verify=false 'docker://$reg/test/frompodman:1' | grep -q 'tar+zstd'"
ROOT_FIRST=$ROOT
ROOT=$E2E_TMP/from-podman
ub pull -q "$reg/test/frompodman:1" >/dev/null
check "ubuild pull of podman's push: same image id" test "$(image_id "$reg/test/frompodman:1")" = "$pid_podman"
printf 'FROM %s/test/frompodman:1\nRUN cat /p /msg > /both\nCMD ["cat", "/both"]\n' "$reg" >"$E2E_TMP/ctx/Dockerfile"
ub build -q -t "$reg/test/onpodman:1" --push "$E2E_TMP/ctx" >/dev/null
pm pull -q --tls-verify=false "$reg/test/onpodman:1" >/dev/null
check "podman runs ubuild's build FROM podman's image" \
  test "$(pm_run --rm "$reg/test/onpodman:1")" = "$(printf 'from-podman\nfrom-ubuild')"

# skopeo copies a two-platform OCI index with zstd layers: this host's
# image (runnable) and the same layers under another architecture.
other=$([[ $arch == arm64 ]] && echo amd64 || echo arm64)
ROOT=$ROOT_FIRST
ub save -o "$E2E_TMP/app.tar" app:1
skopeo copy -q --dest-compress-format zstd "docker-archive:$E2E_TMP/app.tar" "oci:$E2E_TMP/index:host"
python3 - "$E2E_TMP/index" "$arch" "$other" <<'PY'
import hashlib, json, os, sys
root, arch, other = sys.argv[1:]
def blob(data):
    d = hashlib.sha256(data).hexdigest()
    open(os.path.join(root, "blobs", "sha256", d), "wb").write(data)
    return "sha256:" + d, len(data)
def read(digest):
    return open(os.path.join(root, "blobs", "sha256", digest.split(":")[1]), "rb").read()
host = json.load(open(os.path.join(root, "index.json")))["manifests"][0]
manifest = json.loads(read(host["digest"]))
config = json.loads(read(manifest["config"]["digest"]))
config["architecture"] = other
manifest["config"]["digest"], manifest["config"]["size"] = blob(json.dumps(config).encode())
entries = []
for a, m in ((arch, host), (other, None)):
    digest, size = (m["digest"], m["size"]) if m else blob(json.dumps(manifest).encode())
    entries.append({"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest, "size": size,
                    "platform": {"architecture": a, "os": "linux"}})
index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
digest, size = blob(json.dumps(index).encode())
json.dump({"schemaVersion": 2, "manifests": [{"mediaType": index["mediaType"], "digest": digest, "size": size,
           "annotations": {"org.opencontainers.image.ref.name": "multi"}}]}, open(os.path.join(root, "index.json"), "w"))
PY
skopeo copy -q --all --dest-tls-verify=false "oci:$E2E_TMP/index:multi" "docker://$reg/test/index:1"
check "the registry holds an OCI index of two platforms" bash -c "skopeo inspect --raw --tls-verify=false \
  'docker://$reg/test/index:1' | python3 -c 'import json,sys; m = json.load(sys.stdin)
assert m[\"mediaType\"].endswith(\"index.v1+json\") and len(m[\"manifests\"]) == 2, m'"
host_config=sha256:$(skopeo inspect --tls-verify=false --config --raw "docker://$reg/test/index:1" | sha256sum | cut -d' ' -f1)
ROOT=$E2E_TMP/from-index
printf 'FROM %s/test/index:1\nRUN echo built-on-index >> /msg\n' "$reg" >"$E2E_TMP/ctx/Dockerfile"
ub build -q -t "$reg/test/onindex:1" --push "$E2E_TMP/ctx" >/dev/null
check "a build FROM the index pulled the host's entry (zstd layers)" test "$(image_id "$reg/test/index:1")" = "$host_config"
pm pull -q --tls-verify=false "$reg/test/onindex:1" >/dev/null
check "podman runs ubuild's build FROM the index" \
  test "$(pm_run --rm "$reg/test/onindex:1")" = "$(printf 'from-ubuild\nbuilt-on-index')"
ROOT=$ROOT_FIRST

# TLS with a CA the test makes, and htpasswd: ubuild logs in and pushes,
# podman verifies the certificate against the same CA, pulls and runs.
tls=$E2E_TMP/tls
make_test_tls "$tls"
mkdir -p "$tls/podman"
sreg=$(start_registry tls "$(htpasswd_auth_yaml "$tls/htpasswd")" "$(tls_http_yaml "$tls")")
export UBUILD_CERTS_D=$E2E_TMP/certs.d DOCKER_CONFIG=$E2E_TMP/docker-config
mkdir -p "$UBUILD_CERTS_D/$sreg"
cp "$tls/ca.crt" "$UBUILD_CERTS_D/$sreg/ca.crt"
cp "$tls/ca.crt" "$tls/podman/ca.crt"
check "ubuild login over TLS" test "$(printf 's3cret\n' | ub login -u tester --password-stdin "$sreg")" = "Login Succeeded"
ub tag app:1 "$sreg/test/app:1"
ub push -q "$sreg/test/app:1" >/dev/null
pm pull -q --cert-dir "$tls/podman" --creds tester:s3cret "$sreg/test/app:1" >/dev/null
check "podman pulls ubuild's push over TLS and runs it" test "$(pm_run --rm "$sreg/test/app:1")" = from-ubuild
ub logout "$sreg" >/dev/null

# Bearer tokens that the registry refuses 2 s after they were issued
# (sent as `token`), and a proxy slowing each connection to 256 KiB/s: six
# layers of 512 KiB take ~2 s each, five or three at once, so the push and
# the pull outlast several tokens.
tport=$(start_token_server short --lifetime 2 --field token --public public/)
tlog=$E2E_TMP/registry-token-short/log
# At level info the registry logs each token it refuses as expired.
treg=$(REGISTRY_LOG_LEVEL=info start_registry token "$(token_auth_yaml short "$tport")")
slow=$(start_slow_proxy token "$treg" 262144)
tok=$(curl -sf -u tester:s3cret "http://127.0.0.1:$tport/token?service=test-registry&scope=registry:catalog:*" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
check "the registry takes a fresh token" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
  "http://$treg/v2/_catalog")" = 200
sleep 3.2
check "... and refuses it once expired" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" \
  "http://$treg/v2/_catalog")" = 401
mkdir -p "$E2E_TMP/big"
printf 'FROM busybox\n' >"$E2E_TMP/big/Dockerfile"
for i in 1 2 3 4 5 6; do
  head -c 524288 /dev/urandom >"$E2E_TMP/big/f$i"
  printf 'COPY f%s /\n' "$i" >>"$E2E_TMP/big/Dockerfile"
done
ub build -q -t big:1 "$E2E_TMP/big" >/dev/null
big_id=$(image_id big:1)
printf '{"auths":{"%s":{"auth":"%s"}}}' "$slow" "$(printf tester:s3cret | base64)" >"$DOCKER_CONFIG/config.json"
ub tag big:1 "$slow/test/big:1"
: >"$tlog"
start=$(date +%s%N)
out=$(ub push "$slow/test/big:1" 2>&1) && rc=0 || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "push through the slow proxy: ${ms} ms, $(grep -c '^tester ' "$tlog") tokens"
check "a push outlasting its token succeeds" test "$rc" -eq 0
[[ $rc -eq 0 ]] || echo "$out"
check "... it took longer than a token lives" test "$ms" -gt 3000
check "... and fetched new tokens on the way" test "$(grep -c '^tester repository:test/big:pull,push$' "$tlog")" -ge 2
: >"$tlog"
ROOT=$E2E_TMP/token-pull
start=$(date +%s%N)
out=$(ub pull "$slow/test/big:1" 2>&1) && rc=0 || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
echo "pull through the slow proxy: ${ms} ms, $(grep -c '^tester ' "$tlog") tokens"
check "a pull outlasting its token succeeds" test "$rc" -eq 0
[[ $rc -eq 0 ]] || echo "$out"
check "... keeping the id" test "$(image_id "$slow/test/big:1")" = "$big_id"
check "... and fetched new tokens on the way" test "$(grep -c '^tester repository:test/big:pull$' "$tlog")" -ge 2
# Refreshed before expiry, not after a 401: the registry refused only the
# token the test let expire on purpose.
check "no request of the push or the pull carried an expired token" \
  test "$(grep -c 'token not to be used after' "$E2E_TMP/registry-token/log")" = 1

# Anonymous tokens: a public repository pulls without credentials.
ROOT=$ROOT_FIRST
ub tag app:1 "$slow/public/app:1"
ub push -q "$slow/public/app:1" >/dev/null
rm "$DOCKER_CONFIG/config.json"
: >"$tlog"
ROOT=$E2E_TMP/anonymous
ub pull -q "$treg/public/app:1" >/dev/null
check "Bearer: an anonymous token pulls a public repository" test "$(image_id "$treg/public/app:1")" = "$app_id"
check "... asked for without credentials" grep -qx -- "- repository:public/app:pull" "$tlog"
check "... and only so" test "$(grep -vc '^- ' "$tlog")" = 0
ub tag "$treg/public/app:1" "$treg/public/app:2"
expect_ub_failure "Bearer: an anonymous push is refused, saying to log in" "run 'ubuild login $treg'" push "$treg/public/app:2"
ROOT=$ROOT_FIRST

# SIGKILL during a push (slowed so it is mid-upload): the store stays
# whole, nothing is left in its temporary dir, and the next push completes.
slowplain=$(start_slow_proxy plain "$reg" 262144)
ub tag big:1 "$slowplain/test/killed:1"
# A killed process's session dir (ROOT/sessions/ID) stays until the next
# writing command sweeps it, by design: it is no part of the comparison.
snapshot_but_sessions() { store_snapshot | grep -v ' \./sessions/\|^\./sessions/'; }
before=$(snapshot_but_sessions)
for delay in 0.3 1.2; do
  "$UBUILD_BIN" --root "$ROOT" push -q "$slowplain/test/killed:1" >/dev/null 2>&1 &
  pid=$!
  sleep "$delay"
  check "push SIGKILLed after ${delay}s: it was still running" kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  check "... the store is as it was (nothing recorded of a push that did not finish)" test "$before" = "$(snapshot_but_sessions)"
done
check "... and whole" bash -c 'echo 0 | python3 "$1" "$2" | grep -qx ok' _ \
  "$UBUILD_SOURCE_DIR/tests/e2e/store_check.py" "$ROOT"
ub push -q "$slowplain/test/killed:1" >/dev/null
ROOT=$E2E_TMP/after-kill
ub pull -q "$reg/test/killed:1" >/dev/null
check "the push after the SIGKILLed ones completes: a fresh store pulls the same id" \
  test "$(image_id "$reg/test/killed:1")" = "$big_id"
ROOT=$ROOT_FIRST

# A manifest over 4 MiB: distribution neither takes nor serves one, so a
# server that answers as a registry would sends it. ubuild stops reading
# at 4 MiB and the store is as it was.
hostile_dir=$E2E_TMP/registry-hostile
mkdir -p "$hostile_dir"
python3 - "$hostile_dir/port" >"$hostile_dir/out" 2>&1 <<'PY' &
import http.server, json, os, sys
body = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                   "config": {}, "layers": [], "annotations": {"pad": "x" * (5 << 20)}}).encode()
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.oci.image.manifest.v1+json" if "/manifests/" in self.path
                         else "application/json")
        data = body if "/manifests/" in self.path else b"{}"
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
open(sys.argv[1] + ".tmp", "w").write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
PY
echo $! >"$hostile_dir/pid"
for _ in $(seq 100); do [[ -s $hostile_dir/port ]] && break; sleep 0.1; done
hostile=127.0.0.1:$(cat "$hostile_dir/port")
expect_ub_failure "an oversized manifest" "larger than 4194304 bytes" pull "$hostile/test/huge:1"

# The silent registry: refused within a bounded time, saying so.
wait "$silent_job" || true
check "a registry that never answers: the pull fails" test "$(cat "$silent_dir/rc")" -ne 0
check "... naming the registry" grep -q "cannot reach registry $silent" "$silent_dir/out"
check "... within 40 s ($(cat "$silent_dir/seconds") s)" test "$(cat "$silent_dir/seconds")" -le 40
check "... and its store holds no image" test -z "$("$UBUILD_BIN" --root "$E2E_TMP/silent-store" images -q 2>/dev/null)"

e2e_finish
