#!/usr/bin/env python3
"""Compare two saved image archives the way the conformance suite needs.

Both Docker 20.10's legacy `docker save` output (<id>.json, <dir>/layer.tar)
and ubuild's OCI+manifest.json output carry a manifest.json naming the config
and the layer tars, so only manifest.json is trusted for paths.

  compare.py [--case C] [--known FILE] [--base-diff-id D] [--built-after T]
             [--parents EXPECTED_PARENT ACTUAL_PARENT]
             [--inspect EXPECTED_INSPECT ACTUAL_INSPECT] EXPECTED ACTUAL
      EXPECTED is Docker's archive (the ground truth), ACTUAL ubuild's.
      Exit 1 on a difference not listed in FILE for case C.
  compare.py --expect FILE ARCHIVE
      Check selected layer entries and the layer count against FILE.
  compare.py --dump [--base-diff-id D] ARCHIVE
      Print a markdown summary (config, history, layer entries).

Layer entries are compared field by field and in archive order. An entry's
mtime is compared when it is deterministic: when either engine wrote one
older than --built-after T (the suite's start), it came from the context, a
tarball, the base image or Docker's fixed opaque-marker time (0), not from
the build's clock, so both must agree. Mtimes of what the build made (RUN
output, new directories, whiteouts: a whiteout's mtime is its overlay
device's, so the rm's time) are not compared, nor uname/gname. Every
top-level key of the config and every key of its `config` is compared by
value, except `created` (compared as a time) and `config.Image` (an id: only
whether it is one); with --inspect, every field of the two `inspect`
objects likewise (diff_inspect).

diff_ids are compared where the layer bytes can be identical: a layer both
engines took unchanged from the same tar (the imported base, wherever it
sits in the chain) and, with --parents, the layers a child inherits from its
parent image. A layer Docker 20.10 wrote itself cannot match: its tar
headers carry user and group names looked up in the daemon host's
/etc/passwd (uid 1000 is whatever that host calls it), Go's encoding of the
numeric fields (NUL-terminated octal) and Go 1.8 file-type bits in the mode
field (0100644), so its bytes depend on the host; ubuild writes no names and
libarchive's encoding. Its entries are compared instead.
"""

import argparse
import fnmatch
import gzip
import hashlib
import io
import json
import sys
import tarfile

CONFIG_FIELDS = ["Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels",
                 "ExposedPorts", "Volumes", "StopSignal", "Healthcheck",
                 "Shell", "OnBuild", "ArgsEscaped"]  # the ones --dump shows
TOP_FIELDS = ["author", "architecture", "os"]
# Compared by their own rules below; every other top-level key and every key
# of `config` is compared by value.
TOP_OWN_RULES = {"config", "history", "rootfs", "created"}
# Values that name an image by id: the ids differ (created times differ), so
# only their shape is compared ("" or a sha256 id).
ID_VALUED_CONFIG = {"Image"}
HISTORY_FIELDS = ["created_by", "empty_layer", "comment", "author"]
ABSENT = "<absent>"

TYPE_NAMES = {
    tarfile.REGTYPE: "file", tarfile.AREGTYPE: "file", tarfile.CONTTYPE: "file",
    tarfile.DIRTYPE: "dir", tarfile.SYMTYPE: "symlink", tarfile.LNKTYPE: "hardlink",
    tarfile.CHRTYPE: "char", tarfile.BLKTYPE: "block", tarfile.FIFOTYPE: "fifo",
}


