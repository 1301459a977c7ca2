#!/usr/bin/env bash
# RUN's seccomp filter (issue 10, part 3), end to end:
#  - ordinary builds (the examples, package-manager-style shell work, a
#    non-root USER) work under Docker's default profile and give the same
#    image ids as with --security-opt seccomp=unconfined;
#  - the filter a RUN runs under answers every syscall as the one `docker
#    run` installs does: both are read back from the running processes
#    (PTRACE_SECCOMP_GET_FILTER) and run side by side (seccomp_filters.py),
#    for the default profile and for a profile FILE using every feature of
#    the format (args, errnoRet, includes/excludes by caps and minKernel,
#    conditions on one argument, KILL/TRAP/LOG);
#  - a bad --security-opt stops the build before it starts, names the file
#    and what is wrong, and leaves the store as it was.
# The docker comparison starts a private engine (tests/e2e/conformance/lib.sh).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
source "$here/conformance/lib.sh"
T=$E2E_TMP/docker
mkdir -p "$T"
seccomp_cleanup() {
  local rc=$?
  set +e
  [[ -n ${SLEEPER:-} ]] && kill "$SLEEPER" 2>/dev/null
  (exit "$rc")
  e2e_cleanup
}
trap seccomp_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export SOURCE_DATE_EPOCH=1700000000  # image ids depend only on the build, not on when it ran
e2e_base_image
UNCONFINED=$E2E_TMP/root-unconfined
"$UBUILD_BIN" --root "$UNCONFINED" import "$E2E_TMP/busybox.tar" busybox >/dev/null

# --- Builds under the filter: same ids as without it ----------------------
mkdir -p "$E2E_TMP/shellwork"
cat >"$E2E_TMP/shellwork/Dockerfile" <<'EOF'
FROM busybox
RUN set -e; echo 'svc:x:1001:1001::/home/svc:/bin/sh' >> /etc/passwd; echo 'svc:x:1001:' >> /etc/group; \
    mkdir -p /home/svc /var/lib/pkg /usr/local/share; chown -R 1001:1001 /home/svc
RUN set -e; cd /tmp; mkdir src; for i in $(seq 1 40); do echo "file $i" > src/f$i; done; \
    tar czf /tmp/src.tgz -C /tmp src; tar xzf /tmp/src.tgz -C /usr/local/share; rm /tmp/src.tgz; \
    find /usr/local/share -type f | sort | xargs sha256sum > /var/lib/pkg/manifest; rm -rf /tmp/src
RUN set -e; ln -s /usr/local/share/src /opt-src; mkfifo /tmp/fifo; (echo through-fifo > /tmp/fifo &); \
    read line < /tmp/fifo; echo "$line" > /var/lib/pkg/fifo.txt; rm /tmp/fifo; \
    sed -i 's/^file 1$/file one/' /usr/local/share/src/f1; chmod 0640 /var/lib/pkg/manifest; \
    touch -d '2020-01-01 00:00:00' /var/lib/pkg/stamp; mknod /tmp/null c 1 3; rm /tmp/null
RUN set -e; su svc -c 'id -u > /tmp/uid'; test "$(cat /tmp/uid)" = 1001; rm /tmp/uid; \
    renice -n 5 -p $$ > /dev/null; ionice -c 3 true; taskset -p $$ > /dev/null; timeout 5 sleep 0.1; \
    chroot / true; kill -0 $$; ps > /dev/null; dd if=/dev/zero of=/var/lib/pkg/zero bs=4k count=8 2>/dev/null
