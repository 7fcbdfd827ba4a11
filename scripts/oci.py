#!/usr/bin/env python3
"""OCI image layouts without a container runtime, for scripts/images.sh.

  oci.py base ROOTFS_TAR OUT_DIR TAG ENV...   one-layer image from a root filesystem tarball (the local base image)
  oci.py unpack LAYOUT TAG ROOT [CACHE]       unpacks an image's layers in order into ROOT and prints its config
                                              as JSON; a layer already unpacked under CACHE (by digest) is
                                              hard-linked instead of extracted again (the shared base layer)

Only what the images here need: gzip or plain tar layers; whiteout files are applied (.wh.NAME deletes NAME).
"""
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write_blob(out, data):
    digest = hashlib.sha256(data).hexdigest()
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(out, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return "sha256:" + digest, len(data)


def base(rootfs_tar, out, tag, env):
    os.makedirs(os.path.join(out, "blobs", "sha256"), exist_ok=True)
    # The config's diff_id is the digest of the uncompressed tar, the manifest's the compressed blob's.
    diff_id = "sha256:" + sha256_file(rootfs_tar)
    gz = os.path.join(out, "layer.tar.gz")
    with open(rootfs_tar, "rb") as src, open(gz, "wb") as raw:
        # mtime=0 keeps the blob's digest stable for the same tree.
        with gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=6, mtime=0) as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
    layer_digest = "sha256:" + sha256_file(gz)
    layer_size = os.path.getsize(gz)
    os.replace(gz, os.path.join(out, "blobs", "sha256", layer_digest.split(":")[1]))
    config = {
        "architecture": "amd64",
        "os": "linux",
        "config": {"Env": env, "User": "1654", "WorkingDir": "/app"},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created_by": "scripts/images.sh: debootstrap minbase + the ASP.NET Core runtime"}],
    }
    config_digest, config_size = write_blob(out, json.dumps(config, sort_keys=True).encode())
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": config_size},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest, "size": layer_size}],
    }
    manifest_digest, manifest_size = write_blob(out, json.dumps(manifest, sort_keys=True).encode())
    index = {
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": manifest_size,
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    }
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump(index, f)
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)


def blob(layout, digest):
    return os.path.join(layout, "blobs", *digest.split(":"))


def read_json(layout, digest):
    with open(blob(layout, digest)) as f:
        return json.load(f)


def extract(layer, root):
    os.makedirs(root, exist_ok=True)
    names = subprocess.run(["tar", "-tf", layer], check=True, capture_output=True, text=True).stdout.splitlines()
    # Whiteouts first: a ".wh.NAME" entry deletes NAME of the layers below (".wh..wh..opq" empties its directory).
    for name in names:
        base = os.path.basename(name.rstrip("/"))
        if not base.startswith(".wh."):
            continue
        directory = os.path.join(root, os.path.dirname(name.rstrip("/")))
        targets = [os.path.join(directory, n) for n in os.listdir(directory)] if base == ".wh..wh..opq" and os.path.isdir(directory) \
            else [os.path.join(directory, base[4:])]
        for target in targets:
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)
            elif os.path.lexists(target):
                os.remove(target)
    # GNU tar keeps owners and modes as the image says (we run as root); it reads gzip or plain tar alike.
    subprocess.run(["tar", "-xf", layer, "-C", root, "--numeric-owner", "--same-owner", "--same-permissions",
                    "--exclude=.wh.*", "--exclude=*/.wh.*"], check=True)


def unpack(layout, tag, root, cache=None):
    with open(os.path.join(layout, "index.json")) as f:
        index = json.load(f)
    entries = [m for m in index["manifests"] if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag] \
        or index["manifests"]
    manifest = read_json(layout, entries[0]["digest"])
    config = read_json(layout, manifest["config"]["digest"])
    for i, layer in enumerate(manifest["layers"]):
        cached = os.path.join(cache, layer["digest"].replace(":", "-")) if cache else None
        if i == 0 and cached:
            if not os.path.isdir(cached):
                extract(blob(layout, layer["digest"]), cached + ".part")
                os.replace(cached + ".part", cached)
            # Hard links: each image gets its own tree of the shared base in a second, not a copy of it.
            subprocess.run(["cp", "-al", cached, root], check=True)
        else:
            extract(blob(layout, layer["digest"]), root)
    json.dump({"config": config.get("config", {}), "layers": [l["digest"] for l in manifest["layers"]],
               "size": sum(l["size"] for l in manifest["layers"])}, sys.stdout)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "base":
        base(args[0], args[1], args[2], args[3:])
    elif command == "unpack":
        unpack(*args)
    else:
        sys.exit(__doc__)
