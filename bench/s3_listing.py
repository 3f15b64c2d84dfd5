#!/usr/bin/env python3
"""S3 listing cost: ListObjectsV2 pages of 1,000 keys from a bucket of 100,000 (versioned), p50
of 30 listings over raw HTTP (the server alone), beside its floors measured in the same run: the
same page's SQL query run by Python's sqlite3 on Petrel's own database file (what storage
alone costs; SQLite stores only), and ListObjectsV2 with max-keys=1 (the request's fixed cost).
Goal (issue 15): p50 <= 10 ms. Each row also gives the server's CPU time per listing (utime +
stime from /proc over the rounds), which other work on the machine moves much less than p50.

    python3 bench/s3_listing.py                                   # release build, 100,000 keys
    python3 bench/s3_listing.py --petrel-bin .build/debug/petrel --data-dir /tmp/listing
                                  # keeps the filled data directory: a second run skips the fill

Filling 100,000 keys through PutObject (8 keep-alive connections) takes minutes, 10 or more
on a busy debug build; `--sql-fill` uploads the first 2,000 through the API and copies the rest
in SQL from one of them while Petrel is stopped (SQLite only: the listing reads the same rows
either way). Only 127.0.0.1 is contacted.
"""
import argparse
import http.client
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from local_servers import RELEASE_BIN, start_petrel, stop  # noqa: E402

BUCKET = "listing"
HEADERS = {"Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/s3/aws4_request, "
                            "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
           "X-Amz-Date": "20240101T000000Z", "x-amz-content-sha256": "UNSIGNED-PAYLOAD"}


class Http:
    def __init__(self, endpoint):
        host, port = endpoint.split("//")[1].split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)

    def __call__(self, method, path, body=b""):
        self.conn.request(method, path, body=body, headers=HEADERS)
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return data


def fill(endpoint, keys, connections=8):
    Http(endpoint)("PUT", f"/{BUCKET}")
    Http(endpoint)("PUT", f"/{BUCKET}?versioning", b'<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>')

    def put(worker):
        call = Http(endpoint)
        for i in range(worker, keys, connections):
            call("PUT", f"/{BUCKET}/k{i:06d}", b"x")

    with ThreadPoolExecutor(connections) as ex:
        list(ex.map(put, range(connections)))


def sql_fill(data_dir, keys):
    """Rows for keys 2,000..keys-1 copied from k000000's row (Petrel stopped)."""
    db = sqlite3.connect(os.path.join(data_dir, "petrel.sqlite"))
    columns = [row[1] for row in db.execute("PRAGMA table_info(s3_objects)")]
    chosen = ", ".join("printf('k%06d', n)" if c == "object_key" else c for c in columns)
    db.execute(f"""WITH RECURSIVE seq(n) AS (SELECT 2000 UNION ALL SELECT n + 1 FROM seq WHERE n + 1 < ?)
                   INSERT INTO s3_objects ({", ".join(columns)}) SELECT {chosen} FROM seq, s3_objects
                   WHERE bucket = ? AND object_key = 'k000000'""", (keys, BUCKET))
    db.commit()
    db.close()


