"""Bucket notifications to SQS queues and to EventBridge: AWS's validation (the queue must exist,
be a standard queue, and have a policy letting s3.amazonaws.com send for the bucket), the
s3:TestEvent, the record each change sends, filters, S3's events on the default bus reaching a
rule's function and queue, and no lost message across kill -9 after an acknowledged PUT."""
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, unique, wait_for
from events_helpers import let_events_send

ACCOUNT = "000000000000"
RECORDER = """
exports.handler = async (event) => {
    console.log('GOT ' + JSON.stringify(event));
    return {};
};
"""


def bucket_name():
    return f"nd-{uuid.uuid4().hex[:10]}"


def s3_policy(queue_arn, bucket):
    """The queue policy AWS's user guide gives for S3 event notifications."""
    return json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"}, "Action": "sqs:SendMessage", "Resource": queue_arn,
        "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}, "StringEquals": {"aws:SourceAccount": ACCOUNT}}}]})


def make_queue(server, bucket=None, fifo=False):
    """A queue (with the policy letting `bucket` send to it, when given): (url, arn)."""
    sqs = server.client("sqs")
    name = unique("nq") + (".fifo" if fifo else "")
    url = sqs.create_queue(QueueName=name, Attributes={"FifoQueue": "true"} if fifo else {})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    if bucket:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": s3_policy(arn, bucket)})
    return url, arn


def drain(server, url, count, timeout=20):
    sqs = server.client("sqs")
    got = []
    deadline = time.time() + timeout
    while len(got) < count and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            got.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


