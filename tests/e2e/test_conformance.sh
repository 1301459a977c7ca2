#!/bin/bash
# Docker conformance suite: builds every tests/e2e/conformance/cases/<case>
# with a private Docker 20.10 engine (classic builder) and with ubuild, saves
# and inspects both images and compares every config key, the history, the
# layer entries and every inspect field (compare.py).
#
#   bash tests/e2e/test_conformance.sh [--docker-only] [--keep DIR]
#        [--reference FILE] [CASE-GLOB...]
#
# --docker-only  build only with Docker (no UBUILD_BIN needed)
# --docker-vs-docker  use a second Docker build (--no-cache) in ubuild's
#                place: checks the harness and compare.py find no difference
#                that timestamps or build-specific ids alone would cause
# --keep DIR     copy the saved archives and build logs to DIR
# --reference F  write a markdown summary of Docker's results to F
#
# A case directory is the build context. Optional files in it:
#   args        one K=V per line, passed as --build-arg
#   labels      one K=V per line, passed as --label
#   build.conf  shell variables: TARGET (--target), PARENT_TAG (build parent/
#               first and tag it), CACHE_CHECK (file to edit for the cache
#               check), DOCKER_FAILS (Docker must fail with this text; ubuild
#               is checked against expect.json)
#   expect.json entries checked in ubuild's image (compare.py --expect)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONF=$HERE/conformance
# shellcheck source=conformance/lib.sh
source "$CONF/lib.sh"

SECOND=ubuild DOCKER_ONLY=0 KEEP="" REFERENCE="" PATTERNS=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --docker-only) DOCKER_ONLY=1 ;;
    --docker-vs-docker) SECOND=docker2 ;;
    --keep) KEEP=$(realpath -m "$2"); shift ;;
    --reference) REFERENCE=$(realpath -m "$2"); shift ;;
    -*) echo "test_conformance.sh: unknown option $1" >&2; exit 2 ;;
    *) PATTERNS+=("$1") ;;
  esac
  shift
done

if [[ $DOCKER_ONLY == 0 && $SECOND == ubuild ]]; then
  if [[ -z "${UBUILD_BIN:-}" || ! -x "$UBUILD_BIN" ]]; then
    echo "UBUILD_BIN is not set to the ubuild executable (or use --docker-only)" >&2
    exit 2
  fi
fi
if [[ $(id -u) != 0 ]]; then
  echo "test_conformance.sh: needs root (dockerd, overlay mounts)" >&2
  exit 2
fi
for tool in dockerd python3; do
  command -v "$tool" >/dev/null || { echo "test_conformance.sh: $tool not found" >&2; exit 2; }
done

conf_setup_tmp
# Any mtime older than this was not made by a build: compare.py holds both
# engines to it (the contexts are copied with cp -a, keeping the checkout's).
BUILT_AFTER=$(date +%s)
mkdir -p "$T/ctx" "$T/out"
[[ -n "$KEEP" ]] && mkdir -p "$KEEP"

ubuild() { "$UBUILD_BIN" --root "$T/ubuild" "$@"; }

start_private_dockerd "$T"

# The base: one busybox-static rootfs tar imported into both stores.
make_busybox_rootfs "$T/rootfs.tar"
BASE_DIFF_ID=$(tar_diff_id "$T/rootfs.tar")
docker_cli import "$T/rootfs.tar" busybox:local >/dev/null
got=$(docker_cli image inspect busybox:local --format '{{index .RootFS.Layers 0}}')
if [[ "$got" != "$BASE_DIFF_ID" ]]; then
  echo "docker import gave diff_id $got, want $BASE_DIFF_ID" >&2; exit 1
fi
if [[ $DOCKER_ONLY == 0 && $SECOND == ubuild ]]; then
  # From stdin, as the docker CLI sends it: both histories say "Imported from -".
  ubuild import - busybox:local <"$T/rootfs.tar" >"$T/out/ubuild-import.log" 2>&1 || {
    echo "ubuild import failed:" >&2; cat "$T/out/ubuild-import.log" >&2; exit 1; }
  ubuild save -o "$T/out/ubuild-base.tar" busybox:local
  got=$(python3 - "$T/out/ubuild-base.tar" <<'PY'
import json, sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = json.load(t.extractfile("manifest.json"))[0]
    print(json.load(t.extractfile(m["Config"]))["rootfs"]["diff_ids"][0])
PY
)
  if [[ "$got" != "$BASE_DIFF_ID" ]]; then
    echo "ubuild import gave diff_id $got, want $BASE_DIFF_ID (docker import's)" >&2; exit 1
  fi
  echo "base imported: $BASE_DIFF_ID in both stores"
