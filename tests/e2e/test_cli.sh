#!/bin/bash
# The command line as a docker user meets it: commands chosen from the one
# table (a mistyped one suggests the nearest, a bare CONTEXT still builds),
# --help on every command listing exactly the flags its parser takes.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

# run WORDS...: sets $out, $err and $rc, never fails the script.
run() { rc=0; ub "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err" </dev/null || rc=$?; out=$(cat "$E2E_TMP/out"); err=$(cat "$E2E_TMP/err"); }

# --- unknown commands ------------------------------------------------------
cd "$E2E_TMP"
run imges
check "a typo is refused with exit 2" test "$rc" = 2
check "a typo suggests the nearest command" grep -qF 'unknown command "imges"; did you mean "images"?' <<<"$err"
check "a refused typo prints nothing on stdout" test -z "$out"
run histroy x
check "a swapped pair suggests history" grep -qF 'did you mean "history"?' <<<"$err"
run frobnicate
check "a far word is refused without a suggestion" \
  bash -c '[ "$1" = 2 ] && grep -qF "unknown command \"frobnicate\" (nor is it a directory to build)" <<<"$2"' _ "$rc" "$err"
run im
check "a prefix suggests the commands it begins" grep -qF 'did you mean "import", "images" or "image"?' <<<"$err"
run nosuch/
check "a word with a / is a context path" grep -qF 'nosuch/: the build context is not a directory' <<<"$err"

# --- a bare CONTEXT stays a build -----------------------------------------
mkdir -p ctx imges images
printf 'FROM scratch\nLABEL made=by-test\n' | tee ctx/Dockerfile imges/Dockerfile images/Dockerfile >/dev/null
(cd ctx && "$UBUILD_BIN" --root "$ROOT" -q .) >"$E2E_TMP/id_dot" 2>"$E2E_TMP/err" || true
check "ubuild -q . builds" grep -Eqx 'sha256:[0-9a-f]{64}' "$E2E_TMP/id_dot"
run -q ctx
check "ubuild -q DIR builds" test "$rc" = 0 -a "$out" = "$(cat "$E2E_TMP/id_dot")"
run -t bare:1 ctx
check "ubuild -t NAME DIR builds and tags" bash -c '[ "$1" = 0 ] && grep -q "^Successfully tagged bare:1" <<<"$2"' _ "$rc" "$out"
# A directory whose name is close to a command but no command: a build.
run -q imges
check "an existing directory named like a typo is built" test "$rc" = 0 -a "$out" = "$(cat "$E2E_TMP/id_dot")"
# A directory named as a command: the command wins, as docker's first word is
# always a command; ./images or 'build images' builds it.
run images
check "a command wins over a directory of its name" grep -Eq '^REPOSITORY +TAG' <<<"$out"
run -q ./images
check "./DIR builds the directory named as a command" test "$rc" = 0 -a "$out" = "$(cat "$E2E_TMP/id_dot")"
run build -q images
check "build DIR builds the directory named as a command" test "$rc" = 0 -a "$out" = "$(cat "$E2E_TMP/id_dot")"

