#!/usr/bin/env bash
# End-to-end: reproducible builds (issue 5). examples/reproducible-ci (COPY,
# ADD of a local .tar.gz, RUN with a whiteout) built with --no-cache and
# SOURCE_DATE_EPOCH into two fresh store roots, the second after touching
# every context file and waiting a second: same image id, same diff_ids,
# byte-identical `ubuild save`. Also: `created` in the config and in every
# history entry is the epoch instant, layer mtimes are clamped to it, no
# host-specific config fields, --build-arg SOURCE_DATE_EPOCH works as the
# environment does, and without it `created` is the build time.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
unset SOURCE_DATE_EPOCH
EPOCH=1700000000               # 2023-11-14T22:13:20Z, before any file of the context
EPOCH_TIME=2023-11-14T22:13:20Z

ubr() { local root=$1; shift; "$UBUILD_BIN" --root "$root" "$@"; }

# The context: the example plus its assets.tar.gz, as run.sh makes it.
ctx=$E2E_TMP/ctx
mkdir "$ctx"
cp -r "$UBUILD_SOURCE_DIR/examples/reproducible-ci/." "$ctx/"
tar --sort=name --owner=0 --group=0 --numeric-owner -C "$ctx" -cf - assets | gzip -n >"$ctx/assets.tar.gz"
bash "$UBUILD_SOURCE_DIR/examples/busybox-rootfs.sh" "$E2E_TMP/busybox.tar"

# fresh_root NAME [ENV...]: a new store with the busybox base, imported from
# stdin under the given environment.
fresh_root() {
  local root=$E2E_TMP/$1
  shift
  env "$@" "$UBUILD_BIN" --root "$root" import - busybox <"$E2E_TMP/busybox.tar" >/dev/null
  echo "$root"
}
# build_save ROOT ARGS...: a --no-cache build tagged repro, then unpacks
# `ubuild save` of it into ROOT.save/ (archive: ROOT.tar). Prints the id.
build_save() {
  local root=$1
  shift
  "$UBUILD_BIN" --root "$root" build --no-cache -q -t repro "$@" "$ctx"
  "$UBUILD_BIN" --root "$root" save -o "$root.tar" repro
  mkdir -p "$root.save"
  tar -xf "$root.tar" -C "$root.save"
}
diff_ids() { ubr "$1" inspect repro | python3 -c 'import json,sys; print("\n".join(json.load(sys.stdin)[0]["RootFS"]["Layers"]))'; }
image_id() { ubr "$1" inspect repro | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Id"])'; }
config_of() { local id; id=$(image_id "$1"); cat "$1/image/overlay2/imagedb/content/sha256/${id#sha256:}"; }

# --- two builds, two fresh roots, touched context ----------------------------
root1=$(fresh_root one SOURCE_DATE_EPOCH=$EPOCH)
id1=$(SOURCE_DATE_EPOCH=$EPOCH build_save "$root1")
sleep 1
find "$ctx" -exec touch {} +
root2=$(fresh_root two SOURCE_DATE_EPOCH=$EPOCH)
id2=$(SOURCE_DATE_EPOCH=$EPOCH build_save "$root2")
echo "build 1: $id1"
echo "build 2: $id2"
check "builds have ids" grep -Eqx 'sha256:[0-9a-f]{64}' <<<"$id1"
check "same image id from two fresh roots and a touched context" test "$id1" = "$id2"
check "same diff_ids" test "$(diff_ids "$root1")" = "$(diff_ids "$root2")"
check "the image has the base and three new layers (COPY, ADD, RUN)" test "$(diff_ids "$root1" | wc -l)" -eq 4
check "byte-identical ubuild save archives" cmp "$root1.tar" "$root2.tar"
echo "save archive: sha256:$(sha256sum "$root1.tar" | cut -d' ' -f1) $(stat -c %s "$root1.tar") bytes"

# --- what the epoch fixes ------------------------------------------------------
cfg=$E2E_TMP/config.json
config_of "$root1" >"$cfg"
check "the stored config hashes to the image id" test "sha256:$(sha256sum <"$cfg" | cut -d' ' -f1)" = "$id1"
check "created in the config is the epoch instant" \
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); assert c["created"]==sys.argv[2], c["created"]' "$cfg" "$EPOCH_TIME"
check "created in every history entry is the epoch instant" \
  python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["history"]
bad=[e for e in h if e.get("created")!=sys.argv[2]]
assert len(h)>=5 and not bad, bad' "$cfg" "$EPOCH_TIME"
check "no host- or run-specific fields in the config" \
  python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))