fi

# Step numbers that printed "Using cache", one per line, from a build log.
cached_steps() {
  awk '/^Step [0-9]+\/[0-9]+ :/ { split($2, a, "/"); step = a[1] }
       /^ ---> Using cache/ { print step }' "$1"
}
step_count() { awk '/^Step [0-9]+\/[0-9]+ :/ { split($2, a, "/"); n = a[2] } END { print n + 0 }' "$1"; }

FAILED=() PASSED=0
fail() { echo "FAIL $CASE: $*"; FAILED+=("$CASE"); }

# build_with TOOL TAG CTXDIR LOG [extra build options...]; returns the build's status.
build_with() {
  local tool=$1 tag=$2 ctx=$3 log=$4; shift 4
  if [[ $tool == docker ]]; then
    DOCKER_BUILDKIT=0 docker_cli build --network none -t "$tag" "$@" "$ctx" >"$log" 2>&1
  elif [[ $tool == docker2 ]]; then
    DOCKER_BUILDKIT=0 docker_cli build --network none --no-cache -t "docker2-$tag" "$@" "$ctx" >"$log" 2>&1
  else
    ubuild build --network none -t "$tag" "$@" "$ctx" >"$log" 2>&1
  fi
}

save_with() {
  local tool=$1 tag=$2 out=$3
  case $tool in
    docker) docker_cli save -o "$out" "$tag" ;;
    docker2) docker_cli save -o "$out" "docker2-$tag" ;;
    *) ubuild save -o "$out" "$tag" ;;
  esac
}

# inspect_with TOOL TAG OUT: the engine's inspect object of the image.
inspect_with() {
  local tool=$1 tag=$2 out=$3
  case $tool in
    docker) docker_cli image inspect "$tag" >"$out" ;;
    docker2) docker_cli image inspect "docker2-$tag" >"$out" ;;
    *) ubuild inspect "$tag" >"$out" ;;
  esac
}

# cache_check TOOL TAG CTX FILE OPTS...: unchanged rebuild and rebuild after
# touching every file are fully cached with the same id; after editing FILE
# exactly the steps before the first one naming FILE are cached.
cache_check() {
  local tool=$1 tag=$2 ctx=$3 file=$4; shift 4
  local log=$T/out/$CASE.$tool.cache id0 id1 n want got marker
  build_with "$tool" "$tag" "$ctx" "$log.0" --iidfile "$log.0.iid" "$@" || { fail "$tool first build failed"; return; }
  id0=$(cat "$log.0.iid")
  for round in unchanged touched; do
    if [[ $round == touched ]]; then sleep 1; find "$ctx" -exec touch {} +; fi
    build_with "$tool" "$tag" "$ctx" "$log.$round" --iidfile "$log.$round.iid" "$@" ||
      { fail "$tool $round rebuild failed"; return; }
    id1=$(cat "$log.$round.iid")
    n=$(step_count "$log.$round")
    want=$(seq 2 "$n" | tr '\n' ' ')
    got=$(cached_steps "$log.$round" | tr '\n' ' ')
    [[ "$got" == "$want" ]] || fail "$tool $round rebuild: cached steps [$got], want [$want]"
    [[ "$id1" == "$id0" ]] || fail "$tool $round rebuild gave $id1, first build $id0"
  done
  echo "edited" >>"$ctx/$file"
  build_with "$tool" "$tag" "$ctx" "$log.edited" --iidfile "$log.edited.iid" "$@" ||
    { fail "$tool rebuild after editing $file failed"; return; }
  marker=$(awk -v f="$file" '/^Step [0-9]+\/[0-9]+ :/ && index($0, f) { split($2, a, "/"); print a[1]; exit }' "$log.edited")
  [[ -n "$marker" ]] || { fail "$tool: no step names $file"; return; }
  want=$(seq 2 $((marker - 1)) | tr '\n' ' ')
  got=$(cached_steps "$log.edited" | tr '\n' ' ')
  [[ "$got" == "$want" ]] || fail "$tool rebuild after editing $file: cached steps [$got], want [$want]"
  [[ "$(cat "$log.edited.iid")" != "$id0" ]] || fail "$tool rebuild after editing $file kept the id"
}

