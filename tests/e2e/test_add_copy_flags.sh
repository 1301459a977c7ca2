#!/usr/bin/env bash
# End-to-end: ADD from http(s) URLs and git repositories, COPY --parents,
# COPY/ADD --exclude and --link, and the `# syntax=` / `# check=` directives
# (issue 13 part 5 and 6). Remote sources come from a python http.server on
# 127.0.0.1 (a bare git repository is served over git's dumb HTTP protocol);
# nothing leaves the machine. The last section builds the ADD URL cases on a
# private Docker 20.10 engine, classic and BuildKit, and compares files,
# modes, owners, mtimes and the classic history text.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_base_image
tools=$UBUILD_SOURCE_DIR/tests/e2e/archive_tools.py

# --- a local web server ------------------------------------------------------
SRV=$E2E_TMP/srv
mkdir -p "$SRV/dir"
printf 'hello\n' >"$SRV/a.txt"
touch -d '2020-01-02 03:04:05 UTC' "$SRV/a.txt"
printf 'bee\n' >"$SRV/dir/b.txt"
touch -d '2021-05-06 07:08:09 UTC' "$SRV/dir/b.txt"
tar -C "$SRV" -cf "$SRV/pack.tar" a.txt
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$PORT" --bind 127.0.0.1 --directory "$SRV" >"$E2E_TMP/http.log" 2>&1 &
HTTP_PID=$!
trap 'kill $HTTP_PID 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 1 100); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/a.txt')" 2>/dev/null && break
  sleep 0.1
done
URL=http://127.0.0.1:$PORT

# A git repository: two commits, a tag on the first, a subdirectory.
GIT="git -c user.email=t@example.com -c user.name=t -c init.defaultBranch=main"
$GIT init -q "$E2E_TMP/gitsrc"
( cd "$E2E_TMP/gitsrc"
  mkdir sub; echo top >top.txt; echo inner >sub/in.txt; printf '#!/bin/sh\n' >run.sh; chmod 755 run.sh
  $GIT add . && $GIT commit -qm one && $GIT tag v1
  echo two >two.txt && $GIT add . && $GIT commit -qm two )
git clone -q --bare "$E2E_TMP/gitsrc" "$SRV/repo.git"
git -C "$SRV/repo.git" update-server-info
HEAD_COMMIT=$(git -C "$E2E_TMP/gitsrc" rev-parse HEAD)
V1_COMMIT=$(git -C "$E2E_TMP/gitsrc" rev-parse v1)

CTX=$E2E_TMP/ctx
mkdir -p "$CTX/x/y" "$CTX/y" "$CTX/docs/sub"
echo xa >"$CTX/x/a.txt"; echo xya >"$CTX/x/y/a.txt"; echo xyb >"$CTX/x/y/b.md"; echo ya >"$CTX/y/a.txt"
echo d1 >"$CTX/docs/a.md"; echo d2 >"$CTX/docs/b.txt"; echo d3 >"$CTX/docs/sub/c.md"
echo h1 >"$CTX/home.txt"; echo h2 >"$CTX/homer.sh"

# build NAME DOCKERFILE_TEXT: builds from $CTX with that Dockerfile.
build() {
  printf '%s' "$2" >"$CTX/Dockerfile"
  ub build -q -t "$1" "$CTX" >/dev/null
}
# listing IMAGE [PATHS...]: path, mode, uid, gid, size, mtime of the merged image's files.
listing() {
  local image=$1 dir=$E2E_TMP/fs-$1; shift
  rm -rf "$dir" "$dir.tar"; mkdir -p "$dir"
  ub save -o "$dir.tar" "$image" && python3 "$tools" merged "$dir.tar" "$dir"
  (cd "$dir" && find "$@" -printf '%p %M %U %G %s %Ts\n' | sort)
}
# fails STEP_TEXT EXPECTED_MESSAGE: the build fails with that message, store unchanged.
fails() {
  printf 'FROM busybox\n%s\n' "$1" >"$CTX/Dockerfile"
  local before after err
  before=$(store_snapshot)
  if err=$(ub build -q "$CTX" 2>&1 >/dev/null); then fail "$1: built"; return; fi
  after=$(store_snapshot)
  if [[ $err != *"$2"* ]]; then fail "$1: message '$err' lacks '$2'"; return; fi
  if [[ $before != "$after" ]]; then fail "$1: store changed"; return; fi
  pass "$1 fails: $2"
}

