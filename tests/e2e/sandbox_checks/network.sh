# Network probes for tests/e2e/test_sandbox.sh (sourced by it; see its header).
# In the test's own network namespace: a web server on its loopback, standing
# for a service that listens only on the host's 127.0.0.1; the same server on
# another of its addresses ($sandbox_host_addr), standing for any outside
# server; and a DNS server there, named by the namespace's /etc/resolv.conf,
# that knows one name, probe.test.
#
# The test's Docker engine runs with --bridge=none (no NAT, no iptables), so
# its `docker run` default is a loopback-only namespace. Where a probe checks
# that outbound traffic WORKS, docker run gets --network host instead, which
# in this namespace reaches what Docker's default bridge would reach (any
# address but the host's loopback), and the words must then be equal.
mkdir -p "$SANDBOX_TMP/www"
echo "reached" >"$SANDBOX_TMP/www/probe.txt"
sandbox_background python3 -m http.server --bind 127.0.0.1 --directory "$SANDBOX_TMP/www" 8080 >/dev/null 2>&1
sandbox_background python3 -m http.server --bind "$sandbox_host_addr" --directory "$SANDBOX_TMP/www" 8080 >/dev/null 2>&1
cat >"$SANDBOX_TMP/dns.py" <<'PY'
# A DNS server for one A record (probe.test -> argv[1]); NXDOMAIN otherwise.
import socket, struct, sys
addr = sys.argv[1]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((addr, 53))
while True:
    q, peer = s.recvfrom(512)
    if len(q) < 12:
        continue
    i, labels = 12, []
    while i < len(q) and q[i]:
        labels.append(q[i + 1:i + 1 + q[i]].decode("ascii", "replace").lower())
        i += q[i] + 1
    question = q[12:i + 5]
    qtype = struct.unpack(">H", q[i + 1:i + 3])[0] if i + 3 <= len(q) else 0
    found = ".".join(labels) == "probe.test"
    answer = b""
    if found and qtype == 1:
        answer = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + socket.inet_aton(addr)
    flags = 0x8180 if found else 0x8183
    s.sendto(q[:2] + struct.pack(">HHHHH", flags, 1, 1 if answer else 0, 0, 0) + question + answer, peer)
PY
sandbox_background python3 "$SANDBOX_TMP/dns.py" "$sandbox_host_addr"
echo "nameserver $sandbox_host_addr" >"$SANDBOX_TMP/resolv.conf"
mount --bind "$SANDBOX_TMP/resolv.conf" /etc/resolv.conf
python3 - "$sandbox_host_addr" <<'PY'
import socket, sys, time
for _ in range(100):
    try:
        for addr in ("127.0.0.1", sys.argv[1]):
            socket.create_connection((addr, 8080), timeout=1).close()
        break
    except OSError:
        time.sleep(0.1)
else:
    sys.exit("the probe servers did not start")
PY

# (Debian's static busybox wget crashes with -T, hence timeout(1).)
# Any way to the host's loopback: the container's own 127.0.0.1 (host
# network) or its gateway (slirp4netns's 10.0.2.2, pasta's gateway mapping).
probe "host loopback service (127.0.0.1, via lo or the gateway)" '
gw=$(ip route | sed -n "s/^default via \([0-9.]*\).*/\1/p")
for a in 127.0.0.1 $gw; do
  if timeout 5 wget -q -O - "http://$a:8080/probe.txt" 2>/dev/null | grep -q reached; then echo allowed; exit; fi
done
echo blocked'

probe "outbound TCP to a server (by address)" \
  "timeout 5 wget -q -O - http://$sandbox_host_addr:8080/probe.txt 2>/dev/null || echo unreached" \
  '' '--network host'

probe "outbound by name (resolv.conf, DNS, TCP)" \
  'timeout 5 wget -q -O - http://probe.test:8080/probe.txt 2>/dev/null || echo unreached' \
  '' '--network host'

probe "--network none: outbound to a server" \
  "timeout 5 wget -q -O - http://$sandbox_host_addr:8080/probe.txt 2>/dev/null && echo allowed || echo blocked" \
  '--network none' '--network none'

probe "--network host: outbound to a server" \
  "timeout 5 wget -q -O - http://$sandbox_host_addr:8080/probe.txt 2>/dev/null || echo unreached" \
  '--network host' '--network host'
