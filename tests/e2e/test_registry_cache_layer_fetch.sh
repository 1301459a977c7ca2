#!/usr/bin/env bash
# Fetching a --cache-from layer (issue 12), beyond a blob gone or damaged
# (test_registry_cache_missing_blob.sh):
# - A stale prefetch is cancelled. A COPY in the target stage fetches the
#   layer of its likely hit while it hashes its sources; when the key then
#   misses (the sources changed), the fetch ends at that probe. Through a
#   proxy slowed so the whole blob would take ~32 s, the build downloads
#   only a part of it (counted from the registry's access log) and takes
#   less than a --no-cache build of the same context plus half that time.
# - The registry failing during the layer's GET (its proxy killed) is the
#   cache's failure: the build starts over without the layer, finds the
#   cache unreachable and builds cold, and succeeds.
# - A local failure is the build's error, not a lost blob: the layer is
#   written under a file size limit (RLIMIT_FSIZE, SIGXFSZ ignored, so the
#   write fails with EFBIG as on a full disk). The build fails with that
#   error, prints no "starts over", drops nothing, and leaves the store as
#   it was; from a type=registry cache and from a type=local one.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
command -v docker-registry >/dev/null || { echo "docker-registry is not installed" >&2; exit 1; }

e2e_base_image
registry_base fetch

MIB=${UBUILD_FETCH_TEST_MIB:-256}
RATE=$((MIB << 15))  # bytes/s: the whole blob in 32 s
machine() { registry_runner "$E2E_TMP/machines/$1"; }
store_ok() { test "$(echo 0 | python3 "$UBUILD_SOURCE_DIR/tests/e2e/store_check.py" "$1")" = ok; }
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

ctx=$E2E_TMP/ctx
mkdir -p "$ctx"
head -c "$((MIB << 20))" /dev/urandom >"$ctx/big"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
COPY big /big
CMD ["true"]
DF
ROOT=$A
ub build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/big:c,mode=max" \
  --cache-to "type=local,dest=$E2E_TMP/local,mode=max" -t big "$ctx" >/dev/null
manifest=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$reg/v2/cache/big/manifests/c")
cache_config=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["config"]["digest"])' "$manifest")
blob_bytes=$(python3 -c 'import json,sys; print(max(l["size"] for l in json.loads(sys.argv[1])["layers"]))' "$manifest")

# --- a stale prefetch is cancelled -----------------------------------------
slow=$(start_slow_proxy fetch "$reg" "$RATE")
printf 'edited' >>"$ctx/big"
t0=$(date +%s%N)
"$UBUILD_BIN" --root "$(machine cold)" build -q --no-cache "${SDE[@]}" "$ctx" >/dev/null
cold_ms=$(ms_since "$t0")
m=$(machine stale)
at=$(registry_log_mark fetch)
t0=$(date +%s%N)
out=$("$UBUILD_BIN" --root "$m" build "${SDE[@]}" --cache-from "type=registry,ref=$slow/cache/big:c" -t big "$ctx" 2>&1) &&
  rc=0 || rc=$?
stale_ms=$(ms_since "$t0")
got=$(registry_blob_bytes fetch "$at" "$cache_config")
echo "stale prefetch: $got of $blob_bytes blob bytes; build ${stale_ms} ms, --no-cache ${cold_ms} ms, whole blob $((blob_bytes * 1000 / RATE)) ms"
check "stale prefetch: the build succeeds" test "$rc" = 0
[[ $rc == 0 ]] || echo "$out"
check "stale prefetch: the COPY ran" bash -c "! grep -q '^ ---> Using cache' <<<'$out'"
check "stale prefetch: the layer's GET began (the prefetch ran)" test "$got" -gt 0
check "stale prefetch: at most half the blob came" test "$got" -lt "$((blob_bytes / 2))"
check "stale prefetch: the build did not wait for the blob" test "$stale_ms" -lt "$((cold_ms + blob_bytes * 500 / RATE))"
check "stale prefetch: the store is consistent (no pending layer left)" store_ok "$m"

# --- the registry fails while the blob comes -------------------------------
# The proxy dies during the layer's GET: the cache's failure, not the
# build's. The build starts over without that layer, finds the cache gone
# (a warning), and builds cold.
truncate -s "$((MIB << 20))" "$ctx/big"  # as cached again
dying=$(start_slow_proxy dying "$reg" "$RATE")
m=$(machine dying)
at=$(registry_log_mark fetch)
"$UBUILD_BIN" --root "$m" build "${SDE[@]}" --cache-from "type=registry,ref=$dying/cache/big:c" -t big "$ctx" \
  >"$E2E_TMP/dying.out" 2>&1 &
build_pid=$!
for _ in $(seq 100); do
  [[ $(registry_blob_bytes fetch "$at" "$cache_config") -gt 0 ]] && break
  sleep 0.1
done
sleep 0.5
kill "$(cat "$E2E_TMP/registry-proxy-dying/pid")"
wait "$build_pid" && rc=0 || rc=$?
out=$(cat "$E2E_TMP/dying.out")
check "registry dies mid-blob: the build succeeds" test "$rc" = 0
[[ $rc == 0 ]] || echo "$out"
check "registry dies mid-blob: it starts over without the layer" grep -q 'starts over' <<<"$out"
check "registry dies mid-blob: after the start over, no step hits" bash -c "! sed -n '/starts over/,\$p' '$E2E_TMP/dying.out' | grep -q 'Using cache'"
check "registry dies mid-blob: the image is stored" "$UBUILD_BIN" --root "$m" inspect big
check "registry dies mid-blob: the store is consistent" store_ok "$m"

# --- a local failure while the layer is written ----------------------------
# under_fsize_limit CMD...: CMD with files limited to 64 MiB; SIGXFSZ
# ignored (inherited through exec), so an over-long write fails with EFBIG.
under_fsize_limit() { (trap '' XFSZ; ulimit -f 65536; exec "$@"); }
local_failure() {  # NAME CACHE-FROM
  local m
  m=$(machine "fsize-$RANDOM")
  out=$(under_fsize_limit "$UBUILD_BIN" --root "$m" build "${SDE[@]}" --cache-from "$2" -t big "$ctx" 2>&1) &&
    rc=0 || rc=$?
  check "$1: the build fails" test "$rc" != 0
  check "$1: the error is the write's" grep -q "^ubuild: .*File too large" <<<"$out"
  [[ $rc != 0 ]] && grep -q "File too large" <<<"$out" || echo "$out"
  check "$1: the build does not start over" bash -c "! grep -q 'starts over' <<<'$out'"
  check "$1: no blob is said lost" bash -c "! grep -q 'lost the blob' <<<'$out'"
  check "$1: the COPY hit (its layer was being written)" grep -q '^ ---> Using cache' <<<"$out"
  check "$1: the store is consistent (no pending layer left)" store_ok "$m"
  check "$1: the image is not stored" bash -c "! '$UBUILD_BIN' --root '$m' inspect big >/dev/null 2>&1"
}
local_failure "registry, file size limit" "type=registry,ref=$reg/cache/big:c"
local_failure "type=local, file size limit" "type=local,src=$E2E_TMP/local"

e2e_finish
