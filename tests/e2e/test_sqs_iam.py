"""SQS under `--iam enforce`: signatures are checked and IAM policies decide `sqs:Operation` on
the queue's ARN, in both protocols."""
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import PetrelProcess
from iam_helpers import client, root_credentials
from sqs_helpers import raw_query


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("sqs-iam")), ["--iam", "enforce"]).start()
    yield process
    process.stop()


def test_policies_decide_per_queue(server):
    root = root_credentials(server)
    iam, sqs = client(server, "iam", *root), client(server, "sqs", *root)
    allowed = sqs.create_queue(QueueName=f"allowed-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    other = sqs.create_queue(QueueName=f"other-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    arn = f"arn:aws:sqs:us-east-1:000000000000:{allowed.rsplit('/', 1)[1]}"
    user = f"worker-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="send", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage", "sqs:ReceiveMessage"], "Resource": arn}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    worker = client(server, "sqs", key["AccessKeyId"], key["SecretAccessKey"])
    worker.send_message(QueueUrl=allowed, MessageBody="ok")
    assert worker.receive_message(QueueUrl=allowed)["Messages"][0]["Body"] == "ok"
    with pytest.raises(ClientError) as denied:
        worker.send_message(QueueUrl=other, MessageBody="no")
    assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert "sqs:SendMessage" in denied.value.response["Error"]["Message"]
    with pytest.raises(ClientError):
        worker.delete_queue(QueueUrl=allowed)


def test_unsigned_query_requests_are_refused(server):
    status, root = raw_query(server.endpoint + "/", {"Action": "ListQueues", "Version": "2012-11-05"}, sign=False)
    assert status == 403
    assert root.find(".//{*}Code") is not None
