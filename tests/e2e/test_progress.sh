#!/usr/bin/env bash
# End-to-end: the build's progress displays. --progress=tty runs under a
# pseudo-terminal (`script`), and tests/e2e/screen.py replays what it wrote
# into the final screen; rawjson must be one JSON object per line with the
# steps, output and byte counts; plain (and auto off a terminal) must be the
# classic log; save and load show a byte count on a terminal.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/registry_lib.sh"
screen=$UBUILD_SOURCE_DIR/tests/e2e/screen.py
e2e_base_image

ctx=$E2E_TMP/ctx
mkdir -p "$ctx/files"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
RUN for i in 1 2 3 4 5 6 7 8 9 10; do echo "line $i"; done; sleep 0.5
COPY files /files
RUN echo to-stderr >&2
DF
for i in $(seq 1 50); do head -c 20000 /dev/urandom >"$ctx/files/f$i"; done

# In a pty; the command's own exit code is the last line ("rc=N").
in_pty() {  # in_pty OUT ENV... -- ARGS...
  local out=$1; shift
  local envs=()
  while [[ $1 != -- ]]; do envs+=("$1"); shift; done
  shift
  local cmd
  printf -v cmd '%q ' "$UBUILD_BIN" --root "$ROOT" "$@"
  env TERM=xterm "${envs[@]}" script -qfec "$cmd; echo rc=\$?" /dev/null >"$out" </dev/null
}

# --- plain: the classic log, on stdout, the same as auto off a terminal ------
ub build --no-cache --progress=plain -t app "$ctx" >"$E2E_TMP/plain.txt" 2>&1
ub build --no-cache -t app "$ctx" >"$E2E_TMP/auto.txt" 2>&1
times() { sed -E 's/ ---> [0-9a-f]{12} \([0-9.]+s\)/ ---> ID (T)/; s/Successfully built [0-9a-f]{12}/Successfully built ID/' "$1"; }
check "plain is the classic log" grep -qx 'Step 2/4 : RUN for i in 1 2 3 4 5 6 7 8 9 10; do echo "line $i"; done; sleep 0.5' "$E2E_TMP/plain.txt"
check "plain passes RUN output through" grep -qx 'line 10' "$E2E_TMP/plain.txt"
check "plain ends as before" grep -qx 'Successfully tagged app:latest' "$E2E_TMP/plain.txt"
check "auto off a terminal is plain" diff <(times "$E2E_TMP/plain.txt") <(times "$E2E_TMP/auto.txt")
plain_cached=$(ub build --progress=plain -t app "$ctx")
check "plain cache hits as before" test "$(grep -c '^ ---> Using cache$' <<<"$plain_cached")" = 3

# --- tty: steps with elapsed time, collapsed when done, colour --------------
in_pty "$E2E_TMP/tty.raw" -- build --no-cache --progress=tty -t app "$ctx"
python3 "$screen" <"$E2E_TMP/tty.raw" >"$E2E_TMP/tty.screen"
cat "$E2E_TMP/tty.screen"
check "tty build succeeds" grep -qx 'rc=0' "$E2E_TMP/tty.screen"
check "tty shows each step with its time" \
  grep -Eq '^=> \[2/4\] RUN for i in .* +[0-9]+\.[0-9]s$' "$E2E_TMP/tty.screen"
check "tty shows COPY's step" grep -Eq '^=> \[3/4\] COPY files /files +[0-9]+\.[0-9]s$' "$E2E_TMP/tty.screen"
check "tty ends with the summary" grep -Eq '^\[\+\] Building [0-9.]+s \(4/4\) FINISHED$' "$E2E_TMP/tty.screen"
check "tty names the image" grep -Eq '^=> naming to app:latest +done$' "$E2E_TMP/tty.screen"
check "tty collapses finished steps (their output is gone)" bash -c "! grep -q 'line 10' '$E2E_TMP/tty.screen'"
# The step rests half a second after its output: frames (ten a second) show it.
check "tty showed RUN output while it ran" grep -q ' > line 10' "$E2E_TMP/tty.raw"
check "tty keeps RUN's stderr off the screen" bash -c "! grep -qx 'to-stderr' '$E2E_TMP/tty.screen'"
check "tty prints nothing on stdout but the display" bash -c "! grep -q '^Step ' '$E2E_TMP/tty.raw'"
check "tty uses colour on a terminal" grep -q $'\e\\[34m' "$E2E_TMP/tty.raw"
check "tty redraws in place" grep -q $'\e\\[[0-9]*A\e\\[J' "$E2E_TMP/tty.raw"

in_pty "$E2E_TMP/nocolor.raw" NO_COLOR=1 -- build --no-cache --progress=tty -t app "$ctx"
check "NO_COLOR: a display" grep -q '=> \[2/4\]' "$E2E_TMP/nocolor.raw"
check "NO_COLOR: no colour" bash -c "! grep -q $'\e\\\\[[0-9;]*m' '$E2E_TMP/nocolor.raw'"

in_pty "$E2E_TMP/auto.raw" -- build -t app "$ctx"
check "auto on a terminal is the live display" grep -q '=> CACHED \[2/4\]' "$E2E_TMP/auto.raw"

# A failing step keeps all of its output on the screen.
fail=$E2E_TMP/fail
mkdir -p "$fail"
printf 'FROM busybox\nRUN for i in $(seq 1 15); do echo "out $i"; done; exit 3\n' >"$fail/Dockerfile"
in_pty "$E2E_TMP/fail.raw" NO_COLOR=1 -- build --progress=tty "$fail"
python3 "$screen" <"$E2E_TMP/fail.raw" >"$E2E_TMP/fail.screen"
cat "$E2E_TMP/fail.screen"
check "a failed build fails" grep -qx 'rc=1' "$E2E_TMP/fail.screen"
check "the failed step is marked" grep -Eq '^=> ERROR \[2/2\] RUN ' "$E2E_TMP/fail.screen"
all_lines=1
for i in $(seq 1 15); do grep -qx " > out $i" "$E2E_TMP/fail.screen" || all_lines=0; done
check "the failed step's whole output stays" test $all_lines = 1
check "the error follows the display" grep -q "^ubuild: Dockerfile:2: .*returned a non-zero code: 3" "$E2E_TMP/fail.screen"

# --- rawjson: one JSON object per line on stderr ----------------------------
ub build --no-cache --progress=rawjson -t app "$ctx" >"$E2E_TMP/json.out" 2>"$E2E_TMP/json.err"
check "rawjson leaves stdout empty" test ! -s "$E2E_TMP/json.out"
check "rawjson events" python3 - "$E2E_TMP/json.err" <<'PY'
import base64, json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
vertexes = {}
for l in lines:
    for v in l.get("vertexes", []):
        vertexes.setdefault(v["digest"], {}).update(v)
names = [v["name"] for v in vertexes.values()]
assert "[1/4] FROM busybox" in names, names
assert "exporting to image" in names, names
assert all("started" in v and "completed" in v for v in vertexes.values()), vertexes
run = next(d for d, v in vertexes.items() if v["name"].startswith("[2/4] RUN"))
out = "".join(base64.b64decode(g["data"]).decode() for l in lines for g in l.get("logs", []) if g["vertex"] == run)
assert out == "".join("line %d\n" % i for i in range(1, 11)), out
copy = next(d for d, v in vertexes.items() if v["name"] == "[3/4] COPY files /files")
done = [s for l in lines for s in l.get("statuses", []) if s["vertex"] == copy and s["id"] == "copying files" and "completed" in s]
assert done and done[-1]["current"] == done[-1]["total"] == 50 * 20000, done
assert lines[-1]["image"].startswith("sha256:"), lines[-1]
PY
ub build --progress=rawjson -t app "$ctx" 2>"$E2E_TMP/cached.err" >/dev/null
check "rawjson marks cache hits" python3 -c '
import json, sys
cached = [v for l in map(json.loads, open(sys.argv[1])) for v in l.get("vertexes", []) if v.get("cached")]
assert len(cached) == 3, cached' "$E2E_TMP/cached.err"
bad_rc=0
bad=$(ub build --progress=fancy "$ctx" 2>&1) || bad_rc=$?
check "a bad --progress is refused" test "$bad_rc" = 2 -a -n "$(grep 'want auto, tty, plain, rawjson or quiet' <<<"$bad")"

