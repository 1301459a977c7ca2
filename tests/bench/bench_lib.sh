# What build_bench.sh and rootless_bench.sh share: their options, the
# ubuild binary, the timing helpers and the contexts of their three cases.
#   source "$(dirname "${BASH_SOURCE[0]}")/bench_lib.sh"; bench_args "$@"
# Needs tests/e2e/conformance/lib.sh (sourced here) for conf_setup_tmp,
# make_busybox_rootfs and the private dockerd.

BENCH_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$BENCH_HERE/../.." && pwd)
# shellcheck source=../e2e/conformance/lib.sh
source "$REPO/tests/e2e/conformance/lib.sh"
BENCH_NAME=$(basename "$0")

# bench_args "$@": RUNS (default 3), REBUILD_RUNS (at least 5), STRICT, ONLY;
# UBUILD_BIN (default build/ubuild) checked; the caller must be root.
bench_args() {
  RUNS=3 STRICT=0 ONLY=""
  while [[ $# -gt 0 ]]; do
    case $1 in
      --runs) RUNS=$2; shift ;;
      --strict) STRICT=1 ;;
      --only) ONLY=$2; shift ;;
      *) echo "$BENCH_NAME: unknown option $1" >&2; exit 2 ;;
    esac
    shift
  done
  REBUILD_RUNS=$((RUNS < 5 ? 5 : RUNS))
  UBUILD_BIN=${UBUILD_BIN:-$REPO/build/ubuild}
  [[ -x "$UBUILD_BIN" ]] || { echo "$BENCH_NAME: no ubuild at $UBUILD_BIN (set UBUILD_BIN)" >&2; exit 2; }
  [[ $(id -u) == 0 ]] || { echo "$BENCH_NAME: needs root" >&2; exit 2; }
}

# bench_case NAME: true when --only picked NAME (a, b or c) or nothing.
bench_case() { [[ -z "$ONLY" || $ONLY == "$1" ]]; }

# ext4 without a journal (this VM's root filesystem) passes over every inode
# freed in the last minute each time it allocates a new one, so a build right
# after a mass deletion (Docker removes its copy of the context after every
# build; each case removes its context at the end) creates files several
# times slower, whichever tool it is. Each block of file-heavy builds
# therefore starts after a sync and that minute. SETTLE_SECONDS=0 skips it.
settle() { sync; sleep "${SETTLE_SECONDS:-61}"; }

now_ns() { date +%s%N; }
median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else print int((a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }

# (a) 30 instructions: 10 ENV, 10 RUN, 10 COPY of a small file.
make_ctx_a() {
  local dir=$1 i
  mkdir -p "$dir"
  {
    echo "FROM busybox:local"
    for i in $(seq 1 10); do
      echo "ENV VAR$i=value$i"
      echo "RUN echo $i > /run$i.txt"
      echo "COPY file$i.txt /files/"
    done
  } >"$dir/Dockerfile"
  for i in $(seq 1 10); do echo "small file $i" >"$dir/file$i.txt"; done
}

# (b) COPY of 20,000 small files (100 dirs x 200), then a RUN.
make_ctx_b() {
  local dir=$1
  mkdir -p "$dir"
  printf 'FROM busybox:local\nCOPY files /files/\nRUN echo after > /after.txt\n' >"$dir/Dockerfile"
  python3 - "$dir/files" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(100):
    sub = os.path.join(root, "d%03d" % d)
    os.makedirs(sub)
    for f in range(200):
        with open(os.path.join(sub, "f%03d.txt" % f), "w") as fh:
            fh.write("file %d/%d\n" % (d, f))
PY
}

# (c) COPY of 512 x 1 MiB: incompressible, distinct files, so nobody may
# shortcut on content.
make_ctx_c() {
  local dir=$1 i
  mkdir -p "$dir/big"
  printf 'FROM busybox:local\nCOPY big /big/\n' >"$dir/Dockerfile"
  for i in $(seq 1 512); do head -c 1048576 /dev/urandom >"$dir/big/blob$i"; done
}
