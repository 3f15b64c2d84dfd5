"""`petrel serve --iam enforce`: SigV4 is verified and IAM policies decide, with boto3 and the AWS CLI."""
import datetime
import json
import time
import urllib.error
import urllib.request
from unittest import mock

import botocore.auth
import pytest
import requests
from botocore.exceptions import ClientError

from conftest import PetrelProcess, unique
from iam_helpers import cli, client, root_credentials

ACCOUNT = "000000000000"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("iam-enforce")), ["--iam", "enforce"]).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def root(server):
    return root_credentials(server)


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_root_credentials_work_and_identify_as_root(server, root):
    sts = client(server, "sts", *root)
    identity = sts.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert identity["Account"] == ACCOUNT
    assert "TableNames" in client(server, "dynamodb", *root).list_tables()


def test_unsigned_requests_are_refused(server):
    request = urllib.request.Request(server.endpoint + "/", data=b"{}", method="POST",
                                     headers={"X-Amz-Target": "DynamoDB_20120810.ListTables",
                                              "Content-Type": "application/x-amz-json-1.0"})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(request, timeout=10)
    assert excinfo.value.code == 403
    body = json.loads(excinfo.value.read())
    assert body["__type"].endswith("MissingAuthenticationTokenException")

    answer = requests.post(server.endpoint + "/", data={"Action": "ListUsers", "Version": "2010-05-08"}, timeout=10)
    assert answer.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in answer.text

    lam = requests.get(server.endpoint + "/2015-03-31/functions/", timeout=10)
    assert lam.status_code == 403
    assert lam.headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"


def test_the_health_check_stays_open(server):
    assert requests.get(server.endpoint + "/", timeout=10).json()["status"] == "running"


def test_unknown_keys_are_refused(server):
    with pytest.raises(ClientError) as excinfo:
        client(server, "dynamodb", "test", "test").list_tables()
    assert error_code(excinfo) == "UnrecognizedClientException"
    with pytest.raises(ClientError) as excinfo:
        client(server, "sts", "test", "test").get_caller_identity()
    assert error_code(excinfo) == "InvalidClientTokenId"
    proc = cli(server, "test", "test", "lambda", "list-functions")
    assert proc.returncode != 0
    assert "UnrecognizedClientException" in proc.stderr


def test_a_wrong_secret_is_refused(server, root):
    key, _ = root
    with pytest.raises(ClientError) as excinfo:
        client(server, "dynamodb", key, "not-the-secret").list_tables()
    assert error_code(excinfo) == "InvalidSignatureException"
    with pytest.raises(ClientError) as excinfo:
        client(server, "iam", key, "not-the-secret").list_users()
    assert error_code(excinfo) == "SignatureDoesNotMatch"


@pytest.mark.parametrize("minutes", [-20, 20])
def test_skewed_requests_are_refused(server, root, minutes):
    skewed = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=skewed):
        with pytest.raises(ClientError) as excinfo:
            client(server, "sts", *root).get_caller_identity()
        assert error_code(excinfo) == "RequestTimeTooSkewed"
        with pytest.raises(ClientError) as excinfo:
            client(server, "dynamodb", *root).list_tables()
        assert error_code(excinfo) == "InvalidSignatureException"
        assert "Signature expired" in str(excinfo.value) or "not yet current" in str(excinfo.value)


def test_a_ten_minute_skew_is_accepted(server, root):
    skewed = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=10)
    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=skewed):
        assert client(server, "sts", *root).get_caller_identity()["Arn"].endswith(":root")


def test_presigned_urls_work_until_they_expire(server, root):
    sts = client(server, "sts", *root)
    url = sts.generate_presigned_url("get_caller_identity", ExpiresIn=2)
    assert "X-Amz-Signature=" in url
    # botocore signs the operation's own method (POST for STS), with an empty body.
    answer = requests.post(url, timeout=10)
    assert answer.status_code == 200, answer.text
    assert f"<Arn>arn:aws:iam::{ACCOUNT}:root</Arn>" in answer.text

    tampered = url.replace("X-Amz-Expires=2", "X-Amz-Expires=3")
    assert "<Code>SignatureDoesNotMatch</Code>" in requests.post(tampered, timeout=10).text
    assert "<Code>SignatureDoesNotMatch</Code>" in requests.get(url, timeout=10).text

    time.sleep(3.5)
    expired = requests.post(url, timeout=10)
    assert expired.status_code == 403
    assert "<Code>RequestExpired</Code>" in expired.text