USER app
RUN set -e; cd /home/app; echo hi > hello; chmod 600 hello; test "$(id -u)" = 1000
EOF
for ctx in "$UBUILD_SOURCE_DIR/examples/hello" "$UBUILD_SOURCE_DIR/examples/multi-stage" "$E2E_TMP/shellwork"; do
  name=${ctx##*/}
  if confined=$(ub build -q --no-cache "$ctx" 2>"$E2E_TMP/err") &&
     unconfined=$("$UBUILD_BIN" --root "$UNCONFINED" build -q --no-cache --security-opt seccomp=unconfined "$ctx" 2>>"$E2E_TMP/err"); then
    check "$name builds under the filter with the id it has without it ($confined)" test "$confined" = "$unconfined"
  else
    fail "$name does not build: $(cat "$E2E_TMP/err")"
  fi
done
mkdir -p "$E2E_TMP/userns"
printf 'FROM busybox\nRUN unshare -U true\n' >"$E2E_TMP/userns/Dockerfile"
check "unshare -U fails in a RUN" bash -c "! '$UBUILD_BIN' --root '$ROOT' build -q '$E2E_TMP/userns' 2>/dev/null"
check "unshare -U works with seccomp=unconfined" \
  bash -c "'$UBUILD_BIN' --root '$ROOT' build -q --security-opt seccomp=unconfined '$E2E_TMP/userns' >/dev/null"

# --- Bad options: clear errors, store untouched ---------------------------
printf '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALOW"}]}' \
  >"$E2E_TMP/bad.json"
before=$(store_snapshot)
bad_option() {  # WANT_MESSAGE OPTION
  local out rc=0
  out=$(ub build --security-opt "$2" "$UBUILD_SOURCE_DIR/examples/hello" 2>&1 >/dev/null) || rc=$?
  [[ $rc -ne 0 && $out == "$1" ]] || { echo "exit $rc, said: $out" >&2; return 1; }
}
check "a profile with a bad action is refused, naming file and value" bad_option \
  "ubuild: $E2E_TMP/bad.json: seccomp profile: syscalls[0].action: unknown action \"SCMP_ACT_ALOW\"" \
  "seccomp=$E2E_TMP/bad.json"
check "a missing profile is refused" bad_option \
  "ubuild: $E2E_TMP/missing.json: cannot open the seccomp profile: No such file or directory" \
  "seccomp=$E2E_TMP/missing.json"
check "other security options are refused" bad_option \
  $'ubuild: --security-opt apparmor=unconfined: ubuild supports seccomp=unconfined|FILE\nSee \'ubuild --help\'.' \
  "apparmor=unconfined"
check "the refused builds left the store as it was" test "$before" = "$(store_snapshot)"

# --- The filter against docker run's --------------------------------------
if ! command -v dockerd >/dev/null; then
  fail "dockerd is not installed: cannot compare with docker run"
  e2e_finish
fi
start_private_dockerd "$T"
ub save busybox | docker_cli load >/dev/null

# A profile using each part of the format, built from Docker's own so that
# runc's init and sleep still run under it.
python3 - "$UBUILD_SOURCE_DIR/builder/run/seccomp/default.json" "$E2E_TMP/features.json" <<'PY'
import json, sys
profile = json.load(open(sys.argv[1]))
for rule in profile["syscalls"]:
    rule["names"] = [n for n in rule["names"] if n not in ("mkdir", "mkdirat", "mbind")]
profile["syscalls"] += [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 30},
    {"names": ["keyctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13,
     "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 2, "op": "SCMP_CMP_EQ"}]},
    {"name": "add_key", "action": "SCMP_ACT_KILL"},
    {"names": ["request_key"], "action": "SCMP_ACT_TRAP"},
    {"names": ["uselib"], "action": "SCMP_ACT_LOG"},
    {"names": ["userfaultfd"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 1, "valueTwo": 1, "op": "SCMP_CMP_MASKED_EQ"}]},
    {"names": ["mbind"], "action": "SCMP_ACT_ERRNO", "errnoRet": 22,
     "args": [{"index": 1, "value": 100, "op": "SCMP_CMP_GT"}, {"index": 0, "value": 8, "op": "SCMP_CMP_NE"}]},
    {"names": ["acct"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_PACCT"]}},
    {"names": ["vhangup"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38, "excludes": {"caps": ["CAP_SYS_PACCT"]}},
    {"names": ["swapon"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}},
    {"names": ["swapoff"], "action": "SCMP_ACT_ERRNO", "errnoRet": 16, "excludes": {"minKernel": "99.0"}},
    {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_ALLOW"},
]
json.dump(profile, open(sys.argv[2], "w"), indent=1)
PY

# The newest filter of the RUN's `sleep` and of docker run's, read back.
compare_with_docker() {  # WHAT [SECURITY_OPT]
  local what=$1 opt=${2:-} pid ctx=$E2E_TMP/sleeper
  local -a ub_opt=() docker_opt=()
  [[ -n $opt ]] && ub_opt=(--security-opt "$opt") && docker_opt=(--security-opt "$opt")
  mkdir -p "$ctx"
  printf 'FROM busybox\nRUN exec sleep 31415\n' >"$ctx/Dockerfile"
  ub build --no-cache "${ub_opt[@]}" "$ctx" >/dev/null 2>&1 &
  SLEEPER=$!
  pid=
  for _ in $(seq 1 100); do
    pid=$(pgrep -x -f 'sleep 31415' | head -n 1) && break
    sleep 0.1
  done
  python3 "$here/seccomp_filters.py" dump "$pid" "$E2E_TMP/ubuild.bpf"
  kill -9 "$pid"
  wait "$SLEEPER" || true
  SLEEPER=
  docker_cli run -d --name seccomp-sleeper --network none "${docker_opt[@]}" busybox sleep 31416 >/dev/null
  pid=$(docker_cli inspect -f '{{.State.Pid}}' seccomp-sleeper)
  python3 "$here/seccomp_filters.py" dump "$pid" "$E2E_TMP/docker.bpf"
  docker_cli rm -f seccomp-sleeper >/dev/null
  check "$what: every syscall gets docker run's answer" \
    python3 "$here/seccomp_filters.py" compare "$E2E_TMP/docker.bpf" "$E2E_TMP/ubuild.bpf"
}
compare_with_docker "default profile"
compare_with_docker "profile FILE with every feature" "seccomp=$E2E_TMP/features.json"

e2e_finish
