"""What identity adds to a warm GetItem and Invoke, per --iam mode:
`python3 bench/identity_overhead.py .build/release/petrel 3000`. Signs one request per case with
botocore and replays it over one keep-alive connection (a signature stays valid 15 minutes)."""
import http.client, io, json, os, statistics, subprocess, sys, tempfile, time, zipfile
import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.config import Config

BIN = sys.argv[1]
N = int(sys.argv[2]) if len(sys.argv) > 2 else 2000

from local_servers import free_port  # noqa: E402

def start(mode, data):
    port = free_port()
    log = open(os.path.join(data, "server.log"), "ab")
    proc = subprocess.Popen([BIN, "serve", "--port", str(port), "--data-dir", data, "--iam", mode, "--warm-pool", "nodejs=0,python=0"],
                            stdout=log, stderr=subprocess.STDOUT)
    for _ in range(300):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/"); break
        except OSError: time.sleep(0.05)
    time.sleep(0.3)
    return proc, port

def client(port, service, key, secret):
    return boto3.client(service, endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                        aws_access_key_id=key, aws_secret_access_key=secret, config=Config(retries={"max_attempts": 0}))

def signed(port, key, secret, service, method, path, body, headers):
    req = AWSRequest(method=method, url=f"http://127.0.0.1:{port}{path}", data=body, headers=headers)
    SigV4Auth(Credentials(key, secret), service, "us-east-1").add_auth(req)
    return dict(req.headers.items())

def replay(port, method, path, body, headers, n):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    times = []
    for i in range(n + n // 5):
        t = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        r = conn.getresponse(); data = r.read()
        assert r.status == 200, (r.status, data[:300])
        if i >= n // 5: times.append((time.perf_counter() - t) * 1e6)
    conn.close()
    return statistics.median(times), statistics.mean(times)

results = []
for mode, who in [("off", "root"), ("audit", "test"), ("audit", "root"), ("enforce", "root"), ("enforce", "user")]:
    data = tempfile.mkdtemp(prefix="iamperf-")
    proc, port = start(mode, data)
    try:
        root = json.load(open(os.path.join(data, "credentials.json")))
        rk, rs = root["accessKeyId"], root["secretAccessKey"]
        ddb = client(port, "dynamodb", rk, rs)
        ddb.create_table(TableName="ttt", AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
        ddb.put_item(TableName="ttt", Item={"k": {"S": "a"}, "v": {"S": "x" * 100}})
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z: z.writestr("index.js", "exports.handler = async (e) => e;")
        # An execution role Lambda may assume (enforce checks it) that may write the function's logs.
        iam_root = client(port, "iam", rk, rs)
        iam_root.create_role(RoleName="r", AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
        iam_root.attach_role_policy(RoleName="r", PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
        client(port, "lambda", rk, rs).create_function(FunctionName="f", Runtime="nodejs20.x", Handler="index.handler",
                                                       Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": buf.getvalue()})
        key, secret = (rk, rs) if who == "root" else ("test", "test")
        if who == "user":
            iam = client(port, "iam", rk, rs)
            iam.create_user(UserName="u")
            iam.put_user_policy(UserName="u", PolicyName="p", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "arn:aws:dynamodb:*:*:table/ttt"},
                {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "arn:aws:lambda:*:*:function:f*"}]}))
            iam.attach_user_policy(UserName="u", PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
            k = iam.create_access_key(UserName="u")["AccessKey"]; key, secret = k["AccessKeyId"], k["SecretAccessKey"]
        body = json.dumps({"TableName": "ttt", "Key": {"k": {"S": "a"}}}).encode()
        h = signed(port, key, secret, "dynamodb", "POST", "/", body,
                   {"X-Amz-Target": "DynamoDB_20120810.GetItem", "Content-Type": "application/x-amz-json-1.0"})
        get = replay(port, "POST", "/", body, h, N)
        ib = b'{"n":1}'
        h = signed(port, key, secret, "lambda", "POST", "/2015-03-31/functions/f/invocations", ib, {})
        inv = replay(port, "POST", "/2015-03-31/functions/f/invocations", ib, h, N)
        results.append((mode, who, get, inv))
        print(f"--iam {mode:7} key {who:4}: GetItem p50 {get[0]:7.1f} µs mean {get[1]:7.1f} | Invoke p50 {inv[0]:7.1f} µs mean {inv[1]:7.1f}", flush=True)
    finally:
        proc.terminate(); proc.wait(timeout=20)