@pytest.fixture(scope="module")
def reader(server, root):
    """A user whose only policy is AWS's AmazonDynamoDBReadOnlyAccess."""
    iam = client(server, "iam", *root)
    name = unique("reader")
    iam.create_user(UserName=name)
    iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return name, key["AccessKeyId"], key["SecretAccessKey"]


def test_a_read_only_user_can_list_but_not_create(server, root, reader):
    name, key, secret = reader
    table = unique("ro")
    client(server, "dynamodb", *root).create_table(
        TableName=table, AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    dynamodb = client(server, "dynamodb", key, secret)
    assert table in dynamodb.list_tables()["TableNames"]
    assert dynamodb.get_item(TableName=table, Key={"k": {"S": "x"}}).get("Item") is None
    with pytest.raises(ClientError) as excinfo:
        dynamodb.put_item(TableName=table, Item={"k": {"S": "x"}})
    assert error_code(excinfo) == "AccessDeniedException"
    message = excinfo.value.response["Error"]["Message"]
    assert f"arn:aws:iam::{ACCOUNT}:user/{name} is not authorized to perform: dynamodb:PutItem" in message
    assert f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/{table}" in message

    # The AWS CLI sees the same.
    assert cli(server, key, secret, "dynamodb", "list-tables").returncode == 0
    created = cli(server, key, secret, "dynamodb", "create-table", "--table-name", unique("no"),
                  "--attribute-definitions", "AttributeName=k,AttributeType=S", "--key-schema", "AttributeName=k,KeyType=HASH",
                  "--billing-mode", "PAY_PER_REQUEST")
    assert created.returncode != 0
    assert "AccessDeniedException" in created.stderr
    # Lambda: the read-only policy lists functions but may not create one.
    lam = client(server, "lambda", key, secret)
    assert "Functions" in lam.list_functions()
    with pytest.raises(ClientError) as excinfo:
        lam.create_function(FunctionName=unique("f"), Runtime="nodejs20.x", Role=f"arn:aws:iam::{ACCOUNT}:role/r",
                            Handler="index.handler", Code={"ZipFile": b"PK"})
    assert error_code(excinfo) == "AccessDeniedException"


def test_an_explicit_deny_wins(server, root, reader):
    name, key, secret = reader
    iam = client(server, "iam", *root)
    iam.put_user_policy(UserName=name, PolicyName="NoList", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "dynamodb:ListTables", "Resource": "*"}]}))
    try:
        with pytest.raises(ClientError) as excinfo:
            client(server, "dynamodb", key, secret).list_tables()
        assert "explicit deny" in excinfo.value.response["Error"]["Message"]
    finally:
        iam.delete_user_policy(UserName=name, PolicyName="NoList")
    client(server, "dynamodb", key, secret).list_tables()


