"""Under `--iam enforce`, a Kinesis mapping needs a function role that may read the stream
(GetRecords, GetShardIterator, DescribeStream(Summary), ListShards), as AWS checks at
CreateEventSourceMapping."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import PetrelProcess, make_zip, unique, wait_for
from iam_helpers import BASIC, LAMBDA_TRUST, client, root_credentials

KINESIS_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaKinesisExecutionRole"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("kinesis-trigger-enforce")), ["--iam", "enforce"]).start()
    yield process
    process.stop()


def test_the_role_must_be_allowed_to_read_the_stream(server):
    root = root_credentials(server)
    iam, lam, kinesis = (client(server, s, *root) for s in ("iam", "lambda", "kinesis"))
    role = unique("role")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=BASIC)
    fn = unique("fn")
    lam.create_function(FunctionName=fn, Runtime="nodejs20.x", Handler="index.handler", Role=role_arn,
                        Code={"ZipFile": make_zip({"index.js": "exports.handler = async (e) => { console.log('N ' + e.Records.length + ' ' + e.Records[0].invokeIdentityArn); return {}; };"})})
    stream = unique("ks")
    kinesis.create_stream(StreamName=stream, ShardCount=1)
    arn = kinesis.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    with pytest.raises(ClientError) as excinfo:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON")
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert excinfo.value.response["Error"]["Message"].startswith(f"Cannot access stream {arn}.")
    iam.attach_role_policy(RoleName=role, PolicyArn=KINESIS_ROLE)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON")
    kinesis.put_record(StreamName=stream, PartitionKey="k", Data=b"x")
    logs = client(server, "logs", *root)

    def delivered():
        try:
            return [e for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"] if f"N 1 {role_arn}" in e["message"]]
        except ClientError:
            return []
    assert wait_for(delivered, timeout=20)
