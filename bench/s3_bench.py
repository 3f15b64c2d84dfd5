#!/usr/bin/env python3
"""S3 benchmark: each Petrel figure beside its floor measured in the same run.

- 1 KB PutObject and GetObject per second at 16 keep-alive connections (tables_bench's load
  generator, pre-built path-style requests), beside moto_server (goal >= 50x);
- a large PutObject and GetObject (one request each way, the body streamed from and to a file of
  random bytes on the disk that holds Petrel's data), beside `dd` writing the same bytes to a new
  file on that disk with conv=fdatasync and reading them back (goal >= 0.5x); both reads come
  from a warm page cache (nothing is dropped from it), the write floor is on disk;
- the same file uploaded with boto3's transfer manager (multipart, its default 8 MB parts and
  10 threads), beside the same dd write;
- Petrel's resident memory (VmRSS sampled every 10 ms, and VmHWM) during the large transfers,
  beside its resident memory before them (the body is streamed: it should not grow with the size);
- ListObjectsV2 of a 1,000-key page: see bench/s3_listing.py (it needs a 100,000-key bucket);
- upload-to-handler latency of an s3:ObjectCreated notification to a Lambda function
  (bench/lag_function.py: the key carries the send time), beside the PutObject request alone
  and a synchronous Invoke of the same function (goal p50 <= 10 ms).

    python3 bench/s3_bench.py                          # release build, 128 MB transfers
    python3 bench/s3_bench.py --big-mb 1024            # the 1 GB figures (a few minutes)
    python3 bench/s3_bench.py --petrel-bin .build/debug/petrel --seconds 3 --no-moto

Only 127.0.0.1 is contacted; every phase is bounded in time.
"""
import argparse
import http.client
import os
import statistics
import subprocess
import sys
import threading
import time
import uuid

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tables_bench  # noqa: E402
from lag_function import collect, percentiles  # noqa: E402
from lag_function import create as create_lag_function  # noqa: E402
from local_servers import RELEASE_BIN, petrel_and_moto  # noqa: E402

BUCKET = "bench"
SMALL = 1024
KEYS = 2000
MB = 1024 * 1024
DATE = "20240101T000000Z"
AUTH = ("AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64)
HEADERS = {"Authorization": AUTH, "X-Amz-Date": DATE, "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}


def raw(method, host, path, body=b""):
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in HEADERS.items())
    return (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body


def requests_for(workload, host, worker, count):
    """Pre-built requests for one connection: PUTs of new keys, or GETs of the prefilled ones."""
    body = os.urandom(SMALL)
    if workload == "PutObject":
        return [raw("PUT", host, f"/{BUCKET}/w{worker}-{i}", body) for i in range(min(count, 2000))]
    return [raw("GET", host, f"/{BUCKET}/k{(worker * 7919 + i) % KEYS}") for i in range(min(count, 2000))]


def client(endpoint, service="s3"):
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 3}, s3={"addressing_style": "path"}))


def small_objects(name, endpoint, seconds, connections, processes):
    s3 = client(endpoint)
    s3.create_bucket(Bucket=BUCKET)
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    for i in range(KEYS):  # the keys GetObject reads
        conn.request("PUT", f"/{BUCKET}/k{i}", body=os.urandom(SMALL), headers=HEADERS)
        response = conn.getresponse()
        response.read()
        assert response.status == 200, response.status
    out = {}
    for workload in ("PutObject", "GetObject"):
        r = tables_bench.run_workload(host, int(port), workload, seconds, connections, processes)
        out[workload] = r
        print(f"  {name:7s} 1 KB {workload:9s} {r['ops']:8.0f}/s   p50 {r['p50']:7.3f} ms   p99 {r['p99']:7.3f} ms   errors {r['errors']}",
              flush=True)
    return out


