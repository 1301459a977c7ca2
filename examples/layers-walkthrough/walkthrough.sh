#!/usr/bin/env bash
# Runs README.md's walk-through on ubuild's store and checks every step:
# the config under imagedb hashes to the image id, each chain_id recomputed
# with `echo -n … | sha256sum` names a layerdb directory, cache-id leads to
# overlay2/<cache-id>/diff, the last RUN layer holds a whiteout and an opaque
# directory, `ubuild layers --files` agrees, and each diff_id is the sha256
# of the layer tar `ubuild save` writes. Exits non-zero at the first mismatch.
# Store: $UBUILD_ROOT, else /var/lib/ubuild. Binary: $UBUILD_BIN, else ./build/ubuild.
# SOURCE_DATE_EPOCH (default 1700000000) pins every time, so the ids match the
# README's on a host with the same busybox-static.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ubuild=${UBUILD_BIN:-$top/build/ubuild}
ROOT=${UBUILD_ROOT:-/var/lib/ubuild}
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1700000000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
IMAGEDB=$ROOT/image/overlay2/imagedb
LAYERDB=$ROOT/image/overlay2/layerdb
OVERLAY=$ROOT/overlay2

step() { printf '\n## %s\n' "$*"; }
# show 'COMMAND': print it as typed at a prompt, then run it.
show() { printf '$ %s\n' "$1"; eval "$1"; }
ok() { printf 'ok: %s\n' "$*"; }
die() { printf 'walkthrough.sh: MISMATCH: %s\n' "$*" >&2; exit 1; }
expect_eq() {  # expect_eq WHAT GOT WANT
  [[ "$2" == "$3" ]] || die "$1: got '$2', want '$3'"
  ok "$1"
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); $1" "${@:2}"; }

step "0. Build the example image"
if ! "$ubuild" --root "$ROOT" inspect busybox >/dev/null 2>&1; then
  bash "$top/examples/busybox-rootfs.sh" "$work/busybox.tar"
  # From stdin: the history then says "Imported from -", as docker import writes.
  "$ubuild" --root "$ROOT" import - busybox <"$work/busybox.tar"
fi
show "$ubuild --root $ROOT build -q -t walkthrough $here"
show "$ubuild --root $ROOT images"

step "1. The image id, from repositories.json"
show "python3 -m json.tool $ROOT/image/overlay2/repositories.json"
id=$(json 'print(d["Repositories"]["walkthrough"]["walkthrough:latest"])' "$ROOT/image/overlay2/repositories.json")
hex=${id#sha256:}
[[ $hex =~ ^[0-9a-f]{64}$ ]] || die "walkthrough:latest is not a sha256 id: $id"

step "2. The config under imagedb: its sha256 is the image id"
config=$IMAGEDB/content/sha256/$hex
show "python3 -m json.tool $config | sed -n '/\"rootfs\"/,/^    }/p'"
show "sha256sum $config"
expect_eq "sha256sum of the config file is the image id" "$(sha256sum "$config" | cut -d' ' -f1)" "$hex"

mapfile -t diff_ids < <(json 'print("\n".join(d["rootfs"]["diff_ids"]))' "$config")
inspect_layers=$("$ubuild" --root "$ROOT" inspect walkthrough | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)[0]["RootFS"]["Layers"]))')
expect_eq "ubuild inspect lists the same diff_ids (RootFS.Layers)" "$inspect_layers" "$(printf '%s\n' "${diff_ids[@]}")"
echo "${#diff_ids[@]} layers, bottom to top:"
printf '  %s\n' "${diff_ids[@]}"

