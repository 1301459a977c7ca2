#!/usr/bin/env python3
"""HTTP server for registry_session_test, a registry and its token server
in one: GET /token answers {"token": "tN", "expires_in": 2} (N counting
from 1); GET /v2/... answers 200 to "Authorization: Bearer tN" while tN is
under 2 s old and not revoked, else 401 with a Bearer challenge naming
/token. POST /revoke makes every token issued so far invalid (the client
still believes them); GET /stats answers "TOKENS EXPIRED_REFUSALS".
Writes its port to PORT_FILE.
usage: token_registry_server.py PORT_FILE"""
import http.server
import os
import sys
import threading
import time

LIFETIME = 2
lock = threading.Lock()
issued = {}  # token -> time issued
state = {"revoked_before": 0.0, "expired_refusals": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.path == "/revoke":
            with lock:
                state["revoked_before"] = time.time()
        self.answer(200, b"")

    def do_GET(self):
        port = self.server.server_address[1]
        if self.path.startswith("/token"):
            with lock:
                name = "t%d" % (len(issued) + 1)
                issued[name] = time.time()
            self.answer(200, ('{"token": "%s", "expires_in": %d}' % (name, LIFETIME)).encode())
            return
        if self.path == "/stats":
            with lock:
                self.answer(200, ("%d %d" % (len(issued), state["expired_refusals"])).encode())
            return
        auth = self.headers.get("Authorization", "")
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        with lock:
            at = issued.get(token)
            valid = at is not None and at > state["revoked_before"] and time.time() - at < LIFETIME
            if at is not None and not valid:
                state["expired_refusals"] += 1
        if valid:
            self.answer(200, token.encode())
            return
        challenge = 'Bearer realm="http://127.0.0.1:%d/token",service="test"' % port
        self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                    [("WWW-Authenticate", challenge)])

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