def test_get_caller_identity_for_users_and_roles(server, root, reader):
    name, key, secret = reader
    user = client(server, "sts", key, secret).get_caller_identity()
    assert user["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{name}"
    assert user["UserId"].startswith("AIDA")

    iam = client(server, "iam", *root)
    role = unique("role")
    iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:user/{name}"}, "Action": "sts:AssumeRole"}]}))
    creds = client(server, "sts", key, secret).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="s1", DurationSeconds=900)
    c = creds["Credentials"]
    assert c["AccessKeyId"].startswith("ASIA")
    assert creds["AssumedRoleUser"]["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s1"
    session = client(server, "sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    assert session.get_caller_identity()["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s1"

    # The session may do what the role's policies allow, and nothing else.
    dynamodb = client(server, "dynamodb", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    with pytest.raises(ClientError) as excinfo:
        dynamodb.list_tables()
    assert error_code(excinfo) == "AccessDeniedException"
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess")
    dynamodb.list_tables()

    # Without its session token the temporary key is not valid.
    with pytest.raises(ClientError) as excinfo:
        client(server, "sts", c["AccessKeyId"], c["SecretAccessKey"]).get_caller_identity()
    assert error_code(excinfo) == "InvalidClientTokenId"

    # The AWS CLI, with the session's credentials.
    proc = cli(server, c["AccessKeyId"], c["SecretAccessKey"], "sts", "get-caller-identity", token=c["SessionToken"])
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/s1"


def test_a_role_that_does_not_trust_the_caller_cannot_be_assumed(server, root, reader):
    name, key, secret = reader
    role = unique("lambda-only")
    client(server, "iam", *root).create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    with pytest.raises(ClientError) as excinfo:
        client(server, "sts", key, secret).assume_role(RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{role}", RoleSessionName="denied")
    assert error_code(excinfo) == "AccessDenied"


def test_session_tokens_act_as_the_user(server, reader):
    name, key, secret = reader
    c = client(server, "sts", key, secret).get_session_token(DurationSeconds=900)["Credentials"]
    session = client(server, "sts", c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"])
    assert session.get_caller_identity()["Arn"].endswith(f":user/{name}")


def test_inactive_keys_are_refused(server, root):
    iam = client(server, "iam", *root)
    name = unique("inactive")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    assert [k["Status"] for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]] == ["Active"]
    iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as excinfo:
        client(server, "sts", key["AccessKeyId"], key["SecretAccessKey"]).get_caller_identity()
    assert error_code(excinfo) == "InvalidClientTokenId"
    iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName=name)


def test_simulate_principal_policy(server, root, reader):
    name, _, _ = reader
    iam = client(server, "iam", *root)
    results = iam.simulate_principal_policy(
        PolicySourceArn=f"arn:aws:iam::{ACCOUNT}:user/{name}", ActionNames=["dynamodb:GetItem", "dynamodb:PutItem"],
        ResourceArns=[f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t"])["EvaluationResults"]
    assert {r["EvalActionName"]: r["EvalDecision"] for r in results} == {"dynamodb:GetItem": "allowed", "dynamodb:PutItem": "implicitDeny"}
    custom = iam.simulate_custom_policy(
        PolicyInputList=[json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},
            {"Effect": "Deny", "Action": "lambda:DeleteFunction", "Resource": "*"}]})],
        ActionNames=["lambda:InvokeFunction", "lambda:DeleteFunction", "dynamodb:GetItem"])["EvaluationResults"]
    assert [r["EvalDecision"] for r in custom] == ["allowed", "explicitDeny", "implicitDeny"]


def test_malformed_policies_are_refused_with_iams_messages(server, root):
    iam = client(server, "iam", *root)
    with pytest.raises(ClientError) as excinfo:
        iam.create_policy(PolicyName=unique("bad"), PolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"GetItem","Resource":"*"}]}')
    assert error_code(excinfo) == "MalformedPolicyDocument"
    assert excinfo.value.response["Error"]["Message"] == "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
    with pytest.raises(ClientError) as excinfo:
        iam.create_role(RoleName=unique("bad"), AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}')
    assert excinfo.value.response["Error"]["Message"] == "Missing required field Principal"


def test_customer_managed_policies_with_versions(server, root, reader):
    name, key, secret = reader
    iam = client(server, "iam", *root)
    v1 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "*"}]}
    arn = iam.create_policy(PolicyName=unique("logs"), PolicyDocument=json.dumps(v1))["Policy"]["Arn"]
    assert arn.startswith(f"arn:aws:iam::{ACCOUNT}:policy/")
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    logs = client(server, "logs", key, secret)
    logs.describe_log_groups()
    v2 = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:CreateLogGroup", "Resource": "*"}]}
    assert iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(v2), SetAsDefault=True)["PolicyVersion"]["VersionId"] == "v2"
    with pytest.raises(ClientError) as excinfo:
        logs.describe_log_groups()
    assert error_code(excinfo) == "AccessDeniedException"
    assert iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"] == v1
    iam.set_default_policy_version(PolicyArn=arn, VersionId="v1")
    logs.describe_log_groups()
    assert [p["PolicyArn"] for p in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]].count(arn) == 1
    iam.detach_user_policy(UserName=name, PolicyArn=arn)
    iam.delete_policy_version(PolicyArn=arn, VersionId="v2")
    iam.delete_policy(PolicyArn=arn)


