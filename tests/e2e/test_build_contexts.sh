#!/usr/bin/env bash
# End-to-end: every kind of build context (a directory, - with a Dockerfile
# or a tar on stdin, tar files in each compression, a git URL served over
# HTTP on 127.0.0.1) and the flags scripts use (--add-host, --ulimit,
# --shm-size, --build-context, --metadata-file, -o/--output), then the
# same RUN-side flags and the tar context's .dockerignore rule against
# Docker 20.10's classic builder on a private engine.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
e2e_base_image
# A private $TMPDIR, where the test can see that ubuild puts nothing: the
# contexts it unpacks land in the build's session dir (ROOT/sessions/<id>/).
export TMPDIR=$E2E_TMP/tmp
mkdir -p "$TMPDIR"
W=$E2E_TMP/w
mkdir -p "$W"
no_context_dirs() { ! compgen -G "$TMPDIR/*" >/dev/null && ! compgen -G "$ROOT/sessions/*/context-*" >/dev/null; }
fails_with() {  # fails_with "message part" command...: exits non-zero and says so
  local want=$1 out; shift
  if out=$("$@" 2>&1); then echo "unexpected success: $out"; return 1; fi
  grep -qF -- "$want" <<<"$out" || { echo "got: $out"; return 1; }
}

# --- a context of files, as a directory and as tars ---------------------------
ctx=$W/ctx
mkdir -p "$ctx/sub"
cat >"$ctx/Dockerfile" <<'DF'
FROM busybox
COPY . /c/
RUN ls -a /c > /listing
DF
printf 'FROM busybox\nCOPY sub/ /s/\n' >"$ctx/sub/Other.df"
echo data >"$ctx/f.txt"
echo '*.log' >"$ctx/.dockerignore"
echo log >"$ctx/x.log"
tar -C "$ctx" -cf "$W/ctx.tar" .
gzip -c "$W/ctx.tar" >"$W/ctx.tar.gz"
bzip2 -c "$W/ctx.tar" >"$W/ctx.tar.bz2"
xz -c "$W/ctx.tar" >"$W/ctx.tar.xz"
zstd -q -c "$W/ctx.tar" >"$W/ctx.tar.zst"
base=$(ub build -q "$W/ctx.tar")
check "a tar file is a context" grep -Eqx 'sha256:[0-9a-f]{64}' <<<"$base"
for f in ctx.tar.gz ctx.tar.bz2 ctx.tar.xz ctx.tar.zst; do
  check "$f: the same files, the same COPY hash (a cache hit, the same id)" test "$(ub build -q "$W/$f")" = "$base"
done
check "a tar on stdin is the same context" test "$(ub build -q - <"$W/ctx.tar.gz")" = "$base"
rm -rf "$W/o"
ub build -q -o "$W/o" "$W/ctx.tar" >/dev/null
check "a tar context gets no .dockerignore, as Docker's daemon applies none" grep -qx x.log "$W/o/listing"
ub build -q -o "$W/od" "$ctx" >/dev/null
check "a directory context keeps its .dockerignore" bash -c "! grep -qx x.log '$W/od/listing'"
check "-f names a file inside a tar context" ub build -q -f sub/Other.df "$W/ctx.tar"
check "-f may not leave a tar context" fails_with "is outside the build context" ub build -f ../x "$W/ctx.tar"
check "the context dirs are gone after the builds" no_context_dirs
n_digest_files=$(find "$ROOT/image/overlay2/buildcache/context" -type f 2>/dev/null | wc -l)
ub build -q --no-cache "$W/ctx.tar" >/dev/null
check "an unpacked context leaves no per-file digest cache behind" \
  test "$(find "$ROOT/image/overlay2/buildcache/context" -type f 2>/dev/null | wc -l)" = "$n_digest_files"

# --- a Dockerfile on stdin ----------------------------------------------------
printf 'FROM busybox\nCOPY Dockerfile /df\nRUN test "$(ls /)" != ""\n' >"$W/stdin.df"
rm -rf "$W/o"
ub build -q -o type=local,dest="$W/o" - <"$W/stdin.df" >/dev/null
check "- with a Dockerfile: the context holds the Dockerfile alone" cmp "$W/stdin.df" "$W/o/df"
check "- and -f - both want stdin" fails_with "standard input cannot be both" ub build -f - - <"$W/stdin.df"
echo 'not a tar' >"$W/garbage.tar"
check "a file that is no tar is refused" fails_with "is not a tar archive" ub build "$W/garbage.tar"
check "a missing path is refused" fails_with "the build context is not a directory" ub build "$W/nosuch"
check "a URL that is no git repository is refused" fails_with "must be a git repository" ub build https://127.0.0.1:1/x.tar.gz
check "nothing is left in \$TMPDIR after failures" no_context_dirs