class MemoryWatch:
    """Samples a process's VmRSS every 10 ms until stopped; `peak` in MB."""

    def __init__(self, pid):
        self.pid, self.peak, self.done = pid, 0.0, threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def field(self, name):
        with open(f"/proc/{self.pid}/status") as f:
            for line in f:
                if line.startswith(name + ":"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def run(self):
        while not self.done.is_set():
            self.peak = max(self.peak, self.field("VmRSS"))
            time.sleep(0.01)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()


def random_file(path, size):
    """`size` bytes of random data written out in full (no holes)."""
    with open(path, "wb") as f:
        for _ in range(size // MB):
            f.write(os.urandom(MB))
        f.flush()
        os.fsync(f.fileno())


def dd(*args):
    started = time.perf_counter()
    subprocess.run(["dd", "bs=1M", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def put_file(endpoint, key, path):
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600, blocksize=MB)
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        started = time.perf_counter()
        conn.request("PUT", f"/{BUCKET}/{key}", body=f, headers={**HEADERS, "Content-Length": str(size)})
        response = conn.getresponse()
        response.read()
        took = time.perf_counter() - started
    assert response.status == 200, (response.status, response.read())
    return took


def get_to_null(endpoint, key):
    host, port = endpoint.split("//")[1].split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    buf, total = bytearray(MB), 0
    started = time.perf_counter()
    conn.request("GET", f"/{BUCKET}/{key}", headers=HEADERS)
    response = conn.getresponse()
    assert response.status == 200, response.status
    while n := response.readinto(buf):
        total += n
    return time.perf_counter() - started, total


def large_objects(servers, size_mb):
    """Throughput (MB/s) of a large PUT, GET and multipart upload, each beside dd, and memory."""
    src, copy = os.path.join(servers.scratch, "source.bin"), os.path.join(servers.scratch, "copy.bin")
    size = size_mb * MB
    random_file(src, size)
    dd_write = dd(f"if={src}", f"of={copy}", "conv=fdatasync")
    dd_read = dd(f"if={copy}", "of=/dev/null")
    os.remove(copy)
    watch = MemoryWatch(servers.petrel_proc.pid)
    before = watch.field("VmRSS")
    with watch:
        put = put_file(servers.petrel, "large.bin", src)
        get, got = get_to_null(servers.petrel, "large.bin")
        assert got == size, (got, size)
        s3 = client(servers.petrel)
        started = time.perf_counter()
        s3.upload_file(src, BUCKET, "multipart.bin", Config=TransferConfig())
        multipart = time.perf_counter() - started
    head = s3.head_object(Bucket=BUCKET, Key="multipart.bin")
    assert head["ContentLength"] == size and "-" in head["ETag"], head
    os.remove(src)
    return {"put": size_mb / put, "get": size_mb / get, "multipart": size_mb / multipart,
            "dd_write": size_mb / dd_write, "dd_read": size_mb / dd_read,
            "rss_before": before, "rss_peak": watch.peak, "hwm": watch.field("VmHWM")}


def notification_latency(endpoint, count):
    """(lags ms, PutObject request ms, synchronous Invoke ms) for `count` single uploads."""
    s3, lam, logs = client(endpoint), client(endpoint, "lambda"), client(endpoint, "logs")
    fn, bucket = f"bench-s3-{uuid.uuid4().hex[:6]}", f"bench-notify-{uuid.uuid4().hex[:6]}"
    create_lag_function(lam, fn)
    arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=bucket, Key=f"lag/{int(time.time() * 1000)}", Body=b"x")
    collect(logs, fn, 1)  # the instance is warm
    request = []
    for _ in range(count):
        started = time.perf_counter()
        s3.put_object(Bucket=bucket, Key=f"lag/{int(time.time() * 1000)}", Body=b"x")
        request.append((time.perf_counter() - started) * 1000)
        time.sleep(0.01)
    lags = collect(logs, fn, count + 1)[1:]
    invoke = []
    for _ in range(count):
        started = time.perf_counter()
        lam.invoke(FunctionName=fn, Payload=b"{}")
        invoke.append((time.perf_counter() - started) * 1000)
    return lags, request, invoke


def line(label, value, floor, unit, goal=""):
    ratio = f"{value / floor:7.2f}x" if floor else ""
    floor_text = f"{floor:10.2f}" if floor else " " * 10
    print(f"  {label:<58} {value:10.2f} {floor_text} {unit:<5} {ratio} {goal}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--petrel-bin", default=RELEASE_BIN)
    ap.add_argument("--no-moto", action="store_true")
    ap.add_argument("--seconds", type=float, default=5, help="each 1 KB load run")
    ap.add_argument("--connections", type=int, default=16)
    ap.add_argument("--processes", type=int, default=4)
    ap.add_argument("--big-mb", type=int, default=128, help="size of the large transfers (1024 for the 1 GB figures)")
    ap.add_argument("--notifications", type=int, default=100, help="uploads timed to their handler")
    args = ap.parse_args()
    tables_bench.requests_for = requests_for  # the forked load generator builds S3 requests
    with petrel_and_moto(args.petrel_bin, "s3", moto=not args.no_moto) as servers:
        print(f"S3: 1 KB objects at {args.connections} connections, {args.seconds:g} s each; {args.big_mb} MB transfers")
        petrel = small_objects("petrel", servers.petrel, args.seconds, args.connections, args.processes)
        moto = small_objects("moto", servers.moto, args.seconds, args.connections, args.processes) if servers.moto else None
        big = large_objects(servers, args.big_mb)
        lags, request, invoke = notification_latency(servers.petrel, args.notifications)

    print(f"\n  {'figure':<58} {'Petrel':>10} {'floor':>10} {'unit':<5} {'ratio':>8}")
    for workload in ("PutObject", "GetObject"):
        line(f"1 KB {workload}/s, {args.connections} connections (floor: moto_server)", petrel[workload]["ops"],
             moto[workload]["ops"] if moto else None, "/s", "goal >= 50x")
    line(f"{args.big_mb} MB PutObject, one stream (floor: dd write + fdatasync)", big["put"], big["dd_write"], "MB/s", "goal >= 0.5x")
    line(f"{args.big_mb} MB GetObject, one stream (floor: dd read, warm cache)", big["get"], big["dd_read"], "MB/s", "goal >= 0.5x")
    line(f"{args.big_mb} MB upload_file, transfer manager (floor: dd write)", big["multipart"], big["dd_write"], "MB/s")
    line("Petrel VmRSS peak during the large transfers (floor: before)", big["rss_peak"], big["rss_before"], "MB")
    line("Petrel VmHWM after them (the process's lifetime peak)", big["hwm"], None, "MB")
    lag50, lag99 = percentiles(lags) if lags else (float("nan"), float("nan"))
    line(f"upload-to-handler p50, {len(lags)} notifications (floor: PutObject)", lag50, percentiles(request)[0], "ms", "goal <= 10 ms")
    line("upload-to-handler p99 (floor: PutObject p99)", lag99, percentiles(request)[1], "ms")
    line("  floor: synchronous Invoke round trip, same function, p50", percentiles(invoke)[0], None, "ms")


if __name__ == "__main__":
    main()
