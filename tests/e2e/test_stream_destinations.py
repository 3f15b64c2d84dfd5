"""DestinationConfig.OnFailure of stream event source mappings (DynamoDB streams and Kinesis): a
batch given up on goes to the SQS queue as AWS's invocation record; and the failure settings
(MaximumRetryAttempts, BisectBatchOnFunctionError, ReportBatchItemFailures) as they apply to
Kinesis."""
import json
from datetime import datetime

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, unique, wait_for

# Fails every batch that holds a record whose data (Kinesis) or item (DynamoDB) says "bad".
POISONED = """
exports.handler = async (event) => {
    const texts = event.Records.map(r => r.kinesis
        ? Buffer.from(r.kinesis.data, 'base64').toString()
        : r.dynamodb.NewImage.text.S);
    console.log('GOT ' + JSON.stringify({ texts, seqs: event.Records.map(r => r.kinesis ? r.kinesis.sequenceNumber : r.dynamodb.SequenceNumber) }));
    if (texts.some(t => t.startsWith('bad'))) throw new Error('poison');
    return {};
};
"""

# A batch that starts with "a" reports its "fail-…" record as a batch item failure.
PARTIAL = """
exports.handler = async (event) => {
    const recs = event.Records.map(r => ({ seq: r.kinesis.sequenceNumber, text: Buffer.from(r.kinesis.data, 'base64').toString() }));
    console.log('GOT ' + JSON.stringify({ texts: recs.map(r => r.text), seqs: recs.map(r => r.seq) }));
    const failing = recs.find(r => r.text.startsWith('fail'));
    if (recs[0].text === 'a' && failing) return { batchItemFailures: [{ itemIdentifier: failing.seq }] };
    return { batchItemFailures: [] };
};
"""


def calls(server, fn):
    return [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(server, fn) if "GOT " in m]


def make_queue(server):
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=unique("dlq"))["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return url, arn


def drain(server, url, count, timeout=30):
    sqs = server.client("sqs")
    got = []

    def more():
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(got) >= count

    wait_for(more, timeout=timeout, interval=0)
    return got


def make_stream(server, shards=1):
    k = server.client("kinesis")
    name = unique("ks")
    k.create_stream(StreamName=name, ShardCount=shards)
    return name, k.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]


def put_record(server, stream, text, key="k"):
    return server.client("kinesis").put_record(StreamName=stream, PartitionKey=key, Data=text.encode())


def make_table(server):
    name = unique("tbl")
    out = server.client("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_IMAGE"})
    return name, out["TableDescription"]["LatestStreamArn"]


def parse_time(text):
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")


def assert_invocation_record(record, fn_arn, condition, invokes):
    assert record["version"] == "1.0"
    parse_time(record["timestamp"])
    context = record["requestContext"]
    assert context["functionArn"] == fn_arn and context["condition"] == condition
    assert context["approximateInvokeCount"] == invokes and context["requestId"]
    assert record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"}


def test_kinesis_batch_given_up_goes_to_the_queue_as_aws_record(petrel):
    url, queue_arn = make_queue(petrel)
    stream, arn = make_stream(petrel)
    fn = create_function(petrel, {"index.js": POISONED})
    lam = petrel.client("lambda")
    fn_arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    out = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=10,
                                          MaximumRetryAttempts=1, Enabled=False,
                                          DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    assert out["DestinationConfig"] == {"OnFailure": {"Destination": queue_arn}}
    puts = [put_record(petrel, stream, t) for t in ("bad-1", "bad-2")]
    lam.update_event_source_mapping(UUID=out["UUID"], Enabled=True)
    [record] = drain(petrel, url, 1)
    assert_invocation_record(record, fn_arn, "RetryAttemptsExhausted", 2)
    info = record["KinesisBatchInfo"]
    assert info["shardId"] == puts[0]["ShardId"] and info["streamArn"] == arn and info["batchSize"] == 2
    assert (info["startSequenceNumber"], info["endSequenceNumber"]) == (puts[0]["SequenceNumber"], puts[1]["SequenceNumber"])
    assert parse_time(info["approximateArrivalOfFirstRecord"]) <= parse_time(info["approximateArrivalOfLastRecord"])
    # The mapping goes on past the batch it gave up on.
    put_record(petrel, stream, "good")
    wait_for(lambda: any(c["texts"] == ["good"] for c in calls(petrel, fn)), timeout=20)
    assert lam.get_event_source_mapping(UUID=out["UUID"])["DestinationConfig"] == {"OnFailure": {"Destination": queue_arn}}


