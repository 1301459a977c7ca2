#!/usr/bin/env python3
"""OCI image layouts the registry tests push with skopeo, made byte by byte
so each one exercises one case of ubuild pull:

  registry_images.py multiarch DIR    an OCI index of linux/amd64 and
                                      linux/arm64/v8 images, uncompressed layers
  registry_images.py bad-diffid DIR   one gzip layer whose config names a
                                      wrong diff_id
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile


def layer_tar(files):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 0
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


class Layout:
    def __init__(self, root):
        self.root = root
        os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
        with open(os.path.join(root, "oci-layout"), "w") as f:
            json.dump({"imageLayoutVersion": "1.0.0"}, f)

    def blob(self, data, media_type, **extra):
        digest = hashlib.sha256(data).hexdigest()
        with open(os.path.join(self.root, "blobs", "sha256", digest), "wb") as f:
            f.write(data)
        return dict(mediaType=media_type, digest="sha256:" + digest, size=len(data), **extra)

    def image(self, arch, variant, layer, layer_media_type, diff_id):
        config = {"architecture": arch, "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                  "rootfs": {"type": "layers", "diff_ids": [diff_id]},
                  "history": [{"created_by": "registry_images.py"}]}
        if variant:
            config["variant"] = variant
        cfg = self.blob(json.dumps(config).encode(), "application/vnd.oci.image.config.v1+json")
        manifest = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                    "config": cfg, "layers": [self.blob(layer, layer_media_type)]}
        platform = {"architecture": arch, "os": "linux"}
        if variant:
            platform["variant"] = variant
        return self.blob(json.dumps(manifest).encode(), "application/vnd.oci.image.manifest.v1+json",
                         platform=platform)

    def index(self, manifests, tag):
        for m in manifests:
            m["annotations"] = {"org.opencontainers.image.ref.name": tag}
        with open(os.path.join(self.root, "index.json"), "w") as f:
            json.dump({"schemaVersion": 2, "manifests": manifests}, f)


def main():
    what, root = sys.argv[1], sys.argv[2]
    layout = Layout(root)
    if what == "multiarch":
        entries = []
        for arch, variant in (("amd64", ""), ("arm64", "v8")):
            tar = layer_tar({"arch": arch.encode() + b"\n"})
            entries.append(layout.image(arch, variant, tar, "application/vnd.oci.image.layer.v1.tar",
                                        "sha256:" + hashlib.sha256(tar).hexdigest()))
        # skopeo copies a whole index from a layout holding the index itself.
        index = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}
        top = layout.blob(json.dumps(index).encode(), "application/vnd.oci.image.index.v1+json")
        layout.index([top], "multi")
    elif what == "bad-diffid":
        tar = layer_tar({"file": b"content\n"})
        wrong = "sha256:" + hashlib.sha256(tar + b"x").hexdigest()
        m = layout.image("amd64", "", gzip.compress(tar, mtime=0), "application/vnd.oci.image.layer.v1.tar+gzip", wrong)
        del m["platform"]
        layout.index([m], "bad")
    else:
        sys.exit("unknown layout " + what)


if __name__ == "__main__":
    main()
