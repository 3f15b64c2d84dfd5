#!/usr/bin/env python3
"""Thumbnails, end to end against a running Petrel:

uploads to a photos bucket → S3 event notification → a Python function (Pillow from a layer
built here from PyPI wheels, uploaded to S3 and published with S3Bucket/S3Key) → a thumbnail
of each image in a thumbnails bucket. Uploads PNGs of several sizes, waits for every
thumbnail, and checks each one's pixel size.

    python3 examples/thumbnails/run.py [--endpoint http://127.0.0.1:4566] [--size 128] [--no-cleanup]

The layer needs `pip download` to reach PyPI once: the wheels and the layer zip are cached in
~/.cache/petrel-examples/thumbnails (or $PETREL_EXAMPLES_CACHE). Layers appear at /opt only in
the bubblewrap sandbox (docs/isolation.md). Everything the run creates is deleted at the end,
pass or fail; --no-cleanup keeps it to look at.
"""
import argparse
import glob
import io
import os
import struct
import subprocess
import sys
import time
import uuid
import zipfile
import zlib

import boto3
from botocore.config import Config

HERE = os.path.dirname(os.path.abspath(__file__))
# name → (width, height): larger than the box on either side, and smaller (left as it is).
IMAGES = {"landscape.png": (640, 480), "portrait.png": (256, 512), "holiday photo.png": (1024, 256), "small.png": (100, 50)}


def png(width, height):
    """An RGB gradient as a PNG, with the standard library only."""
    rows = b"".join(b"\x00" + b"".join(bytes((x * 255 // width, y * 255 // height, 128)) for x in range(width))
                    for y in range(height))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def png_size(data):
    """(width, height) from a PNG's IHDR chunk."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", data[16:24])


def thumbnail_size(width, height, box):
    """The size Pillow's Image.thumbnail gives (these images divide exactly: no rounding)."""
    if width <= box and height <= box:
        return width, height
    scale = box / max(width, height)
    return round(width * scale), round(height * scale)


def pillow_layer(python_version, cache):
    """A layer zip with Pillow's manylinux wheel for `python_version` under python/ (cached)."""
    folder = os.path.join(cache, f"py{python_version}")
    layer = os.path.join(folder, "pillow-layer.zip")
    if os.path.exists(layer):
        return layer
    wheels = os.path.join(folder, "wheels")
    os.makedirs(wheels, exist_ok=True)
    if not glob.glob(os.path.join(wheels, "pillow-*.whl")):
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--only-binary", ":all:", "--no-deps",
                        "--platform", "manylinux2014_x86_64", "--platform", "manylinux_2_28_x86_64",
                        "--python-version", python_version, "--implementation", "cp", "--dest", wheels, "pillow"], check=True)
    partial = layer + ".partial"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as out:
        for wheel in sorted(glob.glob(os.path.join(wheels, "*.whl"))):
            with zipfile.ZipFile(wheel) as whl:
                for info in whl.infolist():
                    if info.is_dir():
                        continue
                    entry = zipfile.ZipInfo("python/" + info.filename, info.date_time)
                    entry.external_attr = (0o755 if info.filename.endswith(".so") or ".so." in info.filename else 0o644) << 16
                    entry.create_system = 3
                    out.writestr(entry, whl.read(info), zipfile.ZIP_DEFLATED)
    os.replace(partial, layer)
    return layer


def function_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(os.path.join(HERE, "function", "handler.py"), "handler.py")
    return buf.getvalue()


def clients(endpoint):
    kwargs = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                  config=Config(retries={"max_attempts": 5, "mode": "standard"}))
    return boto3.client("s3", **kwargs), boto3.client("lambda", **kwargs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
    parser.add_argument("--python-version", default=f"{sys.version_info.major}.{sys.version_info.minor}",
                        help="the function's runtime is python<this>; the layer's wheels are for it (default: this interpreter's)")
    parser.add_argument("--size", type=int, default=128, help="thumbnails fit in SIZE x SIZE pixels")
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--cache", default=os.environ.get("PETREL_EXAMPLES_CACHE", os.path.expanduser("~/.cache/petrel-examples")))
    parser.add_argument("--cleanup", action=argparse.BooleanOptionalAction, default=True,
                        help="delete what the run created when it ends (default); --no-cleanup keeps it")
    args = parser.parse_args()

    s3, lam = clients(args.endpoint)
    created = {"buckets": [], "function": None, "layer": None}
    try:
        return run(args, s3, lam, uuid.uuid4().hex[:8], created)
    finally:
        if args.cleanup:
            cleanup(s3, lam, created)


def cleanup(s3, lam, created):
    gone = []
    if created["function"]:
        lam.delete_function(FunctionName=created["function"])
        gone.append(f"function {created['function']}")
    if created["layer"]:
        lam.delete_layer_version(LayerName=created["layer"][0], VersionNumber=created["layer"][1])
        gone.append(f"layer {created['layer'][0]}:{created['layer'][1]}")
    for bucket in created["buckets"]:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={})
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket):
            for item in page.get("Contents", []):
                s3.delete_object(Bucket=bucket, Key=item["Key"])
        s3.delete_bucket(Bucket=bucket)
        gone.append(f"bucket {bucket}")
    if gone:
        print("cleaned up: " + ", ".join(gone))