reference_case() {
  [[ -n "$REFERENCE" ]] || return 0
  {
    echo "## $CASE"
    echo
    echo '```dockerfile'
    cat "$CASEDIR/Dockerfile"
    echo '```'
    [[ -f "$CASEDIR/args" ]] && { echo; echo "build args: \`$(tr '\n' ' ' <"$CASEDIR/args")\`"; }
    [[ -f "$CASEDIR/labels" ]] && { echo; echo "labels: \`$(tr '\n' ' ' <"$CASEDIR/labels")\`"; }
    [[ -n "$TARGET" ]] && { echo; echo "--target $TARGET"; }
    echo
    if [[ -n "$PARENT_TAG" ]]; then
      echo "### parent image ($PARENT_TAG)"
      echo
      python3 "$CONF/compare.py" --dump --base-diff-id "$BASE_DIFF_ID" "$T/out/$CASE.parent.docker.tar"
      echo
      echo "### child image"
      echo
    fi
    if [[ -n "$DOCKER_FAILS" ]]; then
      echo "Docker fails:"
      echo '```'
      grep -v '^Sending build context' "$T/out/$CASE.docker.log" | tail -3
      echo '```'
    else
      python3 "$CONF/compare.py" --dump --base-diff-id "$BASE_DIFF_ID" "$T/out/$CASE.docker.tar"
    fi
    echo
  } >>"$REFERENCE"
}

if [[ -n "$REFERENCE" ]]; then
  {
    echo "# What Docker 20.10's classic builder produced for each conformance case"
    echo
    echo "Generated by \`bash tests/e2e/test_conformance.sh --docker-only --reference ...\`"
    echo "($($DOCKER_CLI -H "unix://$T/docker.sock" version --format 'engine {{.Server.Version}}'),"
    echo "\`DOCKER_BUILDKIT=0 docker build --network none\`). Base: busybox-static rootfs"
    echo "imported as busybox:local, diff_id \`$BASE_DIFF_ID\`; its layer is not listed."
    echo "Entries: type mode uid:gid [size sha256-prefix] path [-> symlink target | => hardlink target]."
    echo
  } >"$REFERENCE"
fi

