#!/usr/bin/env python3
"""Petrel's fuzzing campaign: model-generated and mutated requests for every operation of every
protocol Petrel serves, plus raw HTTP abuse, while a canary function and table must keep working.

    python3 tests/fuzz/run.py --cases 3000 --seed 1            # the fixed slice `make test` runs
    python3 tests/fuzz/run.py --minutes 30 --seed 42           # `make fuzz`: the long campaign

It starts its own `petrel serve` (PETREL_BIN, default .build/debug/petrel) on a free port unless
--endpoint is given. Passing means: the server never crashes or hangs, every answer is below 500
and, when an error, shaped as the protocol the client spoke; the canary keeps answering.
Prints `N passed, N failed` at the end.
"""
import argparse
import collections
import http.client
import io
import json
import os
import random
import resource
import shutil
import socket
import sys
import tempfile
import time
import zipfile

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import model_cases  # noqa: E402
import raw_http  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from petrel_process import PETREL_BIN, PetrelProcess  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
REGION = "us-east-1"
SIGNING_NAME = {"lambda": "lambda", "dynamodb": "dynamodb", "dynamodbstreams": "dynamodb", "logs": "logs",
                "cloudwatch": "monitoring", "iam": "iam", "sts": "sts", "kinesis": "kinesis"}
CANARY_FUNCTION = "petrel-fuzz-canary-function"
CANARY_TABLE = "petrel-fuzz-canary-table"
# Resources the cases may name (and change, or delete: they are made again at each canary check).
TARGETS = {"table": "petrel-fuzz-target-table", "function": "petrel-fuzz-target-function",
           "log_group": "/aws/lambda/petrel-fuzz-target-function"}
CREDENTIALS = Credentials(os.environ.get("AWS_ACCESS_KEY_ID", "test"), os.environ.get("AWS_SECRET_ACCESS_KEY", "test"))


class Server(PetrelProcess):
    """A server in a temporary data directory, removed when it stops."""

    def __init__(self, binary):
        super().__init__(tempfile.mkdtemp(prefix="petrel-fuzz-"), ["--warm-pool", "python=1,nodejs=0"], binary=binary)
        self.start()

    def stop(self):
        super().stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def client(service, endpoint):
    return boto3.client(service, endpoint_url=endpoint, region_name=REGION,
                        aws_access_key_id=CREDENTIALS.access_key, aws_secret_access_key=CREDENTIALS.secret_key,
                        config=Config(retries={"max_attempts": 1}, read_timeout=60, connect_timeout=10))


def ensure(lam, ddb, function, table):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("canary.py", "def handler(event, context):\n    return {'echo': event}\n")
    try:
        lam.create_function(FunctionName=function, Runtime="python3.11", Handler="canary.handler",
                            Role="arn:aws:iam::000000000000:role/canary", Code={"ZipFile": buf.getvalue()}, Timeout=30)
    except lam.exceptions.ResourceConflictException:
        pass
    try:
        ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST",
                         StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        ddb.put_item(TableName=table, Item={"pk": {"S": "a"}, "a": {"N": "1"}, "b": {"S": "x"}})
    except ddb.exceptions.ResourceInUseException:
        pass


def set_up_canary(endpoint):
    lam, ddb = client("lambda", endpoint), client("dynamodb", endpoint)
    ensure(lam, ddb, CANARY_FUNCTION, CANARY_TABLE)
    ensure(lam, ddb, TARGETS["function"], TARGETS["table"])
    return lam, ddb


def check_canary(lam, ddb, n):
    """The canary function and table still work. Returns None or what broke."""
    try:
        out = lam.invoke(FunctionName=CANARY_FUNCTION, Payload=json.dumps({"n": n}))
        body = json.loads(out["Payload"].read())
        if out.get("FunctionError") or body != {"echo": {"n": n}}:
            return f"canary function answered {body!r}"
        ddb.put_item(TableName=CANARY_TABLE, Item={"pk": {"S": "canary"}, "n": {"N": str(n)}})
        got = ddb.get_item(TableName=CANARY_TABLE, Key={"pk": {"S": "canary"}}, ConsistentRead=True)
        if got["Item"]["n"]["N"] != str(n):
            return f"canary table read back {got['Item']!r}"
    except Exception as e:  # noqa: BLE001 — any failure of the canary is the finding
        return f"canary failed: {type(e).__name__}: {e}"
    return None


