#!/usr/bin/env bash
# A --cache-from cache whose blob is gone gives a warning and a cold build,
# never a failed build (issue 12). Blobs are deleted from the
# docker-registry's storage directory by hand, or removed or damaged in a
# type=local directory; each build exits 0, prints the warning and gives
# the image id a --no-cache build gives (SOURCE_DATE_EPOCH), and leaves a
# consistent store. Cases: an image as cache (--cache-from IMAGE_REF) with a
# layer blob gone before the build, and gone between its HEAD and its GET
# (the build starts over); a type=registry cache's config blob gone; a
# type=local cache with a layer blob removed, truncated, or damaged at its
# size (found only when read: the build starts over); a type=local cache
# whose manifest is foreign or names a layer of a media type no image has.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
command -v docker-registry >/dev/null || { echo "docker-registry is not installed" >&2; exit 1; }

e2e_base_image
registry_base blobs

# machine NAME: a fresh runner's store.
machine() { registry_runner "$E2E_TMP/machines/$1"; }
store_ok() { test "$(echo 0 | python3 "$UBUILD_SOURCE_DIR/tests/e2e/store_check.py" "$1")" = ok; }
manifest() {  # REPO REF: an image or cache manifest from the registry
  curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' \
    -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$reg/v2/$1/manifests/$2"
}
json_get() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
forget_blob() { rm -rf "$(dirname "$(registry_blob_file blobs "$1")")"; }

# context NAME [PAUSE]: a two-stage build whose layers are NAME's own (so
# deleting one case's blob leaves the others'); PAUSE seconds of sleep in
# the first stage give a test the time to act between resolution and the
# final stage's downloads.
context() {
  local dir=$E2E_TMP/ctx/$1
  mkdir -p "$dir"
  echo "$1" >"$dir/id.txt"
  head -c 100000 /dev/urandom >"$dir/data"
  cat >"$dir/Dockerfile" <<DF
FROM busybox AS build
COPY id.txt /id.txt
RUN sleep ${2:-0} && cat /id.txt /id.txt > /made
FROM busybox
COPY --from=build /made /made
COPY data /data
RUN wc -c /data /made > /size
COPY id.txt /id2.txt
CMD ["cat", "/size"]
DF
  echo "$dir"
}
# no_cache_id CTX: the image id a cold build gives.
no_cache_id() {
  "$UBUILD_BIN" --root "$(machine "cold-$RANDOM")" build -q --no-cache "${SDE[@]}" "$1"
}
# build_from CACHE-FROM CTX: builds on a fresh machine into $out, its exit status in $rc and its store in $m.
build_from() {
  m=$(machine "b-$RANDOM")
  out=$("$UBUILD_BIN" --root "$m" build "${SDE[@]}" --cache-from "$1" -t result "$2" 2>&1) && rc=0 || rc=$?
}
# expect_cold_build WHAT WANT-ID: the build of build_from succeeded with $want's image.
expect_good_build() {
  check "$1: the build succeeds" test "$rc" = 0
  [[ $rc == 0 ]] || echo "$out"
  check "$1: the image id is a --no-cache build's" test "$(ROOT=$m image_id result)" = "$2"
  check "$1: the store is consistent" store_ok "$m"
}
# The "Using cache" lines of the step whose instruction begins with TEXT
# (rerun_hits: once the build started over).
step_hits() { sed -n "/^Step [0-9]*\/[0-9]* : $1/,/^Step /p" <<<"$out" | grep -c '^ ---> Using cache$' || true; }
rerun_hits() { out=$(sed -n '/the build starts over/,$p' <<<"$out") step_hits "$1"; }

# --- an image as cache, a layer blob gone before the build --------------------
ROOT=$A
ctx=$(context image)
want=$(no_cache_id "$ctx")
ub build -q "${SDE[@]}" -t "$reg/app/image:1" --push "$ctx" >/dev/null
# The final image's layers: busybox, /made, /data, /size, /id2.txt. The
# blob of /size (RUN wc) goes.
blob=$(manifest app/image 1 | json_get 'd["layers"][3]["digest"]')
forget_blob "$blob"
build_from "$reg/app/image:1" "$ctx"
expect_good_build "image as cache, a blob gone" "$want"
check "image as cache, a blob gone: one warning names the ref and the blob" test \
  "$(grep -c "^\[Warning\] the cache image $reg/app/image:1 lost the blob $blob of layer sha256:[0-9a-f]*: the step \"/bin/sh -c wc -c /data /made > /size\" and those after it will run$" <<<"$out")" = 1
