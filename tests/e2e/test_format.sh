#!/usr/bin/env bash
# --format against Docker 20.10's CLI, byte for byte: the same archive (two
# images with fixed, old creation times, so "5 years ago" holds still) is
# loaded into a private dockerd and into ubuild, and images, history and
# inspect print each format with both. Also: the inspect objects agree in
# every field but the host-specific ones, and template errors read as
# docker's ("template parsing error: …").
set -euo pipefail
source "$(dirname "$0")/lib.sh"

start_private_dockerd "$E2E_TMP/docker"

# Two images in a docker-save archive: base (one layer with a symlink and
# a hard link, which Docker's layer size counts as it finds them on disk)
# and app on top (a second layer, labels out of order, HTML characters).
python3 - "$E2E_TMP/images.tar" <<'PY'
import hashlib, io, json, sys, tarfile

def layer(entries):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, kind, arg in entries:
            info = tarfile.TarInfo(name)
            info.mtime = 1600000000
            data = None
            if kind == "dir":
                info.type, info.mode = tarfile.DIRTYPE, 0o755
            elif kind == "sym":
                info.type, info.linkname = tarfile.SYMTYPE, arg
            elif kind == "hard":
                info.type, info.linkname = tarfile.LNKTYPE, arg
            else:
                data = arg.encode()
                info.size, info.mode = len(data), 0o755
            t.addfile(info, io.BytesIO(data) if data is not None else None)
    return buf.getvalue()

base = layer([("bin/", "dir", None), ("bin/sh", "file", "#!shell\n" * 300), ("bin/ls", "sym", "sh"),
              ("bin/long-link", "sym", "/usr/lib/some/where/far/away"), ("etc/", "dir", None),
              ("etc/hosts", "file", "127.0.0.1 localhost\n"), ("etc/hosts.bak", "hard", "etc/hosts")])
app = layer([("app/", "dir", None), ("app/data", "file", "x" * 1234)])
did = lambda b: "sha256:" + hashlib.sha256(b).hexdigest()

def config(created, layers, history, cfg):
    return json.dumps({"architecture": "amd64", "config": cfg, "created": created, "history": history,
                       "os": "linux", "rootfs": {"type": "layers", "diff_ids": [did(l) for l in layers]}},
                      separators=(",", ":")).encode()

base_cfg = config("2020-01-02T03:04:05Z", [base],
                  [{"created": "2020-01-02T03:04:05Z", "comment": "Imported from -"}],
                  {"Env": ["PATH=/usr/bin:/bin"], "Cmd": None, "Labels": None})
app_cfg = config("2021-03-04T05:06:07.123456789Z", [base, app], [
    {"created": "2020-01-02T03:04:05Z", "comment": "Imported from -"},
    {"created": "2021-03-04T05:06:06Z", "created_by": "/bin/sh -c #(nop)  ENV GREETING=a <b> & c", "empty_layer": True},
    {"created": "2021-03-04T05:06:07Z",
     "created_by": "/bin/sh -c set -e;\tmkdir /app && head -c 1234 /dev/zero | tr '\\0' x > /app/data"},
    {"created": "2021-03-04T05:06:07.123456789Z", "created_by": "/bin/sh -c #(nop)  CMD [\"sh\" \"-c\" \"echo hi\"]",
     "empty_layer": True}],
    {"Env": ["PATH=/usr/bin:/bin", "GREETING=a <b> & c"], "Cmd": ["sh", "-c", "echo hi"],
     "Labels": {"org.example.b": "x<y", "a": "1"}, "ExposedPorts": {"80/tcp": {}}, "WorkingDir": "/app",
     "Entrypoint": None, "Volumes": None, "OnBuild": None, "User": "app"})

members = {"base.tar": base, "app.tar": app,
           hashlib.sha256(base_cfg).hexdigest() + ".json": base_cfg,
           hashlib.sha256(app_cfg).hexdigest() + ".json": app_cfg}
members["manifest.json"] = json.dumps([
    {"Config": hashlib.sha256(base_cfg).hexdigest() + ".json", "RepoTags": ["base:latest"], "Layers": ["base.tar"]},
    {"Config": hashlib.sha256(app_cfg).hexdigest() + ".json", "RepoTags": ["app:1", "app:2"],
     "Layers": ["base.tar", "app.tar"]}]).encode()
with tarfile.open(sys.argv[1], "w") as t:
    for name, data in members.items():
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
docker_cli load -i "$E2E_TMP/images.tar" >/dev/null
ub load -i "$E2E_TMP/images.tar" >/dev/null

# same WHAT ARGS...: stdout and exit status of `docker ARGS` and `ubuild ARGS` agree.
same() {
  local what=$1; shift
  local d u drc=0 urc=0
  d=$(docker_cli "$@" 2>"$E2E_TMP/derr"; echo "rc=$?") || true
  u=$(ub "$@" 2>"$E2E_TMP/uerr"; echo "rc=$?") || true
  if [[ "$d" == "$u" ]]; then
    pass "$what"
  else
    fail "$what"
    diff <(echo "$d") <(echo "$u") | head -20 || true
    sed 's/^/  ubuild stderr: /' "$E2E_TMP/uerr" | head -3
  fi
}

# --- images -----------------------------------------------------------------
for f in '{{.ID}}' '{{json .}}' '{{.Repository}}:{{.Tag}} {{.Digest}} {{.CreatedSince}} {{.CreatedAt}} {{.Size}} {{.VirtualSize}}' \
  'table' 'table {{.ID}}\t{{.Repository}}|{{upper .Tag}}\t{{json .CreatedAt}}' 'table {{.Repository}}' \
  '{{.Containers}} {{.SharedSize}} {{.UniqueSize}}' \
  '{{if eq .Tag "2"}}two{{else if eq .Repository "base"}}base{{else}}other{{end}}' \
  '{{- .ID -}}\n{{printf "%-8s|%q" .Tag .Repository}}' '{{title .Repository}} {{split .ID ""}} {{len .Tag}}'; do
  same "images --format '$f'" images --format "$f"
  same "images --no-trunc --format '$f'" images --no-trunc --format "$f"
