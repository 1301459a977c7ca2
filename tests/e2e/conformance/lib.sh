# Shared by tests/e2e/test_conformance.sh and tests/bench/build_bench.sh:
# a private Docker engine (dockerd_lib.sh; start_private_dockerd "$T") and
# the busybox-static base rootfs.
# Source it; call conf_setup_tmp first, it sets T and installs the cleanup trap.

source "$(dirname "${BASH_SOURCE[0]}")/../dockerd_lib.sh"

conf_cleanup() {
  local rc=$?
  set +e  # every step below must run, whatever failed before
  stop_private_dockerd
  if [[ -n "${T:-}" && -d "$T" ]]; then
    # dockerd or ubuild may leave overlay mounts behind after a crash.
    grep -o " $T/[^ ]*" /proc/self/mounts 2>/dev/null | sort -r | while read -r m; do
      umount -l "$m" 2>/dev/null || true
    done || true
    for _ in 1 2 3 4 5; do rm -rf "$T" 2>/dev/null && break; sleep 1; done
    [[ -d "$T" ]] && echo "warning: could not remove $T" >&2
  fi
  return $rc
}

conf_setup_tmp() {
  T=$(mktemp -d /tmp/ubuild-conf.XXXXXX)
  trap conf_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# Applets the cases and benchmarks call; each becomes bin/<name> -> busybox.
CONF_APPLETS="sh ash cat chmod chown cp echo env false grep id ln ls mkdir mv
printf pwd rm rmdir sed sleep stat tar test touch true whoami wc head seq dd
find sha256sum gzip vi hostname mkfifo"

# Writes a reproducible busybox-static rootfs tar to $1 (sorted, 0:0 unless
# stated, fixed mtime), so that docker import and ubuild import must agree
# on its diff_id.
make_busybox_rootfs() {
  local out=$1 busybox=${BUSYBOX_STATIC:-/bin/busybox}
  if ! file -L "$busybox" 2>/dev/null | grep -q 'statically linked'; then
    if ! ldd "$busybox" 2>&1 | grep -q 'not a dynamic'; then
      echo "need a static busybox (Debian busybox-static) at $busybox" >&2; return 1
    fi
  fi
  python3 - "$out" "$busybox" $CONF_APPLETS <<'PY'
import io, sys, tarfile
out, busybox, applets = sys.argv[1], sys.argv[2], sorted(set(sys.argv[3:]))
MTIME = 1700000000
entries = []
def d(path, mode=0o755, uid=0, gid=0):
    entries.append((path, tarfile.DIRTYPE, mode, uid, gid, None, ""))
def f(path, data, mode=0o644, uid=0, gid=0):
    entries.append((path, tarfile.REGTYPE, mode, uid, gid, data, ""))
def l(path, target):
    entries.append((path, tarfile.SYMTYPE, 0o777, 0, 0, None, target))
for p in ["bin", "dev", "etc", "home", "proc", "sys", "usr", "usr/bin", "var"]:
    d(p)
d("root", 0o700)
d("tmp", 0o1777)
d("home/app", 0o755, 1000, 1000)
f("bin/busybox", open(busybox, "rb").read(), 0o755)
for a in applets:
    l("bin/" + a, "busybox")
f("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
                b"nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
                b"app:x:1000:1000:app:/home/app:/bin/sh\n")
f("etc/group", b"root:x:0:\nnogroup:x:65534:\napp:x:1000:\n")
entries.sort(key=lambda e: e[0].encode())
with open(out, "wb") as fh:
    with tarfile.open(fileobj=fh, mode="w", format=tarfile.PAX_FORMAT) as tf:
        for path, typ, mode, uid, gid, data, target in entries:
            ti = tarfile.TarInfo(path)
            ti.type, ti.mode, ti.uid, ti.gid, ti.mtime = typ, mode, uid, gid, MTIME
            ti.uname = ti.gname = ""
            ti.linkname = target
            if data is not None:
                ti.size = len(data)
                tf.addfile(ti, io.BytesIO(data))
            else:
                tf.addfile(ti)
PY
}

# The private engine in $T, with make_busybox_rootfs's $T/rootfs.tar
# imported as busybox:local.
start_dockerd_with_busybox() {
  start_private_dockerd "$T"
  make_busybox_rootfs "$T/rootfs.tar"
  docker_cli import "$T/rootfs.tar" busybox:local >/dev/null
}

# diff_id of an uncompressed layer tar.
tar_diff_id() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }
