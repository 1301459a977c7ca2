#!/bin/bash
# `ubuild parse [FILE|-]`: BuildKit's dump format on the issue's examples,
# stdin and the ./Dockerfile default, and located errors with a non-zero exit.
set -uo pipefail

bin="${UBUILD_BIN:?UBUILD_BIN must point at the ubuild binary}"
work="$(mktemp -d "${TMPDIR:-/tmp}/ubuild-parse-cli.XXXXXX")"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

cat > "$work/Dockerfile" <<'DOCKERFILE'
FROM busybox:1.36 AS base
RUN echo "hi" \
    && true
RUN ["sh", "-c", "ls"]
COPY --chown=1:1 a b /d/
ENV A=1 B="two words"
ENV LEGACY some value
LABEL version=1.0
EXPOSE 80 443/udp
HEALTHCHECK NONE
ONBUILD RUN echo hi
DOCKERFILE
cat > "$work/expected" <<'EXPECTED'
(from "busybox:1.36" "AS" "base")
(run "echo \"hi\"     && true")
(run "sh" "-c" "ls")
(copy ["--chown=1:1"] "a" "b" "/d/")
(env "A" "1" "=" "B" "\"two words\"" "=")
(env "LEGACY" "some value" "")
(label "version" "1.0" "=")
(expose "80" "443/udp")
(healthcheck "NONE")
(onbuild (run "echo hi"))
EXPECTED

"$bin" parse "$work/Dockerfile" > "$work/out" 2> "$work/err" || fail "parse FILE exited $?: $(cat "$work/err")"
diff -u "$work/expected" "$work/out" || fail "parse FILE output differs"

"$bin" parse - < "$work/Dockerfile" > "$work/out" 2>&1 || fail "parse - exited $?"
diff -u "$work/expected" "$work/out" || fail "parse - output differs"

(cd "$work" && "$bin" parse) > "$work/out" 2>&1 || fail "parse (default ./Dockerfile) exited $?"
diff -u "$work/expected" "$work/out" || fail "parse default output differs"

# Errors: "ubuild: FILE:LINE: message" on stderr, nothing on stdout, non-zero exit.
expect_error() {  # name, file content, expected stderr line
  printf '%b' "$2" > "$work/$1"
  if "$bin" parse "$work/$1" > "$work/out" 2> "$work/err"; then
    fail "$1: exit 0, expected an error"
  fi
  [ -s "$work/out" ] && fail "$1: wrote to stdout: $(cat "$work/out")"
  grep -qxF "ubuild: $work/$3" "$work/err" || fail "$1: stderr was: $(cat "$work/err")"
}
expect_error empty '' 'empty:1: file with no instructions'
expect_error comments '# just\n# comments\n' 'comments:2: file with no instructions'
expect_error unknown 'FROM a\nRUN x\nFROB y\n' 'unknown:3: unknown instruction: FROB (did you mean FROM?)'
expect_error heredoc 'FROM a\nRUN <<EOF\necho\n' 'heredoc:2: unterminated heredoc: no line "EOF" ends it'
expect_error json 'FROM a\nCMD ["a", 1]\n' 'json:2: when using JSON array syntax, arrays must be comprised of strings only'

if "$bin" parse "$work/missing" > /dev/null 2> "$work/err"; then fail "missing file: exit 0"; fi
grep -q "^ubuild: .*missing" "$work/err" || fail "missing file: stderr was: $(cat "$work/err")"

[ "$failures" -eq 0 ] && echo "test_parse_cli: ok"
exit "$failures"
