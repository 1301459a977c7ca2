#!/usr/bin/env bash
# RUN's sandbox against `docker run`'s defaults (issue 10, part 3): each
# probe runs one shell snippet inside a ubuild RUN and inside `docker run` of
# the same busybox image on a private Docker engine, and the test prints
#   property | docker run | ubuild | verdict
# failing when ubuild is looser than docker run (or a probe gives no answer).
#
# Probes come from every tests/e2e/sandbox_checks/*.sh, sourced in name order.
# A check file calls
#   probe "<property>" '<sh snippet>' ['<ubuild build flags>'] ['<docker run flags>']
# The snippet runs under busybox sh as root, in a subshell whose stdout goes
# to a file; its LAST stdout line is the result word. `blocked` and `allowed`
# compare by strictness (ubuild `allowed` where docker says `blocked` fails;
# the other way round is reported as `tighter`); any other words must be
# equal. Flags are split on blanks. A check file may also set up peers before
# its probes: $SANDBOX_TMP is a scratch directory, `sandbox_background CMD…`
# starts a process that is killed when the test ends, and $sandbox_host_addr
# (198.51.100.1) is an address of the test's "host" that is not loopback.
#
# The whole test runs in network and mount namespaces of its own
# (re-executed under `unshare --net --mount`): its servers, ubuild's
# user-mode network stack and the Docker engine all live there, so nothing
# listens on the machine's real addresses, no probe can reach outside the
# machine, and a check file may bind-mount over host files such as
# /etc/resolv.conf.
#   SANDBOX_ONLY=REGEX   run only the probes whose property matches
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)

if [[ -z ${UBUILD_SANDBOX_NETNS:-} ]]; then
  exec env UBUILD_SANDBOX_NETNS=1 unshare --net --mount -- bash "$0" "$@"
fi
sandbox_host_addr=198.51.100.1  # TEST-NET-2: routed nowhere
ip link set lo up
ip addr add "$sandbox_host_addr/32" dev lo

source "$here/lib.sh"
source "$here/conformance/lib.sh"
T=$E2E_TMP/docker
SANDBOX_TMP=$E2E_TMP/sandbox
mkdir -p "$T" "$SANDBOX_TMP/logs"
SANDBOX_PIDS=()

sandbox_cleanup() {
  local rc=$?
  set +e
  local pid
  for pid in "${SANDBOX_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  (exit "$rc")
  e2e_cleanup
}
trap sandbox_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

sandbox_background() {
  "$@" &
  SANDBOX_PIDS+=($!)
}