def test_dynamodb_batch_given_up_goes_to_the_queue_as_aws_record(petrel):
    url, queue_arn = make_queue(petrel)
    table, stream = make_table(petrel)
    fn = create_function(petrel, {"index.js": POISONED})
    lam = petrel.client("lambda")
    fn_arn = lam.get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=1,
                                           MaximumRetryAttempts=2)["UUID"]
    # Set on an existing mapping with UpdateEventSourceMapping.
    out = lam.update_event_source_mapping(UUID=uuid, DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    assert out["DestinationConfig"] == {"OnFailure": {"Destination": queue_arn}}
    ddb = petrel.client("dynamodb")
    ddb.put_item(TableName=table, Item={"id": {"S": "x"}, "text": {"S": "bad"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "y"}, "text": {"S": "good"}})
    [record] = drain(petrel, url, 1)
    assert_invocation_record(record, fn_arn, "RetryAttemptsExhausted", 3)
    info = record["DDBStreamBatchInfo"]
    seq = calls(petrel, fn)[0]["seqs"][0]
    assert info["streamArn"] == stream and info["batchSize"] == 1 and info["shardId"]
    assert info["startSequenceNumber"] == info["endSequenceNumber"] == seq
    wait_for(lambda: any(c["texts"] == ["good"] for c in calls(petrel, fn)), timeout=20)
    # The failures log keeps the same record.
    logged = petrel.client("logs").filter_log_events(logGroupName=f"/petrel/event-source-mappings/{uuid}")["events"]
    assert json.loads(logged[0]["message"])["DDBStreamBatchInfo"] == info
    # An empty Destination removes it.
    out = lam.update_event_source_mapping(UUID=uuid, DestinationConfig={"OnFailure": {"Destination": ""}})
    assert out["DestinationConfig"] == {"OnFailure": {}}


def test_kinesis_bisect_sends_only_the_poison_record(petrel):
    url, queue_arn = make_queue(petrel)
    stream, arn = make_stream(petrel)
    fn = create_function(petrel, {"index.js": POISONED})
    lam = petrel.client("lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=4,
                                           MaximumRetryAttempts=0, BisectBatchOnFunctionError=True, Enabled=False,
                                           DestinationConfig={"OnFailure": {"Destination": queue_arn}})["UUID"]
    puts = [put_record(petrel, stream, t) for t in ("ok-0", "ok-1", "bad-2", "ok-3")]
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    [record] = drain(petrel, url, 1)
    info = record["KinesisBatchInfo"]
    assert info["batchSize"] == 1 and info["startSequenceNumber"] == info["endSequenceNumber"] == puts[2]["SequenceNumber"]
    got = calls(petrel, fn)
    assert got[0]["texts"] == ["ok-0", "ok-1", "bad-2", "ok-3"]  # the whole batch first, then halves
    succeeded = {t for c in got if not any(x.startswith("bad") for x in c["texts"]) for t in c["texts"]}
    assert succeeded == {"ok-0", "ok-1", "ok-3"}


def test_kinesis_report_batch_item_failures_redelivers_from_the_failed_record(petrel):
    stream, arn = make_stream(petrel)
    fn = create_function(petrel, {"index.js": PARTIAL})
    lam = petrel.client("lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=4,
                                           FunctionResponseTypes=["ReportBatchItemFailures"], Enabled=False)["UUID"]
    for t in ("a", "b", "fail-c", "d"):
        put_record(petrel, stream, t)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    got = wait_for(lambda: len(calls(petrel, fn)) >= 2 and calls(petrel, fn), timeout=20)
    assert [c["texts"] for c in got] == [["a", "b", "fail-c", "d"], ["fail-c", "d"]]


def test_kinesis_retries_until_maximum_retry_attempts(petrel):
    stream, arn = make_stream(petrel)
    fn = create_function(petrel, {"index.js": POISONED})
    lam = petrel.client("lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=1,
                                           MaximumRetryAttempts=2, Enabled=False)["UUID"]
    put_record(petrel, stream, "bad")
    put_record(petrel, stream, "after")
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    got = wait_for(lambda: any(c["texts"] == ["after"] for c in calls(petrel, fn)) and calls(petrel, fn), timeout=20)
    assert [c["texts"] for c in got] == [["bad"], ["bad"], ["bad"], ["after"]]  # first try + 2 retries


def test_bad_destinations_are_refused(petrel):
    _, queue_arn = make_queue(petrel)
    stream, arn = make_stream(petrel)
    fn = create_function(petrel, {"index.js": POISONED})
    lam = petrel.client("lambda")
    account = queue_arn.split(":")[4]
    for destination in (f"arn:aws:sqs:us-east-1:{account}:{unique('missing')}", f"arn:aws:sns:us-east-1:{account}:topic",
                        f"arn:aws:sqs:us-east-1:{account}:{unique('q')}.fifo"):
        with pytest.raises(ClientError) as e:
            lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST",
                                            DestinationConfig={"OnFailure": {"Destination": destination}})
        assert e.value.response["Error"]["Code"] == "InvalidParameterValueException", destination
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST",
                                        DestinationConfig={"OnSuccess": {"Destination": queue_arn}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    # Queue mappings have no OnFailure destination (their queue's redrive policy does that).
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=fn,
                                        DestinationConfig={"OnFailure": {"Destination": queue_arn}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValueException"
    # Without one, a stream mapping answers an empty OnFailure, as AWS does; a refused update changes nothing.
    uuid = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="LATEST")["UUID"]
    with pytest.raises(ClientError):
        lam.update_event_source_mapping(UUID=uuid, DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:000000000000:nope"}})
    assert lam.get_event_source_mapping(UUID=uuid)["DestinationConfig"] == {"OnFailure": {}}
