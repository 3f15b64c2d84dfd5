"""What CloudTrail recording costs on the warm paths: `python3 bench/recording_overhead.py
.build/release/petrel 10` runs a warm Invoke and a PutItem for N seconds each (one keep-alive
client, bench/loadgen.js) against a server with `--cloudtrail on` and one with `--cloudtrail off`,
alternating ROUNDS times (default 3), and prints the best requests per second and p50 of each.
`python3 bench/recording_overhead.py BIN SECONDS ROUNDS`."""
import io, json, os, subprocess, sys, tempfile, time, urllib.request, zipfile
import boto3

BIN = sys.argv[1]
SECONDS = float(sys.argv[2]) if len(sys.argv) > 2 else 10
HERE = os.path.dirname(os.path.abspath(__file__))


from local_servers import free_port  # noqa: E402


def start(recording, data):
    port = free_port()
    log = open(os.path.join(data, "server.log"), "ab")
    proc = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", data, "--cloudtrail", recording,
                             "--warm-pool", "nodejs=0,python=0"], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read(); break
        except OSError: time.sleep(0.05)
    return proc, port


def prepare(port):
    kw = dict(endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("index.js", "exports.handler = async (e) => ({ok: true});")
    boto3.client("lambda", **kw).create_function(FunctionName="bench", Runtime="nodejs20.x", Handler="index.handler",
                                                 Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": buf.getvalue()})
    boto3.client("dynamodb", **kw).create_table(TableName="bench", AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                                KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    boto3.client("lambda", **kw).invoke(FunctionName="bench", Payload=b"{}")


def load(url, body, *headers):
    out = subprocess.run(["node", os.path.join(HERE, "loadgen.js"), url, "1", str(SECONDS), body, *headers],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


results = {}
ROUNDS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
for round_ in range(ROUNDS):
    for recording in ("on", "off"):
        with tempfile.TemporaryDirectory() as data:
            proc, port = start(recording, data)
            try:
                prepare(port)
                base = f"http://127.0.0.1:{port}"
                inv = load(f"{base}/2015-03-31/functions/bench/invocations", "{}")
                put = load(f"{base}/", json.dumps({"TableName": "bench", "Item": {"pk": {"S": "k"}, "v": {"N": "1"}}}),
                           "X-Amz-Target=DynamoDB_20120810.PutItem", "Content-Type=application/x-amz-json-1.0")
                for name, r in (("invoke", inv), ("putitem", put)):
                    results.setdefault((name, recording), []).append((r["rps"], r["p50_ms"]))
            finally:
                proc.terminate(); proc.wait()
for (name, recording), runs in sorted(results.items()):
    # Best of the rounds: on a shared machine the slow rounds measure the neighbours.
    rps = max(r for r, _ in runs)
    p50 = min(p for _, p in runs)
    print(f"{name:8} cloudtrail {recording:3}: best {rps:8.0f} req/s  best p50 {p50:.3f} ms  "
          f"(rounds: {', '.join(f'{r:.0f}/{p:.2f}' for r, p in runs)})")