def cpu_ms(pid):
    """The process's user + system CPU so far, ms (/proc: clock ticks)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def p50(f, rounds, pid=None):
    """p50 wall-clock ms of `f`; with `pid`, also that process's CPU ms per call (robust when
    other work shares the machine)."""
    f()  # warm
    samples, cpu = [], cpu_ms(pid) if pid else 0
    for _ in range(rounds):
        started = time.perf_counter()
        f()
        samples.append((time.perf_counter() - started) * 1000)
    if pid:
        return statistics.median(samples), (cpu_ms(pid) - cpu) / rounds
    return statistics.median(samples)


def sql_floor(data_dir, start, rounds):
    """The page's rows read by SQLite itself (same query as ObjectStore.list), or None."""
    path = os.path.join(data_dir, "petrel.sqlite")
    if not os.path.exists(path):
        return None
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    query = ("SELECT object_key, size, etag, last_modified, checksum_algorithm, storage_class FROM s3_objects "
             "WHERE bucket = ? AND object_key > ? ORDER BY object_key LIMIT 1001")
    plan = db.execute("EXPLAIN QUERY PLAN " + query, (BUCKET, start)).fetchall()
    result = p50(lambda: db.execute(query, (BUCKET, start)).fetchall(), rounds), " / ".join(row[-1] for row in plan)
    db.close()
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--petrel-bin", default=RELEASE_BIN)
    ap.add_argument("--keys", type=int, default=100_000)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--data-dir", help="keep Petrel's data here (a later run with the same directory skips the fill)")
    ap.add_argument("--store", help="a PostgreSQL URL for `petrel serve --store` (an empty database)")
    ap.add_argument("--sql-fill", action="store_true", help="copy keys past the first 2,000 in SQL (SQLite; see above)")
    args = ap.parse_args()
    temp = None if args.data_dir else tempfile.mkdtemp(prefix="listing-bench-")
    data_dir = args.data_dir or temp
    proc = None
    try:
        proc, endpoint = start_petrel(args.petrel_bin, data_dir, *(["--store", args.store] if args.store else []))
        call = Http(endpoint)
        try:
            filled = b"<KeyCount>1</KeyCount>" in call("GET", f"/{BUCKET}?list-type=2&max-keys=1&start-after=k{args.keys - 2:06d}")
        except RuntimeError:  # no such bucket yet
            filled = False
        if not filled:
            started = time.perf_counter()
            fill(endpoint, min(args.keys, 2000) if args.sql_fill else args.keys)
            if args.sql_fill and args.keys > 2000 and not args.store:
                stop([proc])
                sql_fill(data_dir, args.keys)
                proc, endpoint = start_petrel(args.petrel_bin, data_dir)
                call = Http(endpoint)
            print(f"filled {args.keys} keys in {time.perf_counter() - started:.0f} s{' (SQL copies past 2,000)' if args.sql_fill else ''}")
        middle = f"k{args.keys // 2:06d}"
        rows = [
            ("ListObjectsV2, first 1,000 keys", f"list-type=2"),
            (f"ListObjectsV2, 1,000 keys after {middle}", f"list-type=2&start-after={middle}"),
            ("ListObjectsV2, 1,000 keys, fetch-owner=true", "list-type=2&fetch-owner=true"),
            ("ListObjects (V1), 1,000 keys", ""),
            ("ListObjectVersions, 1,000 versions", "versions"),
            ("ListObjectsV2 delimiter=/ (no key holds one)", "list-type=2&delimiter=/"),
            ("floor: ListObjectsV2 max-keys=1", "list-type=2&max-keys=1"),
        ]
        print(f"S3 listing, {args.keys} keys in a versioned bucket, raw HTTP, p50 of {args.rounds} ({os.path.basename(args.petrel_bin)} "
              f"at {args.petrel_bin}, {'PostgreSQL' if args.store else 'SQLite'})")
        for label, query in rows:
            size = len(call("GET", f"/{BUCKET}?{query}"))
            wall, cpu = p50(lambda: call("GET", f"/{BUCKET}?{query}"), args.rounds, proc.pid)
            print(f"  {label:<52} {wall:8.2f} ms   server CPU {cpu:7.2f} ms/request   ({size} bytes)", flush=True)
        floor = None if args.store else sql_floor(data_dir, middle, args.rounds)
        if floor:
            print(f"  {'floor: the same 1,001 rows read by sqlite3 (Python)':<52} {floor[0]:8.2f} ms   plan: {floor[1]}")
        print("  goal: ListObjectsV2 of a 1,000-key page p50 <= 10 ms")
    finally:
        if proc:
            stop([proc])
        if temp:
            shutil.rmtree(temp, ignore_errors=True)


if __name__ == "__main__":
    main()
