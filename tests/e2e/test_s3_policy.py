"""IAM for S3 under `--iam enforce`, as AWS evaluates it: users, roles and a function's execution
role are allowed S3 as their policies say; a bucket policy grants other accounts and anonymous
callers and its explicit Deny binds everyone; the public access block and object ownership are
enforced. Real server, boto3, the AWS CLI, unsigned HTTP."""
import json
import uuid

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import PetrelProcess, make_zip
from iam_helpers import BASIC, LAMBDA_TRUST, cli, client, other_account_credentials, root_credentials

ACCOUNT = "000000000000"
OTHER = "222233334444"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("s3-policy")), ["--iam", "enforce", "--other-account", OTHER]).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def root(server):
    return root_credentials(server)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def new_bucket(server, root, objects=()):
    s3 = client(server, "s3", *root)
    name = unique("pol")
    s3.create_bucket(Bucket=name)
    for key in objects:
        s3.put_object(Bucket=name, Key=key, Body=f"body of {key}".encode())
    return name


def user(server, root, policy=None):
    iam = client(server, "iam", *root)
    name = unique("u")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, (key["AccessKeyId"], key["SecretAccessKey"])


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def put_policy(server, root, bucket, *statements):
    client(server, "s3", *root).put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": list(statements)}))


def public_read(bucket):
    return {"Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/*"}


