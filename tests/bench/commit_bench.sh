#!/bin/bash
# Layer commit speed and memory (issue 3, "Speed and memory"):
# hashing a diff directory into a layer tar + tar-split must be at least as
# fast as `tar --sort=name -cf - DIR | sha256sum` on the same directory, in
# the same run, with peak RSS under 64 MiB.
#   tests/bench/commit_bench.sh [RUNS]      (default 5 runs each, best taken)
# Datasets: 512 files x 1 MiB, and 20,000 small files (0-4 KiB).
set -euo pipefail

SRC=${UBUILD_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUNS=${1:-5}
RSS_LIMIT_KIB=$((64 * 1024))
WORK=$(mktemp -d /tmp/ubuild-commit-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The tool needs only the tar code of the store, so it is compiled here from
# those sources rather than from a build tree.
echo "compiling commit_bench..."
g++ -std=c++20 -O2 -I"$SRC" -o "$WORK/commit_bench" "$SRC/tests/bench/commit_bench.cpp" \
  "$SRC"/store/{byte_stream,crc64,base64,json_line,tar_split,layer_tar_stream,layer_tar_writer,layer_tar_applier,xattrs,digest,base/error,background_sha256,pipelined_sink}.cpp \
  -larchive -lcrypto -lpthread

echo "making datasets in $WORK..."
mkdir -p "$WORK/big" "$WORK/small"
python3 - "$WORK" <<'PY'
import os, random, sys
work = sys.argv[1]
rnd = random.Random(42)
block = os.urandom(1 << 20)
for i in range(512):
    # Distinct contents without paying for 512 MiB of urandom.
    with open(f"{work}/big/file{i:04d}", "wb") as f:
        f.write(i.to_bytes(8, "little") + block[8:])
for d in range(100):
    os.mkdir(f"{work}/small/d{d:03d}")
for i in range(20000):
    size = rnd.randint(0, 4096)
    with open(f"{work}/small/d{i % 100:03d}/f{i:05d}", "wb") as f:
        f.write(block[i % 1000: i % 1000 + size])
PY
# The commit fsyncs its tar-split; ext4 would make that fsync wait for the
# dataset's own dirty pages, which a real diff directory would not have.
sync

# Wall time decides (best of RUNS); CPU time (user+sys, both processes of
# the pipeline) is printed too, as it is what a busy machine cannot skew.
measure() {  # measure OUTFILE CMD... -> "wall cpu" in OUTFILE
  /usr/bin/time -f '%e %U %S' -o "$1.time" "${@:2}" > "$1"
  awk '{printf "%s %.2f\n", $1, $2 + $3}' "$1.time"
}
min() { echo "$1 $2" | awk '{print ($1 < $2) ? $1 : $2}'; }
status=0
for set in big small; do
  dir="$WORK/$set"
  # Warm the page cache so both sides read from memory.
  tar --sort=name -cf - -C "$WORK" "$set" > /dev/null
  best_tar=999999; best_ub=999999; cpu_tar=999999; cpu_ub=999999
  rss=0
  digest=""
  for ((i = 0; i < RUNS; i++)); do
    read -r wall cpu < <(measure "$WORK/tar.out" sh -c "tar --sort=name -cf - -C '$WORK' '$set' | sha256sum")
    best_tar=$(min "$best_tar" "$wall"); cpu_tar=$(min "$cpu_tar" "$cpu")
    read -r wall cpu < <(measure "$WORK/ub.out" "$WORK/commit_bench" "$dir" "$WORK/ts.json.gz")
    best_ub=$(min "$best_ub" "$wall"); cpu_ub=$(min "$cpu_ub" "$cpu")
    out=$(cat "$WORK/ub.out")
    r=$(sed -n 's/.*max_rss_kib=\([0-9]*\).*/\1/p' <<< "$out")
    [ "$r" -gt "$rss" ] && rss=$r
    d=$(sed -n 's/.*diff_id=\([^ ]*\).*/\1/p' <<< "$out")
    if [ -n "$digest" ] && [ "$d" != "$digest" ]; then echo "FAIL: diff_id changed between runs"; status=1; fi
    digest=$d
  done
  ratio=$(awk -v a="$best_ub" -v b="$best_tar" 'BEGIN {printf "%.2f", a / b}')
  cpu_ratio=$(awk -v a="$cpu_ub" -v b="$cpu_tar" 'BEGIN {printf "%.2f", a / b}')
  files=$(find "$dir" -type f | wc -l)
  mib=$(du -sm --apparent-size "$dir" | cut -f1)
  printf '%-6s %6d files %4d MiB | tar|sha256sum %6.2fs (cpu %5.2fs) | ubuild commit %6.2fs (cpu %5.2fs) | ratio %s (cpu %s) | peak RSS %d KiB\n' \
    "$set" "$files" "$mib" "$best_tar" "$cpu_tar" "$best_ub" "$cpu_ub" "$ratio" "$cpu_ratio" "$rss"
  if awk -v r="$ratio" 'BEGIN {exit !(r > 1.0)}'; then
    echo "FAIL: $set: commit slower than tar|sha256sum (load average: $(cut -d' ' -f1 /proc/loadavg))"
    status=1
  fi
  if [ "$rss" -ge "$RSS_LIMIT_KIB" ]; then echo "FAIL: $set: peak RSS $rss KiB >= 64 MiB"; status=1; fi
done
exit $status
