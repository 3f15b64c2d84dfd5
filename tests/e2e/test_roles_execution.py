"""Execution roles under `--iam enforce`: CreateFunction checks the role, each instance runs with
temporary credentials of the role, and what the function (or Petrel on its behalf) does is bound
by the role's policies. The article's voucher function is the example."""
import json
import os
import time

import pytest
from botocore.exceptions import ClientError

from conftest import ROOT, PetrelProcess, make_zip, unique, wait_for
from iam_helpers import BASIC, LAMBDA_TRUST, client, root_credentials

ACCOUNT = "000000000000"
STREAMS = "arn:aws:iam::aws:policy/service-role/AWSLambdaDynamoDBExecutionRole"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("roles-enforce")), ["--iam", "enforce"]).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def root(server):
    return root_credentials(server)


def make_role(server, root, *managed, trust=LAMBDA_TRUST):
    iam = client(server, "iam", *root)
    name = unique("role")
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust))["Role"]["Arn"]
    for policy in managed:
        iam.attach_role_policy(RoleName=name, PolicyArn=policy)
    return name, arn


def logged(server, root, name):
    logs = client(server, "logs", *root)
    try:
        return [e["message"] for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{name}")["events"]]
    except ClientError:
        return []


def test_create_function_needs_a_role_lambda_can_assume(server, root):
    lam = client(server, "lambda", *root)
    code = make_zip({"index.js": "exports.handler = async () => 1;"})
    _, ec2_role = make_role(server, root, trust={"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
    for role in (f"arn:aws:iam::{ACCOUNT}:role/{unique('missing')}", ec2_role):
        with pytest.raises(ClientError) as excinfo:
            lam.create_function(FunctionName=unique("f"), Runtime="nodejs20.x", Handler="index.handler", Role=role, Code={"ZipFile": code})
        assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
        assert excinfo.value.response["Error"]["Message"] == "The role defined for the function cannot be assumed by Lambda."
    _, good = make_role(server, root, BASIC)
    name = unique("f")
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=good, Code={"ZipFile": code})
    with pytest.raises(ClientError) as excinfo:
        lam.update_function_configuration(FunctionName=name, Role=ec2_role)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert lam.get_function_configuration(FunctionName=name)["Role"] == good


def test_a_function_calls_with_its_roles_credentials(server, root):
    role, arn = make_role(server, root, BASIC)
    src = ("import boto3, os\n"
           "def handler(event, context):\n"
           "    me = boto3.client('sts').get_caller_identity()['Arn']\n"
           "    try:\n"
           "        boto3.client('dynamodb').list_tables()\n"
           "        tables = 'allowed'\n"
           "    except Exception as e:\n"
           "        tables = e.response['Error']['Code']\n"
           "    return {'arn': me, 'tables': tables, 'token': bool(os.environ.get('AWS_SESSION_TOKEN'))}\n")
    name = unique("who")
    lam = client(server, "lambda", *root)
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=arn, Code={"ZipFile": make_zip({"app.py": src})})
    out = json.load(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"])
    assert out == {"arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{name}", "tables": "AccessDeniedException", "token": True}
    client(server, "iam", *root).attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
    out = json.load(lam.invoke(FunctionName=name, Payload=b"{}")["Payload"])
    assert out["tables"] == "allowed"


def test_logs_are_written_only_when_the_role_allows_it(server, root):
    role, arn = make_role(server, root)
    name = unique("quiet")
    lam = client(server, "lambda", *root)
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=arn,
                        Code={"ZipFile": make_zip({"index.js": "exports.handler = async (e) => { console.log('marker', e.n); return e.n; };"})})
    assert json.load(lam.invoke(FunctionName=name, Payload=b'{"n": 1}')["Payload"]) == 1
    time.sleep(1.5)
    assert logged(server, root, name) == []
    # Why is recorded.
    events = client(server, "logs", *root).filter_log_events(logGroupName="/petrel/iam/audit")["events"]
    findings = [json.loads(e["message"]) for e in events]
    assert any(f["action"] == "logs:CreateLogStream" and f"/aws/lambda/{name}" in f["resource"] and "dropped" in f["reason"] for f in findings)
    client(server, "iam", *root).attach_role_policy(RoleName=role, PolicyArn=BASIC)
    time.sleep(2.5)  # Petrel's decision is kept two seconds
    assert json.load(lam.invoke(FunctionName=name, Payload=b'{"n": 2}')["Payload"]) == 2
    messages = wait_for(lambda: [m for m in logged(server, root, name) if "marker" in m] or None, timeout=10)
    assert messages and all("marker\t2" in m or "marker 2" in m for m in messages)


def voucher_zip():
    with open(os.path.join(ROOT, "examples", "vouchers", "function", "index.js")) as f:
        return make_zip({"index.js": f.read()})


def test_the_voucher_function_is_bound_by_its_role(server, root):
    """The article's popular-vouchers function: without dynamodb:PutItem its write is refused
    (AccessDeniedException in its log); once the policy is attached the retried batch succeeds."""
    ddb, lam, iam = (client(server, s, *root) for s in ("dynamodb", "lambda", "iam"))
    suffix = unique("v")
    vouchers, popular = f"vouchers-{suffix}", f"popular-{suffix}"
    stream = ddb.create_table(TableName=vouchers, KeySchema=[{"AttributeName": "code", "KeyType": "HASH"}],
                              AttributeDefinitions=[{"AttributeName": "code", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                              StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})["TableDescription"]["LatestStreamArn"]
    ddb.create_table(TableName=popular, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    popular_arn = f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{popular}"
    # Logs and reading the popular list, but neither the stream nor PutItem.
    role, arn = make_role(server, root, BASIC)
    iam.put_role_policy(RoleName=role, PolicyName="ReadPopular", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": popular_arn}]}))
    function = f"popular-vouchers-{suffix}"
    lam.create_function(FunctionName=function, Runtime="nodejs20.x", Handler="index.handler", Role=arn, Timeout=30,
                        Code={"ZipFile": voucher_zip()}, Environment={"Variables": {"POPULAR_TABLE": popular, "TOP_N": "3"}})

    # The mapping needs the role to read the stream, as AWS says.
    with pytest.raises(ClientError) as excinfo:
        lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=function, StartingPosition="TRIM_HORIZON")
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert excinfo.value.response["Error"]["Message"] == (
        f"Cannot access stream {stream}. Please ensure the role can perform the GetRecords, GetShardIterator, "
        "DescribeStream, and ListStreams Actions on your stream in IAM.")
    iam.attach_role_policy(RoleName=role, PolicyArn=STREAMS)
    lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=function, StartingPosition="TRIM_HORIZON", BatchSize=10)

    for i, count in enumerate((5, 9, 2)):
        ddb.put_item(TableName=vouchers, Item={"code": {"S": f"V{i}"}, "redemptions": {"N": str(count)}})
    denied = wait_for(lambda: [m for m in logged(server, root, function) if "AccessDeniedException" in m] or None, timeout=60, interval=0.5)
    assert denied, logged(server, root, function)
    assert f"assumed-role/{role}/{function} is not authorized to perform: dynamodb:PutItem on resource: {popular_arn}" in denied[0]
    assert "Item" not in ddb.get_item(TableName=popular, Key={"id": {"S": "popular"}})

    iam.put_role_policy(RoleName=role, PolicyName="WritePopular", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": popular_arn}]}))
    item = wait_for(lambda: ddb.get_item(TableName=popular, Key={"id": {"S": "popular"}}, ConsistentRead=True).get("Item"),
                    timeout=90, interval=0.5)
    assert item, logged(server, root, function)[-10:]
    assert [v["M"]["code"]["S"] for v in item["vouchers"]["L"]] == ["V1", "V0", "V2"]
