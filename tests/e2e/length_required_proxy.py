#!/usr/bin/env python3
"""An HTTP proxy before a registry that, like nginx before 1.3.9 and other
front ends that want every request body's length first, answers a request
sent with chunked transfer encoding 411 Length Required and closes the
connection; every other request is passed to the registry unchanged. For
test_registry_push's fallback from a streamed PATCH to a whole upload.
Logs "METHOD PATH STATUS" of each request to LOG.
usage: length_required_proxy.py UPSTREAM_HOST:PORT PORT_FILE LOG"""
import http.client
import http.server
import os
import sys

UPSTREAM, PORT_FILE, LOG = sys.argv[1:4]


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log(self, status):
        with open(LOG, "a") as f:
            f.write("%s %s %d\n" % (self.command, self.path, status))

    def forward(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            self.log(411)
            self.send_response(411)
            self.send_header("Content-Length", "0")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            return
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        upstream = http.client.HTTPConnection(UPSTREAM)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        upstream.request(self.command, self.path, body=body, headers=headers)
        r = upstream.getresponse()
        data = r.read()
        self.log(r.status)
        self.send_response(r.status)
        for k, v in r.getheaders():
            if k.lower() in ("transfer-encoding", "connection", "content-length"):
                continue
            if k.lower() == "location":
                v = v.replace("http://" + UPSTREAM, "http://127.0.0.1:%d" % self.server.server_address[1])
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        upstream.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Proxy)
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(PORT_FILE + ".tmp", PORT_FILE)
server.serve_forever()