# --- ADD https://… -----------------------------------------------------------
build url "FROM busybox
ADD $URL/a.txt /x/
ADD $URL/a.txt /y
ADD $URL/a.txt?q=1#frag $URL/dir/b.txt /w/
ADD $URL/pack.tar /t/
"
check "ADD URL: file named from the URL, 0600 root, mtime from Last-Modified, never unpacked" \
  test "$(listing url x/a.txt y w/a.txt w/b.txt t/pack.tar)" = "t/pack.tar -rw------- 0 0 10240 $(stat -c %Y "$SRV/pack.tar")
w/a.txt -rw------- 0 0 6 1577934245
w/b.txt -rw------- 0 0 4 1620284889
x/a.txt -rw------- 0 0 6 1577934245
y -rw------- 0 0 6 1577934245"
check "ADD URL: content as served" cmp "$E2E_TMP/fs-url/y" "$SRV/a.txt"
first=$(ub build -q "$CTX")
check "ADD URL: an unchanged URL hits the cache (downloaded again, same content)" test "$(ub build -q "$CTX")" = "$first"
printf 'hello again\n' >"$SRV/a.txt"
check "ADD URL: changed content misses the cache" test "$(ub build -q "$CTX")" != "$first"
printf 'hello\n' >"$SRV/a.txt"; touch -d '2020-01-02 03:04:05 UTC' "$SRV/a.txt"
sum=$(sha256sum "$SRV/a.txt" | cut -d' ' -f1)
build url-sum "FROM busybox
ADD --checksum=sha256:$sum $URL/a.txt /c/
"
check "ADD --checksum: a matching digest builds" test "$(listing url-sum c/a.txt)" = "c/a.txt -rw------- 0 0 6 1577934245"

fails "ADD --checksum=sha256:$(printf '0%.0s' {1..64}) $URL/a.txt /c/" \
  "Dockerfile:2: ADD failed: checksum mismatch for $URL/a.txt: expected sha256:$(printf '0%.0s' {1..64}), got sha256:$sum"
fails "ADD --checksum=md5:0 $URL/a.txt /c/" "Dockerfile:2: ADD failed: invalid checksum digest format: md5:0"
fails "ADD --checksum=sha256:$sum a.txt /c/" "Dockerfile:2: checksum can't be specified for non-HTTP(S) sources"
fails "ADD $URL/missing.txt /c/" \
  "Dockerfile:2: ADD failed: failed to GET $URL/missing.txt with status 404 File not found (host 127.0.0.1:$PORT)"
fails "ADD http://127.0.0.1:1/a.txt /c/" "Dockerfile:2: ADD failed: failed to GET http://127.0.0.1:1/a.txt (host 127.0.0.1:1)"
fails "ADD $URL/dir/ /c/" "Dockerfile:2: ADD failed: cannot determine filename for source $URL/dir/"
fails "COPY $URL/a.txt /c/" "Dockerfile:2: COPY failed: source can't be a URL for COPY"

# --- ADD of a git repository ------------------------------------------------------
build git "FROM busybox
ADD $URL/repo.git#v1 /g/
ADD $URL/repo.git#main:sub /s
ADD --keep-git-dir=true $URL/repo.git /k
ADD $URL/repo.git#$V1_COMMIT /c
"
check "ADD git: tag, branch:subdir, commit; modes from the checkout, root owner, no .git" \
  test "$(listing git g s c | cut -d' ' -f1-4)" = "c drwxr-xr-x 0 0