class Image:
    def __init__(self, path):
        self.path = path
        with tarfile.open(path, "r:*") as outer:
            members = {self._norm(m.name): m for m in outer.getmembers()}

            def read(name):
                m = members.get(self._norm(name))
                if m is None:
                    raise SystemExit(f"{path}: member {name} named by manifest.json is missing")
                return outer.extractfile(m).read()

            manifest = json.loads(read("manifest.json"))
            if not isinstance(manifest, list) or not manifest:
                raise SystemExit(f"{path}: manifest.json holds no image")
            entry = manifest[0]
            self.repo_tags = entry.get("RepoTags") or []
            self.config = json.loads(read(entry["Config"]))
            self.layers = [self._entries(read(p), p) for p in entry.get("Layers") or []]
            self.diff_ids = (self.config.get("rootfs") or {}).get("diff_ids") or []
            self.layer_digests = ["sha256:" + hashlib.sha256(read(p)).hexdigest()
                                  for p in entry.get("Layers") or []]

    @staticmethod
    def _norm(name):
        while name.startswith("./"):
            name = name[2:]
        return name.rstrip("/")

    @staticmethod
    def _entries(data, where):
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        out = {}
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tf:
            for m in tf:
                path = Image._norm(m.name)
                e = {
                    "type": TYPE_NAMES.get(m.type, "type" + m.type.decode(errors="replace")),
                    "mode": "%04o" % (m.mode & 0o7777),
                    "uid": m.uid,
                    "gid": m.gid,
                    "mtime": m.mtime,  # compared only where deterministic, see diff_mtime
                }
                if m.isreg():
                    content = tf.extractfile(m).read()
                    e["size"] = m.size
                    e["sha256"] = hashlib.sha256(content).hexdigest()
                if m.issym() or m.islnk():
                    e["link"] = Image._norm(m.linkname) if m.islnk() else m.linkname
                if m.ischr() or m.isblk():
                    e["dev"] = f"{m.devmajor}:{m.devminor}"
                xattrs = {k[len("SCHILY.xattr."):]: v for k, v in m.pax_headers.items()
                          if k.startswith("SCHILY.xattr.")}
                if xattrs:
                    e["xattrs"] = xattrs
                if path in out:
                    e["duplicate"] = True
                out[path] = e
        return out


def jget(obj, key):
    if not isinstance(obj, dict) or key not in obj:
        return ABSENT
    return obj[key]


def fmt(v):
    return v if v == ABSENT else json.dumps(v, sort_keys=True)


def entry_line(path, e):
    name = path + ("/" if e["type"] == "dir" else "")
    s = f'{e["type"]:8} {e["mode"]} {e["uid"]}:{e["gid"]}'
    if "size" in e:
        s += f' {e["size"]:>7} {e["sha256"][:12]}'
    s += f" {name}"
    if "link" in e:
        s += (" -> " if e["type"] == "symlink" else " => ") + e["link"]
    if "dev" in e:
        s += f' dev {e["dev"]}'
    if "xattrs" in e:
        s += " xattrs " + json.dumps(e["xattrs"], sort_keys=True)
    return s


def diff_order(i, el, al):
    """The entries both layers hold must come in the same order."""
    common_e = [p for p in el if p in al]
    common_a = [p for p in al if p in el]
    for k, (pe, pa) in enumerate(zip(common_e, common_a)):
        if pe != pa:
            yield f"layer[{i}].order", f"entry {k}: {pe}", f"entry {k}: {pa}"
            return


def diff_mtime(i, path, ee, ae, built_after):
    em, am = ee["mtime"], ae["mtime"]
    if built_after is not None and (em < built_after or am < built_after) and em != am:
        yield f"layer[{i}]:{path}.mtime", str(em), str(am)


def id_shape(v):
    if v in ("", ABSENT, None):
        return v
    return "sha256:<id>" if isinstance(v, str) and v.startswith("sha256:") and len(v) == 71 else v


def rfc3339_shape(v):
    ok = isinstance(v, str) and len(v) >= 20 and v[4] == "-" and v[10] == "T" and (v.endswith("Z") or v[-6] in "+-")
    return "RFC 3339 time" if ok else v


