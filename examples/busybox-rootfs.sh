#!/usr/bin/env bash
# Writes a small busybox rootfs tarball to $1, from Debian's busybox-static:
# the offline base image every example builds FROM (no registry needed).
#   bash examples/busybox-rootfs.sh /tmp/busybox.tar && ubuild import /tmp/busybox.tar busybox
set -euo pipefail
out=${1:?usage: busybox-rootfs.sh OUT.tar}
busybox=${BUSYBOX_STATIC:-/bin/busybox}
[[ -x $busybox ]] || { echo "busybox-rootfs.sh: $busybox missing: apt-get install busybox-static" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,etc,tmp,root,home/app,proc,sys,dev}
chmod 1777 "$dir/tmp"
cp "$busybox" "$dir/bin/busybox"
for applet in $("$busybox" --list); do
  [[ $applet == busybox ]] || ln -s busybox "$dir/bin/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' >"$dir/etc/group"
chown 1000:1000 "$dir/home/app"
# Fixed order, owners and times: the same busybox always gives the same diff_id.
tar --sort=name --numeric-owner --mtime=@0 -C "$dir" -cf "$out" .