for k in ("container","container_config","docker_version"): assert k not in c, k
assert c["config"].get("Hostname","")=="", c["config"]["Hostname"]' "$cfg"

# Every layer the build wrote: mtimes clamped to the epoch; the touched
# context files (newer than the epoch) carry exactly the epoch.
check "every entry of the new layers has mtime <= epoch, the COPYed files exactly the epoch" \
  python3 - "$root1.save" "$EPOCH" <<'PY'
import json, sys, tarfile
save, epoch = sys.argv[1], int(sys.argv[2])
layers = json.load(open(f"{save}/manifest.json"))[0]["Layers"]
late, copied = [], {}
for blob in layers[1:]:  # the base came from the import, not from the build
    with tarfile.open(f"{save}/{blob}") as t:
        for m in t.getmembers():
            if m.mtime > epoch: late.append((m.name, m.mtime))
            if m.name.startswith("app/") and m.isfile(): copied[m.name] = m.mtime
assert not late, late
assert copied and all(v == epoch for v in copied.values()), copied
PY

# --- SOURCE_DATE_EPOCH as a build argument ------------------------------------
root3=$(fresh_root three SOURCE_DATE_EPOCH=$EPOCH)
id3=$(build_save "$root3" --build-arg SOURCE_DATE_EPOCH=$EPOCH)
check "--build-arg SOURCE_DATE_EPOCH gives the same image as the environment" test "$id3" = "$id1"
root4=$(fresh_root four SOURCE_DATE_EPOCH=$EPOCH)
id4=$(SOURCE_DATE_EPOCH=1 build_save "$root4" --build-arg SOURCE_DATE_EPOCH=$EPOCH)
check "--build-arg SOURCE_DATE_EPOCH wins over the environment" test "$id4" = "$id1"
root5=$(fresh_root five SOURCE_DATE_EPOCH=$EPOCH)
id5=$(build_save "$root5" --build-arg SOURCE_DATE_EPOCH=$((EPOCH + 1)))
check "another epoch gives another image" test "$id5" != "$id1"
check "another epoch: created is that instant" \
  python3 -c 'import json,sys; c=json.load(sys.stdin)[0]; assert c["Created"]=="2023-11-14T22:13:21Z", c["Created"]' \
  < <(ubr "$root5" inspect repro)

# --- a bad value: clear error, store unchanged --------------------------------
# shellcheck disable=SC2034  # store_snapshot (lib.sh) reads $ROOT
ROOT=$root5
before=$(store_snapshot)
rc=0
msg=$(SOURCE_DATE_EPOCH=yesterday "$UBUILD_BIN" --root "$root5" build --no-cache -t bad "$ctx" 2>&1) || rc=$?
check "SOURCE_DATE_EPOCH=yesterday fails" test "$rc" -ne 0
check "…naming the variable ($(tail -1 <<<"$msg"))" grep -q 'ubuild: .*SOURCE_DATE_EPOCH' <<<"$msg"
check "…leaving the store unchanged" test "$before" = "$(store_snapshot)"

# --- without SOURCE_DATE_EPOCH: created is the build time -----------------------
root6=$(fresh_root six)
start=$(date +%s)
id6=$(build_save "$root6")
check "without SOURCE_DATE_EPOCH the id differs" test "$id6" != "$id1"
check "without SOURCE_DATE_EPOCH created (config and each new history entry) is within a minute of now" \
  python3 - "$(config_of "$root6")" "$start" <<'PY'
import datetime, json, re, sys
c, start = json.loads(sys.argv[1]), int(sys.argv[2])
def secs(s):  # RFC 3339 with up to 9 fractional digits, UTC
    m = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?Z", s)
    assert m, s
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
    return t.timestamp() + float(m.group(2) or 0)
now = datetime.datetime.now(datetime.timezone.utc).timestamp()
times = [c["created"]] + [h["created"] for h in c["history"][1:]]
for s in times:
    assert start - 1 <= secs(s) <= now + 1 and now - secs(s) < 60, (s, start, now)
PY
check "without SOURCE_DATE_EPOCH the COPYed files keep their own mtimes" \
  python3 - "$root6.save" "$(stat -c %Y "$ctx/app/build.sh")" <<'PY'
import json, sys, tarfile
save, mtime = sys.argv[1], int(sys.argv[2])
blob = json.load(open(f"{save}/manifest.json"))[0]["Layers"][1]
with tarfile.open(f"{save}/{blob}") as t:
    m = t.getmember("app/build.sh")
assert m.mtime == mtime, (m.mtime, mtime)
PY

e2e_finish