c/run.sh -rwxr-xr-x 0 0
c/sub drwxr-xr-x 0 0
c/sub/in.txt -rw-r--r-- 0 0
c/top.txt -rw-r--r-- 0 0
g drwxr-xr-x 0 0
g/run.sh -rwxr-xr-x 0 0
g/sub drwxr-xr-x 0 0
g/sub/in.txt -rw-r--r-- 0 0
g/top.txt -rw-r--r-- 0 0
s drwxr-xr-x 0 0
s/in.txt -rw-r--r-- 0 0"
check "ADD git: the tree at the ref asked for" test "$(cat "$E2E_TMP/fs-git/s/in.txt" "$E2E_TMP/fs-git/g/top.txt"; ls "$E2E_TMP/fs-git/g")" = "inner
top
run.sh
sub
top.txt"
check "ADD --keep-git-dir keeps .git at the commit asked for" \
  test "$(git -C "$E2E_TMP/fs-git/k" rev-parse HEAD)" = "$HEAD_COMMIT"
check "ADD git: the history names the commit and the kept .git" \
  bash -c "ub() { \"$UBUILD_BIN\" --root \"$ROOT\" \"\$@\"; }; ub history --no-trunc git | grep -q 'ADD --keep-git-dir git:$HEAD_COMMIT in /k' &&
           ub history --no-trunc git | grep -q 'ADD git:$HEAD_COMMIT:sub in /s' &&
           ub history --no-trunc git | grep -q 'ADD git:$V1_COMMIT in /g/'"
git_id=$(ub build -q "$CTX")
check "ADD git: a rebuild hits the cache (keyed by commit)" test "$(ub build -q "$CTX")" = "$git_id"
fails "ADD $URL/repo.git#nosuch /g/" "Dockerfile:2: ADD failed: git ref nosuch not found in $URL/repo.git"
fails "ADD $URL/repo.git#main:nodir /g/" "Dockerfile:2: ADD failed: subdirectory nodir not found in $URL/repo.git#main"
fails "ADD $URL/none.git /g/" "Dockerfile:2: ADD failed: git clone"

# --- COPY --parents, --exclude, --link ----------------------------------------
build flags 'FROM busybox
COPY --parents x/a.txt y/a.txt /p1/
COPY --parents ./x/./y/*.txt /p2/
COPY --parents x/y /p3/
COPY --exclude=*.md docs /e1/
COPY --exclude=*.txt hom* /e2/
COPY --exclude=**/*.md --exclude=b.txt docs /e3/
ADD --exclude=sub docs /e4/
'
check "COPY --parents keeps each path (from a /./ pivot on); --exclude drops matches relative to each source" \
  test "$(listing flags p1 p2 p3 e1 e2 e3 e4 | cut -d' ' -f1)" = "e1
e1/b.txt
e1/sub
e1/sub/c.md
e2
e2/homer.sh
e3
e3/sub
e4
e4/a.md
e4/b.txt
p1
p1/x
p1/x/a.txt
p1/y
p1/y/a.txt
p2
p2/y
p2/y/a.txt
p3
p3/x
p3/x/y
p3/x/y/a.txt
p3/x/y/b.md"
check "--exclude and --parents are in the history (and so the cache key)" \
  bash -c "\"$UBUILD_BIN\" --root \"$ROOT\" history --no-trunc flags | grep -q 'COPY --exclude=\*\*/\*.md --exclude=b.txt dir:'"

