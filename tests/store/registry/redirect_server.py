#!/usr/bin/env python3
"""HTTP server for http_client_test: /same redirects to /echo on the same
host and port, /other to /echo on "localhost" (another host name for the
same server), /loop redirects to itself; /echo answers with the
Authorization header it received, or "none"; /slow announces 64 MiB and
sends 64 KiB every 50 ms (a transfer of a minute, for cancelling). Writes
its port to PORT_FILE.
usage: redirect_server.py PORT_FILE"""
import http.server
import os
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        port = self.server.server_address[1]
        targets = {"/same": "/echo", "/other": "http://localhost:%d/echo" % port, "/loop": "/loop"}
        if self.path in targets:
            self.send_response(302)
            self.send_header("Location", targets[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Length", str(64 << 20))
            self.end_headers()
            try:
                for _ in range(1024):
                    self.wfile.write(b"x" * (64 << 10))
                    self.wfile.flush()
                    time.sleep(0.05)
            except OSError:
                pass  # the client went
            return
        body = self.headers.get("Authorization", "none").encode()
        self.send_response(200 if self.path == "/echo" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