def test_a_user_may_invoke_only_the_function_its_policy_names(server, root):
    from conftest import ROLE, make_zip
    lam_root = client(server, "lambda", *root)
    # Enforce checks that the execution role exists and trusts Lambda.
    try:
        client(server, "iam", *root).create_role(RoleName=ROLE.split("/")[-1], AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    except ClientError as e:
        assert e.response["Error"]["Code"] == "EntityAlreadyExists"
    allowed, other = unique("allowed"), unique("other")
    code = make_zip({"index.js": "exports.handler = async (e) => ({ok: e.n + 1});"})
    for name in (allowed, other):
        lam_root.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=ROLE, Code={"ZipFile": code})
    iam = client(server, "iam", *root)
    user = unique("invoker")
    iam.create_user(UserName=user)
    arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{allowed}"
    iam.put_user_policy(UserName=user, PolicyName="InvokeOne", PolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": [arn, arn + ":*"]}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    lam = client(server, "lambda", key["AccessKeyId"], key["SecretAccessKey"])
    # By name, by ARN (':' percent-encoded in the signed path) and with a qualifier.
    for function_name, extra in ((allowed, {}), (arn, {}), (allowed, {"Qualifier": "$LATEST"})):
        out = lam.invoke(FunctionName=function_name, Payload=json.dumps({"n": 1}), **extra)
        assert json.load(out["Payload"]) == {"ok": 2}
    with pytest.raises(ClientError) as excinfo:
        lam.invoke(FunctionName=other, Payload=b"{}")
    assert error_code(excinfo) == "AccessDeniedException"
    assert f"lambda:InvokeFunction on resource: arn:aws:lambda:us-east-1:{ACCOUNT}:function:{other}" in excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        lam.delete_function(FunctionName=allowed)
    assert error_code(excinfo) == "AccessDeniedException"
    # The AWS CLI signs the same way.
    proc = cli(server, key["AccessKeyId"], key["SecretAccessKey"], "lambda", "invoke", "--function-name", arn,
               "--payload", '{"n": 41}', "/dev/stdout")
    assert proc.returncode == 0, proc.stderr
    assert '{"ok":42}' in proc.stdout


def test_account_authorization_details(server, root, reader):
    name, _, _ = reader
    iam = client(server, "iam", *root)
    details = iam.get_account_authorization_details()
    users = {u["UserName"]: u for u in details["UserDetailList"]}
    assert [p["PolicyArn"] for p in users[name]["AttachedManagedPolicies"]] == ["arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess"]
    assert any(p["Arn"] == "arn:aws:iam::aws:policy/AmazonDynamoDBReadOnlyAccess" and p["PolicyVersionList"][0]["Document"]["Version"] == "2012-10-17"
               for p in details["Policies"])
    roles = iam.get_account_authorization_details(Filter=["Role"])
    assert roles["UserDetailList"] == [] and all("AssumeRolePolicyDocument" in r for r in roles["RoleDetailList"])


def test_leading_keys_confine_a_user_to_its_own_items(server, root):
    """AWS's documented fine-grained access: ForAllValues:StringEquals on dynamodb:LeadingKeys = ${aws:username}."""
    table = unique("notes")
    ddb_root = client(server, "dynamodb", *root)
    ddb_root.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "owner", "AttributeType": "S"},
                                                                 {"AttributeName": "id", "AttributeType": "N"}],
                          KeySchema=[{"AttributeName": "owner", "KeyType": "HASH"}, {"AttributeName": "id", "KeyType": "RANGE"}],
                          BillingMode="PAY_PER_REQUEST")
    iam = client(server, "iam", *root)
    name = unique("alice")
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="OwnItems", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"],
                       "Resource": f"arn:aws:dynamodb:*:*:table/{table}",
                       "Condition": {"ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["${aws:username}"]}}}]}))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    ddb = client(server, "dynamodb", key["AccessKeyId"], key["SecretAccessKey"])
    ddb.put_item(TableName=table, Item={"owner": {"S": name}, "id": {"N": "1"}})
    assert ddb.get_item(TableName=table, Key={"owner": {"S": name}, "id": {"N": "1"}})["Item"]["owner"]["S"] == name
    assert ddb.query(TableName=table, KeyConditionExpression="#o = :me", ExpressionAttributeNames={"#o": "owner"},
                     ExpressionAttributeValues={":me": {"S": name}})["Count"] == 1
    for call in (lambda: ddb.put_item(TableName=table, Item={"owner": {"S": "someone-else"}, "id": {"N": "1"}}),
                 lambda: ddb.get_item(TableName=table, Key={"owner": {"S": "someone-else"}, "id": {"N": "1"}}),
                 lambda: ddb.query(TableName=table, KeyConditionExpression="#o = :x", ExpressionAttributeNames={"#o": "owner"},
                                   ExpressionAttributeValues={":x": {"S": "someone-else"}})):
        with pytest.raises(ClientError) as excinfo:
            call()
        assert error_code(excinfo) == "AccessDeniedException"
