#!/usr/bin/env bash
# The build cache shared through a registry (--cache-to / --cache-from):
# two store roots stand for two machines, one docker-registry serves both.
# A builds with --cache-to; B starts empty (it pulls the base image), gets
# the context copied elsewhere with new mtimes and builds with --cache-from:
# every step hits, B gets A's image id (SOURCE_DATE_EPOCH), and the layer
# bytes B downloads — counted from the registry's access log — are the
# final image's layers, none with --push. One edited file reruns only the
# steps from its COPY on. A missing or garbage cache warns and builds cold;
# a deleted blob the image needs starts the build over without it (one
# it does not need is never asked for). An image as cache (Docker's
# classic --cache-from IMAGE) gives its steps by history, and only the
# layers a step or the store needs come in. Cases: multi-stage, 20,000
# files, 64 MiB (512 MiB with UBUILD_CACHE_TEST_MIB=512).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
command -v docker-registry >/dev/null || { echo "docker-registry is not installed" >&2; exit 1; }

e2e_base_image
registry_base cache

# machine NAME: a fresh runner's store.
machine() { registry_runner "$E2E_TMP/$1"; }
# Layer blob bytes GET from the registry since the log was marked.
layer_bytes() { registry_blob_bytes cache "$@"; }
mark() { registry_log_mark cache; }
store_ok() { test "$(echo 0 | python3 "$UBUILD_SOURCE_DIR/tests/e2e/store_check.py" "$1")" = ok; }
# The cache manifest's config digest (not a layer), and the compressed size
# of the image's layers the cache holds.
cache_config() {
  curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$reg/v2/$1/manifests/$2" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])'
}
final_layer_bytes() {  # REPO TAG ROOT IMAGE
  curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$reg/v2/$1/manifests/$2" >"$E2E_TMP/m.json"
  "$UBUILD_BIN" --root "$3" inspect "$4" | python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
size = {l["annotations"]["dev.ubuild.buildcache.diff_id"]: l["size"] for l in m["layers"]}
print(sum(size.get(d, 0) for d in json.load(sys.stdin)[0]["RootFS"]["Layers"]))' "$E2E_TMP/m.json"
}
# copy_context SRC DST: elsewhere, every mtime new.
copy_context() { cp -r "$1" "$2"; find "$2" -exec touch -d '2031-05-06 07:08:09' {} +; }