def run(args, s3, lam, suffix, created):
    runtime = f"python{args.python_version}"
    photos, thumbnails, artifacts = f"photos-{suffix}", f"thumbnails-{suffix}", f"artifacts-{suffix}"
    for bucket in (photos, thumbnails, artifacts):
        s3.create_bucket(Bucket=bucket)
        created["buckets"].append(bucket)

    # The layer: Pillow's wheels under python/, uploaded to S3, published from there.
    layer_zip = pillow_layer(args.python_version, os.path.join(args.cache, "thumbnails"))
    with open(layer_zip, "rb") as f:
        s3.put_object(Bucket=artifacts, Key="layers/pillow.zip", Body=f.read())
    layer_name = f"pillow-{suffix}"
    layer = lam.publish_layer_version(LayerName=layer_name, Description="Pillow from PyPI's manylinux wheels",
                                      Content={"S3Bucket": artifacts, "S3Key": "layers/pillow.zip"}, CompatibleRuntimes=[runtime])
    created["layer"] = (layer_name, layer["Version"])
    print(f"layer {layer['LayerVersionArn']} ({layer['Content']['CodeSize']} bytes) from s3://{artifacts}/layers/pillow.zip")

    function = f"thumbnailer-{suffix}"
    lam.create_function(FunctionName=function, Runtime=runtime, Handler="handler.handler", Code={"ZipFile": function_zip()},
                        Role="arn:aws:iam::000000000000:role/thumbnailer", Layers=[layer["LayerVersionArn"]], Timeout=60,
                        MemorySize=512, Environment={"Variables": {"THUMBNAIL_BUCKET": thumbnails, "THUMBNAIL_SIZE": str(args.size)}})
    created["function"] = function
    arn = lam.get_function(FunctionName=function)["Configuration"]["FunctionArn"]
    lam.add_permission(FunctionName=function, StatementId="s3-photos", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{photos}")
    s3.put_bucket_notification_configuration(Bucket=photos, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"Id": "thumbnails", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".png"}]}}}]})
    print(f"function {function} ({runtime}) on uploads to {photos}, thumbnails into {thumbnails}")

    started = time.time()
    for key, (width, height) in IMAGES.items():
        s3.put_object(Bucket=photos, Key=key, Body=png(width, height), ContentType="image/png")
    expected = {"thumbnails/" + key[:-4] + ".png": thumbnail_size(w, h, args.size) for key, (w, h) in IMAGES.items()}

    found = {}
    deadline = time.time() + args.timeout
    while time.time() < deadline and len(found) < len(expected):
        for key in expected:
            if key not in found:
                try:
                    found[key] = png_size(s3.get_object(Bucket=thumbnails, Key=key)["Body"].read())
                except s3.exceptions.NoSuchKey:
                    pass
        time.sleep(0.25)
    ok = True
    for key, size in expected.items():
        got = found.get(key)
        source = IMAGES[key[len("thumbnails/"):-4] + ".png"]
        print(f"{key}: {source[0]}x{source[1]} -> {'%dx%d' % got if got else 'missing'} (expected {size[0]}x{size[1]})")
        ok = ok and got == size
    if not ok:
        print("FAILED: not every thumbnail has the expected size")
        return 1
    print(f"all {len(expected)} thumbnails made in {time.time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
