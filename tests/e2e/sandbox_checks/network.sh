# Network probes for tests/e2e/test_sandbox.sh (sourced by it; see its header).
# Two servers in the test's network namespace: one on its loopback, standing
# for a service that listens only on the host's 127.0.0.1, and one on
# another of its addresses, standing for any outside server.
mkdir -p "$SANDBOX_TMP/www"
echo "reached" >"$SANDBOX_TMP/www/probe.txt"
sandbox_background python3 -m http.server --bind 127.0.0.1 --directory "$SANDBOX_TMP/www" 8080 >/dev/null 2>&1
sandbox_background python3 -m http.server --bind "$sandbox_host_addr" --directory "$SANDBOX_TMP/www" 8080 >/dev/null 2>&1
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

probe "--network none: outbound to a server" \
  "wget -q -T 5 -O - http://$sandbox_host_addr:8080/probe.txt 2>/dev/null && echo allowed || echo blocked" \
  '--network none' '--network none'
