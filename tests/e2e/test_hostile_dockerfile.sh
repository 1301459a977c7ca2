#!/bin/bash
# Hostile Dockerfiles are bounded (issue 10, part 4) and image symlinks
# resolve inside the image (part 5):
# - doubling a variable (ARG or ENV A=${A}${A}) stops at 1 MiB of growth, many
#   medium values at 16 MiB in total, a cubic `*` match at a step count: each
#   a Dockerfile:LINE error within seconds;
# - LABEL lines cost store bytes linearly: 4,000 lines take less than 6x the
#   bytes of 1,000 (each config stored used to repeat every earlier label and
#   history entry: 16x), and CPU time stays under a generous bound, for
#   10,000 LABEL or ENV lines too, whose rebuild takes every step from the cache;
# - invalid UTF-8 builds (U+FFFD in the config, as Go writes it);
# - WORKDIR/COPY through dangling absolute and relative symlinks create the
#   directories inside the image, and a link pointing above the root stays in it.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_base_image
CTX=$E2E_TMP/ctx
mkdir -p "$CTX"

expect_error() {  # expect_error "what" "message regex" dockerfile-text
  local what=$1 want=$2
  printf '%s' "$3" > "$CTX/Dockerfile"
  local out rc=0
  out=$(timeout 60 "$UBUILD_BIN" --root "$ROOT" build -q "$CTX" 2>&1) || rc=$?
  if [[ $rc -ne 0 && $rc -ne 124 ]] && grep -Eq "$want" <<<"$out"; then
    pass "$what"
  else
    fail "$what (rc $rc): $out"
  fi
}

doubling() {  # doubling ARG|ENV: 41 lines that double A
  echo "FROM busybox"
  echo "$1 A=xxxxxxxxxxxxxxxx"
  for _ in $(seq 41); do echo "$1 A=\${A}\${A}"; done
}
expect_error "ARG doubling stops at 1 MiB" \
  '^ubuild: Dockerfile:19: failed to process "\$\{A\}\$\{A\}": the expansion adds more than 1 MiB to the word$' \
  "$(doubling ARG)"
expect_error "ENV doubling stops at 1 MiB" 'Dockerfile:19: .*more than 1 MiB' "$(doubling ENV)"
expect_error "meta ARG doubling stops at 1 MiB" 'Dockerfile:18: .*more than 1 MiB' \
  "$(doubling ARG | tail -n +2; echo FROM busybox)"
expect_error "many medium values stop at 16 MiB in total" \
  "Dockerfile:[0-9]+: expansions add more than 16 MiB to this Dockerfile's words in total" \
  "$(echo FROM busybox; echo 'ARG A=xxxxxxxxxxxxxxxx'
     for _ in $(seq 15); do echo 'ARG A=${A}${A}'; done
     for i in $(seq 40); do echo "ARG B$i=\$A\$A"; done)"
expect_error "a costly pattern is an error, not a hang" \
  'Dockerfile:15: .*pattern matching in substitution takes too long' \
  "$(echo FROM busybox; echo 'ARG A=xxxxxxxxxxxxxxxx'
     for _ in $(seq 12); do echo 'ARG A=${A}${A}'; done; echo 'ARG B=${A/*y/z}')"

# Store bytes and CPU time of N LABEL lines in a fresh store.
label_cost() {
  local n=$1 store=$E2E_TMP/labels-$1 dir=$E2E_TMP/labels-ctx-$1
  mkdir -p "$dir"
  { echo "FROM scratch"; for i in $(seq "$n"); do echo "LABEL label_number_$i=value_$i"; done; } > "$dir/Dockerfile"
  local TIMEFORMAT='%3U %3S'
  { time "$UBUILD_BIN" --root "$store" build -q "$dir" >/dev/null; } 2> "$dir/time"
  echo "$(du -sb "$store" | cut -f1) $(awk '{printf "%d", $1 + $2 + 0.5}' "$dir/time")"
}
read -r bytes1 cpu1 < <(label_cost 1000)
read -r bytes4 cpu4 < <(label_cost 4000)
echo "LABEL lines: 1000 -> $bytes1 bytes ${cpu1}s CPU; 4000 -> $bytes4 bytes ${cpu4}s CPU"
check "4,000 LABEL lines take < 6x the store bytes of 1,000" test $(( bytes4 < 6 * bytes1 )) -eq 1
check "4,000 LABEL lines build in < 60 s of CPU" test "$cpu4" -lt 60

