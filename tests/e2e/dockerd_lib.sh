# A private Docker engine for the tests and benches that compare with
# Docker: its own socket, data root and exec root under one directory
# (never /var/lib/docker, never the default socket), networking off.
# Sourced by lib.sh and conformance/lib.sh; e2e_cleanup and conf_cleanup
# stop the engine.

# Debian's client matches the 20.10 engine; a newer client elsewhere in PATH
# would print BuildKit deprecation noise and negotiate a different API.
if [[ -x /usr/bin/docker ]]; then DOCKER_CLI=/usr/bin/docker; else DOCKER_CLI=docker; fi
DOCKERD_DIR=${DOCKERD_DIR:-}  # the running engine's directory (start_private_dockerd); kept if sourced again

docker_cli() { "$DOCKER_CLI" -H "unix://$DOCKERD_DIR/docker.sock" "$@"; }

# start_private_dockerd DIR [dockerd options]: returns once the engine
# answers, or fails with the end of its log.
start_private_dockerd() {
  DOCKERD_DIR=$1
  shift
  local d=$DOCKERD_DIR pid
  command -v dockerd >/dev/null || { echo "dockerd is not installed" >&2; return 1; }
  mkdir -p "$d/data" "$d/exec"
  dockerd --iptables=false --ip6tables=false --bridge=none "$@" \
    --data-root "$d/data" --exec-root "$d/exec" -H "unix://$d/docker.sock" \
    --pidfile "$d/dockerd.pid" >"$d/dockerd.log" 2>&1 &
  pid=$!
  # dockerd owns dockerd.pid (it refuses to start if the file exists).
  echo "$pid" >"$d/dockerd.bgpid"
  for _ in $(seq 1 300); do
    [[ -S $d/docker.sock ]] && docker_cli version >/dev/null 2>&1 && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "dockerd exited; log:" >&2; tail -30 "$d/dockerd.log" >&2; return 1
    fi
    sleep 0.1
  done
  echo "dockerd did not answer within 30 s; log:" >&2; tail -30 "$d/dockerd.log" >&2
  return 1
}

# stop_private_dockerd [DIR]: dockerd first, then the containerd it started
# (which may outlive dockerd for a moment and keep files under DIR busy).
stop_private_dockerd() {
  local d=${1:-$DOCKERD_DIR} pidfile pid
  [[ -n $d ]] || return 0
  for pidfile in "$d/dockerd.bgpid" "$d/exec/containerd/containerd.pid"; do
    [[ -f $pidfile ]] || continue
    pid=$(cat "$pidfile" 2>/dev/null || true)
    [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || continue
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  done
  return 0
}
