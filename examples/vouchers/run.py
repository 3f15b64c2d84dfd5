#!/usr/bin/env python3
"""The article's flagship example, end to end against a running Petrel:

vouchers table (stream NEW_AND_OLD_IMAGES) → event source mapping → the popular-vouchers
function (2015 Node style) → the popular list in its own table. Fires many redemptions from
concurrent clients, then checks that the popular list converges to the true top N recounted
from the vouchers table.

    python3 examples/vouchers/run.py [--endpoint http://127.0.0.1:4566] [--redemptions 5000] [--clients 16] [--no-cleanup]

Everything it creates is deleted at the end (the mapping, the function, the three tables), pass or
fail, so it can run again and again; --no-cleanup keeps them to look at.
"""
import argparse
import concurrent.futures
import io
import os
import random
import sys
import time
import uuid
import zipfile

import boto3
from botocore.config import Config

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from redeem import redeem  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def clients(endpoint):
    kwargs = dict(endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
                  config=Config(retries={"max_attempts": 10, "mode": "standard"}, max_pool_connections=64))
    return boto3.client("dynamodb", **kwargs), boto3.client("lambda", **kwargs)


def table(ddb, name, key, stream=False):
    spec = dict(TableName=name, KeySchema=[{"AttributeName": key, "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": key, "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    if stream:
        spec["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    return ddb.create_table(**spec)["TableDescription"]


def function_zip():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.write(os.path.join(HERE, "function", "index.js"), "index.js")
    return buf.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"))
    parser.add_argument("--vouchers", type=int, default=40)
    parser.add_argument("--redemptions", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--cleanup", action=argparse.BooleanOptionalAction, default=True,
                        help="delete what the run created when it ends (default); --no-cleanup keeps it")
    args = parser.parse_args()

    ddb, lam = clients(args.endpoint)
    suffix = uuid.uuid4().hex[:6]
    created = {"tables": [], "function": None, "mapping": None}
    try:
        return run(args, ddb, lam, suffix, created)
    finally:
        if args.cleanup:
            cleanup(ddb, lam, created)


def cleanup(ddb, lam, created):
    """Deletes what the run created, the mapping first (it reads the stream), then the function and the tables."""
    gone = []
    if created["mapping"]:
        lam.delete_event_source_mapping(UUID=created["mapping"])
        gone.append(f"mapping {created['mapping']}")
    if created["function"]:
        lam.delete_function(FunctionName=created["function"])
        gone.append(f"function {created['function']}")
    for name in created["tables"]:
        ddb.delete_table(TableName=name)
        gone.append(f"table {name}")
    if gone:
        print("cleaned up: " + ", ".join(gone))


def run(args, ddb, lam, suffix, created):
    vouchers, redemptions, popular = f"vouchers-{suffix}", f"redemptions-{suffix}", f"popular-vouchers-{suffix}"
    stream_arn = table(ddb, vouchers, "code", stream=True)["LatestStreamArn"]
    created["tables"].append(vouchers)
    table(ddb, redemptions, "id")
    created["tables"].append(redemptions)
    table(ddb, popular, "id")
    created["tables"].append(popular)
    codes = [f"V{i:03d}" for i in range(args.vouchers)]
    for code in codes:
        ddb.put_item(TableName=vouchers, Item={"code": {"S": code}, "redemptions": {"N": "0"}, "limit": {"N": "1000000"}})

    function = f"popular-vouchers-{suffix}"
    lam.create_function(FunctionName=function, Runtime="nodejs20.x", Handler="index.handler",
                        Role="arn:aws:iam::000000000000:role/dynamodb-stream-execution", Code={"ZipFile": function_zip()},
                        Timeout=30, Environment={"Variables": {"POPULAR_TABLE": popular, "TOP_N": str(args.top)}})
    created["function"] = function
    created["mapping"] = lam.create_event_source_mapping(
        EventSourceArn=stream_arn, FunctionName=function, StartingPosition="TRIM_HORIZON",
        BatchSize=100, ParallelizationFactor=2)["UUID"]
    print(f"tables {vouchers}, {redemptions}, {popular}; function {function} on {stream_arn}")

    # Skewed popularity: a few vouchers get most redemptions, so the top N is meaningful.
    weights = [1.0 / (i + 1) ** 1.1 for i in range(len(codes))]
    rng = random.Random(42)
    picks = rng.choices(codes, weights=weights, k=args.redemptions)
    started = time.time()

    def work(chunk):
        client, _ = clients(args.endpoint)
        return sum(redeem(client, vouchers, redemptions, code, f"customer-{rng.randrange(10**6)}", str(uuid.uuid4())) for code in chunk)

    chunks = [picks[i::args.clients] for i in range(args.clients)]
    with concurrent.futures.ThreadPoolExecutor(args.clients) as pool:
        redeemed = sum(pool.map(work, chunks))
    elapsed = time.time() - started
    print(f"{redeemed} redemptions from {args.clients} clients in {elapsed:.1f} s ({redeemed / elapsed:.0f}/s)")

    def truth():
        items, start = [], None
        while True:
            page = ddb.scan(TableName=vouchers, **({"ExclusiveStartKey": start} if start else {}))
            items += page["Items"]
            start = page.get("LastEvaluatedKey")
            if not start:
                break
        ranked = sorted(((i["code"]["S"], int(i["redemptions"]["N"])) for i in items), key=lambda v: (-v[1], v[0]))
        return ranked[: args.top], sum(c for _, c in ranked)

    expected, total = truth()
    count = ddb.scan(TableName=redemptions, Select="COUNT")["Count"]
    assert total == redeemed == count, f"counts disagree: vouchers {total}, redeemed {redeemed}, redemption records {count}"

    deadline = time.time() + args.timeout
    listed = None
    while time.time() < deadline:
        item = ddb.get_item(TableName=popular, Key={"id": {"S": "popular"}}, ConsistentRead=True).get("Item")
        listed = [(v["M"]["code"]["S"], int(v["M"]["count"]["N"])) for v in item["vouchers"]["L"]] if item else None
        if listed == expected:
            break
        time.sleep(0.2)
    print("true top %d:    %s" % (args.top, expected))
    print("popular list: %s" % listed)
    if listed != expected:
        print("FAILED: the popular list did not converge to the true top N")
        return 1
    print(f"converged {time.time() - started - elapsed:.2f} s after the last redemption")
    return 0


if __name__ == "__main__":
    sys.exit(main())
