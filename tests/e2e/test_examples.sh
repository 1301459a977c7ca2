#!/usr/bin/env bash
# End-to-end: every example under examples/ runs as its README says, offline,
# against a private store ($UBUILD_ROOT) and the built ubuild ($UBUILD_BIN),
# and the checking examples really fail when what they check is broken.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
export UBUILD_BIN
export UBUILD_ROOT=$ROOT
ex=$UBUILD_SOURCE_DIR/examples

# run_example NAME LOG COMMAND...: runs it, keeps its output in LOG, passes when it exits 0.
run_example() {
  local name=$1 log=$2 rc=0
  shift 2
  "$@" >"$log" 2>&1 || rc=$?
  if [[ $rc -eq 0 ]]; then
    pass "$name exits 0"
  else
    fail "$name exits $rc"
    tail -30 "$log"
  fi
}
has() { grep -q -- "$2" "$1"; }
quiet() { "$@" >/dev/null 2>&1; }

# --- hello: on an empty store, so it makes and imports the busybox base itself
run_example "hello/run.sh" "$E2E_TMP/hello.log" env HELLO_TAR="$E2E_TMP/hello.tar" bash "$ex/hello/run.sh"
check "hello: tagged hello:latest" has "$E2E_TMP/hello.log" "Successfully tagged hello:latest"
check "hello: imported the busybox base" quiet ub inspect busybox
check "hello: saved a docker-load archive" quiet tar -xOf "$E2E_TMP/hello.tar" manifest.json

# --- multi-stage: final image, --target builder, COPY --from
run_example "multi-stage/run.sh" "$E2E_TMP/multi.log" env MULTI_STAGE_TAR="$E2E_TMP/multi.tar" bash "$ex/multi-stage/run.sh"
check "multi-stage: only the artifact reached the final image" \
  has "$E2E_TMP/multi.log" "multi-stage holds /opt/greet only; /src/build.log stayed in multi-stage-builder"
check "multi-stage: --target builder tagged the builder stage" quiet ub inspect multi-stage-builder
final_files=$(ub layers --files multi-stage)
check "multi-stage: the final image has the builder's artifact" grep -qx '    A /opt/greet/greet' <<<"$final_files"
check "multi-stage: the final image has nothing of /src" bash -c '! grep -q " /src" <<<"$1"' _ "$final_files"
check "multi-stage: saved a docker-load archive" quiet tar -xOf "$E2E_TMP/multi.tar" manifest.json

# --- reproducible-ci: two fresh roots, same id, same archive bytes
run_example "reproducible-ci/run.sh" "$E2E_TMP/repro.log" bash "$ex/reproducible-ci/run.sh"
check "reproducible-ci: same image id" has "$E2E_TMP/repro.log" "^same image id"
check "reproducible-ci: same diff_ids" has "$E2E_TMP/repro.log" "^same diff_ids"
check "reproducible-ci: same save archive bytes" has "$E2E_TMP/repro.log" "^same save archive bytes"
check "reproducible-ci: prints both archive checksums" \
  test "$(grep -cE '^  [12]: sha256:[0-9a-f]{64}  [0-9]+ bytes$' "$E2E_TMP/repro.log")" -eq 2
# The script must notice a difference: a ubuild that slips a random label into
# every build makes two different images.
cat >"$E2E_TMP/noisy-ubuild" <<'SH'
#!/usr/bin/env bash
args=()
for a in "$@"; do args+=("$a"); [[ $a == build ]] && args+=(--label "nonce=$RANDOM$RANDOM$$"); done
exec "$REAL_UBUILD" "${args[@]}"
SH
chmod +x "$E2E_TMP/noisy-ubuild"
rc=0
env REAL_UBUILD="$UBUILD_BIN" UBUILD_BIN="$E2E_TMP/noisy-ubuild" bash "$ex/reproducible-ci/run.sh" >"$E2E_TMP/noisy.log" 2>&1 || rc=$?
check "reproducible-ci: exits non-zero when the builds differ" test "$rc" -ne 0
check "reproducible-ci: names the differing image id" has "$E2E_TMP/noisy.log" "^DIFFERENT image id"

# --- layers-walkthrough: every step checked against the store
run_example "layers-walkthrough/walkthrough.sh" "$E2E_TMP/walk.log" bash "$ex/layers-walkthrough/walkthrough.sh"
check "walkthrough: reached its end" has "$E2E_TMP/walk.log" "^walkthrough: every step checked"
check "walkthrough: recomputed 3 chain_ids with echo -n | sha256sum" \
  test "$(grep -c '^\$ echo -n "sha256:[0-9a-f]\{64\} sha256:[0-9a-f]\{64\}" | sha256sum$' "$E2E_TMP/walk.log")" -eq 3
check "walkthrough: saw the whiteout and the opaque dir" \
  has "$E2E_TMP/walk.log" "^ok: /data/cache carries trusted.overlay.opaque=y"
check "walkthrough: checked no fewer than 40 facts" test "$(grep -c '^ok: ' "$E2E_TMP/walk.log")" -ge 40
# Layer 1's diff_id depends on the Dockerfile and the epoch only (not on the
# busybox binary): the README must show the one the script finds.
layer1=$(grep -m1 -o 'sha256:[0-9a-f]\{64\} sha256:[0-9a-f]\{64\}' "$E2E_TMP/walk.log" | cut -d' ' -f2)
check "walkthrough: README shows the layer-1 diff_id found (${layer1:0:19}…)" \
  has "$UBUILD_SOURCE_DIR/examples/layers-walkthrough/README.md" "${layer1:-no diff_id found}"
# Take the opaque marker off the last layer's /data/cache: the walkthrough must object.
top_cache=$(ub layers walkthrough | sed -n 's/^  cache-id: *//p' | tail -1)
python3 -c 'import os,sys; os.removexattr(sys.argv[1], "trusted.overlay.opaque")' "$ROOT/overlay2/$top_cache/diff/data/cache"
rc=0
bash "$ex/layers-walkthrough/walkthrough.sh" >"$E2E_TMP/walk-bad.log" 2>&1 || rc=$?
check "walkthrough: exits non-zero on a store that disagrees" test "$rc" -ne 0
check "walkthrough: says which check failed" has "$E2E_TMP/walk-bad.log" "MISMATCH: /data/cache carries trusted.overlay.opaque=y"

e2e_finish
