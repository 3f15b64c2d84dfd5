"""Lambda's asynchronous-invocation destinations on an EventBridge bus: the invocation record
arrives as the detail of a "Lambda Function Invocation Result - Success/Failure" event from
source `lambda`, which a rule on that bus routes to an SQS queue."""
import json
import time

from conftest import create_function, unique
from events_helpers import let_events_send

ACCOUNT = "000000000000"
WORKS = {"index.js": "exports.handler = async (event) => ({ doubled: event.n * 2 });"}
FAILS = {"index.js": "exports.handler = async (event) => { throw new Error('always ' + event.n); };"}


def queue(server):
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=unique("q"))["QueueUrl"]
    return url, let_events_send(server, url)   # a rule may send to it (as AWS wants)


def one_event(server, url, timeout=30):
    sqs = server.client("sqs")
    deadline = time.time() + timeout
    while time.time() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=2).get("Messages")
        if got:
            return json.loads(got[0]["Body"])
    raise AssertionError("no event arrived")


def test_success_and_failure_records_reach_a_rule_on_the_destination_bus(fresh_petrel):
    server = fresh_petrel("--async-retry-delay", "0.2")
    lam, events = server.client("lambda"), server.client("events")
    bus = unique("results")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    ok_url, ok_arn = queue(server)
    fail_url, fail_arn = queue(server)
    events.put_rule(Name="ok", EventBusName=bus,
                    EventPattern=json.dumps({"source": ["lambda"], "detail-type": ["Lambda Function Invocation Result - Success"]}))
    events.put_targets(Rule="ok", EventBusName=bus, Targets=[{"Id": "q", "Arn": ok_arn}])
    events.put_rule(Name="failed", EventBusName=bus,
                    EventPattern=json.dumps({"source": ["lambda"], "detail": {"requestContext": {"condition": ["RetriesExhausted"]}}}))
    events.put_targets(Rule="failed", EventBusName=bus, Targets=[{"Id": "q", "Arn": fail_arn}])

    working = create_function(server, WORKS)
    failing = create_function(server, FAILS)
    lam.put_function_event_invoke_config(FunctionName=working, DestinationConfig={"OnSuccess": {"Destination": bus_arn}})
    config = lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=0,
                                                  DestinationConfig={"OnFailure": {"Destination": bus_arn}})
    assert config["DestinationConfig"]["OnFailure"] == {"Destination": bus_arn}

    sent = lam.invoke(FunctionName=working, InvocationType="Event", Payload=json.dumps({"n": 21}))
    event = one_event(server, ok_url)
    assert event["source"] == "lambda"
    assert event["detail-type"] == "Lambda Function Invocation Result - Success"
    assert event["account"] == ACCOUNT and event["region"] == "us-east-1"
    assert event["resources"] == [bus_arn, f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{working}:$LATEST"]
    detail = event["detail"]
    assert detail["requestContext"]["requestId"] == sent["ResponseMetadata"]["RequestId"]
    assert detail["requestContext"]["condition"] == "Success"
    assert detail["requestPayload"] == {"n": 21}
    assert detail["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert detail["responsePayload"] == {"doubled": 42}

    lam.invoke(FunctionName=failing, InvocationType="Event", Payload=json.dumps({"n": 7}))
    event = one_event(server, fail_url)
    assert event["detail-type"] == "Lambda Function Invocation Result - Failure"
    assert event["detail"]["requestPayload"] == {"n": 7}
    assert event["detail"]["responseContext"]["functionError"] == "Unhandled"
    assert event["detail"]["responsePayload"]["errorMessage"] == "always 7"


def test_a_bus_that_is_not_an_event_bus_arn_is_refused(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, WORKS)
    try:
        lam.put_function_event_invoke_config(FunctionName=name, DestinationConfig={
            "OnSuccess": {"Destination": f"arn:aws:events:us-east-1:{ACCOUNT}:rule/not-a-bus"}})
    except lam.exceptions.InvalidParameterValueException as e:
        assert "not-a-bus" in str(e)
    else:
        raise AssertionError("a rule ARN was taken as a destination")
