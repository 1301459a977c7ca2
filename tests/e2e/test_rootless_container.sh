#!/usr/bin/env bash
# End-to-end: ubuild builds inside a Docker 20.10 container without
# --privileged, rootless, with the smallest set of `docker run` options, and
# each of them is needed. The image is made by ubuild itself: a rootfs with
# the binary, its shared libraries, busybox and newuidmap/newgidmap is
# imported and saved, and the save loaded into a private engine.
#
#   --user 1000:1000                          rootless inside: a user with
#                                             ranges in the image's /etc/subuid
#   --security-opt seccomp=unconfined         Docker's profile refuses
#                                             unshare(CLONE_NEWUSER)
#   --security-opt systempaths=unconfined     Docker masks parts of /proc, and
#                                             the kernel then refuses RUN's own
#                                             /proc mount
#   a volume (or tmpfs) for the store         overlay takes no upper layer on
#                                             the container's overlay root
#
# newuidmap/newgidmap carry file capabilities (cap_setuid, cap_setgid), not
# the setuid bit: setuid root, they would open uid_map as root, who has no
# CAP_SYS_ADMIN over the user's namespace in a container.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$UBUILD_SOURCE_DIR/tests/e2e/conformance/lib.sh"
[[ $(id -u) == 0 ]] || { echo "test_rootless_container.sh: needs root (dockerd)" >&2; exit 2; }
for tool in dockerd setcap newuidmap newgidmap; do
  command -v "$tool" >/dev/null || { echo "test_rootless_container.sh: $tool not found" >&2; exit 2; }
done
T=$E2E_TMP/docker
mkdir -p "$T"
export SOURCE_DATE_EPOCH=1700000000

# --- the image -----------------------------------------------------------
fs=$E2E_TMP/rootfs
mkdir -p "$fs"/{bin,usr/local/bin,usr/bin,etc,tmp,ctx,proc,sys,dev,lib64,lib/x86_64-linux-gnu}
mkdir -p "$fs/home/builder/.local/share/ubuild"
cp "$(command -v busybox)" "$fs/bin/busybox"
ln -s busybox "$fs/bin/sh"
cp "$UBUILD_BIN" "$fs/usr/local/bin/ubuild"
cp "$(command -v newuidmap)" "$(command -v newgidmap)" "$fs/usr/bin/"
chmod 755 "$fs/usr/bin/newuidmap" "$fs/usr/bin/newgidmap"
setcap cap_setuid+ep "$fs/usr/bin/newuidmap"
setcap cap_setgid+ep "$fs/usr/bin/newgidmap"
ldd "$UBUILD_BIN" "$fs/usr/bin/newuidmap" "$fs/usr/bin/newgidmap" | awk '/=> \// { print $3 }' | sort -u |
  while read -r lib; do cp -L "$lib" "$fs/lib/x86_64-linux-gnu/"; done
cp -L /lib64/ld-linux-x86-64.so.2 "$fs/lib64/"
printf 'root:x:0:0:root:/root:/bin/sh\nbuilder:x:1000:1000:builder:/home/builder:/bin/sh\n' >"$fs/etc/passwd"
printf 'root:x:0:\nbuilder:x:1000:\n' >"$fs/etc/group"
echo "builder:100000:65536" >"$fs/etc/subuid"
echo "builder:100000:65536" >"$fs/etc/subgid"
chmod 1777 "$fs/tmp"
make_busybox_rootfs "$fs/ctx/base.tar"
printf 'FROM busybox:local\nRUN echo hi >/hi && chown 1000:1000 /hi && mkdir /d && chown 33:33 /d\n' >"$fs/ctx/Dockerfile"
chown -R 1000:1000 "$fs/home/builder"
tar --numeric-owner --xattrs --xattrs-include=security.capability -C "$fs" -cf "$E2E_TMP/image-rootfs.tar" .
ub import "$E2E_TMP/image-rootfs.tar" ubuild-in-docker:test >/dev/null
ub save -o "$E2E_TMP/image.tar" ubuild-in-docker:test

start_private_dockerd "$T"
docker_cli load -i "$E2E_TMP/image.tar" >/dev/null

# The same build as root on the host, for the id.
ub import - busybox:local <"$fs/ctx/base.tar" >/dev/null
want=$(ub build --network none -q "$fs/ctx")

# in_docker OPTION...: runs the import and the build in a container.
script='ubuild import - busybox:local </ctx/base.tar >/dev/null && ubuild build --network none -q /ctx && ubuild info'
STORE=(--tmpfs /home/builder/.local/share/ubuild:exec,uid=1000,gid=1000)
USER_OPT=(--user 1000:1000)
SECCOMP=(--security-opt seccomp=unconfined)
SYSTEMPATHS=(--security-opt systempaths=unconfined)
in_docker() {
  docker_cli run --rm --network none -e SOURCE_DATE_EPOCH -e HOME=/home/builder "$@" ubuild-in-docker:test \
    sh -c "$script" >"$E2E_TMP/out" 2>&1
}

rc=0
in_docker "${USER_OPT[@]}" "${SECCOMP[@]}" "${SYSTEMPATHS[@]}" "${STORE[@]}" || rc=$?
check "builds in a container with --user, seccomp=unconfined, systempaths=unconfined and a store volume" test "$rc" -eq 0
[[ $rc -eq 0 ]] || cat "$E2E_TMP/out"
check "... with root's image id $want" grep -qx "$want" "$E2E_TMP/out"
check "... rootless, on the kernel's overlay" grep -q '^ Overlay Mount: overlay (userxattr)$' "$E2E_TMP/out"
docker_cli run --rm -v ubuild-store:/home/builder/.local/share/ubuild "${USER_OPT[@]}" "${SECCOMP[@]}" \
  "${SYSTEMPATHS[@]}" --network none -e SOURCE_DATE_EPOCH -e HOME=/home/builder ubuild-in-docker:test \
  sh -c "$script" >"$E2E_TMP/out" 2>&1 || true
check "... and with a named volume as the store" grep -qx "$want" "$E2E_TMP/out"

rc=0
in_docker "${USER_OPT[@]}" "${SYSTEMPATHS[@]}" "${STORE[@]}" || rc=$?
check "without seccomp=unconfined: no user namespace, and the error says so" \
  grep -q "cannot create a user namespace.*seccomp=unconfined" "$E2E_TMP/out"
rc=0
in_docker "${USER_OPT[@]}" "${SECCOMP[@]}" "${STORE[@]}" || rc=$?
check "without systempaths=unconfined: RUN cannot mount its /proc" grep -q "mount .*/proc: Operation not permitted" "$E2E_TMP/out"
rc=0
in_docker "${USER_OPT[@]}" "${SECCOMP[@]}" "${SYSTEMPATHS[@]}" || rc=$?
check "without a store volume: overlay refuses, and the error says to use a volume" \
  grep -q "the store is on overlayfs.*put the store on a volume" "$E2E_TMP/out"
rc=0
in_docker "${SECCOMP[@]}" "${SYSTEMPATHS[@]}" "${STORE[@]}" || rc=$?
check "as the container's root (no --user): no CAP_SYS_ADMIN to mount" test "$rc" -ne 0
docker_cli volume rm ubuild-store >/dev/null || true

e2e_finish
