"""Execution roles under `--iam audit`: what a function does beyond its role's policies goes on
but is recorded, and the policy `petrel iam audit` prints for the role makes the same calls pass
once the server runs with `--iam enforce`."""
import json
import subprocess

from conftest import PETREL_BIN, PetrelProcess, make_zip, unique, wait_for
from iam_helpers import BASIC, LAMBDA_TRUST, client, root_credentials

ACCOUNT = "000000000000"

WRITER = ("import boto3, os\n"
          "def handler(event, context):\n"
          "    ddb = boto3.client('dynamodb')\n"
          "    try:\n"
          "        ddb.put_item(TableName=os.environ['TABLE'], Item={'id': {'S': event['id']}})\n"
          "        item = ddb.get_item(TableName=os.environ['TABLE'], Key={'id': {'S': event['id']}})['Item']\n"
          "        return {'stored': item['id']['S']}\n"
          "    except Exception as e:\n"
          "        return {'error': e.response['Error']['Code']}\n")


def audit_report(server):
    proc = subprocess.run([PETREL_BIN, "iam", "audit", "--json", "--endpoint", server.endpoint], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_a_missing_role_is_reported_not_refused(fresh_petrel):
    server = fresh_petrel()
    role = f"arn:aws:iam::{ACCOUNT}:role/{unique('nowhere')}"
    name = unique("f")
    server.client("lambda").create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=role,
                                            Code={"ZipFile": make_zip({"index.js": "exports.handler = async () => 1;"})})
    finding = wait_for(lambda: [f for f in audit_report(server)["findings"]
                                if f["action"] == "sts:AssumeRole" and f["resource"] == role] or None)
    assert finding and finding[0]["error"] == "InvalidParameterValueException"
    assert finding[0]["principal"] == "lambda.amazonaws.com" and "does not exist" in finding[0]["reason"]


def test_the_audit_policy_makes_the_function_pass_in_enforce(fresh_petrel):
    server = fresh_petrel()
    root = root_credentials(server)
    iam = server.client("iam")  # test/test: the account root in audit mode
    role = unique("writer")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=BASIC)
    table = unique("items")
    server.client("dynamodb").create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                           BillingMode="PAY_PER_REQUEST")
    name = unique("writer-fn")
    server.client("lambda").create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=role_arn,
                                            Code={"ZipFile": make_zip({"app.py": WRITER})}, Environment={"Variables": {"TABLE": table}})
    # Audit: the calls go through, as the role's session, and are recorded.
    out = json.load(server.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"id": "a"}))["Payload"])
    assert out == {"stored": "a"}
    report = wait_for(lambda: (lambda r: r if role_arn in r["policies"] else None)(audit_report(server)), timeout=10)
    assert report, audit_report(server)
    findings = [f for f in report["findings"] if f["principal"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{name}"]
    assert {f["action"] for f in findings} == {"dynamodb:PutItem", "dynamodb:GetItem"}
    policy = report["policies"][role_arn]
    assert "dynamodb:PutItem" in policy and f"table/{table}" in policy
    printed = subprocess.run([PETREL_BIN, "iam", "audit", "--endpoint", server.endpoint], capture_output=True, text=True, timeout=60).stdout
    assert f"Least-privilege policy for {role_arn}:\n{policy}" in printed

    # The same data under enforce: refused until the printed policy is attached to the role.
    server.stop()
    enforce = PetrelProcess(server.data_dir, ["--iam", "enforce"]).start()
    try:
        lam = client(enforce, "lambda", *root)
        out = json.load(lam.invoke(FunctionName=name, Payload=json.dumps({"id": "b"}))["Payload"])
        assert out == {"error": "AccessDeniedException"}
        client(enforce, "iam", *root).put_role_policy(RoleName=role, PolicyName="FromAudit", PolicyDocument=policy)
        out = json.load(lam.invoke(FunctionName=name, Payload=json.dumps({"id": "c"}))["Payload"])
        assert out == {"stored": "c"}
    finally:
        enforce.stop()
