#!/usr/bin/env bash
# Benchmark (issue 11, "Compression"): `ubuild save --compression gzip|zstd`
# against compressing ubuild's uncompressed archive with the usual tools, in
# the same run on the same image:
#   save --compression gzip   vs  save | pigz -6         (every core, as ubuild)
#                                  and save | gzip -6    (one core)
#   save --compression zstd   vs  save | zstd -3 -T0     (every core)
# plus plain `save` for what compression costs on top. The image: FROM
# scratch, one layer of SIZE_MIB (default 256) MiB of the host's /usr files
# (compressible as real layers are) and 8 small layers of 2 MiB each.
# Median of RUNS (default 3) runs, warm page cache; `uptime` is printed
# beside the figures, as other work on the machine skews them.
#   UBUILD_BIN=build/ubuild bash tests/bench/save_compression_bench.sh
set -euo pipefail
UBUILD_BIN=${UBUILD_BIN:-$(dirname "$0")/../../build/ubuild}
SIZE_MIB=${SIZE_MIB:-256}
RUNS=${RUNS:-3}
T=$(mktemp -d /tmp/ubuild-bench-compress.XXXXXX)
trap 'rm -rf "$T"' EXIT
ub() { "$UBUILD_BIN" --root "$T/root" "$@"; }
export UBUILD_BIN T

echo "== image: FROM scratch, one ${SIZE_MIB} MiB layer of /usr files, 8 layers of 2 MiB"
mkdir -p "$T/ctx/big" "$T/ctx/small"
python3 - "$T/ctx/big" "$SIZE_MIB" <<'PY'
import os, shutil, sys
out, budget = sys.argv[1], int(sys.argv[2]) << 20
n = 0
for root, _, files in os.walk("/usr"):
    for f in sorted(files):
        p = os.path.join(root, f)
        if os.path.islink(p) or not os.path.isfile(p):
            continue
        size = os.path.getsize(p)
        if budget - size < 0:
            continue
        shutil.copyfile(p, os.path.join(out, "%06d" % n))
        budget -= size
        n += 1
        if budget < 4096:
            sys.exit(0)
PY
{ echo "FROM scratch"; echo "COPY big /big"; } >"$T/ctx/Dockerfile"
for i in 1 2 3 4 5 6 7 8; do
  mkdir -p "$T/ctx/small/$i"
  head -c $((1024 * 1024)) /dev/urandom >"$T/ctx/small/$i/random"
  seq 1 160000 >"$T/ctx/small/$i/text"
  echo "COPY small/$i /small/$i" >>"$T/ctx/Dockerfile"
done
ub build -q -t bench:1 "$T/ctx" >/dev/null

# median NAME CMD: runs CMD (writing $T/out) RUNS times; prints the median
# wall time, the median CPU time (user + sys of every process of CMD, which
# other work on the machine skews far less than wall time) and the output's
# size; records them in MEDIAN, CPU and SIZE.
declare -A MEDIAN CPU SIZE
median() {
  local name=$1 cmd=$2 times=() cpus=() t0 t1
  for _ in $(seq 1 "$RUNS"); do
    rm -f "$T/out"
    sync
    t0=$(date +%s.%N)
    # bash's `times`, second line: the user and sys time of its children.
    bash -c "$cmd; times" >"$T/cpu"
    t1=$(date +%s.%N)
    times+=("$(python3 -c "print($t1 - $t0)")")
    cpus+=("$(python3 -c '
import re, sys
m = [float(a) * 60 + float(b) for a, b in re.findall(r"(\d+)m([\d.]+)s", open(sys.argv[1]).read().splitlines()[1])]
print(sum(m))' "$T/cpu")")
  done
  MEDIAN[$name]=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  CPU[$name]=$(printf '%s\n' "${cpus[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  SIZE[$name]=$(stat -c %s "$T/out")
  printf '%-28s %8.3f s wall %8.3f s cpu %8.1f MiB  (load %s)\n' "$name" "${MEDIAN[$name]}" "${CPU[$name]}" \
    "$(python3 -c "print(${SIZE[$name]} / 1048576)")" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

echo "== save ($(nproc) cores)"
U="'$UBUILD_BIN' --root '$T/root'"
median "save (uncompressed)" "$U save -o '$T/out' bench:1"
median "save | gzip -6" "$U save bench:1 | gzip -6 >'$T/out'"
median "save | pigz -6" "$U save bench:1 | pigz -6 >'$T/out'"
median "save --compression gzip" "$U save --compression gzip -o '$T/out' bench:1"
median "save | zstd -3 -T0" "$U save bench:1 | zstd -q -3 -T0 >'$T/out'"
median "save --compression zstd" "$U save --compression zstd -o '$T/out' bench:1"

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }
echo "== ratios (peer / ubuild: above 1 means ubuild is faster or smaller)"
echo "gzip vs pigz: wall $(ratio "${MEDIAN[save | pigz -6]}" "${MEDIAN[save --compression gzip]}")x" \
  " cpu $(ratio "${CPU[save | pigz -6]}" "${CPU[save --compression gzip]}")x" \
  " size $(ratio "${SIZE[save | pigz -6]}" "${SIZE[save --compression gzip]}")"
echo "gzip vs gzip: wall $(ratio "${MEDIAN[save | gzip -6]}" "${MEDIAN[save --compression gzip]}")x" \
  " cpu $(ratio "${CPU[save | gzip -6]}" "${CPU[save --compression gzip]}")x" \
  " size $(ratio "${SIZE[save | gzip -6]}" "${SIZE[save --compression gzip]}")"
echo "zstd vs zstd: wall $(ratio "${MEDIAN[save | zstd -3 -T0]}" "${MEDIAN[save --compression zstd]}")x" \
  " cpu $(ratio "${CPU[save | zstd -3 -T0]}" "${CPU[save --compression zstd]}")x" \
  " size $(ratio "${SIZE[save | zstd -3 -T0]}" "${SIZE[save --compression zstd]}")"
echo "compression's cost over plain save: gzip $(ratio "${MEDIAN[save --compression gzip]}" "${MEDIAN[save (uncompressed)]}")x," \
  "zstd $(ratio "${MEDIAN[save --compression zstd]}" "${MEDIAN[save (uncompressed)]}")x"
uptime
