"""Kinesis under `--iam enforce`: IAM policies decide `kinesis:Operation` on the stream's ARN
(arn:aws:kinesis:REGION:ACCOUNT:stream/NAME), named by StreamName, StreamARN or, for GetRecords,
by the shard iterator."""
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import PetrelProcess
from iam_helpers import client, root_credentials


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("kinesis-iam")), ["--iam", "enforce"]).start()
    yield process
    process.stop()


def test_policies_decide_per_stream(server):
    root = root_credentials(server)
    iam, admin = client(server, "iam", *root), client(server, "kinesis", *root)
    allowed, other = f"allowed-{uuid.uuid4().hex[:6]}", f"other-{uuid.uuid4().hex[:6]}"
    for name in (allowed, other):
        admin.create_stream(StreamName=name, ShardCount=1)
    arn = f"arn:aws:kinesis:us-east-1:000000000000:stream/{allowed}"
    user = f"producer-{uuid.uuid4().hex[:6]}"
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="produce", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["kinesis:PutRecord", "kinesis:GetShardIterator"], "Resource": arn}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    producer = client(server, "kinesis", key["AccessKeyId"], key["SecretAccessKey"])
    producer.put_record(StreamName=allowed, Data=b"ok", PartitionKey="k")
    producer.put_record(StreamARN=arn, Data=b"ok", PartitionKey="k")
    for call in (lambda: producer.put_record(StreamName=other, Data=b"no", PartitionKey="k"),
                 lambda: producer.delete_stream(StreamName=allowed),
                 lambda: producer.list_streams()):
        with pytest.raises(ClientError) as denied:
            call()
        assert denied.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    # GetRecords acts on the stream its iterator reads: not allowed to this user.
    iterator = producer.get_shard_iterator(StreamName=allowed, ShardId="shardId-000000000000",
                                           ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    with pytest.raises(ClientError) as denied:
        producer.get_records(ShardIterator=iterator)
    assert "kinesis:GetRecords" in denied.value.response["Error"]["Message"]
    assert [r["Data"] for r in admin.get_records(ShardIterator=iterator)["Records"]] == [b"ok", b"ok"]
