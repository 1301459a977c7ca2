# The store check of tests/e2e/test_kill_recovery.sh, run as one process that
# reads a line per check ("1": build-cache entries must all name an image,
# as after a prune; "0": not checked) and answers "ok" or what is wrong.
import hashlib, json, os, re, sys

root = sys.argv[1]
img = os.path.join(root, "image/overlay2")
hexre = re.compile(r"^[0-9a-f]{64}$")


def check(cache_clean):
    bad = []
    for dirpath, dirs, files in os.walk(img):
        for n in dirs + files:
            if n.startswith(".tmp-"):
                bad.append(f"temp file {os.path.join(dirpath, n)}")
    content = os.path.join(img, "imagedb/content/sha256")
    images = set(os.listdir(content))
    for name in images:
        data = open(os.path.join(content, name), "rb").read()
        if hashlib.sha256(data).hexdigest() != name:
            bad.append(f"image {name} does not hash to its id")
            continue
        prev = None
        for d in json.loads(data)["rootfs"]["diff_ids"]:
            prev = d if prev is None else "sha256:" + hashlib.sha256(f"{prev} {d}".encode()).hexdigest()
            ldir = os.path.join(img, "layerdb/sha256", prev[7:])
            if not os.path.isdir(ldir):
                bad.append(f"image {name} names missing layer {prev}")
                continue
            cache = open(os.path.join(ldir, "cache-id")).read()
            if not os.path.isdir(os.path.join(root, "overlay2", cache, "diff")):
                bad.append(f"layer {prev} has no diff dir")
    for name in os.listdir(os.path.join(img, "imagedb/metadata/sha256")):
        if name not in images:
            bad.append(f"metadata without image {name}")
    repos = os.path.join(img, "repositories.json")
    for refs in (json.load(open(repos))["Repositories"] if os.path.exists(repos) else {}).values():
        for ref, iid in refs.items():
            if iid[7:] not in images:
                bad.append(f"tag {ref} names missing image {iid}")
    left = os.listdir(os.path.join(img, "layerdb/tmp"))
    if left:
        bad.append(f"layerdb/tmp leftovers {left}")
    named = {open(os.path.join(img, "layerdb/sha256", c, "cache-id")).read()
             for c in os.listdir(os.path.join(img, "layerdb/sha256"))}
    for d in os.listdir(os.path.join(root, "overlay2")):
        if d == "l":
            continue
        p = os.path.join(root, "overlay2", d)
        if not os.path.exists(os.path.join(p, "committed")) or d not in named:
            bad.append(f"pending overlay2 dir {d} left")
        extra = [e for e in os.listdir(p) if e.startswith("run-")]
        if extra:
            bad.append(f"overlay2/{d} holds {extra}")
    for l in os.listdir(os.path.join(root, "overlay2/l")):
        if not os.path.exists(os.path.join(root, "overlay2/l", l)):
            bad.append(f"dangling link {l}")
    cache = os.path.join(img, "buildcache")
    if os.path.isdir(cache):
        for n in os.listdir(cache):
            if n == "context":
                for c in os.listdir(os.path.join(cache, n)):
                    if not hexre.match(c):
                        bad.append(f"context digest temp file {c}")
            elif n == "mounts":
                # RUN --mount=type=cache dirs: <sha256 of id>/<instance>, made
                # under a temp name and renamed, so none may be left behind.
                for c in os.listdir(os.path.join(cache, n)):
                    for i in os.listdir(os.path.join(cache, n, c)):
                        if i.startswith(".tmp-"):
                            bad.append(f"cache mount temp dir {c}/{i}")
            elif n == "config-steps":
                # The log of config-only steps names images that are never
                # stored; a hit rebuilds the config and checks its hash, so
                # no line can lead to a missing image.
                continue
            elif cache_clean:
                iid = open(os.path.join(cache, n)).read()
                if not iid.startswith("sha256:") or iid[7:] not in images:
                    bad.append(f"build-cache entry {n} names missing image {iid}")
    return bad


for line in sys.stdin:
    try:
        bad = check(line.strip() == "1")
    except Exception as e:  # a record the checks could not even read
        bad = [f"{type(e).__name__}: {e}"]
    print("; ".join(bad).replace("\n", " ") if bad else "ok", flush=True)
