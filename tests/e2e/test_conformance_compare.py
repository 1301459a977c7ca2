#!/usr/bin/env python3
"""compare.py (the conformance suite's judge) against small hand-made image
archives: each difference it must find is planted once, on its own, and an
equal pair must pass. The suite itself needs a Docker engine; this does not.
"""
import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

COMPARE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conformance", "compare.py")
BUILT_AFTER = 1800000000  # the suite's start: older mtimes are deterministic
OLD, BUILD_TIME = 1700000000, 1800000100


def layer(entries):
    """entries: (name, kind, mtime) with kind "dir" or "file", in archive order."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, mtime in entries:
            info = tarfile.TarInfo(name)
            info.mtime = mtime
            data = b""
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            else:
                info.mode = 0o600 if ".wh." in name else 0o644
                data = b"" if ".wh." in name else name.encode()
                info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


BASE = layer([("bin/", "dir", OLD), ("bin/sh", "file", OLD)])
BASE_DIFF_ID = "sha256:" + hashlib.sha256(BASE).hexdigest()
APP = [("app/", "dir", BUILD_TIME), ("app/from-context", "file", OLD), ("app/made-by-run", "file", BUILD_TIME),
       ("op/", "dir", BUILD_TIME), ("op/.wh..wh..opq", "file", 0), ("tmp/", "dir", BUILD_TIME),
       ("tmp/.wh.gone", "file", BUILD_TIME)]


def archive(path, layers, diff_ids=None):
    blobs = [BASE] + [layer(entries) for entries in layers]
    ids = diff_ids or ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "history": [{"created_by": "x"} for _ in blobs],
                         "rootfs": {"type": "layers", "diff_ids": ids}}).encode()
    members = {"config.json": config}
    for i, b in enumerate(blobs):
        members[f"l{i}/layer.tar"] = b
    members["manifest.json"] = json.dumps(
        [{"Config": "config.json", "RepoTags": ["t:1"], "Layers": [f"l{i}/layer.tar" for i in range(len(blobs))]}]
    ).encode()
    with tarfile.open(path, "w") as t:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            t.addfile(info, io.BytesIO(data))
    return path


failures = 0


def expect(what, args, found, shown=None):
    """Runs compare.py; `found` is the difference it must fail on, or None
    for none; `shown` a line it must print."""
    global failures
    r = subprocess.run([sys.executable, COMPARE, "--base-diff-id", BASE_DIFF_ID, "--built-after", str(BUILT_AFTER)]
                       + args, capture_output=True, text=True)
    ok = (r.returncode == 0 and "DIFF" not in r.stdout) if found is None else \
        (r.returncode == 1 and f"DIFF {found}\n" in r.stdout)
    ok = ok and (shown is None or shown in r.stdout)
    print(("ok:   " if ok else "FAIL: ") + what)
    if not ok:
        failures += 1
        print(r.stdout + r.stderr)


with tempfile.TemporaryDirectory() as w:
    def p(name):
        return os.path.join(w, name)

    docker = archive(p("docker.tar"), [APP])
    expect("equal archives pass", [docker, archive(p("same.tar"), [APP])], None)

    swapped = APP[:1] + [APP[2], APP[1]] + APP[3:]
    expect("entry order is compared", [docker, archive(p("order.tar"), [swapped])], "layer[1].order")

    rerun = [(n, k, BUILD_TIME + 5 if m == BUILD_TIME else m) for n, k, m in APP]
    expect("build-time mtimes (new files, dirs, whiteouts) are not", [docker, archive(p("later.tar"), [rerun])], None)

    touched = [(n, k, BUILD_TIME if n == "app/from-context" else m) for n, k, m in APP]
    expect("a context file's mtime is compared", [docker, archive(p("touched.tar"), [touched])],
           "layer[1]:app/from-context.mtime")

    marker = [(n, k, BUILD_TIME if n.endswith(".opq") else m) for n, k, m in APP]
    expect("the opaque marker's zero mtime is compared", [docker, archive(p("marker.tar"), [marker])],
           "layer[1]:op/.wh..wh..opq.mtime")

    other_base = archive(p("otherbase.tar"), [APP], diff_ids=["sha256:" + "0" * 64, None])
    expect("the imported base layer's diff_id is compared", [docker, other_base], "rootfs.diff_ids[0]")

    # A child built FROM a parent: its first layers are the parent's.
    parent = archive(p("parent.tar"), [APP])
    child = archive(p("child.tar"), [APP, [("c/", "dir", BUILD_TIME)]])
    expect("a child that keeps its parent's layers passes", ["--parents", parent, parent, child, child], None)
    rebuilt = archive(p("rebuilt.tar"), [rerun, [("c/", "dir", BUILD_TIME)]])
    expect("a child whose inherited layer differs from its parent's is caught",
           ["--parents", parent, parent, child, rebuilt], "rootfs.diff_ids[:2].parent[actual]")

    known = p("known.json")
    with open(known, "w") as fh:
        # fnmatch patterns: "[1]" would be a character class.
        json.dump([{"case": "c", "field": "layer*.order", "reason": "planted"}], fh)
    expect("a known difference is reported, not failed",
           ["--case", "c", "--known", known, docker, p("order.tar")], None, "known: planted layer[1].order")

print(f"{failures} failed")
sys.exit(1 if failures else 0)