for CASEDIR in "$CONF"/cases/*/; do
  CASEDIR=${CASEDIR%/}
  CASE=$(basename "$CASEDIR")
  if [[ ${#PATTERNS[@]} -gt 0 ]]; then
    match=0
    for p in "${PATTERNS[@]}"; do [[ $CASE == $p ]] && match=1; done
    [[ $match == 1 ]] || continue
  fi
  TARGET="" PARENT_TAG="" CACHE_CHECK="" DOCKER_FAILS=""
  # shellcheck disable=SC1091
  [[ -f "$CASEDIR/build.conf" ]] && source "$CASEDIR/build.conf"
  OPTS=()
  if [[ -f "$CASEDIR/args" ]]; then
    while IFS= read -r line; do [[ -n "$line" ]] && OPTS+=(--build-arg "$line"); done <"$CASEDIR/args"
  fi
  if [[ -f "$CASEDIR/labels" ]]; then
    while IFS= read -r line; do [[ -n "$line" ]] && OPTS+=(--label "$line"); done <"$CASEDIR/labels"
  fi
  [[ -n "$TARGET" ]] && OPTS+=(--target "$TARGET")
  TAG=conf-$CASE:latest
  nfail_before=${#FAILED[@]}
  tools=(docker)
  [[ $DOCKER_ONLY == 0 ]] && tools+=("$SECOND")

  for tool in "${tools[@]}"; do
    # A private copy per tool: builds and the cache check may edit the context.
    ctx=$T/ctx/$CASE.$tool
    cp -a "$CASEDIR" "$ctx"
    if [[ -n "$PARENT_TAG" ]]; then
      if ! build_with "$tool" "$PARENT_TAG" "$ctx/parent" "$T/out/$CASE.parent.$tool.log"; then
        fail "$tool parent build failed:"; tail -5 "$T/out/$CASE.parent.$tool.log"; continue
      fi
      save_with "$tool" "$PARENT_TAG" "$T/out/$CASE.parent.$tool.tar" || { fail "$tool save failed"; continue; }
    fi
    if build_with "$tool" "$TAG" "$ctx" "$T/out/$CASE.$tool.log" "${OPTS[@]}"; then
      if [[ $tool == docker* && -n "$DOCKER_FAILS" ]]; then
        fail "docker build succeeded; expected it to fail with \"$DOCKER_FAILS\""
      else
        save_with "$tool" "$TAG" "$T/out/$CASE.$tool.tar" || fail "$tool save failed"
        inspect_with "$tool" "$TAG" "$T/out/$CASE.$tool.inspect.json" || fail "$tool inspect failed"
      fi
    elif [[ $tool == docker* && -n "$DOCKER_FAILS" ]]; then
      grep -q -- "$DOCKER_FAILS" "$T/out/$CASE.$tool.log" ||
        { fail "docker failed without \"$DOCKER_FAILS\":"; tail -5 "$T/out/$CASE.docker.log"; }
    else
      fail "$tool build failed:"; tail -8 "$T/out/$CASE.$tool.log" | sed 's/^/    /'
    fi
  done
  [[ ${#FAILED[@]} == "$nfail_before" ]] && reference_case

  if [[ $DOCKER_ONLY == 0 && ${#FAILED[@]} == "$nfail_before" ]]; then
    if [[ -n "$PARENT_TAG" ]]; then
      python3 "$CONF/compare.py" --case "$CASE/parent" --known "$CONF/known_differences.json" \
        --base-diff-id "$BASE_DIFF_ID" --built-after "$BUILT_AFTER" \
        "$T/out/$CASE.parent.docker.tar" "$T/out/$CASE.parent.$SECOND.tar" ||
        fail "parent image differs from Docker's"
    fi
    if [[ -n "$DOCKER_FAILS" && $SECOND == ubuild ]]; then
      python3 "$CONF/compare.py" --case "$CASE" --expect "$CASEDIR/expect.json" "$T/out/$CASE.$SECOND.tar" ||
        fail "ubuild image does not match expect.json"
    elif [[ -z "$DOCKER_FAILS" ]]; then
      parents=()
      [[ -n "$PARENT_TAG" ]] && parents=(--parents "$T/out/$CASE.parent.docker.tar" "$T/out/$CASE.parent.$SECOND.tar")
      python3 "$CONF/compare.py" --case "$CASE" --known "$CONF/known_differences.json" \
        --base-diff-id "$BASE_DIFF_ID" --built-after "$BUILT_AFTER" "${parents[@]}" \
        --inspect "$T/out/$CASE.docker.inspect.json" "$T/out/$CASE.$SECOND.inspect.json" \
        "$T/out/$CASE.docker.tar" "$T/out/$CASE.$SECOND.tar" ||
        fail "image differs from Docker's"
    fi
  fi

  if [[ -n "$CACHE_CHECK" && ${#FAILED[@]} == "$nfail_before" ]]; then
    for tool in "${tools[@]}"; do
      [[ $tool == docker2 ]] && continue  # always --no-cache
      ctx=$T/ctx/$CASE.$tool.cache
      cp -a "$CASEDIR" "$ctx"
      cache_check "$tool" "conf-$CASE-cache:latest" "$ctx" "$CACHE_CHECK" "${OPTS[@]}"
    done
  fi

  if [[ ${#FAILED[@]} == "$nfail_before" ]]; then
    PASSED=$((PASSED + 1)); echo "ok   $CASE"
  fi
  if [[ -n "$KEEP" ]]; then
    cp "$T/out/$CASE".* "$KEEP"/ 2>/dev/null || true
  fi
done

mapfile -t FAILED < <(printf '%s\n' "${FAILED[@]}" | awk 'NF && !seen[$0]++')
echo "$PASSED passed, ${#FAILED[@]} failed${FAILED:+: ${FAILED[*]}}"
[[ ${#FAILED[@]} == 0 ]]
