"""Asynchronous invocation configuration: retries, event age and destinations to SQS queues
and functions, with AWS's invocation record."""
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, unique, wait_for

FAILS = {"index.js": "exports.handler = async (event) => { throw new Error('always ' + event.n); };"}
WORKS = {"index.js": "exports.handler = async (event) => ({ doubled: event.n * 2 });"}


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def one_message(sqs, url, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5).get("Messages")
        if got:
            return got[0]
    raise AssertionError("no message arrived")


def test_event_invoke_config_api(petrel):
    lam, sqs = petrel.client("lambda"), petrel.client("sqs")
    name = create_function(petrel, WORKS)
    _, arn = queue(sqs, unique("dest"))
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name)
    out = lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=120,
                                               DestinationConfig={"OnFailure": {"Destination": arn}})
    assert out["FunctionArn"].endswith(f":function:{name}:$LATEST")
    assert out["MaximumRetryAttempts"] == 1 and out["MaximumEventAgeInSeconds"] == 120
    assert out["DestinationConfig"] == {"OnSuccess": {}, "OnFailure": {"Destination": arn}}
    updated = lam.update_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
    assert updated["MaximumRetryAttempts"] == 0 and updated["MaximumEventAgeInSeconds"] == 120
    assert updated["DestinationConfig"]["OnFailure"] == {"Destination": arn}
    listed = lam.list_function_event_invoke_configs(FunctionName=name)["FunctionEventInvokeConfigs"]
    assert [c["MaximumRetryAttempts"] for c in listed] == [0]
    with pytest.raises(ClientError) as e:
        lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=3)
    assert e.value.response["Error"]["Code"] in ("ValidationException", "InvalidParameterValueException")
    with pytest.raises(ClientError) as e:
        lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig={"OnFailure": {"Destination": "arn:aws:sns:us-east-1:000000000000:t"}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.delete_function_event_invoke_config(FunctionName=name)
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_event_invoke_config(FunctionName=name)


def test_failure_lands_in_on_failure_queue_after_retries_and_success_in_on_success(fresh_petrel):
    server = fresh_petrel("--async-retry-delay", "0.2")
    lam, sqs = server.client("lambda"), server.client("sqs")
    failing = create_function(server, FAILS)
    working = create_function(server, WORKS)
    fail_url, fail_arn = queue(sqs, unique("onfail"))
    ok_url, ok_arn = queue(sqs, unique("onok"))
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=1,
                                         DestinationConfig={"OnFailure": {"Destination": fail_arn}})
    lam.put_function_event_invoke_config(FunctionName=working, DestinationConfig={"OnSuccess": {"Destination": ok_arn}})
    sent = lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"n": 7}))
    request_id = sent["ResponseMetadata"]["RequestId"]
    record = json.loads(one_message(sqs, fail_url)["Body"])
    assert record["version"] == "1.0"
    assert record["requestContext"]["requestId"] == request_id
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 2     # MaximumRetryAttempts=1: one run + one retry
    assert record["requestContext"]["functionArn"].endswith(f":function:{failing}:$LATEST")
    assert record["requestPayload"] == {"n": 7}
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}
    assert record["responsePayload"]["errorMessage"] == "always 7"
    assert record["timestamp"].endswith("Z")

    lam.invoke(FunctionName=working, InvocationType="Event", Payload=json.dumps({"n": 21}))
    ok = json.loads(one_message(sqs, ok_url)["Body"])
    assert ok["requestContext"]["condition"] == "Success" and ok["requestContext"]["approximateInvokeCount"] == 1
    assert ok["responsePayload"] == {"doubled": 42}
    assert "functionError" not in ok["responseContext"]


def test_on_failure_to_a_function(fresh_petrel):
    server = fresh_petrel("--async-retry-delay", "0.2")
    lam, sqs = server.client("lambda"), server.client("sqs")
    sink_url, sink_arn = queue(sqs, unique("sink"))
    # The destination function forwards the record it got to a queue, through Petrel's SQS.
    forward = {"index.js": f"""
const {{ SQSClient, SendMessageCommand }} = require('@aws-sdk/client-sqs');
const sqs = new SQSClient({{}});
exports.handler = async (record) => {{
  await sqs.send(new SendMessageCommand({{ QueueUrl: '{sink_url}', MessageBody: JSON.stringify(record) }}));
}};
"""}
    target = create_function(server, forward)
    failing = create_function(server, FAILS)
    target_arn = lam.get_function(FunctionName=target)["Configuration"]["FunctionArn"]
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": target_arn}})
    lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"n": 1}))
    record = json.loads(one_message(sqs, sink_url, timeout=30)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 1
    assert record["requestPayload"] == {"n": 1}


def test_dead_letter_config_receives_the_event_with_aws_attributes(fresh_petrel):
    server = fresh_petrel("--async-retry-delay", "0.2")
    lam, sqs = server.client("lambda"), server.client("sqs")
    dlq_url, dlq_arn = queue(sqs, unique("fn-dlq"))
    failing = create_function(server, FAILS, DeadLetterConfig={"TargetArn": dlq_arn})
    assert lam.get_function_configuration(FunctionName=failing)["DeadLetterConfig"] == {"TargetArn": dlq_arn}
    with pytest.raises(ClientError) as e:
        lam.update_function_configuration(FunctionName=failing, DeadLetterConfig={"TargetArn": "not-an-arn"})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=1)
    sent = lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"n": 5}))
    message = sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=20, MessageAttributeNames=["All"])["Messages"][0]
    assert json.loads(message["Body"]) == {"n": 5}
    attributes = {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}
    assert attributes == {"RequestID": sent["ResponseMetadata"]["RequestId"], "ErrorCode": "200", "ErrorMessage": "always 5"}
    # Removing it: an empty TargetArn.
    lam.update_function_configuration(FunctionName=failing, DeadLetterConfig={"TargetArn": ""})
    assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName=failing)


def test_a_failing_event_reaches_on_failure_across_kill_9(fresh_petrel):
    server = fresh_petrel("--async-retry-delay", "1.5")
    lam, sqs = server.client("lambda"), server.client("sqs")
    failing = create_function(server, FAILS)
    queue_name = unique("onfail-k9")
    _, arn = queue(sqs, queue_name)
    lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=2,
                                         DestinationConfig={"OnFailure": {"Destination": arn}})
    lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"n": 9}))
    # Killed while the event waits for its first retry.
    assert wait_for(lambda: any("always 9" in m for m in log_messages(server, failing)), timeout=15)
    server.kill9()
    server.restart()
    sqs = server.client("sqs")
    url = sqs.get_queue_url(QueueName=queue_name)["QueueUrl"]
    record = json.loads(one_message(sqs, url, timeout=30)["Body"])
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestPayload"] == {"n": 9}