def error_of(call, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        call(**kwargs)
    return excinfo.value.response["Error"]


def queue_config(arn, events, **extra):
    return {"QueueConfigurations": [dict({"QueueArn": arn, "Events": events}, **extra)]}


def test_queue_destinations_are_validated_as_aws_does(petrel):
    s3 = petrel.client("s3")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    missing = f"arn:aws:sqs:us-east-1:{ACCOUNT}:{unique('missing')}"
    _, unallowed = make_queue(petrel)                         # no policy at all
    _, other_bucket = make_queue(petrel, bucket="some-other-bucket")
    _, fifo = make_queue(petrel, bucket=bucket, fifo=True)
    for arn in (missing, unallowed, other_bucket, fifo):
        error = error_of(s3.put_bucket_notification_configuration, Bucket=bucket,
                         NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"]))
        assert error["Code"] == "InvalidArgument", (arn, error)
        assert error["Message"] == "Unable to validate the following destination configurations", (arn, error)
    topic = error_of(s3.put_bucket_notification_configuration, Bucket=bucket, NotificationConfiguration={"TopicConfigurations": [
        {"TopicArn": f"arn:aws:sns:us-east-1:{ACCOUNT}:t", "Events": ["s3:ObjectCreated:*"]}]})
    assert topic["Code"] == "InvalidArgument"
    # Nothing was stored by the refused calls.
    stored = s3.get_bucket_notification_configuration(Bucket=bucket)
    assert stored.get("QueueConfigurations", []) == [] and "EventBridgeConfiguration" not in stored


def test_queue_gets_the_test_event_and_a_record_per_matching_change(petrel):
    s3 = petrel.client("s3")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    created_url, created_arn = make_queue(petrel, bucket)
    removed_url, removed_arn = make_queue(petrel, bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"QueueConfigurations": [
        {"Id": "created", "QueueArn": created_arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".txt"}]}}},
        {"Id": "removed", "QueueArn": removed_arn, "Events": ["s3:ObjectRemoved:*"]}]})
    stored = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert sorted((c["Id"], c["QueueArn"]) for c in stored) == [("created", created_arn), ("removed", removed_arn)]

    for url in (created_url, removed_url):
        test = drain(petrel, url, 1)
        assert len(test) == 1 and test[0]["Event"] == "s3:TestEvent" and test[0]["Service"] == "Amazon S3"
        assert test[0]["Bucket"] == bucket and test[0]["RequestId"] and test[0]["Time"]

    etag = s3.put_object(Bucket=bucket, Key="in/a b.txt", Body=b"12345")["ETag"].strip('"')
    s3.put_object(Bucket=bucket, Key="in/skip.jpg", Body=b"no")       # suffix does not match
    s3.put_object(Bucket=bucket, Key="out/skip.txt", Body=b"no")      # prefix does not match
    s3.copy_object(Bucket=bucket, Key="in/copy.txt", CopySource={"Bucket": bucket, "Key": "in/a b.txt"})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="in/big.txt")["UploadId"]
    parts = [{"PartNumber": n, "ETag": s3.upload_part(Bucket=bucket, Key="in/big.txt", UploadId=upload, PartNumber=n,
                                                       Body=body)["ETag"]}
             for n, body in ((1, b"x" * 5 * 1024 * 1024), (2, b"tail"))]
    s3.complete_multipart_upload(Bucket=bucket, Key="in/big.txt", UploadId=upload, MultipartUpload={"Parts": parts})
    s3.delete_object(Bucket=bucket, Key="in/a b.txt")

    created = [m["Records"][0] for m in drain(petrel, created_url, 3)]
    by_name = {(r["eventName"], r["s3"]["object"]["key"]): r for r in created}
    assert set(by_name) == {("ObjectCreated:Put", "in/a+b.txt"), ("ObjectCreated:Copy", "in/copy.txt"),
                            ("ObjectCreated:CompleteMultipartUpload", "in/big.txt")}
    put = by_name[("ObjectCreated:Put", "in/a+b.txt")]
    assert (put["eventVersion"], put["eventSource"], put["awsRegion"]) == ("2.1", "aws:s3", "us-east-1")
    assert put["s3"]["configurationId"] == "created"
    assert put["s3"]["bucket"]["name"] == bucket and put["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert put["s3"]["object"]["size"] == 5 and put["s3"]["object"]["eTag"] == etag and put["s3"]["object"]["sequencer"]
    assert by_name[("ObjectCreated:CompleteMultipartUpload", "in/big.txt")]["s3"]["object"]["size"] == 5 * 1024 * 1024 + 4
    removed = [m["Records"][0] for m in drain(petrel, removed_url, 1)]
    assert [(r["eventName"], r["s3"]["object"]["key"], r["s3"]["configurationId"]) for r in removed] == \
        [("ObjectRemoved:Delete", "in/a+b.txt", "removed")]
    time.sleep(1)
    assert drain(petrel, created_url, 1, timeout=2) == []  # the filtered-out keys sent nothing


def test_eventbridge_configuration_puts_s3_events_on_the_default_bus(petrel):
    s3, events = petrel.client("s3"), petrel.client("events")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
    assert s3.get_bucket_notification_configuration(Bucket=bucket)["EventBridgeConfiguration"] == {}

    fn = create_function(petrel, {"index.js": RECORDER})
    sqs = petrel.client("sqs")
    url = sqs.create_queue(QueueName=unique("eq"))["QueueUrl"]
    qarn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    rule = unique("s3rule")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps(
        {"source": ["aws.s3"], "detail-type": ["Object Created"], "detail": {"bucket": {"name": [bucket]}}}))["RuleArn"]
    petrel.client("lambda").add_permission(FunctionName=fn, StatementId="events", Action="lambda:InvokeFunction",
                                           Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fn}"},
                                           {"Id": "q", "Arn": qarn}])
    let_events_send(petrel, url, rule_arn)
    deleted_url = sqs.create_queue(QueueName=unique("dq"))["QueueUrl"]
    deleted_arn = sqs.get_queue_attributes(QueueUrl=deleted_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    del_rule = events.put_rule(Name=rule + "-del", EventPattern=json.dumps(
        {"source": ["aws.s3"], "detail-type": ["Object Deleted", "Object Tags Added"], "detail": {"bucket": {"name": [bucket]}}}))
    events.put_targets(Rule=rule + "-del", Targets=[{"Id": "q", "Arn": deleted_arn}])
    let_events_send(petrel, deleted_url, del_rule["RuleArn"])

    etag = s3.put_object(Bucket=bucket, Key="photos/cat 1.jpg", Body=b"meow!")["ETag"].strip('"')
    s3.put_object_tagging(Bucket=bucket, Key="photos/cat 1.jpg", Tagging={"TagSet": [{"Key": "animal", "Value": "cat"}]})
    s3.delete_object(Bucket=bucket, Key="photos/cat 1.jpg")

    [event] = drain(petrel, url, 1)
    assert (event["source"], event["detail-type"], event["account"], event["region"], event["version"]) == \
        ("aws.s3", "Object Created", ACCOUNT, "us-east-1", "0")
    assert event["resources"] == [f"arn:aws:s3:::{bucket}"] and event["id"] and event["time"].endswith("Z")
    detail = event["detail"]
    assert detail["version"] == "0" and detail["bucket"] == {"name": bucket}
    assert detail["object"]["key"] == "photos/cat 1.jpg" and detail["object"]["size"] == 5
    assert detail["object"]["etag"] == etag and detail["object"]["sequencer"]
    assert detail["reason"] == "PutObject" and detail["requester"] == ACCOUNT
    assert detail["request-id"] and detail["source-ip-address"]
    got = wait_for(lambda: [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(petrel, fn) if "GOT " in m], timeout=20)
    assert [(e["detail-type"], e["detail"]["object"]["key"]) for e in got] == [("Object Created", "photos/cat 1.jpg")]
    tagged, removed = sorted(drain(petrel, deleted_url, 2), key=lambda e: e["detail-type"], reverse=True)
    assert tagged["detail-type"] == "Object Tags Added" and tagged["detail"]["object"]["etag"] == etag
    assert "reason" not in tagged["detail"] and "size" not in tagged["detail"]["object"]
    assert removed["detail-type"] == "Object Deleted"
    assert removed["detail"]["reason"] == "DeleteObject" and removed["detail"]["deletion-type"] == "Permanently Deleted"
    assert "size" not in removed["detail"]["object"]


def test_acknowledged_puts_lose_no_queue_message_across_kill_9(fresh_petrel):
    server = fresh_petrel()
    s3 = server.client("s3")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    url, arn = make_queue(server, bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration=queue_config(arn, ["s3:ObjectCreated:*"]))
    keys = [f"k{i}" for i in range(30)]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    server.kill9()   # right after the last acknowledged PUT: its message may still be in the outbox
    server.start()
    got = drain(server, url, len(keys) + 1, timeout=30)
    records = [m["Records"][0]["s3"]["object"]["key"] for m in got if "Records" in m]
    assert sorted(set(records)) == sorted(keys), server.tail()


def test_a_layer_published_from_s3(petrel):
    import hashlib
    import base64
    from conftest import make_zip
    s3, lam = petrel.client("s3"), petrel.client("lambda")
    bucket = bucket_name()
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    first = make_zip({"python/greet.py": "def greet(n):\n    return 'hi ' + n\n"})
    second = make_zip({"python/greet.py": "def greet(n):\n    return 'hello ' + n\n"})
    v1 = s3.put_object(Bucket=bucket, Key="layers/greet.zip", Body=first)["VersionId"]
    s3.put_object(Bucket=bucket, Key="layers/greet.zip", Body=second)
    name = unique("s3layer")
    latest = lam.publish_layer_version(LayerName=name, Content={"S3Bucket": bucket, "S3Key": "layers/greet.zip"})
    older = lam.publish_layer_version(LayerName=name, Content={"S3Bucket": bucket, "S3Key": "layers/greet.zip", "S3ObjectVersion": v1})
    assert latest["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(second).digest()).decode()
    assert older["Content"]["CodeSha256"] == base64.b64encode(hashlib.sha256(first).digest()).decode()
    assert older["Content"]["CodeSize"] == len(first)
    error = error_of(lam.publish_layer_version, LayerName=name, Content={"S3Bucket": bucket, "S3Key": "layers/missing.zip"})
    assert error["Code"] == "InvalidParameterValueException"
    assert "Error occurred while GetObject. S3 Error Code: NoSuchKey" in error["Message"]
    error = error_of(lam.publish_layer_version, LayerName=name, Content={"S3Bucket": bucket})
    assert error["Code"] == "InvalidParameterValueException"
