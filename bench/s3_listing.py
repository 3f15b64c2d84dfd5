"""S3 listing cost: 1,000 keys (versioned), p50 of 15 listings, raw HTTP (server only) and boto3 (with its parsing).

PETREL_BIN=.build/debug/petrel python3 bench/s3_listing.py
"""
import sys, time, os, statistics, uuid
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "e2e")); sys.path.insert(0, os.path.join(ROOT, "tests"))
from conftest import PetrelProcess
import tempfile
from concurrent.futures import ThreadPoolExecutor
p = PetrelProcess(tempfile.mkdtemp()).start()
try:
    s3 = p.client("s3")
    b = "bench-" + uuid.uuid4().hex[:8]
    s3.create_bucket(Bucket=b)
    s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda i: s3.put_object(Bucket=b, Key=f"k{i:05d}", Body=b"x"), range(1000)))
    def t(f):
        xs = []
        for _ in range(15):
            t0 = time.perf_counter(); f(); xs.append((time.perf_counter() - t0) * 1000)
        return statistics.median(xs)
    import urllib.request
    raw = lambda q: urllib.request.urlopen(f"{p.endpoint}/{b}?{q}").read()
    print("raw HTTP ListObjectsV2 p50 ms:", round(t(lambda: raw("list-type=2")), 1), "bytes", len(raw("list-type=2")))
    print("raw HTTP ListObjectsV2 fetch-owner p50 ms:", round(t(lambda: raw("list-type=2&fetch-owner=true")), 1))
    print("raw HTTP ListObjects (V1) p50 ms:", round(t(lambda: raw("")), 1))
    print("raw HTTP ListObjectVersions p50 ms:", round(t(lambda: raw("versions")), 1))
    print("ListObjectsV2 1000 keys p50 ms:", round(t(lambda: s3.list_objects_v2(Bucket=b)), 1))
    print("ListObjectVersions 1000 versions p50 ms:", round(t(lambda: s3.list_object_versions(Bucket=b)), 1))
finally:
    p.stop()