step "3. Every layer: chain_id, layerdb, cache-id, overlay2/<cache-id>/diff"
chain_ids=() cache_ids=() links=()
for i in "${!diff_ids[@]}"; do
  diff=${diff_ids[$i]}
  echo
  echo "### layer $i"
  if [[ $i -eq 0 ]]; then
    chain=$diff
    echo "the base layer's chain_id is its diff_id: $chain"
  else
    prev=${chain_ids[$((i - 1))]}
    show "echo -n \"$prev $diff\" | sha256sum"
    chain=sha256:$(echo -n "$prev $diff" | sha256sum | cut -d' ' -f1)
  fi
  chain_ids+=("$chain")
  dir=$LAYERDB/sha256/${chain#sha256:}
  show "ls $dir/"
  [[ -d $dir ]] || die "no layerdb directory for chain_id $chain"
  ok "layerdb/sha256/${chain#sha256:} exists"
  expect_eq "its diff file holds the diff_id" "$(cat "$dir/diff")" "$diff"
  if [[ $i -eq 0 ]]; then
    [[ ! -e $dir/parent ]] || die "the base layer has a parent file"
    ok "no parent file on the base layer"
  else
    expect_eq "its parent file holds the layer below's chain_id" "$(cat "$dir/parent")" "$prev"
  fi
  show "cat $dir/cache-id; echo"
  cache=$(cat "$dir/cache-id")
  cache_ids+=("$cache")
  show "ls $OVERLAY/$cache/"
  [[ -d $OVERLAY/$cache/diff && -e $OVERLAY/$cache/committed ]] || die "$OVERLAY/$cache has no diff/ or committed"
  show "ls -A $OVERLAY/$cache/diff/"
  link=$(cat "$OVERLAY/$cache/link")
  links+=("$link")
  show "readlink $OVERLAY/l/$link"
  expect_eq "l/$link points at the layer's diff" "$(readlink "$OVERLAY/l/$link")" "../$cache/diff"
  expect_eq "ls l/$link/ lists the same files" "$(ls -A "$OVERLAY/l/$link/")" "$(ls -A "$OVERLAY/$cache/diff/")"
  if [[ $i -gt 0 ]]; then
    lower=""
    for ((j = i - 1; j >= 0; j--)); do lower+="${lower:+:}l/${links[$j]}"; done
    show "cat $OVERLAY/$cache/lower; echo"
    expect_eq "lower lists the layers below, nearest first" "$(cat "$OVERLAY/$cache/lower")" "$lower"
  fi
  # As Docker's overlay2 driver counts diff/: lstat sizes of all but
  # directories (a symlink its target's length), each inode once.
  content=$(find "$OVERLAY/$cache/diff" ! -type d -printf '%i %s\n' | sort -u | awk '{ s += $2 } END { print s + 0 }')
  expect_eq "size is the bytes in diff/ (files, symlink targets)" "$(cat "$dir/size")" "$content"
done

step "4. A whiteout and an opaque directory in the last RUN layer"
top_diff=$OVERLAY/${cache_ids[-1]}/diff
below_diff=$OVERLAY/${cache_ids[1]}/diff
show "ls -la $top_diff/data/"
show "stat -c '%n: %F, device %t:%T, owner %u:%g' $top_diff/data/remove-me.txt"
expect_eq "/data/remove-me.txt is a whiteout: a 0/0 character device" \
  "$(stat -c '%F %t:%T' "$top_diff/data/remove-me.txt")" "character special file 0:0"
getxattr="import os,sys; p,n=sys.argv[1],'trusted.overlay.opaque'; print(os.getxattr(p,n,follow_symlinks=False).decode() if n in os.listxattr(p,follow_symlinks=False) else '(none)')"
show "python3 -c \"$getxattr\" $top_diff/data/cache"
expect_eq "/data/cache carries trusted.overlay.opaque=y" "$(python3 -c "$getxattr" "$top_diff/data/cache")" "y"
show "ls -A $top_diff/data/cache/ $below_diff/data/cache/"
[[ ! -e $top_diff/data/cache/old.txt && -f $below_diff/data/cache/old.txt ]] ||
  die "old.txt should be in layer 1's /data/cache only"
ok "old.txt stays in layer 1; the opaque /data/cache of the last layer hides it"
show "python3 -c \"$getxattr\" $top_diff/data"
[[ $(python3 -c "$getxattr" "$top_diff/data") == "(none)" ]] || die "/data should not be opaque"
ok "/data itself is not opaque (only changed)"

step "5. The same, as ubuild layers --files prints it"
show "$ubuild --root $ROOT layers --files walkthrough | grep -v '^    A /bin/'"
layers_out=$("$ubuild" --root "$ROOT" layers --files walkthrough)
expect_eq "ubuild layers: the chain_ids recomputed above" \
  "$(sed -n 's/^  chain_id: *\(sha256:[0-9a-f]*\).*/\1/p' <<<"$layers_out")" "$(printf '%s\n' "${chain_ids[@]}")"
expect_eq "ubuild layers: the cache-ids read above" \
  "$(sed -n 's/^  cache-id: *//p' <<<"$layers_out")" "$(printf '%s\n' "${cache_ids[@]}")"
top_changes=$(awk '/^Layer /{ n = $2 } n == '"$((${#diff_ids[@]} - 1))"' && /^    [ADM] /' <<<"$layers_out")
grep -qx '    D /data/remove-me.txt' <<<"$top_changes" || die "layers --files misses the whiteout: $top_changes"
ok "ubuild layers --files: D /data/remove-me.txt (the whiteout)"
grep -qx '    D /data/cache/\*' <<<"$top_changes" || die "layers --files misses the opaque dir: $top_changes"
ok "ubuild layers --files: D /data/cache/* (the opaque directory)"

step "6. A diff_id is the sha256 of the layer tar: ubuild save"
show "$ubuild --root $ROOT save -o $work/walkthrough.tar walkthrough"
mkdir "$work/archive"
tar -xf "$work/walkthrough.tar" -C "$work/archive"
show "python3 -m json.tool $work/archive/manifest.json"
mapfile -t blobs < <(json 'print("\n".join(d[0]["Layers"]))' "$work/archive/manifest.json")
for i in "${!blobs[@]}"; do
  show "sha256sum $work/archive/${blobs[$i]}"
  expect_eq "layer $i: sha256 of its tar is its diff_id" \
    "sha256:$(sha256sum "$work/archive/${blobs[$i]}" | cut -d' ' -f1)" "${diff_ids[$i]}"
done
show "tar -tvf $work/archive/${blobs[-1]}"
tar_names=$(tar -tf "$work/archive/${blobs[-1]}")
grep -qx 'data/.wh.remove-me.txt' <<<"$tar_names" || die "no data/.wh.remove-me.txt in the last layer's tar"
ok "in the tar the whiteout is the empty file data/.wh.remove-me.txt"
grep -qx 'data/cache/.wh..wh..opq' <<<"$tar_names" || die "no data/cache/.wh..wh..opq in the last layer's tar"
ok "in the tar the opaque directory is marked by data/cache/.wh..wh..opq"

echo
echo "walkthrough: every step checked"
