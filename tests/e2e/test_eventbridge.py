"""EventBridge: buses, rules, targets (Lambda, SQS, other buses), input shaping, dead-letter
queues, TestEventPattern, schedules that survive a restart, and AWS's errors for bad input."""
import json
import os
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, unique, wait_for
from events_helpers import let_events_send

RECORDER = """
exports.handler = async (event) => {
    console.log('GOT ' + JSON.stringify(event));
    return {};
};
"""
ACCOUNT = "000000000000"


def received(server, fn):
    return [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(server, fn) if "GOT " in m]


def function_arn(name):
    return f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"


def allow_events(server, fn, rule_arn):
    """AWS wants the function's resource-based policy to let EventBridge invoke it for the rule."""
    server.client("lambda").add_permission(FunctionName=fn, StatementId=unique("events"), Action="lambda:InvokeFunction",
                                           Principal="events.amazonaws.com", SourceArn=rule_arn)


def queue(server, events=True, name=None):
    """A new queue; unless `events` is false, its policy lets the account's rules send to it (as
    AWS, a target or dead-letter queue without that statement refuses EventBridge)."""
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=name or unique("q"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if events:
        let_events_send(server, url)
    return url, arn


def drain(server, url, count, timeout=10):
    sqs = server.client("sqs")
    got = []
    deadline = time.time() + timeout
    while len(got) < count and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                     MessageAttributeNames=["All"]).get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value.response["Error"]


def test_buses_are_created_listed_described_and_deleted(petrel):
    events = petrel.client("events")
    name = unique("bus")
    arn = events.create_event_bus(Name=name, Tags=[{"Key": "team", "Value": "a"}])["EventBusArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{name}"
    assert events.describe_event_bus(Name=name)["Arn"] == arn
    assert events.describe_event_bus()["Name"] == "default"
    names = [b["Name"] for b in events.list_event_buses()["EventBuses"]]
    assert "default" in names and name in names
    assert events.list_tags_for_resource(ResourceARN=arn)["Tags"] == [{"Key": "team", "Value": "a"}]
    assert error_of(events.create_event_bus, Name=name)["Code"] == "ResourceAlreadyExistsException"
    assert error_of(events.delete_event_bus, Name="default")["Code"] == "ValidationException"
    events.delete_event_bus(Name=name)
    assert error_of(events.describe_event_bus, Name=name)["Code"] == "ResourceNotFoundException"


def test_rules_are_described_listed_enabled_and_deleted(petrel):
    events = petrel.client("events")
    name = unique("rule")
    pattern = json.dumps({"source": ["my.app"]})
    arn = events.put_rule(Name=name, EventPattern=pattern, Description="d")["RuleArn"]
    assert arn == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{name}"
    described = events.describe_rule(Name=name)
    assert (described["State"], described["EventPattern"], described["Description"]) == ("ENABLED", pattern, "d")
    events.disable_rule(Name=name)
    assert events.describe_rule(Name=name)["State"] == "DISABLED"
    events.enable_rule(Name=name)
    assert name in [r["Name"] for r in events.list_rules(NamePrefix=name)["Rules"]]
    _, qarn = queue(petrel)
    events.put_targets(Rule=name, Targets=[{"Id": "q", "Arn": qarn}])
    assert events.list_rule_names_by_target(TargetArn=qarn)["RuleNames"] == [name]
    assert error_of(events.delete_rule, Name=name)["Message"] == "Rule can't be deleted since it has targets."
    events.remove_targets(Rule=name, Ids=["q"])
    events.delete_rule(Name=name)
    assert error_of(events.describe_rule, Name=name)["Code"] == "ResourceNotFoundException"


def test_put_events_reaches_lambda_and_sqs_targets_with_input_shaping(petrel):
    events = petrel.client("events")
    fn = create_function(petrel, {"index.js": RECORDER})
    url, qarn = queue(petrel)
    source = unique("orders")
    rule = unique("rule")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source], "detail": {"total": [{"numeric": [">", 100]}]}}))["RuleArn"]
    allow_events(petrel, fn, rule_arn)
    events.put_targets(Rule=rule, Targets=[
        {"Id": "fn", "Arn": function_arn(fn)},
        {"Id": "q", "Arn": qarn, "InputTransformer": {"InputPathsMap": {"id": "$.detail.id"},
                                                      "InputTemplate": '"order <id> is large"'}},
    ])
    out = events.put_events(Entries=[
        {"Source": source, "DetailType": "Order Placed", "Detail": json.dumps({"id": "o-1", "total": 250}), "Resources": ["r1"]},
        {"Source": source, "DetailType": "Order Placed", "Detail": json.dumps({"id": "o-2", "total": 5})},
    ])
    assert out["FailedEntryCount"] == 0 and all("EventId" in e for e in out["Entries"])
    got = wait_for(lambda: received(petrel, fn), timeout=20)
    assert len(got) == 1
    event = got[0]
    assert event["id"] == out["Entries"][0]["EventId"]
    assert (event["source"], event["detail-type"], event["account"], event["region"]) == (source, "Order Placed", ACCOUNT, "us-east-1")
    assert event["detail"] == {"id": "o-1", "total": 250} and event["resources"] == ["r1"] and event["version"] == "0"
    messages = drain(petrel, url, 1)
    assert [m["Body"] for m in messages] == ['"order o-1 is large"']
    time.sleep(0.5)
    assert len(received(petrel, fn)) == 1  # the small order matched nothing