# --- version -----------------------------------------------------------------
run version
check "version exits 0" test "$rc" = 0
check "version's first line is --version's" test "$(head -1 <<<"$out")" = "$("$UBUILD_BIN" --version)"
# Each library as the system that built ubuild knows it (pkg-config, the openssl
# binary, PEGTL's header): ubuild links these, so they must agree.
lib_version() { sed -n "s/^ $1: *//p" <<<"$out"; }
for pair in libarchive=libarchive libmount=mount libseccomp=libseccomp nlohmann_json=nlohmann_json; do
  check "version names ${pair%%=*} $(pkg-config --modversion "${pair#*=}")" \
    grep -q "^$(pkg-config --modversion "${pair#*=}")\( \|$\)" <<<"$(lib_version "${pair%%=*}")"
done
check "version names OpenSSL as the openssl library says" \
  grep -qF "Library: OpenSSL $(lib_version OpenSSL))" <<<"$(openssl version)"
check "version names PEGTL as its header does" \
  grep -qF "\"$(lib_version PEGTL | cut -d' ' -f1)\"" /usr/include/tao/pegtl/version.hpp

# --- info ---------------------------------------------------------------------
# Created long ago, so history's "N years ago" stays put while the test runs.
SOURCE_DATE_EPOCH=1700000000 e2e_base_image
run info
check "info exits 0" test "$rc" = 0
check "info names the store root" grep -qx " Root Dir: $ROOT" <<<"$out"
n_images=$(ls "$ROOT/image/overlay2/imagedb/content/sha256" | wc -l)
n_tags=$(python3 -c 'import json,sys; print(sum(len(v) for v in json.load(open(sys.argv[1]))["Repositories"].values()))' \
  "$ROOT/image/overlay2/repositories.json")
check "info counts the images and tags ($n_images, $n_tags)" grep -q "^ Images: $n_images ($n_tags tags, " <<<"$out"
check "info counts the layers" grep -q "^ Layers: $(ls "$ROOT/image/overlay2/layerdb/sha256" | wc -l) (" <<<"$out"
check "info's disk use is du's, within 5%" python3 - "$(sed -n 's/^ Disk Use: //p' <<<"$out")" "$(du -sB1 "$ROOT" | cut -f1)" <<'PY'
import re, sys
m = re.fullmatch(r"([0-9.]+)(B|kB|MB|GB)", sys.argv[1])
shown = float(m[1]) * {"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}[m[2]]
sys.exit(0 if abs(shown - int(sys.argv[2])) <= 0.05 * int(sys.argv[2]) else 1)
PY
check "info names the kernel" grep -qx " Kernel: $(uname -srm)" <<<"$out"
if grep -qw overlay /proc/filesystems; then want=supported; else want="not in /proc/filesystems"; fi
check "info tells whether the kernel has overlayfs" grep -q "^ Overlay: $want" <<<"$out"
run info extra
check "info refuses an operand" test "$rc" = 2

# --- history -H, docker's boolean ---------------------------------------------
run history busybox
check "history is human by default" grep -Eq '^[0-9a-f]{12} +[A-Za-z0-9 ]+ ago +.* [0-9.]+[kM]?B +' <<<"$(sed -n 2p <<<"$out")"
human=$out
for f in -H --human -H=true --human=true; do
  run history "$f" busybox
  check "history $f is the default" test "$out" = "$human"
done
size=$(cat "$ROOT/image/overlay2/layerdb/sha256/"*/size)
# docker's -H=false: Go's time.RFC3339 in the local zone, whole seconds.
created=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["created"])' \
  "$ROOT/image/overlay2/imagedb/content/sha256/$(ub images -q --no-trunc busybox | cut -d: -f2)")
for zone in UTC Asia/Kolkata America/New_York; do
  want=$(TZ=$zone date -d "$created" +%Y-%m-%dT%H:%M:%S%:z | sed 's/+00:00$/Z/')
  for f in -H=false --human=false; do
    rc=0; out=$(TZ=$zone ub history "$f" busybox) || rc=$?
    check "history $f in $zone shows $want and the size in bytes" \
      grep -Eq "^[0-9a-f]{12} +${want//+/\\+} +.* $size +Imported from" <<<"$(sed -n 2p <<<"$out")"
  done
done
run history -H false busybox
check "history -H takes no value: 'false' is an operand, as in docker" test "$rc" = 2
run history --human=maybe busybox
check "history --human=maybe is refused" bash -c '[ "$1" = 2 ] && grep -qF "invalid value \"maybe\" for --human" <<<"$2"' _ "$rc" "$err"

# --- build -q -------------------------------------------------------------------
mkdir -p quiet
printf 'FROM busybox\nRUN echo first-step-out\nRUN echo fail-out; echo fail-err >&2; exit 3\n' > quiet/Dockerfile
run build -q quiet
check "build -q of a failing RUN exits non-zero" test "$rc" = 1
check "build -q of a failing RUN leaves stdout empty" test -z "$out"
check "build -q shows the failing step's stdout and stderr on stderr" \
  bash -c 'grep -qx fail-out <<<"$1" && grep -qx fail-err <<<"$1"' _ "$err"
check "build -q shows no output of the steps that passed" bash -c '! grep -q first-step-out <<<"$1"' _ "$err"
check "build -q ends with the located error" grep -q "^ubuild: Dockerfile:3: The command .* returned a non-zero code: 3" <<<"$err"
printf 'FROM busybox\nRUN echo ok-out; echo ok-err >&2\n' > quiet/Dockerfile
run build -q quiet
check "build -q that passes prints only the image id" \
  bash -c '[ "$1" = 0 ] && grep -Eqx "sha256:[0-9a-f]{64}" <<<"$2" && [ -z "$3" ]' _ "$rc" "$out" "$err"

# --- default Dockerfile names ---------------------------------------------------
# The image's label "from", or nothing for no image.
label_from() { [ -n "$1" ] && ub inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Config"]["Labels"]["from"])'; }
mkdir -p names
printf 'FROM scratch\nLABEL from=Containerfile\n' > names/Containerfile
run build -q names
check "build finds a Containerfile" test "$(label_from "$out")" = Containerfile
printf 'FROM scratch\nLABEL from=dockerfile\n' > names/dockerfile
run build -q names
check "build prefers dockerfile to Containerfile" test "$(label_from "$out")" = dockerfile
printf 'FROM scratch\nLABEL from=Dockerfile\n' > names/Dockerfile
run build -q names
check "build prefers Dockerfile to both" test "$(label_from "$out")" = Dockerfile
rm names/Dockerfile names/dockerfile
printf 'FROM scratch\nFROB x\n' > names/Containerfile
run build -q names
check "an error in a Containerfile is located in it" grep -q "^ubuild: Containerfile:2: unknown instruction: FROB" <<<"$err"
rm names/Containerfile
before=$(store_snapshot)
run build names
check "a context with no Dockerfile is refused, naming the names tried" bash -c '[ "$1" = 1 ] && grep -qxF "ubuild: names: no Dockerfile in the build context (looked for Dockerfile, dockerfile, Containerfile; name another with -f)" <<<"$2"' _ "$rc" "$err"
check "a context with no Dockerfile leaves the store as it was" test "$before" = "$(store_snapshot)"
printf 'FROM scratch\nLABEL from=stdin\n' > other.df
rc=0; out=$(ub build -q -f - names < other.df) || rc=$?
check "-f - needs no Dockerfile in the context" test "$(label_from "$out")" = stdin
run build -q -f other.df names
check "-f FILE needs no Dockerfile in the context" test "$rc" = 0

# --- system df and image prune, in a store of their own -------------------------
R2=$E2E_TMP/root2
u2() { "$UBUILD_BIN" --root "$R2" "$@"; }
u2 import "$E2E_TMP/busybox.tar" busybox >/dev/null
mkdir -p df
printf 'FROM busybox\nRUN head -c 3000 /dev/zero > /kept\n' > df/Dockerfile
u2 build -q -t keep:1 df >/dev/null
u2 tag keep:1 keep:2
printf 'FROM busybox\nRUN head -c 50000 /dev/zero > /dangling\n' > df/Dockerfile
u2 build -q df >/dev/null
layer_sizes() { for f in "$R2"/image/overlay2/layerdb/sha256/*/size; do cat "$f"; echo; done | awk '{ n += $1 } END { print n }'; }
# human N [DIGITS]: go-units' decimal size, 3 significant digits unless told
# (system df prints HumanSize's 4, as docker's does).
human() { python3 -c 'import sys
n = float(sys.argv[1]); units = ["B", "kB", "MB", "GB"]; i = 0
while n >= 1000 and i < 3: n /= 1000; i += 1
print("%.*g%s" % (int(sys.argv[2]), n, units[i]))' "$1" "${2:-3}"; }
df_row() { u2 system df | awk 'NR == 2 && $1 == "Images"'; }
row=$(df_row)
total=$(layer_sizes)
check "system df counts the listed images and the tagged ones" grep -Eq "^Images +3 +2 +" <<<"$row"
check "system df's SIZE is every layer once ($(human "$total" 4))" grep -Eq "^Images +3 +2 +$(human "$total" 4) +" <<<"$row"
check "system df's RECLAIMABLE is the dangling image's layer" \
  grep -Eq " $(human 50000 4) \($((50000 * 100 / total))%\)$" <<<"$row"
rc=0; out=$(u2 image prune) || rc=$?
check "image prune removes the dangling image only" \
  bash -c '[ "$1" = 0 ] && [ "$(grep -c "^deleted: sha256:" <<<"$2")" = 2 ] && ! grep -q "^untagged:" <<<"$2"' _ "$rc" "$out"
check "image prune frees what system df called reclaimable" grep -qx "Total reclaimed space: $(human 50000)" <<<"$out"
check "after image prune nothing is reclaimable" grep -Eq "^Images +2 +2 +$(human "$((total - 50000))" 4) +0B \(0%\)$" <<<"$(df_row)"
check "image prune keeps the tagged images" test "$(u2 images -q | sort -u | wc -l)" = 2
rc=0; out=$(u2 image prune -a) || rc=$?
check "image prune -a untags every tag" \
  bash -c '[ "$1" = 0 ] && grep -qx "untagged: busybox:latest" <<<"$2" && grep -qx "untagged: keep:1" <<<"$2" && grep -qx "untagged: keep:2" <<<"$2"' _ "$rc" "$out"
check "image prune -a frees every layer" grep -qx "Total reclaimed space: $(human "$((total - 50000))")" <<<"$out"
check "after image prune -a the store holds no image and no layer" \
  bash -c '[ -z "$(ls "$1/image/overlay2/imagedb/content/sha256")" ] && [ -z "$(ls "$1/image/overlay2/layerdb/sha256")" ]' _ "$R2"
check "system df of an empty store" grep -Eq "^Images +0 +0 +0B +0B$" <<<"$(df_row)"
rc=0; u2 image prune extra 2>/dev/null || rc=$?
check "image prune refuses an operand" test "$rc" = 2
# --- builder prune: the build cache goes, images stay ---------------------------
printf 'FROM busybox\nENV A=1\nRUN echo > /f\nLABEL l=1\n' > df/Dockerfile
u2 import "$E2E_TMP/busybox.tar" busybox >/dev/null
u2 build -q -t cached df >/dev/null
check "before builder prune a rebuild takes every step from the cache" \
  test "$(u2 build --progress plain df | grep -c "Using cache")" = 3
rc=0; out=$(u2 builder prune) || rc=$?
check "builder prune reports what it freed" bash -c '[ "$1" = 0 ] && grep -Eq "^Total reclaimed space: [1-9][0-9.]*[kM]?B$" <<<"$2"' _ "$rc" "$out"
check "builder prune leaves no cache record" test -z "$(ls -A "$R2/image/overlay2/buildcache" 2>/dev/null)"
check "builder prune keeps the images" test "$(u2 images -q cached)" != ""
check "after builder prune a rebuild redoes every step" \
  test "$(u2 build --progress plain df | grep -c "Using cache")" = 0
u2 builder prune -a -f >/dev/null  # what the rebuild recorded
rc=0; out=$(u2 builder prune -a -f) || rc=$?
check "builder prune -a -f on an empty cache frees nothing" bash -c '[ "$1" = 0 ] && grep -qx "Total reclaimed space: 0B" <<<"$2"' _ "$rc" "$out"
rc=0; u2 builder prune extra 2>/dev/null || rc=$?
check "builder prune refuses an operand" test "$rc" = 2
run system dx
check "a mistyped group command suggests the group's nearest" grep -qF 'unknown command "system dx"; did you mean "system df"?' <<<"$err"
run system
check "a group alone lists its commands" bash -c '[ "$1" = 2 ] && grep -qF "\"system\" needs a command: system df" <<<"$2"' _ "$rc" "$err"
for h in --help -h; do
  run system "$h"
  check "system $h lists the group's commands" bash -c '[ "$1" = 0 ] && grep -Eq "^  df +Show the disk" <<<"$2"' _ "$rc" "$out"
done

# --- images --filter, in a store of its own with known creation times -----------
R3=$E2E_TMP/root3
u3() { "$UBUILD_BIN" --root "$R3" "$@"; }
SOURCE_DATE_EPOCH=1000000000 u3 import "$E2E_TMP/busybox.tar" old:1 >/dev/null
mkdir -p filt
printf 'FROM scratch\nLABEL a=1\n' > filt/Dockerfile
SOURCE_DATE_EPOCH=1100000000 u3 build -q -t mid:1 filt >/dev/null
printf 'FROM scratch\nLABEL a=2 b=x\n' > filt/Dockerfile
SOURCE_DATE_EPOCH=1200000000 u3 build -q -t new:1 -t other/new:2 filt >/dev/null
printf 'FROM scratch\nLABEL c=1\n' > filt/Dockerfile
SOURCE_DATE_EPOCH=1300000000 u3 build -q filt >/dev/null
# filtered ARGS...: the rows as REPOSITORY:TAG, one line, sorted.
filtered() { u3 images "$@" | awk 'NR > 1 { print $1 ":" $2 }' | sort | tr '\n' ' '; }
expect_rows() {  # description, expected rows, flags...
  local what=$1 want=$2; shift 2
  check "images $what" test "$(filtered "$@")" = "$want"
}
expect_rows "--filter dangling=true" "<none>:<none> " --filter dangling=true
expect_rows "-f dangling=false" "mid:1 new:1 old:1 other/new:2 " -f dangling=false
expect_rows "-f reference=new" "new:1 " -f reference=new
expect_rows "-f 'reference=*new' (a * stops at /, as path.Match)" "new:1 " -f 'reference=*new'
expect_rows "-f 'reference=*/new:*'" "other/new:2 " -f 'reference=*/new:*'
expect_rows "-f reference=old -f reference=mid (one of them)" "mid:1 old:1 " -f reference=old -f reference=mid
expect_rows "-f label=a" "mid:1 new:1 other/new:2 " -f label=a
expect_rows "-f label=a=2" "new:1 other/new:2 " -f label=a=2
expect_rows "-f label=a -f label=b=x (both)" "new:1 other/new:2 " -f label=a -f label=b=x
expect_rows "-f label=b=y" "" -f label=b=y
expect_rows "-f since=mid:1" "<none>:<none> new:1 other/new:2 " -f since=mid:1
expect_rows "-f before=mid:1" "old:1 " -f before=mid:1
expect_rows "-f since=mid:1 -f dangling=false" "new:1 other/new:2 " -f since=mid:1 -f dangling=false
expect_rows "-f since=old:1 -f before=new:1" "mid:1 " -f since=old:1 -f before=new:1
rc=0; u3 images -f colour=red >/dev/null 2>"$E2E_TMP/err" || rc=$?
check "images -f with an unknown key exits 2, naming it" bash -c '[ "$1" = 2 ] && grep -q "invalid filter .colour." "$2"' _ "$rc" "$E2E_TMP/err"
rc=0; u3 images -f since=nosuch >/dev/null 2>"$E2E_TMP/err" || rc=$?
check "images -f since=IMAGE of no image exits 1" bash -c '[ "$1" = 1 ] && grep -q "No such image: nosuch" "$2"' _ "$rc" "$E2E_TMP/err"

# --- completion, from the same table -------------------------------------------
ub completion bash > "$E2E_TMP/ubuild.bash"
check "completion bash is valid bash" bash -n "$E2E_TMP/ubuild.bash"
ub completion zsh > "$E2E_TMP/ubuild.zsh"
check "completion zsh loads bashcompinit and the same function" \
  bash -c 'grep -q "^autoload -U +X bashcompinit && bashcompinit$" "$1" && tail -n +2 "$1" | grep -vq bashcompinit' _ "$E2E_TMP/ubuild.zsh"
# complete LINE: what bash would offer for the last word of LINE.
complete_line() {
  (cd "$E2E_TMP" && bash -c 'source "$1"; read -ra COMP_WORDS <<<"$2"; [[ $2 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ubuild; printf "%s\n" "${COMPREPLY[@]}" | sort' _ "$E2E_TMP/ubuild.bash" "$1")
}
# In $E2E_TMP the directories images/ and imges/ are contexts too.
check "completion: im -> the commands image, images, import and the directories images, imges" \
  test "$(complete_line "ubuild im" | sort -u | tr '\n' ' ')" = "image images imges import "
check "completion: a group's commands" test "$(complete_line "ubuild system ")" = df
check "completion: a bare build's flags" grep -qx -- --tag <<<"$(complete_line "ubuild --ta")"
check "completion: a value flag's value is a file" grep -qx ctx <<<"$(complete_line "ubuild build -f ct")"
check "completion: --root takes a directory" grep -qx ctx <<<"$(complete_line "ubuild --root ct")"

# --- the manual page, from the same table ---------------------------------------
ub man > "$E2E_TMP/ubuild.1"
check "the man page renders without a groff warning" \
  bash -c '[ -z "$(groff -man -Tascii -ww -z "$1" 2>&1)" ]' _ "$E2E_TMP/ubuild.1"
man_text=$(groff -man -Tascii -P-cbou -rLL=250n "$E2E_TMP/ubuild.1")

# --- help -------------------------------------------------------------------
run --help
check "ubuild --help exits 0" test "$rc" = 0
commands=$(sed -n '/^Commands:/,/^$/p' <<<"$out" | sed -n 's/^  \([a-z][a-z ]*[a-z]\)  .*/\1/p')
check "ubuild --help lists the commands" grep -qx images <<<"$commands"
while read -r cmd; do
  # shellcheck disable=SC2086  # a group's command is two words
  run $cmd --help
  check "$cmd --help exits 0 with its usage" bash -c '[ "$1" = 0 ] && grep -qx "Usage:  ubuild $2 \[OPTIONS\].*" <<<"$3"' _ "$rc" "$cmd" "$out"
  help=$out
  run $cmd -h
  check "$cmd -h is --help" test "$out" = "$help"
  # Every flag the help lists is one the command's parser takes: with it the
  # command may fail for want of operands, never for an unknown flag.
  flags=$(sed -n '/^Options:/,$p' <<<"$help" | grep -Eo '^ +(-[a-zA-Z], )?--[a-z-]+( [^ ]+)?' | grep -v -- '--help' || true)
  while read -r line; do
    [ -n "$line" ] || continue
    long=$(grep -Eo -- '--[a-z-]+' <<<"$line")
    value=$(awk '{print $NF}' <<<"$line" | grep -v -- '^--' || true)
    args=("$long"); [ -z "$value" ] || args+=("x")
    run $cmd "${args[@]}"
    check "$cmd $long is parsed" bash -c '! grep -Eq "unknown (flag|shorthand|option)|needs (a value|an argument)" <<<"$1"' _ "$err"
    # The flag before -h: help is still asked for, so the flag was read as listed.
    run $cmd "${args[@]}" -h
    check "$cmd $long -h prints the help" test "$out" = "$help"
  done <<<"$flags"
  check "the man page has $cmd's usage" grep -qF "ubuild $cmd [OPTIONS]" <<<"$man_text"
  while read -r line; do
    [ -z "$line" ] || check "the man page has $cmd's $(sed 's/^ *//' <<<"$line")" grep -qxF "       $(sed 's/^ *//' <<<"$line")" <<<"$man_text"
  done <<<"$flags"
  # Completion offers exactly the flags the help lists.
  want=$( (grep -Eo -- '--[a-z-]+' <<<"$flags"; grep -Eo -- '^ +-[a-zA-Z],' <<<"$flags" | tr -d ' ,'; echo --help; echo -h) | sort)
  check "$cmd: completion offers the flags --help lists" test "$(complete_line "ubuild $cmd -")" = "$want"
  run $cmd --no-such-flag
  check "$cmd refuses an unlisted flag" bash -c '[ "$1" = 2 ] && grep -q "no-such-flag" <<<"$2"' _ "$rc" "$err"
done <<<"$commands"

e2e_finish
