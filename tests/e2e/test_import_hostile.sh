#!/bin/bash
# Hostile tarballs for `ubuild import`: each escape attempt fails with a clear
# error, touches nothing outside the store and leaves the store unchanged; a
# tar bomb of 100k empty files finishes with bounded memory.
set -euo pipefail
UBUILD=${UBUILD_BIN:?set UBUILD_BIN to the ubuild binary}
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
ROOT=$W/store
fail() { echo "FAIL: $*" >&2; exit 1; }
snapshot() { find "$ROOT" -path "$ROOT/lock" -prune -o -printf '%p %s\n' | sort | md5sum; }

"$UBUILD" --root "$ROOT" images >/dev/null
before=$(snapshot)

python3 - "$W" <<'PY'
import io, os, sys, tarfile
w = sys.argv[1]
def make(name, members):
    with tarfile.open(os.path.join(w, name), "w", format=tarfile.PAX_FORMAT) as t:
        for m, data in members:
            t.addfile(m, io.BytesIO(data) if data is not None else None)
def f(path, data=b"pwned"):
    i = tarfile.TarInfo(path); i.size = len(data); return (i, data)
def sym(path, target):
    i = tarfile.TarInfo(path); i.type = tarfile.SYMTYPE; i.linkname = target; return (i, None)
def hard(path, target):
    i = tarfile.TarInfo(path); i.type = tarfile.LNKTYPE; i.linkname = target; return (i, None)
make("dotdot.tar", [f("ok"), f("../../../../escaped-dotdot")])
make("absolute.tar", [f("/tmp/escaped-absolute-" + os.path.basename(w))])
make("symlink-then-file.tar", [sym("link", w + "/outside"), f("link/escaped-symlink")])
make("symlink-relative.tar", [sym("up", "../../../../../../"), f("up" + w + "/escaped-relative")])
make("hardlink-out.tar", [hard("h", "/etc/passwd")])
PY
mkdir -p "$W/outside"

# Where each escape would land if it worked. import applies the tar in
# $ROOT/overlay2/<cache-id>/diff, four levels under $W: "../../../../x" is $W/x.
# "up" -> "../../../../../../" climbs past / and stays there (mktemp puts $W
# two levels down), so "up$W/x" is $W/x too.
declare -A landing=(
  [dotdot]=$W/escaped-dotdot
  [absolute]=/tmp/escaped-absolute-$(basename "$W")
  [symlink-then-file]=$W/outside/escaped-symlink
  [symlink-relative]=$W/escaped-relative
  [hardlink-out]=/etc/passwd
)
passwd_before=$(stat -c '%h %s %Y' /etc/passwd)
for t in dotdot absolute symlink-then-file symlink-relative hardlink-out; do
  rc=0
  "$UBUILD" --root "$ROOT" import "$W/$t.tar" "hostile:$t" >"$W/out" 2>"$W/err" || rc=$?
  # Checked first, so an escape is reported as one even if the import also succeeded.
  if [ "$t" = hardlink-out ]; then
    [ "$(stat -c '%h %s %Y' /etc/passwd)" = "$passwd_before" ] || fail "$t: /etc/passwd gained a link or changed"
  else
    [ ! -e "${landing[$t]}" ] || fail "$t: escaped to ${landing[$t]}"
  fi
  [ "$rc" -ne 0 ] || fail "$t: import succeeded: $(cat "$W/out")"
  [ -s "$W/err" ] || fail "$t: no error message"
  grep -q "^ubuild: " "$W/err" || fail "$t: unclear error: $(cat "$W/err")"
  [ "$(wc -l < "$W/err")" -le 3 ] || fail "$t: error is a wall of text: $(cat "$W/err")"
  echo "$t: $(cat "$W/err")"
done
# Nothing named escaped-* anywhere under $W, wherever a miscount would put it.
found=$(find "$W" -name 'escaped-*' | head -3)
[ -z "$found" ] || fail "escape landed at $found"
[ -z "$(ls -A "$W/outside")" ] || fail "symlink escape wrote $(ls -A "$W/outside")"
"$UBUILD" --root "$ROOT" images >/dev/null  # sweeps anything a failure left
[ "$(snapshot)" = "$before" ] || fail "hostile imports changed the store"

# Tar bomb: 100k empty files. Must finish, with bounded peak memory.
python3 - "$W/bomb.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    for d in range(100):
        di = tarfile.TarInfo(f"d{d}"); di.type = tarfile.DIRTYPE; di.mode = 0o755
        t.addfile(di)
        for i in range(1000):
            t.addfile(tarfile.TarInfo(f"d{d}/f{i}"))
PY
/usr/bin/time -v "$UBUILD" --root "$ROOT" import "$W/bomb.tar" bomb >/dev/null 2>"$W/time" || { cat "$W/time"; fail "tar bomb import failed"; }
rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$W/time")
echo "tar bomb: 100k files imported, peak RSS ${rss} KiB"
[ "$rss" -lt 131072 ] || fail "tar bomb peak RSS ${rss} KiB >= 128 MiB"
[ "$(find "$ROOT/overlay2" -path '*/diff/d*/f*' | wc -l)" -eq 100000 ] || fail "tar bomb files missing"
echo ok
