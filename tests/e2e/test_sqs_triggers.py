"""SQS queues as event sources: AWS's event shape, batching, filters, partial failures, the
queue's visibility timeout and dead-letter queue, FIFO order, the API, and kill -9."""
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, unique, wait_for

RECORDER = """
exports.handler = async (event) => {
    const failures = [];
    for (const r of event.Records) {
        console.log('GOT ' + JSON.stringify({ id: r.messageId, body: r.body, rh: r.receiptHandle, md5: r.md5OfBody,
            attrs: r.attributes, mattrs: r.messageAttributes, source: r.eventSource, arn: r.eventSourceARN,
            region: r.awsRegion, n: event.Records.length }));
        if (r.body === 'poison') failures.push({ itemIdentifier: r.messageId });
    }
    if (event.Records.some(r => r.body === 'slow')) await new Promise(done => setTimeout(done, 300));
    if (event.Records.some(r => r.body === 'throw')) throw new Error('boom');
    return { batchItemFailures: failures };
};
"""


def received(server, fn):
    return [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(server, fn) if "GOT " in m]


def make_queue(server, fifo=False, **attributes):
    sqs = server.client("sqs")
    name = unique("q") + (".fifo" if fifo else "")
    if fifo:
        attributes.update(FifoQueue="true", ContentBasedDeduplication="true")
    url = sqs.create_queue(QueueName=name, Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def warm(server, fn):
    """One invocation first, so the mapping's first batch does not pay a cold start that could
    outlast a short visibility timeout (the message would then be delivered twice, as on AWS)."""
    server.client("lambda").invoke(FunctionName=fn, Payload=json.dumps({"Records": []}).encode())


def queue_count(server, url):
    attrs = server.client("sqs").get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])


def test_messages_reach_the_function_in_aws_shape_and_are_deleted(petrel):
    url, arn = make_queue(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    lam = petrel.client("lambda")
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10)
    assert out["State"] in ("Creating", "Enabled") and out["BatchSize"] == 10 and out["EventSourceArn"] == arn
    assert "StartingPosition" not in out and "ParallelizationFactor" not in out
    sqs = petrel.client("sqs")
    sent = sqs.send_message(QueueUrl=url, MessageBody="hello",
                            MessageAttributes={"kind": {"DataType": "String", "StringValue": "greeting"}})
    got = wait_for(lambda: received(petrel, fn))
    r = got[0]
    assert r["id"] == sent["MessageId"] and r["body"] == "hello" and r["md5"] == sent["MD5OfMessageBody"]
    assert r["source"] == "aws:sqs" and r["arn"] == arn and r["region"] == "us-east-1" and r["rh"]
    assert r["attrs"]["ApproximateReceiveCount"] == "1" and r["attrs"]["SentTimestamp"] and r["attrs"]["SenderId"]
    assert r["mattrs"]["kind"]["stringValue"] == "greeting" and r["mattrs"]["kind"]["dataType"] == "String"
    assert wait_for(lambda: queue_count(petrel, url) == 0)
    mapping = lam.get_event_source_mapping(UUID=out["UUID"])
    assert mapping["State"] == "Enabled" and mapping["StateTransitionReason"] == "USER_INITIATED"
    assert wait_for(lambda: lam.get_event_source_mapping(UUID=out["UUID"])["LastProcessingResult"] == "OK")


def test_a_batching_window_gathers_a_batch_and_scaling_config_round_trips(petrel):
    url, arn = make_queue(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    lam = petrel.client("lambda")
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=100, MaximumBatchingWindowInSeconds=2,
                                          ScalingConfig={"MaximumConcurrency": 2})
    assert out["ScalingConfig"] == {"MaximumConcurrency": 2} and out["MaximumBatchingWindowInSeconds"] == 2
    sqs = petrel.client("sqs")
    for b in range(3):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": f"m{b}-{i}"} for i in range(10)])
    got = wait_for(lambda: len(received(petrel, fn)) >= 30 and received(petrel, fn), timeout=15)
    assert sorted(r["body"] for r in got) == sorted(f"m{b}-{i}" for b in range(3) for i in range(10))
    # Two consumers at most, each gathering for up to 2 s: a few large batches, not 30 small ones.
    assert max(r["n"] for r in got) >= 10


def test_bad_queue_mappings_are_refused(petrel):
    fn = create_function(petrel, {"index.js": RECORDER})
    _, arn = make_queue(petrel)
    _, fifo = make_queue(petrel, fifo=True)
    lam = petrel.client("lambda")
    for kwargs, message in [
        (dict(EventSourceArn=arn, BatchSize=11), "Maximum batch window in seconds must be greater than 0 if maximum batch size is greater than 10"),
        (dict(EventSourceArn=fifo, BatchSize=11, MaximumBatchingWindowInSeconds=1), "FIFO"),
        (dict(EventSourceArn=arn, StartingPosition="LATEST"), "StartingPosition"),
        (dict(EventSourceArn=arn, ParallelizationFactor=2), "ParallelizationFactor"),
        (dict(EventSourceArn=arn.rsplit(":", 1)[0] + ":no-such-queue"), "NonExistentQueue"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            lam.create_event_source_mapping(FunctionName=fn, **kwargs)
        assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException", kwargs
        assert message in excinfo.value.response["Error"]["Message"], kwargs
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10_000, MaximumBatchingWindowInSeconds=1,
                                          Enabled=False)
    assert out["BatchSize"] == 10_000 and out["State"] == "Disabled"


def test_filtered_out_messages_are_deleted(petrel):
    url, arn = make_queue(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    petrel.client("lambda").create_event_source_mapping(
        EventSourceArn=arn, FunctionName=fn, FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": ["order"]}})}]})
    sqs = petrel.client("sqs")
    for kind in ("refund", "order", "refund"):
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"kind": kind}))
    sqs.send_message(QueueUrl=url, MessageBody="not json")
    got = wait_for(lambda: received(petrel, fn))
    assert wait_for(lambda: queue_count(petrel, url) == 0), "filtered-out messages must be deleted"
    time.sleep(0.5)
    assert [json.loads(r["body"])["kind"] for r in received(petrel, fn)] == ["order"] and got