# --- a build killed outright leaves its dir to the next command ---------------
printf 'FROM busybox\nRUN sleep 60\n' >"$W/slow.df"
tar -C "$W" -cf "$W/slow.tar" --transform 's/slow.df/Dockerfile/' slow.df
# Not through ub(): $! must be ubuild's own pid, not a subshell's.
"$UBUILD_BIN" --root "$ROOT" build --no-cache "$W/slow.tar" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 100); do compgen -G "$ROOT/sessions/*/context-*" >/dev/null && break; sleep 0.1; done
sleep 0.5
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
check "a SIGKILLed build leaves its context dir in its session" bash -c "compgen -G '$ROOT/sessions/*/context-*' >/dev/null"
# Its RUN dies with it (parent-death signal), a moment later, and with it the
# last hold on the session's flock.
session=$(dirname "$(compgen -G "$ROOT/sessions/*/context-*" | head -1)")
for _ in $(seq 1 50); do flock -n "$session" true && break; sleep 0.1; done
ub build -q "$W/ctx.tar" >/dev/null
check "the next build removes the dead build's dir" no_context_dirs

# --- a git URL, over HTTP on 127.0.0.1 ----------------------------------------
repo=$W/repo
mkdir -p "$repo/app" "$W/srv"
printf 'FROM busybox\nCOPY . /g/\nRUN cat /g/hello.txt > /hello && ls -a /g > /listing\n' >"$repo/app/Dockerfile"
printf 'FROM busybox\nCOPY app/hello.txt /root-hello\n' >"$repo/root.df"
echo from-git >"$repo/app/hello.txt"
echo ignored >"$repo/app/skip.me"
echo 'skip.me' >"$repo/app/.dockerignore"
git -C "$repo" init -q -b main
git -C "$repo" add .
git -C "$repo" -c user.email=e2e@ubuild -c user.name=e2e commit -qm one
git -C "$repo" tag v1
git clone -q --bare "$repo" "$W/srv/repo.git"
git -C "$W/srv/repo.git" update-server-info
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$W/srv" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
http_pid=$!
trap 'kill $http_pid 2>/dev/null; e2e_cleanup' EXIT
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
url=http://127.0.0.1:$port/repo.git
rm -rf "$W/o"
check "a git URL with #REF:DIR builds" ub build -q -o "$W/o" "$url#v1:app"
check "the checkout's files reach COPY" grep -qx from-git "$W/o/hello"
check "the git context's .dockerignore applies (the CLI sends a directory)" bash -c "! grep -qx skip.me '$W/o/listing'"
check "without a ref, the remote's HEAD; -f inside the checkout" ub build -q -f root.df -o "$W/o2" "$url"
check "the repository's root is the context" grep -qx from-git "$W/o2/root-hello"
check "an unknown ref is git's error" fails_with "couldn't find remote ref nosuch" ub build "$url#nosuch"
check "a DIR outside the repository is refused" fails_with "is not within the repository" ub build "$url#main:../.."
check "nothing is left in \$TMPDIR after git contexts" no_context_dirs

# --- RUN flags ----------------------------------------------------------------
fl=$W/flags
mkdir -p "$fl"
cat >"$fl/Dockerfile" <<'DF'
FROM busybox
RUN grep -v localhost /etc/hosts | grep -v ubuild > /hosts; ulimit -n > /nofile; ulimit -Hn >> /nofile; df -k /dev/shm | tail -1 | awk '{print $2}' > /shm
DF
rm -rf "$W/o"
ub build -q --no-cache --network none --add-host db:10.1.2.3 --add-host v6:2001:db8::1 --ulimit nofile=1024:2048 \
  --shm-size 32m -o "$W/o" "$fl" >/dev/null
check "--add-host lines follow Docker's block" grep -qx "$(printf '10.1.2.3\tdb')" "$W/o/hosts"
check "--add-host takes IPv6" grep -qx "$(printf '2001:db8::1\tv6')" "$W/o/hosts"
check "--ulimit sets soft and hard" test "$(tr '\n' ' ' <"$W/o/nofile")" = "1024 2048 "
check "--shm-size sizes /dev/shm" test "$(cat "$W/o/shm")" = 32768
rm -rf "$W/o"
# --no-cache: these flags are not part of the cache key (nor are they in Docker's).
ub build -q --no-cache --network host --add-host gw:host-gateway -o "$W/o" "$fl" >/dev/null
check "host-gateway is 127.0.0.1 under --network host" grep -qx "$(printf '127.0.0.1\tgw')" "$W/o/hosts"
check "host-gateway is refused on the default network" fails_with "--add-host gw:host-gateway: only with --network host" \
  ub build --add-host gw:host-gateway "$fl"
check "a bad --add-host names the flag" fails_with "--add-host db: want NAME:ADDRESS" ub build --add-host db "$fl"
check "a bad --ulimit names the flag" fails_with "--ulimit nofile=9:1: the soft limit" ub build --ulimit nofile=9:1 "$fl"
check "a bad --shm-size names the flag" fails_with "--shm-size lots: want a size" ub build --shm-size lots "$fl"
check "--help lists the new flags" bash -c "'$UBUILD_BIN' build --help | grep -q -- '--build-context' && '$UBUILD_BIN' build --help | grep -q -- '--metadata-file'"

# --- --build-context ----------------------------------------------------------
bc=$W/bc
mkdir -p "$bc" "$W/extra"
echo extra-file >"$W/extra/e.txt"
printf 'FROM base\nCOPY --from=files e.txt /e.txt\nCOPY --from=img /bin/busybox /bb\n' >"$bc/Dockerfile"
rm -rf "$W/o"
check "--build-context: an image for FROM, a directory and an image for COPY --from" \
  ub build -q --build-context base=docker-image://busybox --build-context files="$W/extra" \
  --build-context img=docker-image://busybox -o "$W/o" "$bc"
check "COPY --from a directory context" grep -qx extra-file "$W/o/e.txt"
check "COPY --from an image context" cmp "$W/o/bb" "$W/o/bin/busybox"
printf 'FROM busybox AS files\nRUN echo stage > /from-stage\nFROM busybox\nCOPY --from=files /from-stage /\n' >"$bc/Dockerfile"
rm -rf "$W/o"
ub build -q --build-context files="$W/extra" -o "$W/o" "$bc" >/dev/null
check "a stage of the same name wins over a context" grep -qx stage "$W/o/from-stage"
printf 'FROM files\n' >"$bc/Dockerfile"
check "FROM a directory context is refused" fails_with "a directory context can be read by COPY --from only" \
  ub build --build-context files="$W/extra" "$bc"
check "a context BuildKit has but ubuild lacks is refused by name" fails_with "not oci-layout://" \
  ub build --build-context x=oci-layout:///srv "$bc"

# --- --metadata-file and -o ---------------------------------------------------
id=$(ub build -q -t meta:1 --metadata-file "$W/meta.json" "$fl")
check "--metadata-file has BuildKit's keys" python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
assert m["containerimage.digest"] == sys.argv[2] and m["containerimage.config.digest"] == sys.argv[2], m
assert m["image.name"] == "docker.io/library/meta:1", m' "$W/meta.json" "$id"
(cd "$W" && ub build -q --metadata-file bare.json --iidfile bare.iid "$fl" >/dev/null)
check "--metadata-file and --iidfile take a bare file name" \
  bash -c "grep -q containerimage.digest '$W/bare.json' && grep -Eqx 'sha256:[0-9a-f]{64}' '$W/bare.iid'"
ub build -q --no-cache -o type=tar,dest="$W/fs.tar" "$fl" >/dev/null
check "type=tar holds the final stage's files" bash -c "tar -tf '$W/fs.tar' | grep -qx bin/busybox && tar -xOf '$W/fs.tar' shm | grep -qx 65536"
ub build -q -o - "$fl" >"$W/fs2.tar" 2>/dev/null
check "-o - writes the same tar to stdout" cmp "$W/fs.tar" "$W/fs2.tar"
id=$(ub build -q -t out:1 -o type=docker,dest="$W/img.tar" "$fl")
R2=$E2E_TMP/root2
"$UBUILD_BIN" --root "$R2" load -i "$W/img.tar" >/dev/null
check "type=docker loads as the same image and name" \
  test "$("$UBUILD_BIN" --root "$R2" inspect out:1 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])')" = "$id"
ub build -q -o type=oci,dest="$W/oci.tar",name=reg.example/app:2 "$fl" >/dev/null
check "type=oci is an OCI layout naming the image" python3 -c '
import json, sys, tarfile
t = tarfile.open(sys.argv[1])
assert json.load(t.extractfile("oci-layout"))["imageLayoutVersion"] == "1.0.0"
idx = json.load(t.extractfile("index.json"))
assert idx["manifests"][0]["annotations"]["io.containerd.image.name"] == "reg.example/app:2", idx' "$W/oci.tar"
check "an unknown output type is refused" fails_with "--output type=registry,dest=x: type registry" \
  ub build -o type=registry,dest=x "$fl"

# --- against Docker 20.10's classic builder -----------------------------------
if command -v dockerd >/dev/null; then
  source "$(dirname "$0")/conformance/lib.sh"
  T=$E2E_TMP/docker
  mkdir -p "$T"
  start_private_dockerd "$T"
  docker_cli import "$E2E_TMP/busybox.tar" busybox >/dev/null
  # Docker writes no line for the container's own name under --network none.
  flags=(--network none --add-host db:10.1.2.3 --add-host v6:2001:db8::1 --ulimit nofile=1024:2048 --shm-size 32m)
  cat >"$W/cmp.df" <<'DF'
FROM busybox
RUN grep -v -e localhost -e ubuild /etc/hosts; ulimit -n; ulimit -Hn; df -k /dev/shm | tail -1 | awk '{print $2}'; echo END
DF
  run_lines() { sed -n '/^Step 2\/2/,/^END$/p' | grep -v -e '^Step' -e '^ --->' -e '^END$'; }
  docker_cli build --no-cache "${flags[@]}" - <"$W/cmp.df" 2>&1 | run_lines >"$W/docker.out"
  ub build --no-cache "${flags[@]}" - <"$W/cmp.df" 2>&1 | run_lines >"$W/ubuild.out"
  check "/etc/hosts, ulimits and /dev/shm in RUN match Docker's" diff "$W/docker.out" "$W/ubuild.out"
  printf 'FROM busybox\nCOPY . /c/\nRUN ls -a /c; echo END\n' >"$ctx/Dockerfile"
  tar -C "$ctx" -cf "$W/ctx.tar" .
  docker_cli build --no-cache --network none - <"$W/ctx.tar" 2>&1 | sed -n '/^Step 3\/3/,/^END$/p' | grep -v -e '^Step' -e '^ --->' -e '^END$' >"$W/docker.ls"
  ub build --no-cache --network none - <"$W/ctx.tar" 2>&1 | sed -n '/^Step 3\/3/,/^END$/p' | grep -v -e '^Step' -e '^ --->' -e '^END$' >"$W/ubuild.ls"
  check "a tar context's files (no .dockerignore) match Docker's" diff "$W/docker.ls" "$W/ubuild.ls"
  # COPY's source hashes from a tar's own headers: owners, a hardlink, a
  # symlink, a directory, as GNU tar writes them (no file type bits in modes).
  lk=$W/lk
  mkdir -p "$lk/dd"
  echo a >"$lk/f"; ln "$lk/f" "$lk/h"; ln -s f "$lk/s"; echo z >"$lk/dd/z"
  printf 'FROM busybox\nCOPY . /c/\nCOPY s /s\nCOPY dd /dd\n' >"$lk/Dockerfile"
  tar -C "$lk" --owner=1000 --group=50 -czf "$W/lk.tgz" .
  copies() { grep -o '#(nop) COPY [^ ]* in [^ ]*'; }
  d=$(docker_cli build -q --network none - <"$W/lk.tgz")
  docker_cli history --no-trunc --format '{{.CreatedBy}}' "$d" | copies >"$W/docker.hist"
  u=$(ub build -q "$W/lk.tgz")
  ub history --no-trunc "$u" | copies >"$W/ubuild.hist"
  check "COPY history from a tar context (its own headers) matches Docker's" diff "$W/docker.hist" "$W/ubuild.hist"
else
  echo "dockerd is not installed: the comparison with Docker is skipped" >&2
  fail "dockerd missing"
fi

e2e_finish
