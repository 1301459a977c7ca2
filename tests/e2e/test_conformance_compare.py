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


def archive(path, layers, diff_ids=None, top=None, cfg=None):
    """top: extra top-level config keys; cfg: the `config` object."""
    blobs = [BASE] + [layer(entries) for entries in layers]
    ids = diff_ids or ["sha256:" + hashlib.sha256(b).hexdigest() for b in blobs]
    config = json.dumps(dict({"architecture": "amd64", "os": "linux", "config": cfg or {},
                              "created": "2027-01-15T08:00:00.123Z",
                              "history": [{"created_by": "x"} for _ in blobs],
                              "rootfs": {"type": "layers", "diff_ids": ids}}, **(top or {}))).encode()
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

    # Every top-level key and every key of `config`, not a chosen few.
    expect("a top-level key only one engine writes is caught",
           [docker, archive(p("comment.tar"), [APP], top={"comment": "Imported from -"})], "comment")
    expect("created is compared as a time, not by value",
           [docker, archive(p("later-created.tar"), [APP], top={"created": "2027-01-15T09:30:00Z"})], None)
    expect("any config key is compared",
           [docker, archive(p("domain.tar"), [APP], cfg={"Domainname": "x"})], "config.Domainname")
    img1 = "sha256:" + "1" * 64
    expect("config.Image: another id is no difference",
           [archive(p("img1.tar"), [APP], cfg={"Image": img1}),
            archive(p("img2.tar"), [APP], cfg={"Image": "sha256:" + "2" * 64})], None)
    expect("config.Image: an id against none is",
           [archive(p("img1b.tar"), [APP], cfg={"Image": img1}), archive(p("img0.tar"), [APP], cfg={"Image": ""})],
           "config.Image")

    # inspect objects: every field, ids by shape, host paths by their keys.
    def inspect(name, **changes):
        obj = {"Id": img1, "RepoTags": ["t:1"], "Parent": "", "Comment": "", "Created": "2027-01-15T08:00:00.5Z",
               "Config": {"Env": ["A=1"], "Image": img1}, "Size": 10, "VirtualSize": 10,
               "GraphDriver": {"Name": "overlay2", "Data": {"MergedDir": "/var/lib/docker/overlay2/x/merged"}},
               "RootFS": {"Type": "layers", "Layers": [img1]}, "Metadata": {"LastTagTime": "2027-01-15T08:00:01Z"}}
        obj.update(changes)
        with open(p(name), "w") as fh:
            json.dump([obj], fh)
        return p(name)
    same = inspect("same.json", Id="sha256:" + "9" * 64, Created="2027-01-15T08:00:07Z",
                   GraphDriver={"Name": "overlay2", "Data": {"MergedDir": "/tmp/u/overlay2/y/merged"}},
                   RootFS={"Type": "layers", "Layers": ["sha256:" + "8" * 64]},
                   Metadata={"LastTagTime": "2027-01-15T08:00:09Z"})
    expect("inspect: ids, times, host paths and layer ids of the same shape pass",
           ["--inspect", inspect("docker.json"), same, docker, docker], None)
    expect("inspect: a size is compared", ["--inspect", inspect("docker.json"), inspect("size.json", Size=11),
                                           docker, docker], "inspect.Size")
    expect("inspect: a zero LastTagTime is caught",
           ["--inspect", inspect("docker.json"), inspect("zero.json", Metadata={"LastTagTime": "0001-01-01T00:00:00Z"}),
            docker, docker], "inspect.Metadata")
    expect("inspect: a Config key is compared",
           ["--inspect", inspect("docker.json"), inspect("env.json", Config={"Env": [], "Image": img1}), docker, docker],
           "inspect.Config.Env")

    known = p("known.json")
    with open(known, "w") as fh:
        # fnmatch patterns: "[1]" would be a character class.
        json.dump([{"case": "c", "field": "layer*.order", "reason": "planted"}], fh)
    expect("a known difference is reported, not failed",
           ["--case", "c", "--known", known, docker, p("order.tar")], None, "known: planted layer[1].order")

print(f"{failures} failed")
sys.exit(1 if failures else 0)
