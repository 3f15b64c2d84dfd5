"""Under `--iam enforce`, an SQS mapping needs a function role that may receive, delete and
read the queue's attributes, as AWS checks at CreateEventSourceMapping."""
import json

import pytest
from botocore.exceptions import ClientError

from conftest import PetrelProcess, make_zip, unique, wait_for
from iam_helpers import BASIC, LAMBDA_TRUST, client, root_credentials

SQS_ROLE = "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("sqs-trigger-enforce")), ["--iam", "enforce"]).start()
    yield process
    process.stop()


def test_the_role_must_be_allowed_to_consume_the_queue(server):
    root = root_credentials(server)
    iam, lam, sqs = (client(server, s, *root) for s in ("iam", "lambda", "sqs"))
    role = unique("role")
    role_arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn=BASIC)
    fn = unique("fn")
    lam.create_function(FunctionName=fn, Runtime="nodejs20.x", Handler="index.handler", Role=role_arn,
                        Code={"ZipFile": make_zip({"index.js": "exports.handler = async (e) => { console.log('N ' + e.Records.length); return {}; };"})})
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    with pytest.raises(ClientError) as excinfo:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
    assert excinfo.value.response["Error"]["Message"] == "The provided execution role does not have permissions to call ReceiveMessage on SQS"
    iam.attach_role_policy(RoleName=role, PolicyArn=SQS_ROLE)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)
    sqs.send_message(QueueUrl=url, MessageBody="x")
    logs = client(server, "logs", *root)

    def delivered():
        try:
            return [e for e in logs.filter_log_events(logGroupName=f"/aws/lambda/{fn}")["events"] if "N 1" in e["message"]]
        except ClientError:
            return []
    assert wait_for(delivered, timeout=20)