# 10,000 LABEL or ENV lines: every step but the hash of its config is linear
# (these took 80 s of CPU each when each step copied, dumped and sorted the
# whole config; ~6 s now), and a rebuild takes every step from the cache.
many_lines() {  # many_lines LABEL|ENV
  local kind=$1 dir=$E2E_TMP/many-$1
  mkdir -p "$dir"
  { echo "FROM scratch"; seq 10000 | awk -v k="$kind" '{print k " key" $1 "=value" $1}'; } > "$dir/Dockerfile"
  local TIMEFORMAT='%3U %3S'
  { time "$UBUILD_BIN" --root "$dir/store" build -q --no-cache "$dir" >/dev/null; } 2> "$dir/time"
  local cpu cached
  cpu=$(awk '{printf "%d", $1 + $2 + 0.5}' "$dir/time")
  cached=$("$UBUILD_BIN" --root "$dir/store" build "$dir" | grep -c "Using cache")
  echo "10,000 $kind lines: ${cpu}s CPU, rebuild $cached steps from the cache"
  check "10,000 $kind lines build in < 30 s of CPU" test "$cpu" -lt 30
  check "10,000 $kind lines rebuild from the cache" test "$cached" -eq 10000
}
many_lines LABEL
many_lines ENV

# Config-only steps have no record, yet history names every step's id as
# the build printed it, and a rebuild takes each from the cache.
printf 'FROM busybox\nENV A=1\nLABEL b=2\nRUN echo x > /x\nLABEL c=3\nENV D=4\n' > "$CTX/Dockerfile"
built=$(ub build -t steps "$CTX" | sed -n 's/^ ---> \([0-9a-f]\{12\}\).*/\1/p' | tac)
check "history shows the id of every step" test "$(ub history -q steps)" = "$built"
cached=$(ub build "$CTX")
check "a rebuild takes every step from the cache" test "$(grep -c '^ ---> Using cache' <<<"$cached")" -eq 5
check "a rebuild gives the same ids" test "$(sed -n 's/^ ---> \([0-9a-f]\{12\}\).*/\1/p' <<<"$cached" | tac)" = "$built"

# A config-steps record whose config no longer hashes to its id (here its
# time was altered) is a miss: the step is built again, to the same id.
printf 'FROM scratch\nLABEL a=1\nENV B=2\nLABEL c=3\n' > "$CTX/Dockerfile"
first=$(SOURCE_DATE_EPOCH=0 ub build "$CTX" | sed -n 's/^ ---> \([0-9a-f]\{12\}\).*/\1/p')
sed -i 's/1970-01-01T00:00:00Z/1999-01-01T00:00:00Z/' "$ROOT/image/overlay2/buildcache/config-steps"
again=$(SOURCE_DATE_EPOCH=0 ub build "$CTX")
check "a record that no longer hashes to its id is not used" test "$(grep -c '^ ---> Using cache' <<<"$again")" -eq 0
check "the step built again has the same id" test "$(sed -n 's/^ ---> \([0-9a-f]\{12\}\).*/\1/p' <<<"$again")" = "$first"

printf 'FROM busybox\nRUN echo "\xff\xfe" > /r\nLABEL l=v\xc3\nENV E=a\xffb\n' > "$CTX/Dockerfile"
check "invalid UTF-8 builds" ub build -q -t utf8 "$CTX"
check "invalid UTF-8 is U+FFFD in the config" grep -q "\"l\":\"v$(printf '\xef\xbf\xbd')\"" < <(ub inspect utf8 | sed 's/ //g')

# A base whose /app -> /srv/app and /rel -> ../srv/rel dangle, and whose
# /srv/up points far above the root.
mkdir -p "$E2E_TMP/base" && tar -C "$E2E_TMP/base" -xf "$E2E_TMP/busybox.tar"
mkdir -p "$E2E_TMP/base/srv"
ln -s /srv/app "$E2E_TMP/base/app"
ln -s ../srv/rel "$E2E_TMP/base/rel"
ln -s ../../../../../etc "$E2E_TMP/base/srv/up"
tar -C "$E2E_TMP/base" -cf "$E2E_TMP/links.tar" .
ub import "$E2E_TMP/links.tar" links >/dev/null
echo data > "$CTX/f"
printf 'FROM links\nWORKDIR /app/sub\nCOPY f c1\nWORKDIR /rel/x\nCOPY f /rel/c2\nCOPY f /srv/up/hostile-c3\nRUN test -f /srv/app/sub/c1 && test -f /srv/rel/c2 && test -d /srv/rel/x && test -f /etc/hostile-c3\n' \
  > "$CTX/Dockerfile"
check "WORKDIR and COPY resolve symlinks inside the image" ub build -q "$CTX"
check "a link above the root stays inside the image" test ! -e /etc/hostile-c3
printf 'FROM links\nRUN touch /file\nWORKDIR /file/sub\n' > "$CTX/Dockerfile"
expect_error "WORKDIR under a file names its line" '^ubuild: Dockerfile:3: WORKDIR /file/sub: ' "$(cat "$CTX/Dockerfile")"
e2e_finish