def test_only_reported_failures_return_and_a_poison_message_ends_in_the_dlq(petrel):
    dlq_url, dlq_arn = make_queue(petrel)
    url, arn = make_queue(petrel, VisibilityTimeout=3,
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
    fn = create_function(petrel, {"index.js": RECORDER})
    warm(petrel, fn)
    petrel.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=10,
                                                        FunctionResponseTypes=["ReportBatchItemFailures"])
    sqs = petrel.client("sqs")
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": body} for i, body in enumerate(["a", "poison", "b"])])
    in_dlq = wait_for(lambda: sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"), timeout=30)
    assert [m["Body"] for m in in_dlq] == ["poison"]
    bodies = [r["body"] for r in received(petrel, fn)]
    assert bodies.count("a") == 1 and bodies.count("b") == 1, bodies  # the rest of the batch was processed once
    assert bodies.count("poison") == 2  # maxReceiveCount deliveries, then the dead-letter queue
    assert wait_for(lambda: queue_count(petrel, url) == 0)


def test_a_failed_batch_comes_back_after_the_visibility_timeout(petrel):
    dlq_url, dlq_arn = make_queue(petrel)
    url, arn = make_queue(petrel, VisibilityTimeout=2,
                          RedrivePolicy=json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}))
    fn = create_function(petrel, {"index.js": RECORDER})
    warm(petrel, fn)
    uuid = petrel.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=fn)["UUID"]
    petrel.client("sqs").send_message(QueueUrl=url, MessageBody="throw")
    wait_for(lambda: len(received(petrel, fn)) >= 3, timeout=30)
    counts = [r["attrs"]["ApproximateReceiveCount"] for r in received(petrel, fn)]
    assert counts[:3] == ["1", "2", "3"]
    assert wait_for(lambda: petrel.client("sqs").receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages"), timeout=10)
    assert petrel.client("lambda").get_event_source_mapping(UUID=uuid)["LastProcessingResult"].startswith("PROBLEM")


def test_fifo_messages_arrive_in_group_order(petrel):
    url, arn = make_queue(petrel, fifo=True)
    fn = create_function(petrel, {"index.js": RECORDER})
    petrel.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=3,
                                                        ScalingConfig={"MaximumConcurrency": 3})
    sqs = petrel.client("sqs")
    for i in range(6):
        for g in ("a", "b", "c"):
            sqs.send_message(QueueUrl=url, MessageBody=f"{g}{i}", MessageGroupId=g)
    got = wait_for(lambda: len(received(petrel, fn)) >= 18 and received(petrel, fn), timeout=20)
    for g in ("a", "b", "c"):
        assert [r["body"] for r in got if r["attrs"]["MessageGroupId"] == g] == [f"{g}{i}" for i in range(6)]


def test_update_disable_list_and_delete_with_the_cli(petrel):
    url, arn = make_queue(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    out = petrel.cli("lambda", "create-event-source-mapping", "--event-source-arn", arn, "--function-name", fn, "--batch-size", "5")
    uuid = out["UUID"]
    assert out["BatchSize"] == 5
    out = petrel.cli("lambda", "update-event-source-mapping", "--uuid", uuid, "--no-enabled", "--batch-size", "50",
                     "--maximum-batching-window-in-seconds", "1", "--function-response-types", "ReportBatchItemFailures")
    assert out["State"] == "Disabling" and out["BatchSize"] == 50 and out["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert petrel.cli("lambda", "get-event-source-mapping", "--uuid", uuid)["State"] == "Disabled"
    petrel.client("sqs").send_message(QueueUrl=url, MessageBody="paused")
    time.sleep(1)
    assert received(petrel, fn) == []
    listed = petrel.cli("lambda", "list-event-source-mappings", "--event-source-arn", arn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    petrel.cli("lambda", "update-event-source-mapping", "--uuid", uuid, "--enabled")
    assert wait_for(lambda: received(petrel, fn))[0]["body"] == "paused"
    assert petrel.cli("lambda", "delete-event-source-mapping", "--uuid", uuid)["State"] == "Deleting"
    with pytest.raises(ClientError):
        petrel.client("lambda").get_event_source_mapping(UUID=uuid)


def test_kill_9_while_consuming_loses_nothing(fresh_petrel):
    server = fresh_petrel()
    url, arn = make_queue(server, VisibilityTimeout=4)
    fn = create_function(server, {"index.js": RECORDER})
    server.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, BatchSize=5,
                                                        ScalingConfig={"MaximumConcurrency": 2})
    sqs = server.client("sqs")
    for b in range(3):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "slow", "MessageAttributes": {
            "n": {"DataType": "Number", "StringValue": str(b * 10 + i)}}} for i in range(10)])
    wait_for(lambda: len(received(server, fn)) >= 5, timeout=20)
    server.kill9()
    server.restart()
    got = wait_for(lambda: len({r["mattrs"]["n"]["stringValue"] for r in received(server, fn)}) >= 30 and received(server, fn), timeout=40)
    numbers = [r["mattrs"]["n"]["stringValue"] for r in got]
    assert set(numbers) == {str(n) for n in range(30)}
    # At most the batches in flight at the kill (MaximumConcurrency 2 × BatchSize 5) come again.
    assert len(numbers) - 30 <= 10, sorted(numbers)
    assert wait_for(lambda: queue_count(server, url) == 0, timeout=10)