PROBE_NAMES=()
PROBE_SNIPPETS=()
PROBE_UBUILD_FLAGS=()
PROBE_DOCKER_FLAGS=()
probe() {
  [[ $# -ge 2 && $# -le 4 ]] || { echo "probe: want PROPERTY SNIPPET [UBUILD_FLAGS] [DOCKER_FLAGS], got $# words" >&2; exit 2; }
  if [[ -n ${SANDBOX_ONLY:-} && ! $1 =~ $SANDBOX_ONLY ]]; then return 0; fi
  PROBE_NAMES+=("$1")
  PROBE_SNIPPETS+=("$2")
  PROBE_UBUILD_FLAGS+=("${3:-}")
  PROBE_DOCKER_FLAGS+=("${4:-}")
}

for tool in dockerd python3 unshare ip timeout; do
  command -v "$tool" >/dev/null || { echo "test_sandbox.sh: $tool is not installed" >&2; exit 1; }
done

for check in "$here"/sandbox_checks/*.sh; do
  source "$check"
done
[[ ${#PROBE_NAMES[@]} -gt 0 ]] || { echo "test_sandbox.sh: no probes (SANDBOX_ONLY=${SANDBOX_ONLY:-})" >&2; exit 1; }

e2e_base_image
start_private_dockerd "$T"
ub save busybox | docker_cli load >/dev/null

# The snippet's stdout goes to a file, so background children that keep
# their stdout open cannot hold up the result; the marker is split so the
# build's "Step 2/2 : RUN …" echo of the command never matches it.
wrapper_of() {
  printf '( %s\n) >/tmp/.probe-out\necho "@@PROBE""-RESULT:$(tail -n 1 /tmp/.probe-out)"' "$1"
}
result_of() {  # the marker line's word, or "error" if there was none
  local word
  word=$(sed -n 's/^@@PROBE-RESULT://p' "$1" | tail -n 1)
  echo "${word:-error}"
}

probe_ubuild() {  # INDEX WRAPPER FLAGS -> result word
  local i=$1 wrapper=$2 flags=$3 ctx=$SANDBOX_TMP/ctx-$1
  mkdir -p "$ctx"
  python3 -c 'import json, sys; print("FROM busybox\nRUN " + json.dumps(["sh", "-c", sys.argv[1]]))' "$wrapper" \
    >"$ctx/Dockerfile"
  # shellcheck disable=SC2086  # flags are documented as blank-separated
  timeout 120 "$UBUILD_BIN" --root "$ROOT" build --no-cache $flags "$ctx" >"$SANDBOX_TMP/logs/$i.ubuild" 2>&1 || true
  result_of "$SANDBOX_TMP/logs/$i.ubuild"
}

probe_docker() {  # INDEX WRAPPER FLAGS -> result word
  local i=$1 wrapper=$2 flags=$3
  # shellcheck disable=SC2086
  timeout 120 "$DOCKER_CLI" -H "unix://$T/docker.sock" run --rm --name "sandbox-probe-$i" $flags busybox \
    sh -c "$wrapper" >"$SANDBOX_TMP/logs/$i.docker" 2>&1 || true
  docker_cli rm -f "sandbox-probe-$i" >/dev/null 2>&1 || true
  result_of "$SANDBOX_TMP/logs/$i.docker"
}

verdict_of() {  # DOCKER UBUILD
  if [[ $1 == error || $2 == error ]]; then echo ERROR
  elif [[ $1 == "$2" ]]; then echo same
  elif [[ $1 == blocked && $2 == allowed ]]; then echo LOOSER
  elif [[ $1 == allowed && $2 == blocked ]]; then echo tighter
  else echo DIFFERS
  fi
}

rows=()
for i in "${!PROBE_NAMES[@]}"; do
  wrapper=$(wrapper_of "${PROBE_SNIPPETS[$i]}")
  d=$(probe_docker "$i" "$wrapper" "${PROBE_DOCKER_FLAGS[$i]}")
  u=$(probe_ubuild "$i" "$wrapper" "${PROBE_UBUILD_FLAGS[$i]}")
  v=$(verdict_of "$d" "$u")
  rows+=("${PROBE_NAMES[$i]}"$'\t'"$d"$'\t'"$u"$'\t'"$v")
  case $v in
    same|tighter) pass "${PROBE_NAMES[$i]}: docker run $d, ubuild $u" ;;
    *)
      fail "${PROBE_NAMES[$i]}: docker run $d, ubuild $u ($v)"
      echo "--- docker run ${PROBE_DOCKER_FLAGS[$i]}:"; tail -n 20 "$SANDBOX_TMP/logs/$i.docker"
      echo "--- ubuild build ${PROBE_UBUILD_FLAGS[$i]}:"; tail -n 20 "$SANDBOX_TMP/logs/$i.ubuild"
      ;;
  esac
done

echo
stack=$(command -v slirp4netns || command -v pasta || echo none)
echo "docker run: engine $(docker_cli version --format '{{.Server.Version}}'); ubuild RUN network stack: $stack;" \
  "cgroup controllers: $(awk -F: '$2 ~ /(memory|pids|devices)/ {printf "%s(v1) ", $2} $1 == "0" {printf "unified(v2) "}' /proc/self/cgroup)"
printf '%s\n' "property"$'\t'"docker run"$'\t'"ubuild"$'\t'"verdict" "${rows[@]}" | python3 -c '
import sys
rows = [line.rstrip("\n").split("\t") for line in sys.stdin]
widths = [max(len(r[c]) for r in rows) for c in range(4)]
fmt = lambda r: "| " + " | ".join(v.ljust(w) for v, w in zip(r, widths)) + " |"
print(fmt(rows[0]))
print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
for r in rows[1:]:
    print(fmt(r))'
echo
e2e_finish