# --- save and load: a byte count on a terminal, nothing off one --------------
in_pty "$E2E_TMP/save.raw" NO_COLOR=1 -- save -o "$E2E_TMP/app.tar" app
python3 "$screen" <"$E2E_TMP/save.raw" >"$E2E_TMP/save.screen"
check "save shows its bytes" grep -Eq "^=> writing $E2E_TMP/app.tar [0-9.]+[kM]B / [0-9.]+[kM]B" "$E2E_TMP/save.screen"
check "save off a terminal prints nothing" test -z "$(ub save -o "$E2E_TMP/app2.tar" app 2>&1)"
in_pty "$E2E_TMP/load.raw" NO_COLOR=1 -- load -i "$E2E_TMP/app.tar"
python3 "$screen" <"$E2E_TMP/load.raw" >"$E2E_TMP/load.screen"
check "load shows its bytes" grep -Eq "^=> reading $E2E_TMP/app.tar [0-9.]+[kM]B / [0-9.]+[kM]B" "$E2E_TMP/load.screen"
check "load still says what it loaded" grep -qx "Loaded image: app:latest" "$E2E_TMP/load.screen"
check "load off a terminal as before" test "$(ub load -i "$E2E_TMP/app.tar")" = "Loaded image: app:latest"

# --- push and pull: docker's lines above a byte count per layer -------------
if command -v docker-registry >/dev/null; then
  reg=$(start_registry progress)
  ub tag app "$reg/progress/app:1"
  in_pty "$E2E_TMP/push.raw" NO_COLOR=1 -- push "$reg/progress/app:1"
  python3 "$screen" <"$E2E_TMP/push.raw" >"$E2E_TMP/push.screen"
  cat "$E2E_TMP/push.screen"
  check "push on a terminal succeeds" grep -qx 'rc=0' "$E2E_TMP/push.screen"
  check "push keeps docker's lines" grep -Eq '^[0-9a-f]{12}: Pushed$' "$E2E_TMP/push.screen"
  check "push counted a layer's bytes" grep -Eq '^=> [0-9a-f]{12}: pushing [0-9.]+[kM]?B / [0-9.]+[kM]?B' "$E2E_TMP/push.screen"
  ROOT=$E2E_TMP/pulled in_pty "$E2E_TMP/pull.raw" NO_COLOR=1 -- pull "$reg/progress/app:1"
  python3 "$screen" <"$E2E_TMP/pull.raw" >"$E2E_TMP/pull.screen"
  cat "$E2E_TMP/pull.screen"
  check "pull on a terminal succeeds" grep -qx 'rc=0' "$E2E_TMP/pull.screen"
  check "pull keeps docker's lines" grep -Eq '^[0-9a-f]{12}: Pull complete$' "$E2E_TMP/pull.screen"
  check "pull counted a layer's bytes" grep -Eq '^=> [0-9a-f]{12}: downloading [0-9.]+[kM]?B / [0-9.]+[kM]?B' "$E2E_TMP/pull.screen"
  check "pull ends as docker's" grep -Eq "^Status: Downloaded newer image for $reg/progress/app:1$" "$E2E_TMP/pull.screen"
  mkdir -p "$E2E_TMP/from-registry"
  printf 'FROM %s\nRUN true\n' "$reg/progress/app:1" >"$E2E_TMP/from-registry/Dockerfile"
  ROOT=$E2E_TMP/pulled3 in_pty "$E2E_TMP/basepull.raw" NO_COLOR=1 -- build --progress=tty "$E2E_TMP/from-registry"
  python3 "$screen" <"$E2E_TMP/basepull.raw" >"$E2E_TMP/basepull.screen"
  check "a build's base pull counts its layers' bytes" \
    grep -Eq '^=> [0-9a-f]{12}: downloading [0-9.]+[kM]?B / [0-9.]+[kM]?B' "$E2E_TMP/basepull.screen"
  check "the build after it finishes" grep -Eq '^\[\+\] Building .* \(2/2\) FINISHED$' "$E2E_TMP/basepull.screen"
  check "pull off a terminal as before" bash -c "'$UBUILD_BIN' --root '$E2E_TMP/pulled2' pull '$reg/progress/app:1' | grep -Eq '^[0-9a-f]{12}: Pull complete$'"
else
  echo "docker-registry not installed: push and pull not checked"
fi
e2e_finish
