"""`--iam audit` (the default on loopback): test/test keeps working as the account root, and
what enforce would refuse is recorded in /petrel/iam/audit and by `petrel iam audit`, whose
suggested policy then makes the requests pass in enforce mode."""
import json
import subprocess

import pytest
import requests

from conftest import PETREL_BIN, unique, wait_for
from iam_helpers import client

ACCOUNT = "000000000000"


def audit_report(server):
    proc = subprocess.run([PETREL_BIN, "iam", "audit", "--json", "--endpoint", server.endpoint],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_test_credentials_act_as_root_and_are_recorded(fresh_petrel):
    server = fresh_petrel()
    assert server.client("sts").get_caller_identity()["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert "TableNames" in server.client("dynamodb").list_tables()
    out = server.cli("sts", "get-caller-identity")
    assert out["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"

    findings = wait_for(lambda: [f for f in audit_report(server)["findings"] if f["action"] == "dynamodb:ListTables"] or None)
    assert findings[0]["principal"] == "unknown access key test"
    assert findings[0]["error"] == "UnrecognizedClientException"
    events = server.client("logs").filter_log_events(logGroupName="/petrel/iam/audit")["events"]
    assert any('"dynamodb:ListTables"' in e["message"] for e in events)


def test_the_suggested_policy_makes_the_requests_pass_in_enforce(fresh_petrel):
    server = fresh_petrel()
    iam = server.client("iam")
    name = unique("writer")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    table = unique("t")
    server.client("dynamodb").create_table(
        TableName=table, AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")

    user = client(server, "dynamodb", key["AccessKeyId"], key["SecretAccessKey"])
    # Audit mode lets the user through although no policy allows it...
    user.put_item(TableName=table, Item={"k": {"S": "a"}})
    user.get_item(TableName=table, Key={"k": {"S": "a"}})
    # ...and records what enforce would refuse.
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"
    def report_with_user():
        report = audit_report(server)
        return report if user_arn in report["policies"] else None
    report = wait_for(report_with_user)
    mine = {(f["action"], f["resource"]) for f in report["findings"] if f["principal"] == user_arn}
    table_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}"
    assert {("dynamodb:PutItem", table_arn), ("dynamodb:GetItem", table_arn)} <= mine
    assert all(f["error"] == "AccessDeniedException" for f in report["findings"] if f["principal"] == user_arn)
    policy = report["policies"][user_arn]
    text = subprocess.run([PETREL_BIN, "iam", "audit", "--endpoint", server.endpoint], capture_output=True, text=True, timeout=60).stdout
    assert f"Least-privilege policy for {user_arn}" in text

    # The same data in enforce mode: refused until the suggested policy is attached.
    server.extra_args = ["--iam", "enforce"]
    server.restart()
    user = client(server, "dynamodb", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(Exception) as excinfo:
        user.put_item(TableName=table, Item={"k": {"S": "b"}})
    assert "AccessDeniedException" in str(excinfo.value)
    root_file = json.load(open(f"{server.data_dir}/credentials.json"))
    root_iam = client(server, "iam", root_file["accessKeyId"], root_file["secretAccessKey"])
    root_iam.put_user_policy(UserName=name, PolicyName="suggested", PolicyDocument=policy)
    user.put_item(TableName=table, Item={"k": {"S": "b"}})
    assert user.get_item(TableName=table, Key={"k": {"S": "b"}})["Item"]["k"]["S"] == "b"


def test_credentials_command_prints_the_root_key_and_a_profile(fresh_petrel):
    server = fresh_petrel()
    proc = subprocess.run([PETREL_BIN, "credentials", "--data-dir", server.data_dir], capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0, proc.stderr
    root = json.load(open(f"{server.data_dir}/credentials.json"))
    assert f"export AWS_ACCESS_KEY_ID={root['accessKeyId']}" in proc.stdout
    assert "[petrel]" in proc.stdout and f"aws_secret_access_key = {root['secretAccessKey']}" in proc.stdout
    # Printed once, at first start.
    log = open(server.log_path).read()
    assert log.count(root["accessKeyId"]) == 1
    server.restart()
    assert open(server.log_path).read().count(root["accessKeyId"]) == 1
    assert json.load(open(f"{server.data_dir}/credentials.json"))["accessKeyId"] == root["accessKeyId"]


def test_off_mode_records_nothing(fresh_petrel):
    server = fresh_petrel("--iam", "off")
    server.client("dynamodb").list_tables()
    assert audit_report(server)["findings"] == []
    assert requests.get(server.endpoint + "/", timeout=5).json()["status"] == "running"