done
same "images -q --format table" images -q --format table
same "images --digests --format 'table {{.ID}}'" images --digests --format 'table {{.ID}}'
same "images --format for one repository" images --format '{{.Tag}}' app

# --- history ----------------------------------------------------------------
for f in '{{json .}}' 'table' 'table {{.ID}}\t{{.CreatedBy}}\t{{.Size}}' '{{.CreatedAt}} {{.CreatedSince}}|{{.Comment}}' \
  '{{.ID}}: {{.CreatedBy | lower}}'; do
  for flags in "" "--no-trunc" "-H=false"; do
    # shellcheck disable=SC2086  # $flags: zero or one word
    same "history $flags --format '$f'" history $flags --format "$f" app:1
  done
done

# --- inspect ----------------------------------------------------------------
for f in '{{.Id}}' '{{json .Config}}' '{{.Config.Env}}' '{{json .RootFS}}' '{{.Size}} {{.VirtualSize}}' \
  '{{range .RepoTags}}<{{.}}>{{end}}' '{{index .RepoTags 0}}' '{{join .Config.Env ","}}' '{{.Config.Labels}}' \
  '{{index .Config.Labels "org.example.b"}}|{{index .Config.Labels "nope"}}|{{.Config.Labels.nope}}' \
  '{{if .Config.Entrypoint}}entry{{else}}no entrypoint{{end}} {{.Config.Entrypoint}} {{.Config.Volumes}} {{.Config.OnBuild}}' \
  '{{.Config.Healthcheck}} {{.Config.ExposedPorts}} {{.Config.Shell}} [{{.Config.StopSignal}}]' \
  '{{upper .Os}} {{title .Architecture}} {{split .Id ":"}} {{.Os | upper | lower}}' '{{println .Id}}{{len .RepoTags}}' \
  '{{printf "%s/%s" .Os .Architecture}} {{with .Config}}{{.Cmd}} {{.WorkingDir}}{{end}}' \
  '{{range $i, $e := .Config.Env}}{{$i}}={{$e}};{{end}}' '{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}} {{end}}' \
  '{{$id := .Id}}{{range .RepoTags}}{{$id}} {{.}} {{end}}' '{{json .Config.Labels}} {{json .RepoDigests}}' \
  '{{.Parent}}|{{.Comment}}|{{.Author}}|{{.Config.User}}' '{{json .ContainerConfig}} {{.DockerVersion}}'; do
  same "inspect --format '$f'" inspect --format "$f" app:1 base
done
same "inspect -f" inspect -f '{{.Id}}' app:2
same "loaded images have no LastTagTime" inspect -f '{{.Metadata.LastTagTime}}' app:1
docker_cli tag base:latest base:tagged
ub tag base:latest base:tagged

# Every field of the inspect object but the host's: GraphDriver names each
# engine's own directories, LastTagTime the moment each tagged the image.
inspect_json() { python3 -c '
import json, sys
images = json.load(sys.stdin)
for i in images:
    i["GraphDriver"]["Data"] = "host-specific"
    stamp = i["Metadata"]["LastTagTime"]
    i["Metadata"]["LastTagTime"] = "set" if not stamp.startswith("0001-") else stamp
print(json.dumps(images, indent=1))'; }
d=$(docker_cli inspect app:1 base | inspect_json)
u=$(ub inspect app:1 base | inspect_json)
check "inspect: every field agrees with docker's (LastTagTime set by tag, Size as docker counts it)" test "$d" = "$u"
[[ "$d" == "$u" ]] || diff <(echo "$d") <(echo "$u") | head -20

# --- system df ----------------------------------------------------------------
# Docker also lists containers, volumes and the build cache; ubuild its
# images. ACTIVE and RECLAIMABLE differ on purpose (a tag keeps an image in
# ubuild, which has no containers), so the rest is compared.
# (A table's columns would be as wide as docker's longer rows.)
for f in '{{.Type}} {{.TotalCount}} {{.Size}}' '{{json .Type}}:{{.TotalCount}}:{{lower .Size}}'; do
  d=$(docker_cli system df --format "$f" | grep Images)
  u=$(ub system df --format "$f")
  check "system df --format '$f' ($u)" test "$d" = "$u"
done

# --- errors -----------------------------------------------------------------
err_line() { sed -n 's/^\(ubuild: \|Error: \)\?//p' | head -1; }
for f in '{{.Nope}}' '{{.ID' '{{nosuch .ID}}' '{{index .ID 1 2}}'; do
  d=$(docker_cli images --format "$f" 2>&1 >/dev/null | err_line) || true
  u=$(ub images --format "$f" 2>&1 >/dev/null | err_line) || true
  check "images --format '$f' fails as docker's ($u)" \
    bash -c '[[ "$1" == "template parsing error: template: :1"* && "${2%%:*}" == "${1%%:*}" ]]' _ "$u" "$d"
done
rc=0; ub inspect --format '{{.ID' base >/dev/null 2>&1 || rc=$?
check "inspect with a bad template exits 64, as docker's" test "$rc" = 64
rc=0; msg=$(ub history --format '{{template "x"}}' app:1 2>&1) || rc=$?
check "an unsupported construct is named ($msg)" bash -c '[[ $1 != 0 && "$2" == *"{{template}} is not supported"* ]]' _ "$rc" "$msg"

e2e_finish