def signed(case, endpoint):
    request = AWSRequest(method=case.method, url=endpoint + case.path, data=case.body, headers=dict(case.headers))
    SigV4Auth(CREDENTIALS, SIGNING_NAME[case.service], REGION).add_auth(request)
    return request.prepare()


# Past these the HTTP layer refuses the request head itself, before any service sees it: a bare
# 4xx and a closed connection are then the answer, as from AWS's own front ends.
MAX_HEAD = 80 * 1024


def head_size(case):
    return len(case.path) + sum(len(k) + len(v) + 4 for k, v in case.headers.items())


def judge(case, status, headers, body):
    """None when the answer is one AWS could give; else why not."""
    if head_size(case) > MAX_HEAD and 400 <= status < 500:
        return None
    if status >= 500:
        return f"answered {status}"
    if status < 400:
        return None
    if case.protocol == "query":
        if b"<Code>" not in body or b"<Message>" not in body:
            return f"{status} query-protocol error without <Code> and <Message>: {body[:160]!r}"
        return None
    if case.protocol == "json":
        try:
            error = json.loads(body)
        except ValueError:
            return f"{status} error body is not JSON: {body[:120]!r}"
        if not isinstance(error, dict) or not isinstance(error.get("__type"), str):
            return f"{status} error without __type: {body[:120]!r}"
        return None
    if not headers.get("x-amzn-errortype"):
        return f"{status} REST-JSON error without x-amzn-ErrorType: {body[:120]!r}"
    return None