# --link: the layer is made without the stage's files, so it holds the
# destination's parents as new root directories and the same bytes whatever
# the base (with SOURCE_DATE_EPOCH clamping the new directories' mtimes).
build link-a 'FROM busybox
COPY --link docs /home/app/docs/
'
build link-b 'FROM busybox
RUN echo changed > /base-file
COPY --link docs /home/app/docs/
'
build nolink 'FROM busybox
COPY docs /home/app/docs/
'
last_diff() { ub inspect "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["RootFS"]["Layers"][-1])'; }
check "COPY --link makes /home/app anew (root 0755), as BuildKit's linked layer does" \
  test "$(listing link-a home/app | head -1)" = "home/app drwxr-xr-x 0 0 $(stat -c %s "$E2E_TMP/fs-link-a/home/app") $(stat -c %Y "$E2E_TMP/fs-link-a/home/app")"
check "COPY without --link keeps the base's /home/app (uid 1000)" test "$(listing nolink home/app | head -1 | cut -d' ' -f3)" = "1000"
printf 'FROM busybox\nCOPY --link docs /home/app/docs/\n' >"$CTX/Dockerfile"
a=$(SOURCE_DATE_EPOCH=1700000000 ub build -q --no-cache -t link-a "$CTX")
printf 'FROM busybox\nRUN echo changed > /base-file\nCOPY --link docs /home/app/docs/\n' >"$CTX/Dockerfile"
b=$(SOURCE_DATE_EPOCH=1700000000 ub build -q --no-cache -t link-b "$CTX")
check "COPY --link: the same layer bytes (diff_id) on a different base" test "$(last_diff link-a)" = "$(last_diff link-b)"

# --link rebase: a changed base does not miss the --link step's cache, as in
# BuildKit; its layer (same diff_id) is stacked on the new base as a chain of
# its own, and the steps after it run on top. SOURCE_DATE_EPOCH makes the
# cold build comparable id for id.
export SOURCE_DATE_EPOCH=1700000000
build rebase-base 'FROM busybox
RUN echo one > /base-file
'
printf 'FROM rebase-base\nCOPY --link docs /srv/docs/\nRUN cat /base-file /srv/docs/a.md > /seen\n' >"$CTX/Dockerfile"
ub build -q -t rebase-1 "$CTX" >/dev/null
diff_at() { ub inspect "$1" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['RootFS']['Layers'][$2])"; }
cache_id_of() { ub layers "$1" | awk '/cache-id:/ {print $2}' | sed -n "$2p"; }
build rebase-base 'FROM busybox
RUN echo two > /base-file
'
printf 'FROM rebase-base\nCOPY --link docs /srv/docs/\nRUN cat /base-file /srv/docs/a.md > /seen\n' >"$CTX/Dockerfile"
log=$(ub build -t rebase-2 "$CTX")
check "COPY --link on a changed base: the step is a cache hit" \
  grep -qzP 'Step 2/3 : COPY --link docs /srv/docs/\n ---> Using cache\n' <<<"$log"
check "and the step after it runs on the new base" \
  bash -c '! grep -qzP "Step 3/3 : RUN [^\n]*\n ---> Using cache" <<<"$1"' _ "$log"
check "the rebased layer keeps its diff_id" test "$(diff_at rebase-1 -2)" = "$(diff_at rebase-2 -2)"
check "as a chain of its own: another cache-id (diff dir)" test "$(cache_id_of rebase-1 3)" != "$(cache_id_of rebase-2 3)"
check "the RUN after it sees the new base and the copied files" \
  test "$(listing rebase-2 seen >/dev/null; cat "$E2E_TMP/fs-rebase-2/seen")" = "two
d1"
cold=$(ub build -q --no-cache -t rebase-cold "$CTX")
check "the rebased image is the cold build's, id for id" test "$(ub inspect -f '{{.Id}}' rebase-2)" = "$cold"
# (Directory mtimes aside: the unpacking of the archive moves them.)
no_dir_mtime() { awk '$2 ~ /^d/ {NF--} {print}'; }
check "and so are its files (modes, owners, sizes, file mtimes)" \
  test "$(listing rebase-2 srv seen base-file | no_dir_mtime)" = "$(listing rebase-cold srv seen base-file | no_dir_mtime)"
# The rebase links the files instead of copying them: the two diff dirs
# hold one inode per regular file (layer dirs are never written once made).
ino_of() { stat -c %i "$ROOT/overlay2/$(cache_id_of "$1" 3)/diff/srv/docs/sub/c.md"; }
check "the rebased layer shares its regular files' inodes with the source layer" \
  test "$(ino_of rebase-1)" = "$(ino_of rebase-2)"
# The old chain goes; the rebased one needs nothing of it, and the key now
# names the newer image, so a third base hits too.
ub rmi rebase-1 >/dev/null && ub prune >/dev/null
check "with the first image removed, the rebased layer still replays to its diff_id" \
  ub save -o "$E2E_TMP/rebase-2.tar" rebase-2
check "and its files are still there" test -s "$ROOT/overlay2/$(cache_id_of rebase-2 3)/diff/srv/docs/sub/c.md"
build rebase-base 'FROM busybox
RUN echo three > /base-file
'
printf 'FROM rebase-base\nCOPY --link docs /srv/docs/\nRUN cat /base-file /srv/docs/a.md > /seen\n' >"$CTX/Dockerfile"
check "a third base hits the --link step again" \
  bash -c '"$1" --root "$2" build "$3" | grep -qzP "COPY --link docs /srv/docs/\n ---> Using cache\n"' _ "$UBUILD_BIN" "$ROOT" "$CTX"
printf 'FROM rebase-base\nCOPY docs /srv/docs/\n' >"$CTX/Dockerfile"
ub build -q "$CTX" >/dev/null
build rebase-base 'FROM busybox
RUN echo four > /base-file
'
printf 'FROM rebase-base\nCOPY docs /srv/docs/\n' >"$CTX/Dockerfile"
check "a COPY without --link still misses on a changed base" \
  bash -c '! "$1" --root "$2" build "$3" | grep -q "Using cache"' _ "$UBUILD_BIN" "$ROOT" "$CTX"

# --link --chown=NAME: the linked copy's empty rootfs has no /etc/passwd, so
# names are looked up in the stage's (the layers the copy goes on); the ids
# they give are in the linked key, so a base where the name means other ids
# misses instead of taking the layer with the old owner.
build link-chown 'FROM busybox
RUN echo "svc:x:4321:4322::/:/bin/sh" >> /etc/passwd && echo "svc:x:4322:" >> /etc/group && echo "svcg:x:4323:" >> /etc/group
COPY --link --chown=svc docs /srv/a/
COPY --link --chown=app:svcg docs /srv/b/
COPY --link --chown=svc:0 docs /srv/c/
'
check "--link --chown=NAME takes the ids from the stage's passwd and group" \
  test "$(listing link-chown srv/a/a.md srv/b/a.md srv/c/a.md | cut -d' ' -f1,3,4)" = "srv/a/a.md 4321 4322
srv/b/a.md 1000 4323
srv/c/a.md 4321 0"
build link-chown-base 'FROM busybox
RUN echo "svc:x:4321:4322::/:/bin/sh" >> /etc/passwd
'
printf 'FROM link-chown-base\nCOPY --link --chown=svc:0 docs /srv/c/\n' >"$CTX/Dockerfile"
ub build -q -t link-chown-1 "$CTX" >/dev/null
build link-chown-base 'FROM busybox
RUN echo "svc:x:4999:4322::/:/bin/sh" >> /etc/passwd
'
printf 'FROM link-chown-base\nCOPY --link --chown=svc:0 docs /srv/c/\n' >"$CTX/Dockerfile"
log=$(ub build -t link-chown-2 "$CTX")
check "a base where the name means another uid misses the --link step" bash -c '! grep -q "Using cache" <<<"$1"' _ "$log"
check "and the copy takes the new uid" test "$(listing link-chown-2 srv/c/a.md | cut -d' ' -f3)" = 4999
unset SOURCE_DATE_EPOCH

# --- bad input ------------------------------------------------------------------
fails "COPY --bogus=1 docs /d/" "Dockerfile:2: unknown flag: --bogus"
fails "COPY --link --chown=nosuchuser docs /d/" "Dockerfile:2: --chown=nosuchuser with --link (looked up in the stage's /etc/passwd and /etc/group): "
fails "COPY --link --chown=app:nosuchgroup docs /d/" "Dockerfile:2: --chown=app:nosuchgroup with --link"
fails "ADD --parents docs /d/" "Dockerfile:2: unknown flag: --parents"
fails "COPY --keep-git-dir docs /d/" "Dockerfile:2: unknown flag: --keep-git-dir"
fails "COPY --exclude=[ docs /d/" "Dockerfile:2: --exclude: "
fails "COPY --exclude= docs /d/" "Dockerfile:2: --exclude needs a pattern"

# --- directives ------------------------------------------------------------------
for frontend in docker/dockerfile:1 docker/dockerfile:1.7-labs docker.io/docker/dockerfile:1.4 \
                "docker/dockerfile@sha256:$(printf 'a%.0s' {1..64})"; do
  printf '# syntax=%s\n# check=skip=all\nFROM busybox\nRUN true\n' "$frontend" >"$CTX/Dockerfile"
  out=$(ub build "$CTX" 2>&1)
  check "# syntax=$frontend is accepted and noted" grep -qF "syntax $frontend: built by ubuild's own Dockerfile frontend" <<<"$out"
done
printf '# syntax=example.com/other/frontend:1\nFROM busybox\n' >"$CTX/Dockerfile"
before=$(store_snapshot)
err=$(ub build "$CTX" 2>&1 || true)
check "another frontend is refused at its line" grep -qF 'ubuild: Dockerfile:1: unsupported syntax directive "example.com/other/frontend:1"' <<<"$err"
check "the refusal leaves the store as it was" test "$before" = "$(store_snapshot)"

# --- against Docker 20.10 ----------------------------------------------------------
# Its built-in BuildKit frontend (BuildKit 0.8) fetches URLs but has no
# --checksum, --parents, --exclude, --link or git sources (it downloads a
# .git URL as a file), and `# syntax=` would pull the frontend image from
# Docker Hub; so ADD URL is what the two can be compared on here. The
# classic builder gives the history text ubuild follows.
source "$(dirname "$0")/conformance/lib.sh"
T=$E2E_TMP/docker
mkdir -p "$T"
start_dockerd_with_busybox
ub import "$T/rootfs.tar" busybox:local >/dev/null
mkdir -p "$T/ctx"
cat >"$T/ctx/Dockerfile" <<DF
FROM busybox:local
ADD $URL/a.txt /x/
ADD $URL/a.txt /y
ADD $URL/a.txt?q=1#frag $URL/dir/b.txt /w/
ADD $URL/pack.tar /t/
DF
ub build -q -t url-ubuild "$T/ctx" >/dev/null
ub save -o "$T/ubuild.tar" url-ubuild
mkdir -p "$T/fs-ubuild"; python3 "$tools" merged "$T/ubuild.tar" "$T/fs-ubuild"
# x/, w/ and t/ are directories the step creates (mtime: build time), so
# their mtimes are left out.
DOCKER_BUILDKIT=0 docker_cli build -q --network host -t url-classic "$T/ctx" >/dev/null
docker_cli save -o "$T/classic.tar" url-classic
DOCKER_BUILDKIT=1 docker_cli build -q --network host -t url-buildkit "$T/ctx" >/dev/null
docker_cli save -o "$T/buildkit.tar" url-buildkit
for kind in classic buildkit; do
  mkdir -p "$T/fs-$kind"; python3 "$tools" merged "$T/$kind.tar" "$T/fs-$kind"
  check "ADD URL: files, modes, owners and mtimes as Docker 20.10 $kind" test \
    "$(cd "$T/fs-$kind" && find x y w t -type f -printf '%p %M %U %G %s %Ts\n' | sort; find x w t -type d -printf '%p %M %U %G\n'; cat y)" = \
    "$(cd "$T/fs-ubuild" && find x y w t -type f -printf '%p %M %U %G %s %Ts\n' | sort; find x w t -type d -printf '%p %M %U %G\n'; cat y)"
done
created_by() {  # the image's created_by lines, newest first, from a saved archive
  python3 - "$1" <<'PY'
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
cfg = json.load(t.extractfile(json.load(t.extractfile("manifest.json"))[0]["Config"]))
for e in reversed(cfg["history"]):
    print(e.get("created_by", ""))
PY
}
check "ADD URL: history text as Docker's classic builder writes it" \
  test "$(created_by "$T/classic.tar")" = "$(created_by "$T/ubuild.tar")"
printf 'FROM busybox:local\nCOPY --parents a /b/\n' >"$T/ctx/Dockerfile"
err=$(DOCKER_BUILDKIT=1 docker_cli build -q "$T/ctx" 2>&1 || true)
check "Docker 20.10's built-in frontend has no --parents, hence no comparison" grep -q "Unknown flag: parents" <<<"$err"
# Nor --link (BuildKit's rebase of a linked copy needs its merge op, v0.10):
# there is no CACHED step on a changed base to compare with.
printf 'FROM busybox:local\nCOPY --link Dockerfile /d/\n' >"$T/ctx/Dockerfile"
err=$(DOCKER_BUILDKIT=1 docker_cli build -q "$T/ctx" 2>&1 || true)
check "Docker 20.10's built-in frontend has no --link, hence no comparison" grep -q "Unknown flag: link" <<<"$err"

e2e_finish
