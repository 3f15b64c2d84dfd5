"""Queue policies (the `Policy` attribute) under `--iam enforce`, evaluated with the caller's own
policies as AWS does: a queue policy grants a user of the account or another account, and its
explicit Deny wins over the caller's identity policy. Real server, boto3 and the AWS CLI."""
import json
import uuid

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from conftest import PetrelProcess
from iam_helpers import cli, client, other_account_credentials, root_credentials

ACCOUNT = "000000000000"
OTHER = "222233334444"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("sqs-policy")), ["--iam", "enforce", "--other-account", OTHER]).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def root(server):
    return root_credentials(server)


@pytest.fixture(scope="module")
def other(server):
    return other_account_credentials(server, OTHER)


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def queue(root_sqs, policy=None):
    url = root_sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{url.rsplit('/', 1)[1]}"
    if policy:
        root_sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps(policy(arn))})
    return url, arn


def user(server, root, policy=None):
    iam = client(server, "iam", *root)
    name = unique("u")
    arn = iam.create_user(UserName=name)["User"]["Arn"]
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps(policy))
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return arn, (key["AccessKeyId"], key["SecretAccessKey"])


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_a_queue_policy_grants_a_user_without_identity_policies(server, root):
    sqs = client(server, "sqs", *root)
    user_arn, key = user(server, root)
    url, _ = queue(sqs, lambda arn: {"Version": "2012-10-17", "Statement": [
        {"Sid": "Producer", "Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sqs:SendMessage", "Resource": arn}]})
    producer = client(server, "sqs", *key)
    producer.send_message(QueueUrl=url, MessageBody="granted by the queue")
    with pytest.raises(ClientError) as denied:
        producer.receive_message(QueueUrl=url)
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "sqs:ReceiveMessage" in denied.value.response["Error"]["Message"]
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "granted by the queue"
    # The same through the AWS CLI (SQS's JSON protocol), with the user's key.
    sent = cli(server, *key, "sqs", "send-message", "--queue-url", url, "--message-body", "from the cli")
    assert sent.returncode == 0, sent.stderr
    refused = cli(server, *key, "sqs", "purge-queue", "--queue-url", url)
    assert refused.returncode != 0 and "sqs:PurgeQueue" in refused.stderr


def test_an_explicit_deny_in_the_queue_policy_beats_the_users_allow(server, root):
    sqs = client(server, "sqs", *root)
    user_arn, key = user(server, root, {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"}]})
    url, _ = queue(sqs, lambda arn: {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoDeletes", "Effect": "Deny", "Principal": {"AWS": user_arn}, "Action": "sqs:DeleteQueue", "Resource": arn}]})
    worker = client(server, "sqs", *key)
    worker.send_message(QueueUrl=url, MessageBody="allowed by the user's policy")
    with pytest.raises(ClientError) as denied:
        worker.delete_queue(QueueUrl=url)
    assert "explicit deny" in denied.value.response["Error"]["Message"]
    assert sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1])["QueueUrl"] == url  # still there


def test_another_account_needs_the_queue_policy(server, root, other):
    sqs = client(server, "sqs", *root)
    open_url, _ = queue(sqs, lambda arn: {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{OTHER}:root"}, "Action": ["sqs:SendMessage", "sqs:GetQueueAttributes"], "Resource": arn}]})
    closed_url, _ = queue(sqs)
    theirs = client(server, "sqs", *other)
    theirs.send_message(QueueUrl=open_url, MessageBody="across accounts")
    assert sqs.receive_message(QueueUrl=open_url)["Messages"][0]["Body"] == "across accounts"
    with pytest.raises(ClientError) as denied:
        theirs.send_message(QueueUrl=closed_url, MessageBody="no")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_a_changed_policy_applies_to_the_next_call(server, root):
    sqs = client(server, "sqs", *root)
    user_arn, key = user(server, root)
    url, arn = queue(sqs)
    producer = client(server, "sqs", *key)
    with pytest.raises(ClientError):
        producer.send_message(QueueUrl=url, MessageBody="before")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": user_arn}, "Action": "sqs:SendMessage", "Resource": arn}]})})
    producer.send_message(QueueUrl=url, MessageBody="after")
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    with pytest.raises(ClientError):
        producer.send_message(QueueUrl=url, MessageBody="removed")


@pytest.mark.parametrize("policy", ['{"Version": "2012-10-17"}', '[1]', '{"Statement": [{"Effect": "Maybe", "Action": "sqs:*", "Resource": "*"}]}'])
def test_a_policy_that_is_not_iams_grammar_is_refused(server, root, policy):
    sqs = client(server, "sqs", *root)
    url, _ = queue(sqs)
    with pytest.raises(ClientError) as refused:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    assert error_code(refused) == "InvalidAttributeValue"
    assert "Policy" in refused.value.response["Error"]["Message"]


def test_the_accounts_root_is_bound_by_an_explicit_deny(server, root):
    sqs = client(server, "sqs", *root)
    url, arn = queue(sqs, lambda arn: {"Version": "2012-10-17", "Statement": [
        {"Sid": "NoSends", "Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sqs:SendMessage", "Resource": arn}]})
    with pytest.raises(ClientError) as denied:
        sqs.send_message(QueueUrl=url, MessageBody="refused")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "explicit deny" in denied.value.response["Error"]["Message"]
    # What the Deny does not name, the root still may: it lifts the Deny.
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    sqs.send_message(QueueUrl=url, MessageBody="allowed again")


def unsigned_sqs(server):
    return boto3.client("sqs", endpoint_url=server.endpoint, region_name="us-east-1",
                        config=Config(signature_version=UNSIGNED, retries={"max_attempts": 0}))


def test_an_anonymous_request_needs_a_policy_granting_everyone(server, root):
    sqs = client(server, "sqs", *root)
    open_url, _ = queue(sqs, lambda arn: {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage", "Resource": arn}]})
    closed_url, _ = queue(sqs)
    anonymous = unsigned_sqs(server)
    anonymous.send_message(QueueUrl=open_url, MessageBody="from nobody")
    assert sqs.receive_message(QueueUrl=open_url)["Messages"][0]["Body"] == "from nobody"
    for call in (lambda: anonymous.receive_message(QueueUrl=open_url), lambda: anonymous.send_message(QueueUrl=closed_url, MessageBody="no")):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
        assert "AccessDenied" in denied.value.response["Error"]["Code"]
    # The query protocol, unsigned, to the queue's URL.
    sent = requests.post(open_url, data={"Action": "SendMessage", "MessageBody": "by form", "Version": "2012-11-05"})
    assert sent.status_code == 200, sent.text
    refused = requests.post(closed_url, data={"Action": "SendMessage", "MessageBody": "by form", "Version": "2012-11-05"})
    assert refused.status_code == 403 and "<Code>AccessDenied</Code>" in refused.text