class Connection:
    def __init__(self, port):
        self.port = port
        self.conn = None

    def send(self, prepared, path):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                self.conn.request(prepared.method, path, body=prepared.body, headers=dict(prepared.headers))
                response = self.conn.getresponse()
                body = response.read()
                headers = {k.lower(): v for k, v in response.getheaders()}
                if headers.get("connection", "").lower() == "close":
                    self.close()
                return response.status, headers, body
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                # The server may close a connection after an error: retry once on a new one.
                self.close()
                if attempt == 1:
                    raise
        raise AssertionError("unreachable")

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def raw_abuse(port, server, lam, ddb, failures, quick):
    import concurrent.futures
    import threading
    # In parallel: the cases whose bodies never arrive each wait for the server's timeout.
    cases = list(raw_http.cases())
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        for problem in pool.map(lambda c: raw_http.run_case(port, *c), cases):
            if problem:
                failures.append(("raw", problem))
    count = len(cases)
    # A slow client and many idle connections must not stop anyone else from being served.
    slow = threading.Thread(target=lambda: raw_http.slow_client(port, 3 if quick else 20).close(), daemon=True)
    slow.start()
    idle_count = 500 if quick else 5000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, idle_count + 1024)), hard))
    idle = raw_http.idle_connections(port, idle_count)
    count += 2
    if len(idle) < idle_count:
        failures.append(("raw", f"only {len(idle)} of {idle_count} idle connections were accepted"))
    problem = check_canary(lam, ddb, -1)
    if problem:
        failures.append(("raw", f"with {len(idle)} idle connections and a slow client: {problem}"))
    for s in idle:
        s.close()
    slow.join(timeout=30)
    if server is not None and not server.alive():
        failures.append(("raw", "the server died during raw HTTP abuse:\n" + server.tail()))
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--cases", type=int, default=0, help="stop after this many model cases")
    parser.add_argument("--minutes", type=float, default=0, help="stop after this long")
    parser.add_argument("--endpoint", help="fuzz a running server instead of starting one")
    parser.add_argument("--canary-every", type=int, default=200)
    parser.add_argument("--services", default=",".join(model_cases.SERVICES))
    parser.add_argument("--no-huge", action="store_true", help="skip the 10 MB bodies (faster slices)")
    parser.add_argument("--report", help="append a results row (markdown) to this file")
    args = parser.parse_args()
    if not args.cases and not args.minutes:
        args.cases = 3000

    server = None
    if args.endpoint:
        endpoint = args.endpoint.rstrip("/")
        port = int(endpoint.rsplit(":", 1)[1])
    else:
        server = Server(PETREL_BIN)
        port = server.port
        endpoint = f"http://127.0.0.1:{port}"
    started = time.time()
    failures = []
    by_mutation = collections.Counter()
    by_service = collections.Counter()
    statuses = collections.Counter()
    ran = 0
    try:
        lam, ddb = set_up_canary(endpoint)
        problem = check_canary(lam, ddb, 0)
        if problem:
            raise SystemExit("the canary does not work before fuzzing: " + problem)
        ran += raw_abuse(port, server, lam, ddb, failures, quick=bool(args.cases))
        rng = random.Random(args.seed)
        models = model_cases.load_models([s for s in args.services.split(",") if s])
        conn = Connection(port)
        protected = {CANARY_FUNCTION, CANARY_TABLE}
        while True:
            if args.cases and ran >= args.cases:
                break
            if args.minutes and time.time() - started > args.minutes * 60:
                break
            case = model_cases.make_case(rng, models, protected, TARGETS)
            if args.no_huge and len(case.body) > 1 << 20:
                continue
            if any(name.encode() in case.body or name in case.path for name in protected):
                continue
            ran += 1
            by_mutation[case.mutation] += 1
            by_service[case.service] += 1
            try:
                status, headers, body = conn.send(signed(case, endpoint), case.path)
                statuses[status // 100 * 100] += 1
                problem = judge(case, status, headers, body)
            except (socket.timeout, TimeoutError):
                problem = "no answer within 60 s"
                conn.close()
            except ConnectionRefusedError as e:
                problem = f"{type(e).__name__}: {e}"
                conn.close()
            except (http.client.HTTPException, OSError) as e:
                # A request head over the limit may be cut off while it is still being sent.
                problem = None if head_size(case) > MAX_HEAD else f"{type(e).__name__}: {e}"
                conn.close()
            if problem:
                failures.append((f"case {ran} (seed {args.seed}) {case!r}", problem))
            if server is not None and not server.alive():
                failures.append((repr(case), "the server died:\n" + server.tail()))
                break
            if ran % args.canary_every == 0:
                try:
                    ensure(lam, ddb, TARGETS["function"], TARGETS["table"])
                except Exception as e:  # noqa: BLE001 — reported by the canary right after
                    print(f"fuzz: could not restore the targets: {e}")
                problem = check_canary(lam, ddb, ran)
                if problem:
                    failures.append((f"after case {ran}", problem))
        problem = check_canary(lam, ddb, ran + 1)
        if problem:
            failures.append(("at the end", problem))
    finally:
        if server is not None:
            if not server.alive():
                print(server.tail())
            server.stop()
    elapsed = time.time() - started
    print(f"fuzz: {ran} cases in {elapsed:.0f} s, seed {args.seed}; answers by class {dict(sorted(statuses.items()))}")
    print("fuzz: by mutation " + ", ".join(f"{k} {v}" for k, v in sorted(by_mutation.items())))
    print("fuzz: by service " + ", ".join(f"{k} {v}" for k, v in sorted(by_service.items())))
    for where, what in failures[:50]:
        print(f"FAIL {where}: {what}")
    if args.report:
        with open(args.report, "a") as f:
            f.write(f"| {time.strftime('%Y-%m-%d %H:%M')} | {args.seed} | {ran} | {elapsed / 60:.1f} min | "
                    f"{dict(sorted(statuses.items()))} | {len(failures)} |\n")
    distinct_failures = len(failures)
    print(f"fuzz: {ran - min(ran, distinct_failures)} passed, {distinct_failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