check "image as cache, a blob gone: no other warning" test "$(grep -c Warning <<<"$out")" = 1
check "image as cache, a blob gone: the steps below it hit" test "$(step_hits 'COPY data')" = 1
check "image as cache, a blob gone: its step runs" test "$(step_hits 'RUN wc')" = 0

# --- an image as cache, a layer blob gone between its HEAD and its GET ---------
# The first stage is not in the image and runs, sleeping; meanwhile the blob
# of /data goes. The final stage's steps hit (the blob was there at the
# HEAD); the image must land in the store (or, with --push, be mounted from
# the cache: that mount fails, so it must land in the store after all), the
# GET of /data finds nothing, and the build starts over: that step and those
# above it run.
race() {  # NAME TAG [BUILD-ARGS...]
  local name=$1 tag=$2 ctx want blob pid
  shift 2
  ROOT=$A
  ctx=$(context "$name" 4)
  want=$(no_cache_id "$ctx")
  ub build -q "${SDE[@]}" -t "$reg/app/$name:1" --push "$ctx" >/dev/null
  blob=$(manifest "app/$name" 1 | json_get 'd["layers"][2]["digest"]')
  m=$(machine "$name")
  "$UBUILD_BIN" --root "$m" build "${SDE[@]}" --cache-from "$reg/app/$name:1" -t "$tag" "$@" "$ctx" >"$E2E_TMP/$name.out" 2>&1 &
  pid=$!
  for _ in $(seq 600); do grep -q '^Step [0-9]*/[0-9]* : RUN sleep' "$E2E_TMP/$name.out" && break; sleep 0.05; done
  forget_blob "$blob"
  wait "$pid" && rc=0 || rc=$?
  out=$(cat "$E2E_TMP/$name.out")
  check "$name: a blob gone after its HEAD: no warning at resolution" bash -c "! grep -q 'lost the blob .* of layer .*: the step' <<<'$out'"
  check "$name: a blob gone after its HEAD: the warning names the cache and the blob, and the build starts over" \
    grep -q "^\[Warning\] the build cache $reg/app/$name:1 lost the blob $blob of layer sha256:[0-9a-f]* (.*): the build starts over without it$" <<<"$out"
  check "$name: a blob gone after its HEAD: the build succeeds" test "$rc" = 0
  [[ $rc == 0 ]] || echo "$out"
  check "$name: a blob gone after its HEAD: the image id is a --no-cache build's" test "$(ROOT=$m image_id "$tag")" = "$want"
  check "$name: a blob gone after its HEAD: the store is consistent" store_ok "$m"
  check "$name: a blob gone after its HEAD: started over, its step runs" test "$(rerun_hits 'COPY data')" = 0
}
race race result
race racepush "$reg/app/racepushed:1" --push
check "racepush: the pushed image is a --no-cache build's" test \
  "$(manifest app/racepushed 1 | json_get 'd["config"]["digest"]')" = "$(ROOT=$m image_id "$reg/app/racepushed:1")"

# --- a type=registry cache whose config blob is gone ---------------------------
ROOT=$A
ctx=$(context regconfig)
want=$(no_cache_id "$ctx")
ub build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/regconfig:c,mode=max" "$ctx" >/dev/null
forget_blob "$(manifest cache/regconfig c | json_get 'd["config"]["digest"]')"
build_from "type=registry,ref=$reg/cache/regconfig:c" "$ctx"
expect_good_build "a cache's config blob gone" "$want"
check "a cache's config blob gone: a warning names the cache" grep -q "^\[Warning\] cannot use the build cache $reg/cache/regconfig:c (" <<<"$out"
check "a cache's config blob gone: every step runs" test "$(grep -c '^ ---> Using cache$' <<<"$out" || true)" = 0

