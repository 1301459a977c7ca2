#!/usr/bin/env bash
# COPY --link through a registry build cache: machine A exports its cache;
# machine B, whose base image differs (its own top layer), builds with
# --cache-from. The --link step has no parent-free hit in B's store, but A
# recorded its LinkedLayerKey in the cache: B hits it, fetches the layer's
# blob only when a later step needs a rootfs (or, with --push, mounts it
# from the cache repository without a byte of it crossing the machine), and
# stacks it on B's base. With SOURCE_DATE_EPOCH the result is B's cold build
# id for id, and its files are the cold build's.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
command -v docker-registry >/dev/null || { echo "docker-registry is not installed" >&2; exit 1; }
tools=$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py

e2e_base_image
reg=$(start_registry linkcache)
ub tag busybox "$reg/base/busybox:1"
ub push "$reg/base/busybox:1" >/dev/null
SDE=(--build-arg SOURCE_DATE_EPOCH=1700000000)

# machine NAME STAMP: a fresh store that pulled busybox and built its own
# `base` on it, whose top layer holds STAMP (machines with different
# stamps have different bases), pushed as $reg/base/base-NAME:1.
machine() {
  local root=$E2E_TMP/$1
  "$UBUILD_BIN" --root "$root" pull "$reg/base/busybox:1" >/dev/null
  "$UBUILD_BIN" --root "$root" tag "$reg/base/busybox:1" busybox
  mkdir -p "$E2E_TMP/base-$1"
  echo "$2" >"$E2E_TMP/base-$1/stamp"
  printf 'FROM busybox\nCOPY stamp /stamp\n' >"$E2E_TMP/base-$1/Dockerfile"
  "$UBUILD_BIN" --root "$root" build -q "${SDE[@]}" -t "$reg/base/base-$1:1" "$E2E_TMP/base-$1" >/dev/null
  # Pushed, as a CI runner's base comes from a registry: a --push can then
  # mount every layer of the result instead of uploading it.
  "$UBUILD_BIN" --root "$root" push "$reg/base/base-$1:1" >/dev/null
  "$UBUILD_BIN" --root "$root" tag "$reg/base/base-$1:1" base
  echo "$root"
}
# Layer blob bytes GET from the registry since the log was marked.
layer_bytes() { registry_blob_bytes linkcache "$@"; }
mark() { registry_log_mark linkcache; }
cache_config() {
  curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$reg/v2/$1/manifests/$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])'
}
store_ok() { test "$(echo 0 | python3 "$UBUILD_SOURCE_DIR/tests/e2e/store_check.py" "$1")" = ok; }
# files ROOT IMAGE: every path of the merged image with its type, mode,
# owner, size and content digest.
files() {
  local dir=$E2E_TMP/fs-$RANDOM
  mkdir -p "$dir"
  "$UBUILD_BIN" --root "$1" save -o "$dir.tar" "$2" && python3 "$tools" merged "$dir.tar" "$dir"
  (cd "$dir" && find . -printf '%p %M %U %G %s\n' | sort && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}
hits() { grep -c '^ ---> Using cache$' <<<"$1" || true; }

CTX=$E2E_TMP/ctx
mkdir -p "$CTX/app/sub"
for i in $(seq 1 30); do head -c $((i * 1000)) /dev/urandom >"$CTX/app/f$i"; done
echo inner >"$CTX/app/sub/in.txt"
ln "$CTX/app/f1" "$CTX/app/sub/hard"
cat >"$CTX/Dockerfile" <<'DF'
FROM base
COPY --link app/ /srv/app/
COPY --link --chown=app app/sub /home/app/sub/
RUN cat /stamp /srv/app/sub/in.txt > /seen && ls -ln /home/app/sub >> /seen
CMD ["cat", "/seen"]
DF

# --- A exports; B with another base hits both --link steps -------------------
A=$(machine a one)
"$UBUILD_BIN" --root "$A" build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/link:c,mode=max" \
  -t app "$CTX" >/dev/null
cfg=$(cache_config cache/link c)

B=$(machine b two)
at=$(mark)
out=$("$UBUILD_BIN" --root "$B" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/link:c" -t app "$CTX" 2>&1)
check "B, another base: both --link steps hit A's cache" \
  grep -qzP 'COPY --link app/ /srv/app/\n ---> Using cache\n[^\n]*\nStep 3/5 : COPY --link --chown=app app/sub /home/app/sub/\n ---> Using cache\n' <<<"$out"
check "B: the RUN after them runs on B's base" test "$(hits "$out")" = 2
check "B: no warning" bash -c '! grep -q Warning <<<"$1"' _ "$out"
check "B: the layer blobs were fetched (a later step needed them)" test "$(layer_bytes "$at" "$cfg")" -gt 0
cold=$("$UBUILD_BIN" --root "$B" build -q "${SDE[@]}" --no-cache -t app-cold "$CTX")
check "B's image from the cache is B's cold build, id for id" test "$(ROOT=$B image_id app)" = "$cold"
check "and its files (paths, modes, owners, sizes, contents) are the cold build's" \
  test "$(files "$B" app)" = "$(files "$B" app-cold)"
check "B's store is consistent" store_ok "$B"

# --- C, a third base, with --push: the linked layers are mounted ------------
printf 'FROM base\nCOPY --link app/ /srv/app/\nCMD ["ls", "/srv/app"]\n' >"$CTX/Dockerfile.push"
"$UBUILD_BIN" --root "$A" build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/link:p,mode=max" \
  -f "$CTX/Dockerfile.push" -t push "$CTX" >/dev/null
cfg=$(cache_config cache/link p)
C=$(machine c three)
at=$(mark)
out=$("$UBUILD_BIN" --root "$C" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/link:p" \
      -f "$CTX/Dockerfile.push" -t "$reg/app/link:1" --push "$CTX" 2>&1)
check "C with --push: the --link step hits" grep -qzP 'COPY --link app/ /srv/app/\n ---> Using cache\n' <<<"$out"
check "C with --push: no layer is downloaded" test "$(layer_bytes "$at" "$cfg")" = 0
D=$E2E_TMP/D
"$UBUILD_BIN" --root "$D" pull -q "$reg/app/link:1" >/dev/null
cold=$("$UBUILD_BIN" --root "$C" build -q "${SDE[@]}" --no-cache -f "$CTX/Dockerfile.push" -t push-cold "$CTX")
check "the pushed image is C's cold build, id for id" test "$(ROOT=$D image_id "$reg/app/link:1")" = "$cold"
check "and pulls whole, with the cold build's files" \
  test "$(files "$D" "$reg/app/link:1")" = "$(files "$C" push-cold)"

# --- the linked key is exported by a build that hit every step too ---------
"$UBUILD_BIN" --root "$A" build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/link:again,mode=max" \
  -t app "$CTX" >/dev/null
E=$(machine e four)
out=$("$UBUILD_BIN" --root "$E" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/link:again" -t app "$CTX" 2>&1)
check "a cache exported by an all-hit build still serves --link on another base" test "$(hits "$out")" = 2

# --- type=inline holds no linked keys (its layers are the image's) ---------
"$UBUILD_BIN" --root "$A" build -q "${SDE[@]}" --cache-to type=inline -t "$reg/app/inline:1" --push "$CTX" >/dev/null
F=$(machine f five)
out=$("$UBUILD_BIN" --root "$F" build "${SDE[@]}" --cache-from "$reg/app/inline:1" -t app "$CTX" 2>&1)
check "an inline cache on another base: a cold build, no error" test "$(hits "$out")" = 0
check "F's store is consistent" store_ok "$F"
e2e_finish