def test_a_user_reads_under_the_prefix_its_policy_names(server, root):
    bucket = new_bucket(server, root, ["reports/q1.csv", "private/salaries.csv"])
    _, key = user(server, root, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/reports/*"},
        {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": f"arn:aws:s3:::{bucket}",
         "Condition": {"StringLike": {"s3:prefix": "reports/*"}}}]})
    s3 = client(server, "s3", *key)
    assert s3.get_object(Bucket=bucket, Key="reports/q1.csv")["Body"].read() == b"body of reports/q1.csv"
    with pytest.raises(ClientError) as denied:
        s3.get_object(Bucket=bucket, Key="private/salaries.csv")
    assert code(denied) == "AccessDenied"
    assert "s3:GetObject" in denied.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as denied:
        s3.put_object(Bucket=bucket, Key="reports/q2.csv", Body=b"x")
    assert code(denied) == "AccessDenied"
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="reports/")
    assert [o["Key"] for o in listed["Contents"]] == ["reports/q1.csv"]
    with pytest.raises(ClientError) as denied:
        s3.list_objects_v2(Bucket=bucket)
    assert code(denied) == "AccessDenied"
    # The AWS CLI, with the user's key.
    assert cli(server, *key, "s3api", "get-object", "--bucket", bucket, "--key", "reports/q1.csv", "/dev/null").returncode == 0
    refused = cli(server, *key, "s3", "cp", f"s3://{bucket}/private/salaries.csv", "-")
    assert refused.returncode != 0 and "403" in refused.stderr


def test_an_explicit_deny_in_the_bucket_policy_binds_allowed_users_and_root(server, root):
    bucket = new_bucket(server, root, ["open/a", "sealed/b"])
    _, key = user(server, root, {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]})
    put_policy(server, root, bucket, {"Sid": "Sealed", "Effect": "Deny", "Principal": "*", "Action": "s3:GetObject",
                                      "Resource": f"arn:aws:s3:::{bucket}/sealed/*"})
    for who in (key, root):
        s3 = client(server, "s3", *who)
        assert s3.get_object(Bucket=bucket, Key="open/a")["Body"].read() == b"body of open/a"
        with pytest.raises(ClientError) as denied:
            s3.get_object(Bucket=bucket, Key="sealed/b")
        assert code(denied) == "AccessDenied"
    root_s3 = client(server, "s3", *root)
    assert json.loads(root_s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"][0]["Sid"] == "Sealed"
    assert root_s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is False
    root_s3.delete_bucket_policy(Bucket=bucket)
    assert client(server, "s3", *key).get_object(Bucket=bucket, Key="sealed/b")["Body"].read() == b"body of sealed/b"
    with pytest.raises(ClientError) as missing:
        root_s3.get_bucket_policy(Bucket=bucket)
    assert code(missing) == "NoSuchBucketPolicy"


def test_anonymous_reads_need_a_public_policy_and_stop_under_the_public_access_block(server, root):
    bucket = new_bucket(server, root, ["index.html"])
    url = f"{server.endpoint}/{bucket}/index.html"
    assert requests.get(url).status_code == 403
    put_policy(server, root, bucket, public_read(bucket))
    assert client(server, "s3", *root).get_bucket_policy_status(Bucket=bucket)["PolicyStatus"]["IsPublic"] is True
    response = requests.get(url)
    assert response.status_code == 200 and response.content == b"body of index.html"
    # boto3 without credentials signs nothing.
    anonymous = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1",
                             config=Config(signature_version=UNSIGNED, retries={"max_attempts": 0}))
    assert anonymous.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"body of index.html"
    with pytest.raises(ClientError) as denied:
        anonymous.put_object(Bucket=bucket, Key="defaced.html", Body=b"x")
    assert code(denied) == "AccessDenied"
    with pytest.raises(ClientError) as denied:
        anonymous.list_objects_v2(Bucket=bucket)
    assert code(denied) == "AccessDenied"
    s3 = client(server, "s3", *root)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"RestrictPublicBuckets": True})
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": False, "RestrictPublicBuckets": True}
    assert requests.get(url).status_code == 403
    assert s3.get_object(Bucket=bucket, Key="index.html")["Body"].read() == b"body of index.html"
    s3.delete_public_access_block(Bucket=bucket)
    assert requests.get(url).status_code == 200
    with pytest.raises(ClientError) as missing:
        s3.get_public_access_block(Bucket=bucket)
    assert code(missing) == "NoSuchPublicAccessBlockConfiguration"


def test_block_public_policy_refuses_a_public_policy(server, root):
    bucket = new_bucket(server, root)
    s3 = client(server, "s3", *root)
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={"BlockPublicPolicy": True})
    with pytest.raises(ClientError) as denied:
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps({"Version": "2012-10-17", "Statement": [public_read(bucket)]}))
    assert code(denied) == "AccessDenied"
    assert "BlockPublicPolicy" in denied.value.response["Error"]["Message"]
    # A grant to one account is not public.
    put_policy(server, root, bucket, {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": "s3:GetObject",
                                      "Resource": f"arn:aws:s3:::{bucket}/*"})


@pytest.mark.parametrize("policy, message", [
    ("nope", "Policies must be valid JSON and the first byte must be '{'"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::BUCKET/*"}]},
     "Missing required field Principal"),
    ({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::elsewhere/*"}]},
     "Policy has invalid resource"),
])
def test_a_malformed_policy_is_refused(server, root, policy, message):
    bucket = new_bucket(server, root)
    text = policy if isinstance(policy, str) else json.dumps(policy).replace("BUCKET", bucket)
    with pytest.raises(ClientError) as refused:
        client(server, "s3", *root).put_bucket_policy(Bucket=bucket, Policy=text)
    assert code(refused) == "MalformedPolicy"
    assert refused.value.response["Error"]["Message"] == message


def test_another_account_reads_through_the_bucket_policy(server, root):
    bucket = new_bucket(server, root, ["shared/x", "mine/y"])
    theirs = client(server, "s3", *other_account_credentials(server, OTHER))
    with pytest.raises(ClientError) as denied:
        theirs.get_object(Bucket=bucket, Key="shared/x")
    assert code(denied) == "AccessDenied"
    put_policy(server, root, bucket, {"Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": "s3:GetObject",
                                      "Resource": f"arn:aws:s3:::{bucket}/shared/*"})
    assert theirs.get_object(Bucket=bucket, Key="shared/x")["Body"].read() == b"body of shared/x"
    with pytest.raises(ClientError) as denied:
        theirs.get_object(Bucket=bucket, Key="mine/y")
    assert code(denied) == "AccessDenied"


def test_ownership_controls_and_acls(server, root):
    bucket = new_bucket(server, root, ["k"])
    s3 = client(server, "s3", *root)
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    acl = s3.get_bucket_acl(Bucket=bucket)
    assert [g["Permission"] for g in acl["Grants"]] == ["FULL_CONTROL"]
    assert acl["Grants"][0]["Grantee"]["ID"] == acl["Owner"]["ID"]
    assert [g["Permission"] for g in s3.get_object_acl(Bucket=bucket, Key="k")["Grants"]] == ["FULL_CONTROL"]
    s3.put_bucket_acl(Bucket=bucket, ACL="private")
    for call in (lambda: s3.put_bucket_acl(Bucket=bucket, ACL="public-read"),
                 lambda: s3.put_object_acl(Bucket=bucket, Key="k", ACL="public-read"),
                 lambda: s3.put_object(Bucket=bucket, Key="k2", Body=b"x", ACL="public-read")):
        with pytest.raises(ClientError) as refused:
            call()
        assert code(refused) == "AccessControlListNotSupported"
    s3.put_bucket_ownership_controls(Bucket=bucket, OwnershipControls={"Rules": [{"ObjectOwnership": "ObjectWriter"}]})
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "ObjectWriter"}]
    s3.delete_bucket_ownership_controls(Bucket=bucket)
    with pytest.raises(ClientError) as missing:
        s3.get_bucket_ownership_controls(Bucket=bucket)
    assert code(missing) == "OwnershipControlsNotFoundError"


def test_a_function_reads_what_its_role_allows(server, root):
    bucket = new_bucket(server, root, ["allowed/data.txt", "forbidden/data.txt"])
    iam = client(server, "iam", *root)
    role = unique("role")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=BASIC)
    iam.put_role_policy(RoleName=role, PolicyName="read-allowed", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{bucket}/allowed/*"}]}))
    src = ("import boto3\n"
           "from botocore.config import Config\n"
           "def handler(event, context):\n"
           "    s3 = boto3.client('s3', config=Config(s3={'addressing_style': 'path'}))\n"
           "    out = {}\n"
           "    for key in ('allowed/data.txt', 'forbidden/data.txt'):\n"
           "        try:\n"
           "            out[key] = s3.get_object(Bucket=event['bucket'], Key=key)['Body'].read().decode()\n"
           "        except Exception as e:\n"
           "            out[key] = e.response['Error']['Code']\n"
           "    return out\n")
    name = unique("reader")
    lam = client(server, "lambda", *root)
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=arn, Timeout=30,
                        Code={"ZipFile": make_zip({"app.py": src})})
    out = json.load(lam.invoke(FunctionName=name, Payload=json.dumps({"bucket": bucket}).encode())["Payload"])
    assert out == {"allowed/data.txt": "body of allowed/data.txt", "forbidden/data.txt": "AccessDenied"}


def test_audit_mode_serves_and_records_what_enforce_would_refuse(fresh_petrel):
    """`--iam audit` (the default on loopback): S3 is evaluated the same way; the request is served."""
    import subprocess
    from conftest import PETREL_BIN, wait_for
    server = fresh_petrel()
    iam = server.client("iam")
    name = unique("auditee")
    iam.create_user(UserName=name)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    bucket = unique("audited")
    server.client("s3").create_bucket(Bucket=bucket)
    s3 = client(server, "s3", key["AccessKeyId"], key["SecretAccessKey"])
    s3.put_object(Bucket=bucket, Key="notes/a.txt", Body=b"kept")
    assert s3.get_object(Bucket=bucket, Key="notes/a.txt")["Body"].read() == b"kept"
    user_arn = f"arn:aws:iam::{ACCOUNT}:user/{name}"

    def mine():
        proc = subprocess.run([PETREL_BIN, "iam", "audit", "--json", "--endpoint", server.endpoint],
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stderr
        found = {(f["action"], f["resource"]) for f in json.loads(proc.stdout)["findings"] if f["principal"] == user_arn}
        return found if len(found) >= 2 else None
    found = wait_for(mine)
    assert {("s3:PutObject", f"arn:aws:s3:::{bucket}/notes/a.txt"), ("s3:GetObject", f"arn:aws:s3:::{bucket}/notes/a.txt")} <= found


def test_delete_objects_answers_access_denied_per_key(server, root):
    """S3 checks s3:DeleteObject for each key of a DeleteObjects: the keys the caller may not
    delete come back as AccessDenied entries of a 200 DeleteResult, the others are deleted."""
    bucket = new_bucket(server, root, ["tmp/a", "tmp/b", "keep/c"])
    _, keys = user(server, root, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:DeleteObject", "Resource": f"arn:aws:s3:::{bucket}/tmp/*"}]})
    # A bucket policy's explicit Deny also binds per key.
    put_policy(server, root, bucket, {"Effect": "Deny", "Principal": "*", "Action": "s3:DeleteObject",
                                      "Resource": f"arn:aws:s3:::{bucket}/tmp/b"})
    answer = client(server, "s3", *keys).delete_objects(Bucket=bucket, Delete={"Objects": [
        {"Key": "tmp/a"}, {"Key": "tmp/b"}, {"Key": "keep/c"}]})
    assert answer["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert [d["Key"] for d in answer.get("Deleted", [])] == ["tmp/a"]
    assert sorted((e["Key"], e["Code"], e["Message"]) for e in answer["Errors"]) == [
        ("keep/c", "AccessDenied", "Access Denied"), ("tmp/b", "AccessDenied", "Access Denied")]
    s3 = client(server, "s3", *root)
    listed = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket) for o in page.get("Contents", [])]
    assert listed == ["keep/c", "tmp/b"]
