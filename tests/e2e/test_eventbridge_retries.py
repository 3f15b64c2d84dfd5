"""EventBridge target retries (docs/eventbridge.md): a delivery that fails with an error AWS retries
is retried with back-off through a durable table (so a queue that is back gets the event, even
across kill -9), and once MaximumRetryAttempts or MaximumEventAgeInSeconds runs out it goes to
the target's dead-letter queue with AWS's attributes; a missing queue or bus is not retried (as
AWS: straight to the DLQ); the AWS/Events metrics show it through CloudWatch.

PETREL_EVENTS_RETRY_BASE_SECONDS shortens the back-off (1 s nominal first delay) for these tests;
PETREL_EVENTS_UNAVAILABLE_QUEUES=PREFIX:SECONDS makes sends to queues named PREFIX… fail with an
internal error (retried) during the server's first SECONDS."""
import datetime
import json
import time

from conftest import unique, wait_for
from events_helpers import let_events_send
from test_eventbridge import drain, queue

ACCOUNT = "000000000000"


def attributes(message):
    return {k: v["StringValue"] for k, v in message["MessageAttributes"].items()}


def metric_sum(server, name, dimensions):
    now = datetime.datetime.now(datetime.timezone.utc)
    out = server.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Events", MetricName=name, StartTime=now - datetime.timedelta(minutes=10),
        EndTime=now + datetime.timedelta(minutes=1), Period=600, Statistics=["Sum"],
        Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()])
    return sum(p["Sum"] for p in out["Datapoints"])


def rule_to(server, target):
    events = server.client("events")
    name, source = unique("rule"), unique("src")
    events.put_rule(Name=name, EventPattern=json.dumps({"source": [source]}))
    events.put_targets(Rule=name, Targets=[target])
    return name, source


def put(server, source, n=1):
    out = server.client("events").put_events(Entries=[{"Source": source, "DetailType": "t", "Detail": json.dumps({"n": n})}])
    assert out["FailedEntryCount"] == 0
    return out["Entries"][0]["EventId"]


def test_a_missing_target_queue_is_not_retried_and_goes_to_the_dead_letter_queue(fresh_petrel, monkeypatch):
    monkeypatch.setenv("PETREL_EVENTS_RETRY_BASE_SECONDS", "0.05")
    server = fresh_petrel()
    sqs = server.client("sqs")
    dlq_url, dlq_arn = queue(server)
    name = unique("target")
    url, arn = queue(server, name=name)
    rule, source = rule_to(server, {"Id": "q", "Arn": arn, "DeadLetterConfig": {"Arn": dlq_arn},
                                    "RetryPolicy": {"MaximumRetryAttempts": 5}})
    sqs.delete_queue(QueueUrl=url)
    event_id = put(server, source)
    dead = drain(server, dlq_url, 1)
    assert len(dead) == 1 and json.loads(dead[0]["Body"])["id"] == event_id
    attrs = attributes(dead[0])
    assert (attrs["ERROR_CODE"], attrs["RETRY_ATTEMPTS"], attrs["TARGET_ARN"]) == ("NO_RESOURCE", "0", arn)
    assert "EXHAUSTED_RETRY_CONDITION" not in attrs
    assert metric_sum(server, "RetryInvocationAttempts", {"RuleName": rule}) == 0
    assert metric_sum(server, "FailedInvocations", {"RuleName": rule}) == 1
    # A missing bus neither.
    bus_arn = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/{unique('nobus')}"
    _, source = rule_to(server, {"Id": "b", "Arn": bus_arn, "DeadLetterConfig": {"Arn": dlq_arn},
                                 "RetryPolicy": {"MaximumRetryAttempts": 5}})
    put(server, source)
    attrs = attributes(drain(server, dlq_url, 1)[0])
    assert (attrs["ERROR_CODE"], attrs["RETRY_ATTEMPTS"], attrs["TARGET_ARN"]) == ("NO_RESOURCE", "0", bus_arn)


def test_an_unavailable_target_queue_is_retried_and_gets_the_event_when_it_is_back(fresh_petrel, monkeypatch):
    monkeypatch.setenv("PETREL_EVENTS_RETRY_BASE_SECONDS", "0.2")
    prefix = unique("flaky")
    monkeypatch.setenv("PETREL_EVENTS_UNAVAILABLE_QUEUES", f"{prefix}:8")
    server = fresh_petrel()
    url, arn = queue(server, name=prefix + "-target")
    rule, source = rule_to(server, {"Id": "q", "Arn": arn})
    event_id = put(server, source)
    # Retries are being made while the queue is unavailable (and nothing has failed for good).
    assert wait_for(lambda: metric_sum(server, "RetryInvocationAttempts", {"RuleName": rule}) >= 2, timeout=20, interval=0.3)
    assert metric_sum(server, "FailedInvocations", {"RuleName": rule}) == 0
    got = drain(server, url, 1, timeout=40)
    assert [json.loads(m["Body"])["id"] for m in got] == [event_id]
    assert wait_for(lambda: metric_sum(server, "Invocations", {"RuleName": rule}) == 1, timeout=10)
    assert metric_sum(server, "MatchedEvents", {"RuleName": rule}) == 1
    assert metric_sum(server, "TriggeredRules", {"RuleName": rule}) == 1


