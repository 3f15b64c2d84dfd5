"""The thumbnails example as its README runs it: uploads to one bucket, a Python function with
Pillow from a layer published from S3, thumbnails in another bucket. The test reads each
thumbnail back itself and checks its pixel size."""
import os
import re
import struct
import subprocess
import sys

from conftest import ROOT

EXAMPLE = os.path.join(ROOT, "examples", "thumbnails", "run.py")
# The example's images and the size each thumbnail must have in a 128-pixel box.
EXPECTED = {"landscape.png": (128, 96), "portrait.png": (64, 128), "holiday photo.png": (128, 32), "small.png": (100, 50)}


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", data[:32]
    return struct.unpack(">II", data[16:24])


def run_example(petrel, *extra):
    out = subprocess.run([sys.executable, EXAMPLE, "--endpoint", petrel.endpoint, "--timeout", "120", *extra],
                         capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout + out.stderr + petrel.tail()
    return out.stdout


def test_thumbnails_are_made_with_pillow_from_a_layer(petrel):
    stdout = run_example(petrel, "--no-cleanup")
    assert re.search(r"layer arn:aws:lambda:us-east-1:\d+:layer:pillow-\w+:1 \(\d+ bytes\) from s3://artifacts-", stdout), stdout
    assert "all 4 thumbnails made" in stdout
    thumbnails = re.search(r"thumbnails into (thumbnails-\w+)", stdout).group(1)
    s3 = petrel.client("s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket=thumbnails)["Contents"])
    assert keys == sorted("thumbnails/" + name[:-4] + ".png" for name in EXPECTED)
    for name, size in EXPECTED.items():
        got = s3.get_object(Bucket=thumbnails, Key="thumbnails/" + name[:-4] + ".png")
        assert png_size(got["Body"].read()) == size, name
        assert got["ContentType"] == "image/png" and got["Metadata"]["size"] == "%dx%d" % size


def test_the_example_cleans_up_after_itself(petrel):
    stdout = run_example(petrel)
    assert "cleaned up:" in stdout
    suffix = re.search(r"function (thumbnailer-\w+)", stdout).group(1).split("-", 1)[1]
    buckets = [b["Name"] for b in petrel.client("s3").list_buckets()["Buckets"] if b["Name"].endswith(suffix)]
    assert buckets == []