def diff_images(exp, act, base_diff_id, built_after=None, parents=None):
    """Yields (field, expected, actual) for every difference."""
    for k in sorted((set(exp.config) | set(act.config)) - TOP_OWN_RULES):
        if jget(exp.config, k) != jget(act.config, k):
            yield k, fmt(jget(exp.config, k)), fmt(jget(act.config, k))
    if rfc3339_shape(jget(exp.config, "created")) != rfc3339_shape(jget(act.config, "created")):
        yield "created", fmt(jget(exp.config, "created")), fmt(jget(act.config, "created"))
    ec, ac = exp.config.get("config"), act.config.get("config")
    if (ec is None) != (ac is None):
        yield "config", fmt(ec), fmt(ac)
    ec, ac = ec or {}, ac or {}
    for k in sorted(set(ec) | set(ac)):
        ev, av = jget(ec, k), jget(ac, k)
        if k in ID_VALUED_CONFIG:
            ev, av = id_shape(ev), id_shape(av)
        if ev != av:
            yield f"config.{k}", fmt(ev), fmt(av)

    eh, ah = exp.config.get("history") or [], act.config.get("history") or []
    if len(eh) != len(ah):
        yield "history.length", str(len(eh)), str(len(ah))
    for i in range(max(len(eh), len(ah))):
        for k in HISTORY_FIELDS:
            ev = jget(eh[i], k) if i < len(eh) else ABSENT
            av = jget(ah[i], k) if i < len(ah) else ABSENT
            # Docker omits empty_layer:false and empty comment/author.
            if k == "empty_layer":
                ev = ev if ev != ABSENT else False
                av = av if av != ABSENT else False
            elif ev in ("", ABSENT) and av in ("", ABSENT):
                continue
            if ev != av:
                yield f"history[{i}].{k}", fmt(ev), fmt(av)

    ed, ad = exp.diff_ids, act.diff_ids
    if len(exp.layers) != len(act.layers):
        yield "layers.count", str(len(exp.layers)), str(len(act.layers))
    if len(ed) != len(ad):
        yield "rootfs.diff_ids.count", str(len(ed)), str(len(ad))
    # The imported base's layer is the same bytes in both stores.
    for i, d in enumerate(ed):
        if d == base_diff_id and (i >= len(ad) or ad[i] != d):
            yield f"rootfs.diff_ids[{i}]", d, ad[i] if i < len(ad) else ABSENT
    for img, name in ((exp, "expected"), (act, "actual")):
        if img.diff_ids != img.layer_digests:
            yield f"rootfs.diff_ids.match_layer_tars[{name}]", "layer tar digests", \
                "config diff_ids differ from the archive's layer tars"
    # A child keeps its parent's layers byte for byte, in each engine.
    if parents:
        for img, parent, name in ((exp, parents[0], "expected"), (act, parents[1], "actual")):
            n = len(parent.diff_ids)
            if img.diff_ids[:n] != parent.diff_ids:
                yield (f"rootfs.diff_ids[:{n}].parent[{name}]", json.dumps(parent.diff_ids),
                       json.dumps(img.diff_ids[:n]))

    for i in range(min(len(exp.layers), len(act.layers))):
        el, al = exp.layers[i], act.layers[i]
        yield from diff_order(i, el, al)
        for path in sorted(set(el) | set(al)):
            if path not in al:
                yield f"layer[{i}]:{path}", entry_line(path, el[path]), "missing"
            elif path not in el:
                yield f"layer[{i}]:{path}", "missing", entry_line(path, al[path])
            else:
                yield from diff_mtime(i, path, el[path], al[path], built_after)
                for k in sorted((set(el[path]) | set(al[path])) - {"mtime"}):
                    if el[path].get(k) != al[path].get(k):
                        yield (f"layer[{i}]:{path}.{k}",
                               fmt(el[path].get(k, ABSENT)), fmt(al[path].get(k, ABSENT)))


# `docker image inspect` against `ubuild inspect`: every field, by value
# unless it names a host or an id. Ids differ (created times differ), so
# Id, Parent and Config.Image are compared by shape; GraphDriver.Data holds
# each engine's own paths (its keys are compared); Created is compared as a
# time; LastTagTime must be set when Docker's is (both tag the build).
def diff_inspect(exp, act):
    if len(exp) != len(act):
        yield "inspect.length", str(len(exp)), str(len(act))
    for e, a in zip(exp, act):
        for k in sorted(set(e) | set(a)):
            ev, av = jget(e, k), jget(a, k)
            if k in ("Id", "Parent"):
                ev, av = id_shape(ev), id_shape(av)
            elif k == "Created":
                ev, av = rfc3339_shape(ev), rfc3339_shape(av)
            elif k == "GraphDriver" and isinstance(ev, dict) and isinstance(av, dict):
                ev = {"Name": ev.get("Name"), "Data": sorted((ev.get("Data") or {}).keys())}
                av = {"Name": av.get("Name"), "Data": sorted((av.get("Data") or {}).keys())}
            elif k == "Metadata" and isinstance(ev, dict) and isinstance(av, dict):
                zero = "0001-01-01T00:00:00Z"
                ev = {"LastTagTime": "zero" if ev.get("LastTagTime") == zero else "set"}
                av = {"LastTagTime": "zero" if av.get("LastTagTime") == zero else "set"}
            elif k == "RootFS" and isinstance(ev, dict) and isinstance(av, dict):
                ev = dict(ev, Layers=len(ev.get("Layers") or []))
                av = dict(av, Layers=len(av.get("Layers") or []))
            elif k in ("Config", "ContainerConfig") and isinstance(ev, dict) and isinstance(av, dict):
                for ck in sorted(set(ev) | set(av)):
                    cev, cav = jget(ev, ck), jget(av, ck)
                    if ck in ID_VALUED_CONFIG:
                        cev, cav = id_shape(cev), id_shape(cav)
                    if cev != cav:
                        yield f"inspect.{k}.{ck}", fmt(cev), fmt(cav)
                continue
            if ev != av:
                yield f"inspect.{k}", fmt(ev), fmt(av)


