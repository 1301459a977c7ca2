#!/usr/bin/env bash
# Reproducible CI, offline: build this directory twice with --no-cache and
# SOURCE_DATE_EPOCH into two fresh store roots — the second time after
# touching every context file and waiting a second — then compare the image
# ids, the diff_ids and the sha256 of the `ubuild save` archives. Prints the
# figures; exits non-zero on any difference.
# SOURCE_DATE_EPOCH: from the environment, else the last commit's time, as CI
# systems usually set it. Binary: $UBUILD_BIN, else ./build/ubuild. The two
# roots are always fresh temporary directories ($UBUILD_ROOT is not used).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
ubuild=${UBUILD_BIN:-$top/build/ubuild}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

epoch=${SOURCE_DATE_EPOCH:-$(git -C "$here" log -1 --format=%ct 2>/dev/null || true)}
epoch=${epoch:-1700000000}
export SOURCE_DATE_EPOCH=$epoch

# The context: a copy of this directory plus assets.tar.gz, packed once. Its
# members keep the checkout's mtimes (later than the epoch: clamped in the layer).
ctx=$work/ctx
mkdir "$ctx"
cp -r "$here/." "$ctx/"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$ctx" -cf - assets | gzip -n >"$ctx/assets.tar.gz"
bash "$top/examples/busybox-rootfs.sh" "$work/busybox.tar"

# build N: a fresh root, the base imported from stdin (so no path enters its
# history), a --no-cache build, a save. Leaves root-N/ and save-N.tar.
build() {
  local root=$work/root-$1 start
  start=$EPOCHREALTIME
  "$ubuild" --root "$root" import - busybox <"$work/busybox.tar" >/dev/null
  "$ubuild" --root "$root" build --no-cache -q -t repro:ci "$ctx" >"$work/id-$1"
  "$ubuild" --root "$root" save -o "$work/save-$1.tar" repro:ci
  awk -v n="$1" -v s="$start" -v e="$EPOCHREALTIME" 'BEGIN { printf "build %s: %.2f s\n", n, e - s }' 
}
image_id() { cat "$work/id-$1"; }
diff_ids() { "$ubuild" --root "$work/root-$1" inspect repro:ci | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)[0]["RootFS"]["Layers"]))'; }
created() { "$ubuild" --root "$work/root-$1" inspect repro:ci | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Created"])'; }

build 1
sleep 1
find "$ctx" -exec touch {} +
build 2

status=0
compare() {  # compare WHAT VALUE1 VALUE2
  if [[ "$2" == "$3" ]]; then
    echo "same $1"
  else
    echo "DIFFERENT $1:"; diff <(echo "$2") <(echo "$3") | sed 's/^/  /'; status=1
  fi
}
echo
echo "SOURCE_DATE_EPOCH=$epoch  created: $(created 1)"
echo "image id:"
echo "  1: $(image_id 1)"
echo "  2: $(image_id 2)"
echo "diff_ids (build 1):"
diff_ids 1 | sed 's/^/  /'
echo "save archives:"
for n in 1 2; do
  echo "  $n: sha256:$(sha256sum "$work/save-$n.tar" | cut -d' ' -f1)  $(stat -c %s "$work/save-$n.tar") bytes"
done
echo
compare "image id" "$(image_id 1)" "$(image_id 2)"
compare "diff_ids" "$(diff_ids 1)" "$(diff_ids 2)"
if cmp -s "$work/save-1.tar" "$work/save-2.tar"; then
  echo "same save archive bytes"
else
  echo "DIFFERENT save archives:"; cmp "$work/save-1.tar" "$work/save-2.tar" | sed 's/^/  /' || true
  diff <(tar -tvf "$work/save-1.tar") <(tar -tvf "$work/save-2.tar") | sed 's/^/  /' | head -20 || true
  status=1
fi
if [[ $status -eq 0 ]]; then
  echo "reproducible: two builds, one image"
else
  echo "NOT reproducible" >&2
fi
exit $status
