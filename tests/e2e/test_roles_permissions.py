"""Functions' resource-based policies (AddPermission, RemovePermission, GetPolicy) under
`--iam enforce`: another account's principal may invoke a function only once a permission names
it, with boto3 and the AWS CLI."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import PETREL_BIN, PetrelProcess, make_zip, unique
from iam_helpers import LAMBDA_TRUST, cli, client, other_account_credentials, root_credentials

ACCOUNT, OTHER = "000000000000", "111111111111"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("roles-permissions")), ["--iam", "enforce", "--other-account", OTHER]).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def root(server):
    return root_credentials(server)


@pytest.fixture(scope="module")
def other(server):
    return other_account_credentials(server, OTHER)


@pytest.fixture(scope="module")
def function(server, root):
    iam = client(server, "iam", *root)
    role = unique("role")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    name = unique("shared")
    client(server, "lambda", *root).create_function(
        FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=arn,
        Code={"ZipFile": make_zip({"index.js": "exports.handler = async (e) => ({got: e.n});"})})
    return name, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_the_other_accounts_root_is_itself(server, other):
    assert client(server, "sts", *other).get_caller_identity()["Arn"] == f"arn:aws:iam::{OTHER}:root"
    proc = __import__("subprocess").run([PETREL_BIN, "credentials", "--data-dir", server.data_dir, "--account", OTHER],
                                        capture_output=True, text=True, timeout=30)
    assert proc.returncode == 0 and f"export AWS_ACCESS_KEY_ID={other[0]}" in proc.stdout


def test_another_account_may_invoke_only_after_add_permission(server, root, other, function):
    name, arn = function
    theirs, ours = client(server, "lambda", *other), client(server, "lambda", *root)
    with pytest.raises(ClientError) as excinfo:
        theirs.invoke(FunctionName=arn, Payload=b'{"n": 1}')
    assert code(excinfo) == "AccessDeniedException"
    assert (f"User: arn:aws:iam::{OTHER}:root is not authorized to perform: lambda:InvokeFunction on resource: {arn} "
            "because no resource-based policy allows the lambda:InvokeFunction action") == excinfo.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as excinfo:
        ours.get_policy(FunctionName=name)
    assert code(excinfo) == "ResourceNotFoundException"

    added = ours.add_permission(FunctionName=name, StatementId="other-account", Action="lambda:InvokeFunction", Principal=OTHER)
    statement = json.loads(added["Statement"])
    assert statement == {"Sid": "other-account", "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"},
                         "Action": "lambda:InvokeFunction", "Resource": arn}
    assert json.load(theirs.invoke(FunctionName=arn, Payload=b'{"n": 7}')["Payload"]) == {"got": 7}
    # The permission is for Invoke only.
    with pytest.raises(ClientError) as excinfo:
        theirs.get_function(FunctionName=arn)
    assert code(excinfo) == "AccessDeniedException"

    policy = ours.get_policy(FunctionName=name)
    document = json.loads(policy["Policy"])
    assert document["Version"] == "2012-10-17" and document["Statement"] == [statement]
    with pytest.raises(ClientError) as excinfo:
        ours.add_permission(FunctionName=name, StatementId="other-account", Action="lambda:InvokeFunction", Principal=OTHER)
    assert code(excinfo) == "ResourceConflictException"
    with pytest.raises(ClientError) as excinfo:
        ours.remove_permission(FunctionName=name, StatementId="other-account", RevisionId="not-the-revision")
    assert code(excinfo) == "PreconditionFailedException"
    with pytest.raises(ClientError) as excinfo:
        ours.remove_permission(FunctionName=name, StatementId="nobody")
    assert code(excinfo) == "ResourceNotFoundException"

    ours.remove_permission(FunctionName=name, StatementId="other-account", RevisionId=policy["RevisionId"])
    with pytest.raises(ClientError) as excinfo:
        theirs.invoke(FunctionName=arn, Payload=b'{"n": 1}')
    assert code(excinfo) == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        ours.get_policy(FunctionName=name)
    assert code(excinfo) == "ResourceNotFoundException"


def test_the_aws_cli_and_conditions(server, root, other, function):
    name, arn = function
    proc = cli(server, *root, "lambda", "add-permission", "--function-name", name, "--statement-id", "from-bucket",
               "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com",
               "--source-arn", "arn:aws:s3:::uploads", "--source-account", ACCOUNT)
    assert proc.returncode == 0, proc.stderr
    statement = json.loads(json.loads(proc.stdout)["Statement"])
    assert statement["Principal"] == {"Service": "s3.amazonaws.com"}
    assert statement["Condition"] == {"ArnLike": {"AWS:SourceArn": "arn:aws:s3:::uploads"},
                                      "StringEquals": {"AWS:SourceAccount": ACCOUNT}}
    # A service's permission does not let the other account in.
    with pytest.raises(ClientError):
        client(server, "lambda", *other).invoke(FunctionName=arn, Payload=b"{}")
    proc = cli(server, *root, "lambda", "get-policy", "--function-name", name)
    assert proc.returncode == 0 and "from-bucket" in json.loads(proc.stdout)["Policy"]
    bad = cli(server, *root, "lambda", "add-permission", "--function-name", name, "--statement-id", "x",
              "--action", "lambda:InvokeFunction", "--principal", "bob")
    assert bad.returncode != 0 and "InvalidParameterValueException" in bad.stderr
    missing = cli(server, *root, "lambda", "add-permission", "--function-name", unique("nope"), "--statement-id", "x",
                  "--action", "lambda:InvokeFunction", "--principal", OTHER)
    assert missing.returncode != 0 and "ResourceNotFoundException" in missing.stderr
    assert cli(server, *root, "lambda", "remove-permission", "--function-name", name, "--statement-id", "from-bucket").returncode == 0


def test_a_same_account_user_named_by_the_policy_needs_no_identity_policy(server, root, function):
    name, arn = function
    iam = client(server, "iam", *root)
    user = unique("caller")
    user_arn = iam.create_user(UserName=user)["User"]["Arn"]
    key = iam.create_access_key(UserName=user)["AccessKey"]
    theirs = client(server, "lambda", key["AccessKeyId"], key["SecretAccessKey"])
    with pytest.raises(ClientError) as excinfo:
        theirs.invoke(FunctionName=name, Payload=b"{}")
    assert code(excinfo) == "AccessDeniedException"
    client(server, "lambda", *root).add_permission(FunctionName=name, StatementId="one-user", Action="lambda:InvokeFunction", Principal=user_arn)
    try:
        assert json.load(theirs.invoke(FunctionName=name, Payload=b'{"n": 3}')["Payload"]) == {"got": 3}
    finally:
        client(server, "lambda", *root).remove_permission(FunctionName=name, StatementId="one-user")


def test_a_permission_on_an_alias_covers_that_alias_only(server, root, other, function):
    name, arn = function
    ours, theirs = client(server, "lambda", *root), client(server, "lambda", *other)
    version = ours.publish_version(FunctionName=name)["Version"]
    ours.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
    ours.add_permission(FunctionName=name, Qualifier="live", StatementId="live-only", Action="lambda:InvokeFunction", Principal=OTHER)
    statement = json.loads(ours.get_policy(FunctionName=name, Qualifier="live")["Policy"])["Statement"][0]
    assert statement["Resource"] == f"{arn}:live"
    assert json.load(theirs.invoke(FunctionName=f"{arn}:live", Payload=b'{"n": 5}')["Payload"]) == {"got": 5}
    with pytest.raises(ClientError) as excinfo:
        theirs.invoke(FunctionName=arn, Payload=b"{}")
    assert code(excinfo) == "AccessDeniedException"
    with pytest.raises(ClientError) as excinfo:
        ours.get_policy(FunctionName=name)
    assert code(excinfo) == "ResourceNotFoundException"