def test_exhausted_retries_send_the_event_to_the_dead_letter_queue_with_awss_attributes(fresh_petrel, monkeypatch):
    monkeypatch.setenv("PETREL_EVENTS_RETRY_BASE_SECONDS", "0.05")
    prefix = unique("flaky")
    monkeypatch.setenv("PETREL_EVENTS_UNAVAILABLE_QUEUES", f"{prefix}:600")
    server = fresh_petrel()
    dlq_url, dlq_arn = queue(server)
    _, missing = queue(server, name=prefix + "-target")
    rule, source = rule_to(server, {"Id": "q", "Arn": missing, "DeadLetterConfig": {"Arn": dlq_arn},
                                    "RetryPolicy": {"MaximumRetryAttempts": 2, "MaximumEventAgeInSeconds": 3600}})
    started = time.time()
    event_id = put(server, source)
    dead = drain(server, dlq_url, 1, timeout=20)
    assert len(dead) == 1 and time.time() - started < 15
    attrs = attributes(dead[0])
    assert attrs["EXHAUSTED_RETRY_CONDITION"] == "MaximumRetryAttemptsExhausted"
    assert attrs["RETRY_ATTEMPTS"] == "2"
    assert attrs["ERROR_CODE"] == "INTERNAL_ERROR" and missing in attrs["ERROR_MESSAGE"]
    assert attrs["TARGET_ARN"] == missing and attrs["RULE_ARN"] == f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{rule}"
    assert json.loads(dead[0]["Body"])["id"] == event_id   # the event itself, not the target's input
    # The metrics, per rule and per bus and rule, through CloudWatch.
    for dims in ({"RuleName": rule}, {"EventBusName": "default", "RuleName": rule}):
        assert metric_sum(server, "RetryInvocationAttempts", dims) == 2
        assert metric_sum(server, "FailedInvocations", dims) == 1
        assert metric_sum(server, "InvocationsSentToDlq", dims) == 1
        assert metric_sum(server, "DeadLetterInvocations", dims) == 1
        assert metric_sum(server, "Invocations", dims) == 1
    listed = server.client("cloudwatch").list_metrics(Namespace="AWS/Events", MetricName="FailedInvocations",
                                                      Dimensions=[{"Name": "RuleName", "Value": rule}])["Metrics"]
    assert sorted(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]) for m in listed) == \
        [[("EventBusName", "default"), ("RuleName", rule)], [("RuleName", rule)]]
    assert metric_sum(server, "PutEventsApproximateCallCount", {}) >= 1
    assert metric_sum(server, "MatchedEvents", {"EventBusName": "default"}) >= 1


def test_a_missing_function_is_not_retried(fresh_petrel, monkeypatch):
    monkeypatch.setenv("PETREL_EVENTS_RETRY_BASE_SECONDS", "0.05")
    server = fresh_petrel()
    dlq_url, dlq_arn = queue(server)
    fn_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{unique('absent')}"
    rule, source = rule_to(server, {"Id": "fn", "Arn": fn_arn, "DeadLetterConfig": {"Arn": dlq_arn},
                                    "RetryPolicy": {"MaximumRetryAttempts": 5}})
    put(server, source)
    attrs = attributes(drain(server, dlq_url, 1)[0])
    assert attrs["ERROR_CODE"] == "ResourceNotFoundException" and attrs["RETRY_ATTEMPTS"] == "0"
    assert "EXHAUSTED_RETRY_CONDITION" not in attrs
    assert metric_sum(server, "RetryInvocationAttempts", {"RuleName": rule}) == 0


def test_an_event_past_its_maximum_age_goes_to_the_dead_letter_queue(fresh_petrel, monkeypatch):
    # MaximumEventAgeInSeconds cannot be under 60: this test waits about a minute.
    monkeypatch.setenv("PETREL_EVENTS_RETRY_BASE_SECONDS", "0.5")
    prefix = unique("flaky")
    monkeypatch.setenv("PETREL_EVENTS_UNAVAILABLE_QUEUES", f"{prefix}:600")
    server = fresh_petrel()
    dlq_url, dlq_arn = queue(server)
    rule, source = rule_to(server, {"Id": "q", "Arn": queue(server, name=prefix + "-target")[1], "DeadLetterConfig": {"Arn": dlq_arn},
                                    "RetryPolicy": {"MaximumRetryAttempts": 185, "MaximumEventAgeInSeconds": 60}})
    started = time.time()
    put(server, source)
    dead = drain(server, dlq_url, 1, timeout=90)
    assert len(dead) == 1
    assert 59 <= time.time() - started <= 85
    attrs = attributes(dead[0])
    assert attrs["EXHAUSTED_RETRY_CONDITION"] == "MaximumEventAgeExceeded"
    assert 3 <= int(attrs["RETRY_ATTEMPTS"]) < 185
    assert metric_sum(server, "RetryInvocationAttempts", {"RuleName": rule}) == int(attrs["RETRY_ATTEMPTS"])


def test_a_retry_owed_before_kill_9_is_made_after_the_restart(fresh_petrel, monkeypatch):
    monkeypatch.setenv("PETREL_EVENTS_RETRY_BASE_SECONDS", "1")
    prefix = unique("flaky")
    monkeypatch.setenv("PETREL_EVENTS_UNAVAILABLE_QUEUES", f"{prefix}:600")
    server = fresh_petrel()
    url, arn = queue(server, name=prefix + "-target")
    _, source = rule_to(server, {"Id": "q", "Arn": arn})
    event_id = put(server, source)   # acknowledged: its failed delivery is a committed retry row
    server.kill9()
    monkeypatch.delenv("PETREL_EVENTS_UNAVAILABLE_QUEUES")   # the queue is available after the restart
    server.restart()
    got = drain(server, url, 1, timeout=30)
    assert [json.loads(m["Body"])["id"] for m in got] == [event_id]