# --- type=local: a layer blob removed, truncated, damaged at its size ---------
ROOT=$A
ctx=$(context local)
want=$(no_cache_id "$ctx")
ub build -q "${SDE[@]}" --cache-to "type=local,dest=$E2E_TMP/local,mode=max" "$ctx" >/dev/null
# edit_cache NAME PYTHON: a copy of the cache at $E2E_TMP/NAME; PYTHON
# runs with its manifest in `m` (written back as the cache's if changed).
edit_cache() {
  cp -r "$E2E_TMP/local" "$E2E_TMP/$1"
  python3 -c '
import hashlib, json, sys
d = sys.argv[1]
index = json.load(open(d + "/index.json"))
m = json.load(open(d + "/blobs/sha256/" + index["manifests"][0]["digest"][7:]))
before = json.dumps(m)
exec(sys.argv[2])
if json.dumps(m) != before:
    b = json.dumps(m).encode()
    h = hashlib.sha256(b).hexdigest()
    open(d + "/blobs/sha256/" + h, "wb").write(b)
    index["manifests"][0].update(digest="sha256:" + h, size=len(b))
    json.dump(index, open(d + "/index.json", "w"))' "$E2E_TMP/$1" "$2"
}
# local_cache NAME: edit_cache's copy; the digest of its layer that holds
# /data (the one bigger than 100,000 bytes compressed).
local_cache() { edit_cache "$1" 'print([l["digest"] for l in m["layers"] if l["size"] > 100000][0])'; }
blob=$(local_cache removed)
rm "$E2E_TMP/removed/blobs/sha256/${blob#sha256:}"
build_from "type=local,src=$E2E_TMP/removed" "$ctx"
expect_good_build "type=local, a blob removed" "$want"
check "type=local, a blob removed: a warning names the cache and the step" \
  grep -q "^\[Warning\] the build cache $E2E_TMP/removed lost the blob of layer sha256:[0-9a-f]*: the step \"/bin/sh -c #(nop) COPY file:[0-9a-f]* in /data \" and those after it will run$" <<<"$out"
check "type=local, a blob removed: its step runs" test "$(step_hits 'COPY data')" = 0

blob=$(local_cache truncated)
truncate -s 1000 "$E2E_TMP/truncated/blobs/sha256/${blob#sha256:}"
build_from "type=local,src=$E2E_TMP/truncated" "$ctx"
expect_good_build "type=local, a blob truncated" "$want"
check "type=local, a blob truncated: a warning names the cache" grep -q "^\[Warning\] the build cache $E2E_TMP/truncated lost the blob of layer" <<<"$out"

# Damaged at its size, the blob passes the check at resolution (a stat):
# reading it finds the damage, and the build starts over without it.
blob=$(local_cache damaged)
f=$E2E_TMP/damaged/blobs/sha256/${blob#sha256:}
head -c "$(stat -c %s "$f")" /dev/urandom >"$f.new" && mv "$f.new" "$f"
build_from "type=local,src=$E2E_TMP/damaged" "$ctx"
expect_good_build "type=local, a blob damaged at its size" "$want"
check "type=local, a blob damaged at its size: the warning names the blob, and the build starts over" \
  grep -q "^\[Warning\] the build cache $E2E_TMP/damaged lost the blob $blob of layer sha256:[0-9a-f]* (.*): the build starts over without it$" <<<"$out"
check "type=local, a blob damaged at its size: started over, its step runs" test "$(rerun_hits 'COPY data')" = 0

# --- type=local: a foreign manifest, a layer of a foreign media type ----------
edit_cache foreign 'm["config"]["mediaType"] = "application/vnd.example.foreign.config.v1+json"'
build_from "type=local,src=$E2E_TMP/foreign" "$ctx"
expect_good_build "type=local, a foreign manifest" "$want"
check "type=local, a foreign manifest: a warning says it is not a build cache" \
  grep -q "^\[Warning\] cannot use the build cache $E2E_TMP/foreign (.*not a build cache" <<<"$out"
edit_cache mediatype 'm["layers"][0]["mediaType"] = "text/plain"'
build_from "type=local,src=$E2E_TMP/mediatype" "$ctx"
expect_good_build "type=local, a layer of a foreign media type" "$want"
check "type=local, a layer of a foreign media type: a warning names it" \
  grep -q "^\[Warning\] cannot use the build cache $E2E_TMP/mediatype (.*layer media type text/plain" <<<"$out"
edit_cache badsize 'm["config"]["size"] = "large"'
build_from "type=local,src=$E2E_TMP/badsize" "$ctx"
expect_good_build "type=local, a manifest field of the wrong JSON type" "$want"
check "type=local, a manifest field of the wrong JSON type: a warning names the cache" \
  grep -q "^\[Warning\] cannot use the build cache $E2E_TMP/badsize (" <<<"$out"

e2e_finish