def load_known(path, case):
    if not path:
        return []
    with open(path) as fh:
        known = json.load(fh)
    return [k for k in known if fnmatch.fnmatchcase(case or "", k["case"])]


def cmd_compare(args):
    exp, act = Image(args.archives[0]), Image(args.archives[1])
    parents = [Image(p) for p in args.parents] if args.parents else None
    known = load_known(args.known, args.case)
    unexpected = 0
    label = args.case or args.archives[1]
    diffs = list(diff_images(exp, act, args.base_diff_id, args.built_after, parents))
    if args.inspect:
        with open(args.inspect[0]) as fe, open(args.inspect[1]) as fa:
            diffs += list(diff_inspect(json.load(fe), json.load(fa)))
    for field, ev, av in diffs:
        reason = next((k["reason"] for k in known if fnmatch.fnmatchcase(field, k["field"])), None)
        tag = f"known: {reason}" if reason else "DIFF"
        if not reason:
            unexpected += 1
        print(f"  [{label}] {tag} {field}\n      docker: {ev}\n      ubuild: {av}")
    return 1 if unexpected else 0


def cmd_expect(args):
    img = Image(args.archives[0])
    with open(args.expect) as fh:
        spec = json.load(fh)
    bad = 0

    def fail(msg):
        nonlocal bad
        bad += 1
        print(f"  [{args.case or args.archives[0]}] EXPECT {msg}")

    if "layer_count" in spec and len(img.layers) != spec["layer_count"]:
        fail(f"layer count {len(img.layers)}, want {spec['layer_count']}")
    for want in spec.get("layers", []):
        i, path = want["layer"], want["path"].rstrip("/")
        if i >= len(img.layers) or path not in img.layers[i]:
            fail(f"layer[{i}]:{path} missing")
            continue
        got = img.layers[i][path]
        for k, v in want.items():
            if k in ("layer", "path"):
                continue
            if got.get(k) != v:
                fail(f"layer[{i}]:{path}.{k} = {fmt(got.get(k, ABSENT))}, want {fmt(v)}")
    return 1 if bad else 0


def cmd_dump(args):
    img = Image(args.archives[0])
    c = img.config
    cfg = c.get("config") or {}
    print("config:\n```json")
    shown = {k: jget(c, k) for k in TOP_FIELDS if jget(c, k) != ABSENT}
    shown["config"] = {k: cfg[k] for k in CONFIG_FIELDS if k in cfg}
    print(json.dumps(shown, indent=1, sort_keys=True))
    print("```\n\nhistory (created_by | empty_layer):\n```")
    for h in c.get("history") or []:
        extra = f' comment={h["comment"]!r}' if h.get("comment") else ""
        print(f'{h.get("created_by", "")!r} | {h.get("empty_layer", False)}{extra}')
    print("```\n\nlayers:")
    ids = (c.get("rootfs") or {}).get("diff_ids") or []
    for i, layer in enumerate(img.layers):
        did = ids[i] if i < len(ids) else "?"
        if args.base_diff_id and did == args.base_diff_id:
            print(f"- layer {i}: imported busybox base ({len(layer)} entries)")
            continue
        print(f"- layer {i} ({len(layer)} entries):\n```")
        for path in layer:  # archive order, as the engine wrote it
            print(entry_line(path, layer[path]))
        print("```")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--case")
    ap.add_argument("--known", help="known_differences.json")
    ap.add_argument("--base-diff-id", help="diff_id of the imported base layer")
    ap.add_argument("--built-after", type=int, metavar="T",
                    help="Unix time before any build began: older mtimes must match")
    ap.add_argument("--parents", nargs=2, metavar=("EXPECTED_PARENT", "ACTUAL_PARENT"),
                    help="the parent images the two images were built FROM")
    ap.add_argument("--inspect", nargs=2, metavar=("EXPECTED_INSPECT", "ACTUAL_INSPECT"),
                    help="`docker image inspect` and `ubuild inspect` output of the two images")
    ap.add_argument("--expect", help="expect.json: check ARCHIVE's entries")
    ap.add_argument("--dump", action="store_true", help="print a markdown summary of ARCHIVE")
    ap.add_argument("archives", nargs="+")
    args = ap.parse_args()
    if args.dump or args.expect:
        if len(args.archives) != 1:
            ap.error("--dump and --expect take one archive")
        return cmd_dump(args) if args.dump else cmd_expect(args)
    if len(args.archives) != 2:
        ap.error("give the Docker archive and the ubuild archive")
    return cmd_compare(args)


if __name__ == "__main__":
    sys.exit(main())
