# Seccomp probes for tests/e2e/test_sandbox.sh (sourced there): every RUN
# gets Docker's default profile (builder/run/seccomp/), so what `docker run`'s
# filter refuses, a RUN refuses with the same EPERM, and what it lets
# through (chroot, 32-bit personality) still works.

# A snippet running CMD that says blocked when it reports EPERM (busybox's
# mount says "permission denied", its date -s reports and exits 0), allowed
# when it succeeded, else failed (any other error: the probe proves nothing).
seccomp_outcome() {
  printf 'out=$(%s 2>&1); rc=$?; case $out in *"not permitted"*|*"permission denied"*) echo blocked ;; *) if [ $rc = 0 ]; then echo allowed; else printf "%%s\\n" "$out"; echo failed; fi ;; esac' "$1"
}

probe "seccomp: filter mode (/proc/self/status)" 'awk "/^Seccomp:/ { print \$2 }" /proc/self/status'
probe "seccomp: no_new_privs stays off (setuid works)" 'awk "/^NoNewPrivs:/ { print \$2 }" /proc/self/status'
probe "seccomp: new user namespace (unshare -U)" "$(seccomp_outcome 'unshare -U true')"
probe "seccomp: new mount namespace (unshare -m)" "$(seccomp_outcome 'unshare -m true')"
probe "seccomp: join a namespace (nsenter/setns)" "$(seccomp_outcome 'nsenter -t 1 -u true')"
probe "seccomp: mount tmpfs" "$(seccomp_outcome 'mount -t tmpfs none /mnt')"
probe "seccomp: kernel log (dmesg/syslog)" "$(seccomp_outcome 'dmesg')"
probe "seccomp: load a module (insmod/init_module)" "$(seccomp_outcome 'insmod /bin/busybox')"
probe "seccomp: reboot(2) (reboot -f)" "$(seccomp_outcome 'reboot -f')"
probe "seccomp: swapon" "$(seccomp_outcome 'swapon /bin/busybox')"
# Sets the clock to what it already says, so nothing changes if it passed.
probe "seccomp: set the clock (date -s)" "$(seccomp_outcome 'date -s @$(date +%s)')"
probe "seccomp: chroot (allowed)" "$(seccomp_outcome 'chroot / true')"
probe "seccomp: 32-bit personality (linux32 uname -m)" 'linux32 uname -m'
probe "seccomp: unconfined: filter mode" 'awk "/^Seccomp:/ { print \$2 }" /proc/self/status' \
  '--security-opt seccomp=unconfined' '--security-opt seccomp=unconfined'
probe "seccomp: unconfined: new user namespace" "$(seccomp_outcome 'unshare -U true')" \
  '--security-opt seccomp=unconfined' '--security-opt seccomp=unconfined'

# A profile file of one's own, read as Docker reads it: everything allowed
# but mkdir, which fails with EPERM.
cat >"$SANDBOX_TMP/seccomp-no-mkdir.json" <<'JSON'
{
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
  "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]
}
JSON
probe "seccomp: profile FILE denying mkdir" "$(seccomp_outcome 'mkdir /tmp/seccomp-probe')" \
  "--security-opt seccomp=$SANDBOX_TMP/seccomp-no-mkdir.json" "--security-opt seccomp=$SANDBOX_TMP/seccomp-no-mkdir.json"
probe "seccomp: profile FILE denying mkdir: unshare -U" "$(seccomp_outcome 'unshare -U true')" \
  "--security-opt seccomp=$SANDBOX_TMP/seccomp-no-mkdir.json" "--security-opt seccomp=$SANDBOX_TMP/seccomp-no-mkdir.json"