# run_case NAME CTX STEPS: the scenario for one build context whose
# Dockerfile has STEPS non-FROM steps and a last-but-one `COPY edit.txt`.
run_case() {
  local name=$1 ctx=$2 steps=$3 b c out at t0 ms
  ROOT=$A
  ub build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/$name:buildcache,mode=max" -t "$name:a" "$ctx" >"$E2E_TMP/a.id"
  local a_id; a_id=$(cat "$E2E_TMP/a.id")
  local cfg; cfg=$(cache_config "cache/$name" buildcache)

  copy_context "$ctx" "$E2E_TMP/$name-b"
  b=$(machine "$name-B")
  at=$(mark)
  t0=$(date +%s%N)
  out=$("$UBUILD_BIN" --root "$b" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/$name:buildcache" \
        -t "$name:b" "$E2E_TMP/$name-b")
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "$name: B's cached build into its store: ${ms} ms"
  check "$name: every step hits on B" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = "$steps"
  check "$name: B gets A's image id" test "$(ROOT=$b image_id "$name:b")" = "$a_id"
  local got want; got=$(layer_bytes "$at" "$cfg"); want=$(final_layer_bytes "cache/$name" buildcache "$b" "$name:b")
  check "$name: B downloads the final image's layers and nothing else ($got = $want bytes)" test "$got" = "$want"
  check "$name: B's store is consistent" store_ok "$b"

  c=$(machine "$name-C")
  at=$(mark)
  t0=$(date +%s%N)
  out=$("$UBUILD_BIN" --root "$c" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/$name:buildcache" \
        -t "$reg/app/$name:1" --push "$E2E_TMP/$name-b")
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  echo "$name: C's cached build with --push: ${ms} ms"
  check "$name: with --push every step hits" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = "$steps"
  check "$name: with --push no layer is downloaded" test "$(layer_bytes "$at" "$cfg")" = 0
  local pushed
  pushed=$(curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$reg/v2/app/$name/manifests/1" |
           python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
  check "$name: the pushed image is A's" test "$pushed" = "$a_id"
  if [[ $name == multi ]]; then
    check "$name: the pushed image pulls whole" bash -c "'$UBUILD_BIN' --root '$E2E_TMP/$name-D' pull -q '$reg/app/$name:1' >/dev/null"
  fi
  check "$name: C's store is consistent" store_ok "$c"

  echo edited >>"$E2E_TMP/$name-b/edit.txt"
  out=$("$UBUILD_BIN" --root "$b" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/$name:buildcache" \
        -t "$name:b2" "$E2E_TMP/$name-b")
  check "$name: after an edit only the steps from its COPY run" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = "$((steps - 2))"
  check "$name: the edited file is in the image" test "$(grep -c . "$E2E_TMP/$name-b/edit.txt")" = 2
}

# --- multi-stage -----------------------------------------------------------
mkdir -p "$E2E_TMP/multi/src"
head -c 200000 /dev/urandom >"$E2E_TMP/multi/src/data"
echo v1 >"$E2E_TMP/multi/edit.txt"
cat >"$E2E_TMP/multi/Dockerfile" <<'DF'
FROM busybox AS build
WORKDIR /w
COPY src/ ./src/
RUN md5sum src/data > sum && mkdir out && cp sum out/
FROM busybox AS tools
RUN echo tool > /tool
FROM busybox
ENV APP=1
COPY --from=build /w/out/sum /sum
COPY --from=tools /tool /tool
LABEL stage=final
COPY edit.txt /edit.txt
CMD ["cat", "/sum"]
DF
run_case multi "$E2E_TMP/multi" 10

# --- 20,000 files ----------------------------------------------------------
mkdir -p "$E2E_TMP/many/files"
python3 -c '
import os, sys
for i in range(20000):
    d = os.path.join(sys.argv[1], "d%03d" % (i // 100))
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "f%05d" % i), "w") as f:
        f.write("file %d\n" % i)' "$E2E_TMP/many/files"
echo v1 >"$E2E_TMP/many/edit.txt"
printf 'FROM busybox\nCOPY files /files\nRUN ls -R /files | wc -l > /count\nCOPY edit.txt /edit.txt\nCMD ["cat", "/count"]\n' \
  >"$E2E_TMP/many/Dockerfile"
run_case many "$E2E_TMP/many" 4

# --- large ----------------------------------------------------------------
# 64 MiB rather than the issue's 512: on two cores shared with other builds
# (load average 14) the whole test took 8 minutes with 512 MiB and 6.8 with
# 128 (A compresses and uploads the file, B downloads and unpacks it), and
# what the case checks (bytes moved, no download with --push) does not
# depend on the size. UBUILD_CACHE_TEST_MIB=512 runs the issue's size.
mkdir -p "$E2E_TMP/large"
head -c $((${UBUILD_CACHE_TEST_MIB:-64} << 20)) /dev/urandom >"$E2E_TMP/large/big"
echo v1 >"$E2E_TMP/large/edit.txt"
printf 'FROM busybox\nCOPY big /big\nRUN echo ok > /ok\nCOPY edit.txt /edit.txt\nCMD ["cat", "/ok"]\n' >"$E2E_TMP/large/Dockerfile"
run_case large "$E2E_TMP/large" 4
rm -f "$E2E_TMP/large/big" "$E2E_TMP/large-b/big"

# --- type=local round trip, mode=min ---------------------------------------
ROOT=$A
ub build -q "${SDE[@]}" --cache-to "type=local,dest=$E2E_TMP/localcache" -t multi:local "$E2E_TMP/multi" >/dev/null
b=$(machine local-B)
out=$("$UBUILD_BIN" --root "$b" build "${SDE[@]}" --cache-from "type=local,src=$E2E_TMP/localcache" -t m "$E2E_TMP/multi")
check "type=local: mode=min holds the final stage's steps" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 6
check "type=local: mode=min does not hold the other stages'" test "$(grep -c '^ ---> Using cache$' <<<"$(sed -n '/Step 5\//,$p' <<<"$out")")" = 6

# --- bad caches: a warning and a cold build ---------------------------------
cold() {  # cold DESCRIPTION CACHE-FROM
  local root out
  root=$(machine "cold-$RANDOM")
  if out=$("$UBUILD_BIN" --root "$root" build "${SDE[@]}" --cache-from "$2" -t cold "$E2E_TMP/multi" 2>&1); then
    check "$1: the build succeeds" true
  else
    check "$1: the build succeeds" false
    echo "$out"
  fi
  check "$1: a warning names the cache" grep -q "^\[Warning\] cannot use the build cache" <<<"$out"
  check "$1: every step runs" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 0
}
cold "missing ref" "type=registry,ref=$reg/cache/none:nothing"
mkdir -p "$E2E_TMP/garbage"
echo 'not json' >"$E2E_TMP/garbage/index.json"
cold "garbage index.json" "type=local,src=$E2E_TMP/garbage"
cold "a directory without a cache" "type=local,src=$E2E_TMP/nowhere"
cold "an unreachable registry" "type=registry,ref=127.0.0.1:1/cache/x:1"
# A deleted blob: the cache names a layer the registry lost. Loading a
# registry cache asks for no layer blob, so a lost one shows only when it
# is needed.
ROOT=$A
ub build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/gone:c,mode=max" -t gone "$E2E_TMP/multi" >/dev/null
gone_layers=$(curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' "http://$reg/v2/cache/gone/manifests/c")
forget_cache_blob() { rm -rf "$(dirname "$(registry_blob_file cache "$1")")"; }
# The first layer is WORKDIR's in the build stage, which the image does not
# hold: its steps hit without it, nothing warns.
forget_cache_blob "$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["layers"][0]["digest"])' "$gone_layers")"
g=$(machine gone-B)
out=$("$UBUILD_BIN" --root "$g" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/gone:c" -t gone "$E2E_TMP/multi" 2>&1)
check "a deleted blob the image does not hold: every step hits" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 10
check "a deleted blob the image does not hold: nothing warns" bash -c "! grep -q Warning <<<'$out'"
check "a deleted blob the image does not hold: the image is A's" test "$(ROOT=$g image_id gone)" = "$(image_id gone)"
# The layer of COPY edit.txt, which the image holds (and no other step
# makes): its download finds nothing, and the build starts over without
# the steps whose images hold it: that COPY and the CMD after it run (the
# same layer again: the image is A's), the 8 others hit.
edit_diff_id=$(ub inspect gone | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RootFS"]["Layers"][3])')
blob=$(python3 -c '
import json, sys
m = json.loads(sys.argv[1])
print([l["digest"] for l in m["layers"] if l["annotations"]["dev.ubuild.buildcache.diff_id"] == sys.argv[2]][0])' \
  "$gone_layers" "$edit_diff_id")
forget_cache_blob "$blob"
g=$(machine gone-C)
out=$("$UBUILD_BIN" --root "$g" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/gone:c" -t gone "$E2E_TMP/multi" 2>&1) && rc=0 || rc=$?
check "a deleted blob the image holds: the build succeeds" test "$rc" = 0
check "a deleted blob the image holds: the warning names the cache and the blob, and the build starts over" \
  grep -q "^\[Warning\] the build cache $reg/cache/gone:c lost the blob $blob of layer $edit_diff_id (.*): the build starts over without it$" <<<"$out"
rerun=$(sed -n '/the build starts over/,$p' <<<"$out")
check "a deleted blob the image holds: started over, its step runs" \
  test "$(sed -n '/^Step [0-9]*\/[0-9]* : COPY edit.txt/,/^Step /p' <<<"$rerun" | grep -c '^ ---> Using cache$')" = 0
check "a deleted blob the image holds: started over, the other 8 steps hit" test "$(grep -c '^ ---> Using cache$' <<<"$rerun")" = 8
[[ $rc == 0 ]] || echo "$out"
check "a deleted blob the image holds: the image is A's" test "$(ROOT=$g image_id gone)" = "$(image_id gone)"

# --- two exporters at once leave a valid cache ------------------------------
ROOT=$A
ub build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/race:c,mode=max" -t r1 "$E2E_TMP/multi" >/dev/null &
p1=$!
ub build -q "${SDE[@]}" --cache-to "type=registry,ref=$reg/cache/race:c,mode=min" -t r2 "$E2E_TMP/multi-b" >/dev/null &
p2=$!
wait $p1 && wait $p2
b=$(machine race-B)
out=$("$UBUILD_BIN" --root "$b" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/race:c" -t r "$E2E_TMP/multi" 2>&1)
check "racing exporters: the cache is readable" bash -c "! grep -q Warning <<<'$out'"

# --- bad flags fail before any work ------------------------------------------
for bad in "type=s3,ref=x" "type=registry" "type=local" "type=registry,ref=$reg/x:1,mode=huge" "ref" ; do
  check "--cache-to $bad is refused" bash -c "! '$UBUILD_BIN' --root '$A' build --cache-to '$bad' '$E2E_TMP/multi' >/dev/null 2>&1"
done

# --- every step a hit with --push: --iidfile, --metadata-file and -o -----------
ROOT=$A
multi_id=$(image_id multi:a)
p=$(machine push-files)
out=$("$UBUILD_BIN" --root "$p" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/multi:buildcache" \
      -t "$reg/app/multi:2" --push --iidfile "$E2E_TMP/p.iid" --metadata-file "$E2E_TMP/p.json" "$E2E_TMP/multi" 2>&1)
check "--push from the cache: the image is not stored" bash -c "! '$UBUILD_BIN' --root '$p' inspect '$reg/app/multi:2' >/dev/null 2>&1"
check "--push from the cache: --iidfile has the image id" test "$(cat "$E2E_TMP/p.iid")" = "$multi_id"
check "--push from the cache: --metadata-file names the image" test \
  "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["containerimage.config.digest"])' "$E2E_TMP/p.json")" = "$multi_id"
p=$(machine push-output)
out=$("$UBUILD_BIN" --root "$p" build "${SDE[@]}" --cache-from "type=registry,ref=$reg/cache/multi:buildcache" \
      -t "$reg/app/multi:3" --push -o "type=docker,dest=$E2E_TMP/p.tar" "$E2E_TMP/multi" 2>&1)
check "--push from the cache with -o: the build succeeds" grep -q "^Successfully built" <<<"$out"
check "--push from the cache with -o: the archive holds the image" bash -c \
  "tar -xOf '$E2E_TMP/p.tar' manifest.json | grep -q '${multi_id#sha256:}'"
check "--push from the cache with -o: the image is stored and pushed" bash -c \
  "curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' 'http://$reg/v2/app/multi/manifests/3' | grep -q '$multi_id'"

# --- --cache-to type=inline: the cache in the image's config -----------------
ROOT=$A
inline_id=$(ub build -q "${SDE[@]}" --cache-to type=inline -t "$reg/app/inline:1" --push "$E2E_TMP/multi")
check "type=inline: the image id changes (the config holds the cache)" test "$inline_id" != "$multi_id"
check "type=inline: the key is in the config" grep -q dev.ubuild.buildcache.inline.v1 \
  "$A/image/overlay2/imagedb/content/sha256/${inline_id#sha256:}"
i=$(machine "inline-$RANDOM")
out=$("$UBUILD_BIN" --root "$i" build "${SDE[@]}" --cache-from "$reg/app/inline:1" --cache-to type=inline -t x "$E2E_TMP/multi" 2>&1)
check "type=inline read back: the final stage's 6 steps hit" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 6
check "type=inline read back and exported again: the same image id" test "$(ROOT=$i image_id x)" = "$inline_id"
i=$(machine "inline-$RANDOM")
"$UBUILD_BIN" --root "$i" build -q "${SDE[@]}" --cache-from "$reg/app/inline:1" -t y "$E2E_TMP/multi" >/dev/null
check "type=inline read back without type=inline: the plain image id" test "$(ROOT=$i image_id y)" = "$multi_id"
mkdir -p "$E2E_TMP/child"
printf 'FROM %s\nENV CHILD=1\n' "$reg/app/inline:1" >"$E2E_TMP/child/Dockerfile"
child=$("$UBUILD_BIN" --root "$i" build -q "$E2E_TMP/child")
check "type=inline: an image built FROM it does not inherit the cache" bash -c \
  "! grep -q dev.ubuild.buildcache.inline.v1 '$i/image/overlay2/imagedb/content/sha256/${child#sha256:}'"
for bad in "--cache-to type=inline,mode=max" "--cache-from type=inline"; do
  check "$bad is refused" bash -c "! '$UBUILD_BIN' --root '$A' build $bad '$E2E_TMP/multi' >/dev/null 2>&1"
done

# --- an image as cache (Docker's classic --cache-from IMAGE) -----------------
# $reg/app/multi:1 is A's multi-stage image, pushed by C above. A fresh
# store reads its manifest and config, not its layers, and takes the final
# stage's steps from its history: the other stages are not in it and run,
# and the last step gives the image. A layer is downloaded only when a step
# needs a rootfs or the image lands in the store; with --push, none.
image_layers() { registry_image_layers "$reg" "$@"; }
beyond_base() { registry_bytes_beyond "$reg" base/busybox 1; }
for form in "$reg/app/multi:1" "type=registry,ref=$reg/app/multi:1"; do
  e=$(machine "classic-$RANDOM")
  at=$(mark)
  out=$("$UBUILD_BIN" --root "$e" build --cache-from "$form" -t classic "$E2E_TMP/multi" 2>&1)
  check "--cache-from $form: no warning" bash -c "! grep -q Warning <<<'$out'"
  check "--cache-from $form: the final stage's 6 steps hit" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 6
  check "--cache-from $form: the other stages' steps run" test "$(grep -c '^ ---> Using cache$' <<<"$(sed -n '1,/Step 7\//p' <<<"$out")")" = 0
  check "--cache-from $form: the image is the cache image" test "$(ROOT=$e image_id classic)" = "$multi_id"
  got=$(layer_bytes "$at" "$multi_id"); want=$(image_layers app/multi 1 | beyond_base)
  check "--cache-from $form: downloads the image's layers, once ($got = $want bytes)" test "$got" = "$want"
  check "--cache-from $form: the store is consistent" store_ok "$e"
done
e=$(machine "classic-$RANDOM")
at=$(mark)
out=$("$UBUILD_BIN" --root "$e" build --cache-from "$reg/app/multi:1" -t "$reg/app/classic:1" --push "$E2E_TMP/multi" 2>&1)
check "classic --push: the final stage's 6 steps hit" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 6
check "classic --push: no layer is downloaded" test "$(layer_bytes "$at" "$multi_id")" = 0
check "classic --push: the layers are mounted from the cache image's repository" grep -q "Mounted from $reg/app/multi" <<<"$out"
pushed=$(curl -s -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' "http://$reg/v2/app/classic/manifests/1" |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["config"]["digest"])')
check "classic --push: the pushed image is the cache image" test "$pushed" = "$multi_id"
check "classic --push: the store is consistent" store_ok "$e"
# One file edited: the steps before its COPY hit, the COPY and what follows
# run (on images made from the history entries); the COPY needs the layers
# below it, and only those come in.
cp -r "$E2E_TMP/multi" "$E2E_TMP/multi-e"
echo changed >"$E2E_TMP/multi-e/edit.txt"
e=$(machine "classic-$RANDOM")
at=$(mark)
out=$("$UBUILD_BIN" --root "$e" build --cache-from "$reg/app/multi:1" -t classic2 "$E2E_TMP/multi-e" 2>&1)
check "classic, one edit, not in the store: the 4 steps before its COPY hit" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 4
got=$(layer_bytes "$at" "$multi_id"); want=$(image_layers app/multi 1 | head -n -1 | beyond_base)
check "classic, one edit: downloads only the layers below its COPY ($got = $want bytes)" test "$got" = "$want"
check "classic, one edit, not in the store: the store is consistent" store_ok "$e"
# The same with the image already in the store.
e=$(machine "classic-$RANDOM")
"$UBUILD_BIN" --root "$e" pull -q "$reg/app/multi:1" >/dev/null
out=$("$UBUILD_BIN" --root "$e" build --cache-from "$reg/app/multi:1" -t classic2 "$E2E_TMP/multi-e" 2>&1)
check "classic, one edit: the 4 steps before its COPY hit" test "$(grep -c '^ ---> Using cache$' <<<"$out")" = 4
layers() { ROOT=$e ub inspect "$1" | python3 -c 'import json,sys; print(*json.load(sys.stdin)[0]["RootFS"]["Layers"])'; }
l1=$(layers "$reg/app/multi:1"); l2=$(layers classic2)
check "classic, one edit: the layers below the edited file's are the cache image's" test "${l1% *}" = "${l2% *}"
check "classic, one edit: the edited file's layer is new" test "${l1##* }" != "${l2##* }"
check "classic: the store is consistent" store_ok "$e"
e=$(machine "classic-$RANDOM")
out=$("$UBUILD_BIN" --root "$e" build --cache-from "$reg/app/none:1" -t classic "$E2E_TMP/multi" 2>&1)
check "classic, an image that is nowhere: a warning and a cold build" bash -c \
  "grep -q '^\[Warning\] cannot use the build cache $reg/app/none:1' <<<'$out' && ! grep -q 'Using cache' <<<'$out'"
e2e_finish
