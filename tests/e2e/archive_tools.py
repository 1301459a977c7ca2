#!/usr/bin/env python3
"""Helpers the save/load end-to-end tests use to take image archives apart
and to make damaged or hostile ones.

  archive_tools.py flip ARCHIVE OUT MEMBER_SUFFIX   one byte of that member's data changed
  archive_tools.py evil OUT KIND                    a well-formed archive whose only layer
                                                    escapes its root (KIND: dotdot | symlink | absolute)
  archive_tools.py merged ARCHIVE DIR               apply the archive's first image's layers
                                                    (whiteouts honoured) into DIR
  archive_tools.py tree DIR                         list DIR: path type mode uid gid size sha256/target
"""
import hashlib, io, json, os, stat, sys, tarfile


def flip(src, out, suffix):
    data = bytearray(open(src, "rb").read())
    with tarfile.open(src) as t:
        for m in t.getmembers():
            if m.isfile() and m.name.endswith(suffix) and m.size > 2048:
                at = m.offset_data + m.size // 2
                data[at] ^= 0x01
                open(out, "wb").write(bytes(data))
                return
    sys.exit("no member ending in %s with data" % suffix)


def add(t, name, data=b"", **kw):
    info = tarfile.TarInfo(name)
    for k, v in kw.items():
        setattr(info, k, v)
    if info.type == tarfile.REGTYPE:
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    else:
        t.addfile(info)


def evil(out, kind):
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w", format=tarfile.USTAR_FORMAT) as t:
        if kind == "dotdot":
            add(t, "../../../escaped-by-dotdot", b"boom\n", mode=0o644)
        elif kind == "symlink":
            add(t, "evil", type=tarfile.SYMTYPE, linkname="/tmp", mode=0o777)
            add(t, "evil/escaped-by-symlink", b"boom\n", mode=0o644)
        elif kind == "absolute":
            # tarfile strips nothing; the header keeps the leading slash.
            add(t, "/tmp/escaped-by-absolute", b"boom\n", mode=0o644)
        else:
            sys.exit("unknown kind " + kind)
    layer = layer.getvalue()
    diff = hashlib.sha256(layer).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {},
                         "rootfs": {"type": "layers", "diff_ids": ["sha256:" + diff]}}).encode()
    cid = hashlib.sha256(config).hexdigest()
    manifest = json.dumps([{"Config": "blobs/sha256/" + cid, "RepoTags": ["evil:" + kind],
                            "Layers": ["blobs/sha256/" + diff]}]).encode()
    with tarfile.open(out, "w", format=tarfile.USTAR_FORMAT) as t:
        add(t, "manifest.json", manifest, mode=0o644)
        add(t, "blobs/sha256/" + cid, config, mode=0o644)
        add(t, "blobs/sha256/" + diff, layer, mode=0o644)


def merged(archive, out):
    with tarfile.open(archive) as t:
        manifest = json.load(t.extractfile("manifest.json"))
        for path in manifest[0]["Layers"]:
            m = t.getmember(path)
            while m.issym():  # docker 20.10 links repeated layers
                m = t.getmember(os.path.normpath(os.path.join(os.path.dirname(m.name), m.linkname)))
            with tarfile.open(fileobj=t.extractfile(m)) as layer:
                apply_layer(layer, out)


def remove(p):
    if os.path.isdir(p) and not os.path.islink(p):
        for e in os.listdir(p):
            remove(os.path.join(p, e))
        os.rmdir(p)
    elif os.path.lexists(p):
        os.unlink(p)


def apply_layer(layer, out):
    for m in layer.getmembers():
        name = os.path.normpath(m.name.lstrip("/"))
        d, base = os.path.split(name)
        if base == ".wh..wh..opq":
            for e in os.listdir(os.path.join(out, d)):
                remove(os.path.join(out, d, e))
            continue
        if base.startswith(".wh."):
            remove(os.path.join(out, d, base[4:]))
            continue
        target = os.path.join(out, name)
        if m.isdir() and os.path.isdir(target):
            os.chmod(target, m.mode)
            os.chown(target, m.uid, m.gid)
            continue
        remove(target)
        layer.extract(m, out, set_attrs=True, numeric_owner=True)


def tree(root):
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for n in sorted(dirs + files):
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if stat.S_ISREG(st.st_mode):
                extra = "%d %s" % (st.st_size, hashlib.sha256(open(p, "rb").read()).hexdigest())
            elif stat.S_ISLNK(st.st_mode):
                extra = "-> " + os.readlink(p)
            else:
                extra = ""
            print(rel, stat.filemode(st.st_mode), st.st_uid, st.st_gid, extra)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"flip": flip, "evil": evil, "merged": merged, "tree": tree}[cmd](*args)
