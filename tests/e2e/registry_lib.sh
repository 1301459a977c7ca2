# Registries for the registry tests: Debian's docker-registry (CNCF
# distribution) on 127.0.0.1 with a free port and a private data dir, each
# stopped by the test's cleanup. Source after lib.sh.
# Processes the test starts in its own shell go in REGISTRY_PIDS; a
# registry is started inside $(start_registry ...), a subshell, so it
# leaves its pid in its directory instead.
REGISTRY_PIDS=()
registry_cleanup() {
  local pid pidfile
  for pidfile in "$E2E_TMP"/registry-*/pid; do
    [[ -f $pidfile ]] && REGISTRY_PIDS+=("$(cat "$pidfile")")
  done
  for pid in "${REGISTRY_PIDS[@]}"; do
    kill "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  e2e_cleanup
}
trap 'set +e; registry_cleanup' EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_registry NAME [extra YAML lines] [extra lines under http:]: prints
# the registry's host:port.
start_registry() {
  local name=$1 extra=${2:-} http_extra=${3:-} port dir
  port=$(free_port)
  dir=$E2E_TMP/registry-$name
  mkdir -p "$dir/data"
  cat >"$dir/config.yml" <<YML
version: 0.1
log:
  level: error
storage:
  filesystem:
    rootdirectory: $dir/data
http:
  addr: 127.0.0.1:$port
$http_extra
$extra
YML
  docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/v2/" && break
    curl -sk -o /dev/null "https://127.0.0.1:$port/v2/" && break
    sleep 0.1
  done
  echo "127.0.0.1:$port"
}

# The registry NAME's access log position, for registry_blob_bytes.
registry_log_mark() { stat -c %s "$E2E_TMP/registry-$1/log"; }
# registry_blob_bytes NAME MARK [DIGEST...]: registry_layer_bytes of the
# registry NAME started by start_registry.
registry_blob_bytes() { registry_layer_bytes "$E2E_TMP/registry-$1/log" "${@:2}"; }
# registry_layer_bytes LOG MARK [DIGEST...]: layer blob bytes GET from a
# registry (200s in its access log LOG) since MARK, the log's size when the
# count began (`stat -c %s LOG`), the blobs DIGEST... (configs) aside.
registry_layer_bytes() {
  local log=$1 mark=$2; shift 2
  tail -c +"$((mark + 1))" "$log" | python3 -c '
import re, sys
total = 0
for line in sys.stdin:
    m = re.search(r"\"GET /v2/[^ ]*/blobs/(sha256:[0-9a-f]{64}) HTTP/1.1\" 200 (\d+)", line)
    if m and m.group(1) not in sys.argv[1:]:
        total += int(m.group(2))
print(total)' "$@"
}
# registry_image_layers HOST REPO TAG: "digest size" of each layer blob of
# a Docker schema2 image, bottom first.
registry_image_layers() {
  curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$1/v2/$2/manifests/$3" |
    python3 -c 'import json,sys; [print(l["digest"], l["size"]) for l in json.load(sys.stdin)["layers"]]'
}
# registry_bytes_beyond HOST REPO TAG: the sum of the sizes of the
# "digest size" lines read whose blob that image lacks (its base's layers
# are in a runner's store already).
registry_bytes_beyond() {
  awk -v base="$(registry_image_layers "$@" | cut -d' ' -f1)" \
    'BEGIN { split(base, b); for (i in b) skip[b[i]] = 1 } !($1 in skip) { t += $2 } END { print t + 0 }'
}

# The data file of a blob in a registry's storage.
registry_blob_file() {  # NAME DIGEST
  local hex=${2#sha256:}
  echo "$E2E_TMP/registry-$1/data/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# registry_base NAME: starts registry NAME (its address in $reg) serving
# $ROOT's busybox as base/busybox:1; A=$ROOT is the first machine, SDE the
# build flag that makes image ids reproducible.
registry_base() {
  reg=$(start_registry "$1")
  ub tag busybox "$reg/base/busybox:1"
  ub push "$reg/base/busybox:1" >/dev/null
  A=$ROOT
  SDE=(--build-arg SOURCE_DATE_EPOCH=1700000000)
}
# registry_runner DIR: a fresh store at DIR that pulled $reg's base image
# and named it busybox, as a CI runner's.
registry_runner() {
  "$UBUILD_BIN" --root "$1" pull "$reg/base/busybox:1" >/dev/null
  "$UBUILD_BIN" --root "$1" tag "$reg/base/busybox:1" busybox
  echo "$1"
}

image_id() { ub inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }

# make_test_tls DIR: a CA (ca.crt, ca.key) and a certificate for
# 127.0.0.1 signed by it (server.crt, server.key) in DIR.
make_test_tls() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 1 -subj /CN=ubuild-test-ca 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -keyout "$dir/server.key" -out "$dir/server.csr" -subj /CN=127.0.0.1 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -CAcreateserial -days 1 \
    -extfile "$dir/san.ext" -out "$dir/server.crt" 2>/dev/null
}

# The lines under http: of start_registry for make_test_tls DIR's certificate.
tls_http_yaml() {  # DIR
  printf '  tls:\n    certificate: %s\n    key: %s' "$1/server.crt" "$1/server.key"
}

# htpasswd_auth_yaml FILE: writes FILE for user tester, password s3cret
# (the token server's pair too) and prints start_registry's auth YAML for it.
htpasswd_auth_yaml() {
  htpasswd -Bbn tester s3cret >"$1"
  printf 'auth:\n  htpasswd:\n    realm: test-realm\n    path: %s' "$1"
}

# start_token_server NAME [registry_token_server.py options]: a token server
# with a key and certificate made in $E2E_TMP/registry-token-NAME (its
# pid there for the cleanup); prints its port. The registry names that
# dir's cert.pem as its rootcertbundle; each request is logged to its log.
start_token_server() {
  local dir=$E2E_TMP/registry-token-$1
  shift
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$dir/key.pem" -out "$dir/cert.pem" -days 1 \
    -subj /CN=ubuild-test-token 2>/dev/null
  python3 "$UBUILD_SOURCE_DIR/tests/e2e/registry_token_server.py" "$dir/port" "$dir/key.pem" "$dir/cert.pem" \
    test-issuer tester s3cret "$dir/log" "$@" >"$dir/out" 2>&1 &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.1; done
  cat "$dir/port"
}

# The extra YAML of start_registry for token auth from start_token_server NAME.
token_auth_yaml() {  # NAME PORT
  printf 'auth:\n  token:\n    realm: http://127.0.0.1:%s/token\n    service: test-registry\n    issuer: test-issuer\n    rootcertbundle: %s\n' \
    "$2" "$E2E_TMP/registry-token-$1/cert.pem"
}

# start_slow_proxy NAME HOST:PORT BYTES_PER_SECOND: slow_proxy.py passing
# each connection on at that rate; prints its host:port.
start_slow_proxy() {
  local dir=$E2E_TMP/registry-proxy-$1
  mkdir -p "$dir"
  python3 "$UBUILD_SOURCE_DIR/tests/e2e/slow_proxy.py" "$dir/port" "$2" "$3" >"$dir/out" 2>&1 &
  echo $! >"$dir/pid"
  local i
  for i in $(seq 100); do [[ -s $dir/port ]] && break; sleep 0.1; done
  echo "127.0.0.1:$(cat "$dir/port")"
}
