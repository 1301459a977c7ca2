# cgroup probes for tests/e2e/test_sandbox.sh (sourced by it; see its header):
# the pids and memory limits (same flags on both sides), the defaults (none,
# as in Docker: "limited" where docker says "unlimited" fails), and the
# device rules.

# 200 background sleeps; each success is recorded without forking, and
# `kill -9 -1` (a builtin: all but PID 1 and the caller) ends them, so the
# wrapper can fork again to report.
fork_bomb='( i=0; while [ $i -lt 200 ]; do sleep 60 & i=$((i+1)); echo $i >/tmp/forks; done ) >/dev/null 2>&1
kill -9 -1 2>/dev/null
read n </tmp/forks'
probe "fork bomb under --pids-limit 64" "$fork_bomb
[ \"\$n\" -ge 200 ] && echo allowed || echo blocked" '--pids-limit 64' '--pids-limit 64'
probe "200 processes, no --pids-limit" "$fork_bomb
[ \"\$n\" -ge 200 ] && echo unlimited || echo limited"

# dd holds its whole block in memory: 256 MiB against a 64 MiB limit (and
# Docker's default swap allowance of as much again).
probe "256 MiB of memory under --memory 64m" \
  'dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null && echo allowed || echo blocked' '--memory 64m' '--memory 64m'
probe "256 MiB of memory, no --memory" \
  'dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null && echo unlimited || echo limited'

# Device nodes the RUN makes itself in its /dev (a tmpfs without nodev): a
# loop device (which opens a host block device) and the kernel log. Opening
# is the test: reading fails on some hosts for reasons of their own.
probe "open a block device (loop0, b 7:0) made by mknod" \
  'mknod /dev/probe-loop b 7 0 2>/dev/null
(exec 3</dev/probe-loop) 2>/dev/null && echo allowed || echo blocked'
probe "open /dev/kmsg (c 1:11) made by mknod" \
  'mknod /dev/probe-kmsg c 1 11 2>/dev/null
(exec 3</dev/probe-kmsg) 2>/dev/null && echo allowed || echo blocked'
# Docker's rules allow mknod of any node (only its use is refused).
probe "mknod of a block device node" 'mknod /dev/probe-node b 7 200 2>/dev/null && echo allowed || echo blocked'
probe "allowlisted devices (null, zero, urandom, ptmx) work" \
  'head -c 1 /dev/zero >/dev/null && head -c 1 /dev/urandom >/dev/null && echo x >/dev/null && test -c /dev/ptmx &&
exec 3<>/dev/ptmx && echo usable || echo unusable'
