#!/usr/bin/env python3
"""A token server for distribution's `auth: token` (the Bearer flow), for
the registry tests only: GET /token?service=S&scope=repository:NAME:ACTIONS
answers {"access_token": JWT, "expires_in": N}. The JWT is signed RS256
with KEY and carries CERT in its x5c header, which the registry checks
against its rootcertbundle. Basic credentials USER:PASSWORD get every
action asked for; anonymous clients get pull on repositories under
--public PREFIX and nothing else. Each request is appended to LOG as one
line ("user scope...").

--lifetime N (default 300) is expires_in, and the registry refuses the
token N to N+1 seconds after it was issued: distribution accepts a token
for its Leeway (60 s) past the exp claim, so exp is set that much earlier.
--field token|access_token names the member the token is sent in.

usage: registry_token_server.py PORT_FILE KEY CERT ISSUER USER PASSWORD LOG
                                [--lifetime N] [--field NAME] [--public PREFIX]
"""
import argparse
import base64
import http.server
import json
import os
import time
import urllib.parse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


parser = argparse.ArgumentParser()
for name in ("port_file", "key_file", "cert_file", "issuer", "user", "password", "log_file"):
    parser.add_argument(name)
parser.add_argument("--lifetime", type=int, default=300)
parser.add_argument("--field", choices=("token", "access_token"), default="access_token")
parser.add_argument("--public", default=None)
args = parser.parse_args()
# distribution's registry/auth/token: Leeway, added to exp when it checks a token.
REGISTRY_LEEWAY = 60
key = serialization.load_pem_private_key(open(args.key_file, "rb").read(), password=None)
cert = x509.load_pem_x509_certificate(open(args.cert_file, "rb").read())
cert_der = cert.public_bytes(serialization.Encoding.DER)


def token(service, subject, access):
    header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(cert_der).decode()]}
    now = int(time.time())
    # exp is in whole seconds: rounded up, the token lives at least --lifetime.
    claims = {"iss": args.issuer, "sub": subject, "aud": service, "iat": now, "nbf": now - 10,
              "exp": now + 1 + args.lifetime - REGISTRY_LEEWAY,
              "jti": b64url(os.urandom(12)), "access": access}
    signing_input = (b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())).encode()
    signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    return signing_input.decode() + "." + b64url(signature)


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        subject = ""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            if base64.b64decode(auth[6:]).decode() != args.user + ":" + args.password:
                self.send_response(401)
                self.end_headers()
                return
            subject = args.user
        access = []
        for scope in query.get("scope", []):
            kind, rest = scope.split(":", 1)
            name, actions = rest.rsplit(":", 1)
            if subject:
                access.append({"type": kind, "name": name, "actions": actions.split(",")})
            elif args.public and name.startswith(args.public) and "pull" in actions.split(","):
                access.append({"type": kind, "name": name, "actions": ["pull"]})
        with open(args.log_file, "a") as log:
            log.write("%s %s\n" % (subject or "-", " ".join(query.get("scope", []))))
        body = json.dumps({args.field: token(query.get("service", [""])[0], subject, access),
                           "expires_in": args.lifetime}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
server.serve_forever()
