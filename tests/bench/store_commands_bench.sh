#!/bin/bash
# `ubuild images`, `inspect`, `history` on a store with 1,000 images
# (target: under 50 ms each). Ten layers come from real `ubuild import`s;
# the 1,000 image configs on top are written in the store's documented
# layout (design.md §3) by this script, which is far faster than 1,000
# imports and gives the commands the same files to read.
set -euo pipefail
UBUILD=${UBUILD_BIN:?set UBUILD_BIN to the ubuild binary}
N=${IMAGES:-1000}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ROOT=$W/store

mkdir -p "$W/rootfs/bin"
cp "$(command -v busybox)" "$W/rootfs/bin/busybox"
for i in $(seq 0 9); do
  echo "$i" > "$W/rootfs/version"
  tar -C "$W/rootfs" -cf "$W/base$i.tar" .
  "$UBUILD" --root "$ROOT" import "$W/base$i.tar" "base:$i" >/dev/null
done

python3 - "$ROOT" "$N" <<'PY'
import hashlib, json, os, sys
root, n = sys.argv[1], int(sys.argv[2])
img = os.path.join(root, "image/overlay2")
repos_path = os.path.join(img, "repositories.json")
repos = json.load(open(repos_path))
bases = []
for ref, iid in repos["Repositories"]["base"].items():
    bases.append(json.load(open(os.path.join(img, "imagedb/content/sha256", iid[7:]))))
for k in range(n - len(bases)):
    base = bases[k % len(bases)]
    cfg = {
        "architecture": "amd64",
        "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", f"N={k}"],
                   "Cmd": ["/bin/sh"], "Labels": {"k": str(k)}},
        "created": f"2024-01-01T00:{k // 60 % 60:02d}:{k % 60:02d}Z",
        "history": base["history"] + [
            {"created": "2024-01-01T00:00:00Z", "created_by": f"/bin/sh -c #(nop)  ENV N={k}", "empty_layer": True},
            {"created": "2024-01-01T00:00:00Z", "created_by": '/bin/sh -c #(nop)  CMD ["/bin/sh"]', "empty_layer": True}],
        "os": "linux",
        "rootfs": base["rootfs"],
    }
    data = json.dumps(cfg, separators=(",", ":")).encode()
    iid = hashlib.sha256(data).hexdigest()
    with open(os.path.join(img, "imagedb/content/sha256", iid), "wb") as f:
        f.write(data)
    repos["Repositories"].setdefault(f"app{k % 50}", {})[f"app{k % 50}:v{k}"] = "sha256:" + iid
with open(repos_path, "w") as f:
    json.dump(repos, f, separators=(",", ":"))
PY

count=$("$UBUILD" --root "$ROOT" images -q | wc -l)
echo "store: $count images"
[ "$count" -eq "$N" ] || { echo "expected $N images" >&2; exit 1; }

status=0
for cmd in "images" "images --no-trunc" "inspect app7:v7" "history app7:v7" "history --no-trunc app7:v7"; do
  # Median of 15 runs, in ms, via hyperfine when present.
  if command -v hyperfine >/dev/null; then
    hyperfine -N --warmup 2 --runs 15 --export-json "$W/h.json" "$UBUILD --root $ROOT $cmd" >/dev/null 2>&1
    ms=$(python3 -c 'import json,sys; print("%.1f" % (json.load(open(sys.argv[1]))["results"][0]["median"]*1000))' "$W/h.json")
  else
    ms=$(python3 - "$UBUILD" "$ROOT" $cmd <<'PY'
import statistics, subprocess, sys, time
t = []
for _ in range(15):
    s = time.perf_counter(); subprocess.run(sys.argv[1:2] + ["--root", sys.argv[2]] + sys.argv[3:], stdout=subprocess.DEVNULL, check=True); t.append(time.perf_counter() - s)
print("%.1f" % (statistics.median(t) * 1000))
PY
)
  fi
  verdict=ok
  awk -v m="$ms" 'BEGIN { exit !(m < 50) }' || { verdict="OVER 50 ms"; status=1; }
  printf '%-32s %8s ms  (%s)\n' "ubuild $cmd" "$ms" "$verdict"
done
exit $status