def test_events_cross_to_another_bus_and_failed_targets_go_to_the_dead_letter_queue(petrel):
    events = petrel.client("events")
    bus = unique("bus")
    bus_arn = events.create_event_bus(Name=bus)["EventBusArn"]
    url, qarn = queue(petrel)
    dlq_url, dlq_arn = queue(petrel)
    source = unique("src")
    events.put_rule(Name="forward", EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule="forward", Targets=[
        {"Id": "bus", "Arn": bus_arn},
        {"Id": "gone", "Arn": function_arn("no-such-function"), "DeadLetterConfig": {"Arn": dlq_arn},
         "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 60}},
    ])
    events.put_rule(Name="on-bus", EventBusName=bus, EventPattern=json.dumps({"detail-type": [{"prefix": "Thing"}]}))
    events.put_targets(Rule="on-bus", EventBusName=bus, Targets=[{"Id": "q", "Arn": qarn, "InputPath": "$.detail"}])
    events.put_events(Entries=[{"Source": source, "DetailType": "Thing Happened", "Detail": '{"n": 1}'}])
    assert [json.loads(m["Body"]) for m in drain(petrel, url, 1)] == [{"n": 1}]
    dead = drain(petrel, dlq_url, 1)
    assert len(dead) == 1
    attrs = {k: v["StringValue"] for k, v in dead[0]["MessageAttributes"].items()}
    assert attrs["RULE_ARN"].endswith(":rule/forward") and attrs["TARGET_ARN"] == function_arn("no-such-function")
    assert attrs["ERROR_CODE"] == "ResourceNotFoundException"
    assert json.loads(dead[0]["Body"])["source"] == source
    events.remove_targets(Rule="forward", Ids=["bus", "gone"])
    events.delete_rule(Name="forward")


def test_put_events_reports_failed_entries_and_limits(petrel):
    events = petrel.client("events")
    out = events.put_events(Entries=[
        {"Source": "a.b", "DetailType": "x", "Detail": "{}"},
        {"Source": "a.b", "DetailType": "x", "Detail": "not json"},
        {"Source": "a.b", "Detail": "{}"},
        {"Source": "a.b", "DetailType": "x", "Detail": "{}", "EventBusName": "no-such-bus"},
    ])
    assert out["FailedEntryCount"] == 3
    assert "EventId" in out["Entries"][0]
    assert out["Entries"][1]["ErrorCode"] == "MalformedDetail"
    assert out["Entries"][2] == {"ErrorCode": "InvalidArgument",
                                 "ErrorMessage": "Parameter DetailType is not valid. Reason: DetailType is a required argument."}
    assert out["Entries"][3]["ErrorCode"] == "ResourceNotFoundException"
    big = json.dumps({"x": "a" * (257 * 1024)})
    assert error_of(events.put_events, Entries=[{"Source": "a.b", "DetailType": "x", "Detail": big}])["Code"] == "ValidationException"
    entries = [{"Source": "a.b", "DetailType": "x", "Detail": "{}"}] * 11
    assert error_of(events.put_events, Entries=entries)["Code"] == "ValidationException"


def test_bad_patterns_schedules_and_names_get_awss_errors(petrel):
    events = petrel.client("events")
    e = error_of(events.put_rule, Name="bad", EventPattern='{"source": "not-a-list"}')
    assert e["Code"] == "InvalidEventPatternException" and e["Message"].startswith("Event pattern is not valid. Reason: ")
    e = error_of(events.put_rule, Name="bad", ScheduleExpression="rate(1 minutes)")
    assert (e["Code"], e["Message"]) == ("ValidationException", "Parameter ScheduleExpression is not valid.")
    e = error_of(events.put_rule, Name="bad", ScheduleExpression="cron(0 12 * * * *)")
    assert e["Code"] == "ValidationException"
    assert error_of(events.put_rule, Name="bad")["Code"] == "ValidationException"
    assert error_of(events.put_rule, Name="bad name!", EventPattern='{"a":["b"]}')["Code"] == "ValidationException"
    assert error_of(events.put_targets, Rule="no-such-rule", Targets=[{"Id": "a", "Arn": function_arn("f")}])["Code"] == "ResourceNotFoundException"
    events.put_rule(Name="inputs", EventPattern='{"a":["b"]}')
    e = error_of(events.put_targets, Rule="inputs", Targets=[{"Id": "a", "Arn": function_arn("f"), "Input": "{}", "InputPath": "$.a"}])
    assert e["Code"] == "ValidationException"
    e = error_of(events.put_rule, Name="sched", EventBusName="no-such-bus", ScheduleExpression="rate(5 minutes)")
    assert e["Code"] == "ResourceNotFoundException"


def test_test_event_pattern_with_the_cli(petrel):
    event = {"id": "1", "account": ACCOUNT, "source": "aws.ec2", "time": "2026-01-01T00:00:00Z", "region": "us-east-1",
             "detail-type": "EC2 Instance State-change Notification", "resources": [], "detail": {"state": "running"}}
    pattern = {"source": ["aws.ec2"], "detail": {"state": [{"anything-but": ["stopped"]}]}}
    out = petrel.cli("events", "test-event-pattern", "--event-pattern", json.dumps(pattern), "--event", json.dumps(event))
    assert out == {"Result": True}
    pattern["detail"]["state"] = [{"prefix": "stop"}]
    out = petrel.cli("events", "test-event-pattern", "--event-pattern", json.dumps(pattern), "--event", json.dumps(event))
    assert out == {"Result": False}
    proc = petrel.cli("events", "test-event-pattern", "--event-pattern", '{"source": [{"numeric": [">"]}]}',
                      "--event", json.dumps(event), check=False)
    assert proc.returncode != 0 and "InvalidEventPatternException" in proc.stderr


def test_a_schedule_invokes_its_function_on_time_and_survives_a_restart(fresh_petrel, monkeypatch):
    # A minute of two seconds: rate(1 minute) fires every 2 s.
    monkeypatch.setenv("PETREL_EVENTS_MINUTE_SECONDS", "2")
    server = fresh_petrel()
    events = server.client("events")
    fn = create_function(server, {"index.js": RECORDER})
    rule_arn = events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")["RuleArn"]
    allow_events(server, fn, rule_arn)
    events.put_targets(Rule="tick", Targets=[{"Id": "fn", "Arn": function_arn(fn)}])
    got = wait_for(lambda: len(received(server, fn)) >= 2 and received(server, fn), timeout=20)
    first = got[0]
    assert (first["source"], first["detail-type"], first["resources"], first["detail"]) == \
        ("aws.events", "Scheduled Event", [rule_arn], {})
    times = [time.strptime(e["time"], "%Y-%m-%dT%H:%M:%SZ") for e in got[:2]]
    assert 1 <= time.mktime(times[1]) - time.mktime(times[0]) <= 3
    server.stop()
    time.sleep(3)   # a firing is missed while the server is down
    server.restart()
    before = len(received(server, fn))
    wait_for(lambda: len(received(server, fn)) >= before + 2, timeout=20)
    fired = [e["time"] for e in received(server, fn)]
    assert len(fired) == len(set(fired)), f"a firing was delivered twice: {fired}"
    assert len(fired) >= before + 2


def test_matched_events_survive_kill_9(fresh_petrel):
    server = fresh_petrel()
    events = server.client("events")
    fn = create_function(server, {"index.js": RECORDER})
    source = unique("durable")
    allow_events(server, fn, events.put_rule(Name="durable", EventPattern=json.dumps({"source": [source]}))["RuleArn"])
    events.put_targets(Rule="durable", Targets=[{"Id": "fn", "Arn": function_arn(fn)}])
    out = events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": json.dumps({"n": i})} for i in range(10)])
    ids = {e["EventId"] for e in out["Entries"]}
    server.kill9()   # acknowledged: each matched event is a committed async invocation
    server.restart()
    seen = wait_for(lambda: ids <= {e["id"] for e in received(server, fn)} and received(server, fn), timeout=30)
    assert ids <= {e["id"] for e in seen}


def test_a_function_target_needs_a_resource_policy_allowing_events_for_the_rule(petrel):
    events = petrel.client("events")
    fn = create_function(petrel, {"index.js": RECORDER})
    dlq_url, dlq_arn = queue(petrel)
    source = unique("guarded")
    other_arn = events.put_rule(Name=unique("other"), EventPattern=json.dumps({"source": ["elsewhere"]}))["RuleArn"]
    allow_events(petrel, fn, other_arn)     # allowed for another rule only
    rule = unique("guarded")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": function_arn(fn), "DeadLetterConfig": {"Arn": dlq_arn}}])
    events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": '{"n": 1}'}])
    dead = drain(petrel, dlq_url, 1)
    assert len(dead) == 1
    attrs = {k: v["StringValue"] for k, v in dead[0]["MessageAttributes"].items()}
    assert attrs["ERROR_CODE"] == "NO_PERMISSIONS"
    assert (attrs["RULE_ARN"], attrs["TARGET_ARN"]) == (rule_arn, function_arn(fn))
    assert "events.amazonaws.com" in attrs["ERROR_MESSAGE"]
    assert received(petrel, fn) == []
    allow_events(petrel, fn, rule_arn)     # AddPermission drops the compiled policies at once
    events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": '{"n": 2}'}])
    got = wait_for(lambda: received(petrel, fn), timeout=20)
    assert [e["detail"] for e in got] == [{"n": 2}]


def test_a_queue_target_needs_its_policy_to_allow_events_for_the_rule(petrel):
    """As AWS: a queue target gets a rule's events only when its policy lets events.amazonaws.com
    send for that rule; a queue with no policy, or one for another rule, fails with NO_PERMISSIONS
    (no retry) and the event goes to the target's dead-letter queue."""
    events, sqs = petrel.client("events"), petrel.client("sqs")
    url, qarn = queue(petrel, events=False)
    dlq_url, dlq_arn = queue(petrel)
    source = unique("guarded")
    rule = unique("guarded")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": qarn, "DeadLetterConfig": {"Arn": dlq_arn}}])

    def refused(n):
        events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": json.dumps({"n": n})}])
        dead = drain(petrel, dlq_url, 1)
        assert len(dead) == 1
        attrs = {k: v["StringValue"] for k, v in dead[0]["MessageAttributes"].items()}
        assert (attrs["ERROR_CODE"], attrs["RULE_ARN"], attrs["TARGET_ARN"], attrs["RETRY_ATTEMPTS"]) == ("NO_PERMISSIONS", rule_arn, qarn, "0")
        assert "events.amazonaws.com" in attrs["ERROR_MESSAGE"] and "EXHAUSTED_RETRY_CONDITION" not in attrs
        assert json.loads(dead[0]["Body"])["detail"] == {"n": n}
        assert drain(petrel, url, 1, timeout=2) == []

    refused(1)   # no policy at all
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sqs:*", "Resource": qarn}]})})
    refused(0)   # the account's own grant is no grant to events.amazonaws.com (no same-account shortcut)
    other_arn = events.put_rule(Name=unique("other"), EventPattern=json.dumps({"source": ["elsewhere"]}))["RuleArn"]
    let_events_send(petrel, url, other_arn)
    refused(2)   # a policy for another rule only

    let_events_send(petrel, url, rule_arn)
    events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": '{"n": 3}'}])
    assert [json.loads(m["Body"])["detail"] for m in drain(petrel, url, 1)] == [{"n": 3}]
    assert drain(petrel, dlq_url, 1, timeout=2) == []


def test_a_dead_letter_queue_must_allow_events_too(petrel):
    """As AWS: EventBridge sends to the dead-letter queue as events.amazonaws.com; a DLQ whose
    policy does not allow it does not get the event (it is dropped and counted in
    InvocationsFailedToBeSentToDlq)."""
    events = petrel.client("events")
    dlq_url, dlq_arn = queue(petrel, events=False)
    missing = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{unique('never')}"
    rule, source = unique("dlq"), unique("dlq")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({"source": [source]}))["RuleArn"]
    events.put_targets(Rule=rule, Targets=[{"Id": "q", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn}}])
    events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": '{"n": 1}'}])
    assert drain(petrel, dlq_url, 1, timeout=3) == []
    let_events_send(petrel, dlq_url, rule_arn)
    events.put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": '{"n": 2}'}])
    dead = drain(petrel, dlq_url, 1)
    assert [json.loads(m["Body"])["detail"] for m in dead] == [{"n": 2}]
    assert dead[0]["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "NO_RESOURCE"
