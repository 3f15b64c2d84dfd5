"""SQS over AWS JSON 1.0 (what boto3 and the AWS CLI speak today), with the real boto3."""
import base64
import http.client
import json
import statistics
import threading
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from sqs_helpers import md5, md5_of_attributes


@pytest.fixture
def sqs(petrel):
    return petrel.client("sqs")


def name(prefix="q"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def test_queue_lifecycle_urls_attributes_and_tags(sqs, petrel):
    n = name()
    url = sqs.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "45", "DelaySeconds": "0"}, tags={"team": "a"})["QueueUrl"]
    assert url == f"http://127.0.0.1:{petrel.port}/000000000000/{n}"
    # Idempotent with equal attributes; QueueNameExists with different ones.
    assert sqs.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == url
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "46"})
    assert sqs.get_queue_url(QueueName=n)["QueueUrl"] == url
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "45"
    assert attrs["QueueArn"] == f"arn:aws:sqs:us-east-1:000000000000:{n}"
    assert attrs["MaximumMessageSize"] == "1048576" and attrs["MessageRetentionPeriod"] == "345600"
    assert attrs["ApproximateNumberOfMessages"] == "0"
    assert int(attrs["CreatedTimestamp"]) > 1_600_000_000
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"ReceiveMessageWaitTimeSeconds": "2", "MessageRetentionPeriod": "60"})
    got = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ReceiveMessageWaitTimeSeconds", "MessageRetentionPeriod"])["Attributes"]
    assert got == {"ReceiveMessageWaitTimeSeconds": "2", "MessageRetentionPeriod": "60"}
    with pytest.raises(ClientError) as bad:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "99999"})
    assert bad.value.response["Error"]["Code"] == "InvalidAttributeValue"
    with pytest.raises(sqs.exceptions.InvalidAttributeName):
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Nope"])
    sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "a", "env": "dev"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "dev"}
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as gone:
        sqs.get_queue_url(QueueName=n)
    # botocore reads the query-compatible code from x-amzn-query-error, as with AWS.
    assert gone.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    assert gone.value.response["Error"]["QueryErrorCode"] == "QueueDoesNotExist"


def test_list_queues_prefix_and_paging(sqs):
    prefix = name("page")
    urls = [sqs.create_queue(QueueName=f"{prefix}-{i}")["QueueUrl"] for i in range(5)]
    assert sorted(sqs.list_queues(QueueNamePrefix=prefix)["QueueUrls"]) == sorted(urls)
    seen, token = [], None
    while True:
        kwargs = {"QueueNamePrefix": prefix, "MaxResults": 2}
        if token:
            kwargs["NextToken"] = token
        page = sqs.list_queues(**kwargs)
        seen += page["QueueUrls"]
        token = page.get("NextToken")
        if not token:
            break
    assert sorted(seen) == sorted(urls)
    paginated = [u for p in sqs.get_paginator("list_queues").paginate(QueueNamePrefix=prefix, PaginationConfig={"PageSize": 3}) for u in p["QueueUrls"]]
    assert sorted(paginated) == sorted(urls)


def test_send_receive_md5_attributes_and_delete(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    attributes = {
        "City": {"DataType": "String", "StringValue": "Any City"},
        "Population": {"DataType": "Number", "StringValue": "1250800"},
        "Blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01binary"},
        "Custom": {"DataType": "String.custom", "StringValue": "ü"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="héllo wörld", MessageAttributes=attributes,
                            MessageSystemAttributes={"AWSTraceHeader": {"DataType": "String", "StringValue": "Root=1-5759e988-bd862e3fe1be46a994272793"}})
    assert sent["MD5OfMessageBody"] == md5("héllo wörld")
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    assert "MD5OfMessageSystemAttributes" in sent
    got = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"])["Messages"]
    assert len(got) == 1
    m = got[0]
    assert m["MessageId"] == sent["MessageId"] and m["Body"] == "héllo wörld" and m["MD5OfBody"] == md5("héllo wörld")
    assert m["MessageAttributes"] == attributes
    assert m["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    assert m["Attributes"]["AWSTraceHeader"].startswith("Root=1-")
    assert abs(int(m["Attributes"]["SentTimestamp"]) - time.time() * 1000) < 60_000
    assert m["Attributes"]["ApproximateFirstReceiveTimestamp"] >= m["Attributes"]["SentTimestamp"]
    # Only the selected attributes, and their digest.
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0)
    again = sqs.receive_message(QueueUrl=url, MessageAttributeNames=["City"], AttributeNames=["SentTimestamp"])["Messages"][0]
    assert again["MessageAttributes"] == {"City": attributes["City"]}
    assert again["MD5OfMessageAttributes"] == md5_of_attributes({"City": attributes["City"]})
    assert set(again["Attributes"]) == {"SentTimestamp"}
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="not-a-handle")


def test_batches_and_batch_errors(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    out = sqs.send_message_batch(QueueUrl=url, Entries=[
        {"Id": "a", "MessageBody": "one"},
        {"Id": "b", "MessageBody": "two", "DelaySeconds": 0, "MessageAttributes": {"k": {"DataType": "String", "StringValue": "v"}}},
        {"Id": "c", "MessageBody": "bad", "DelaySeconds": 1000},
    ])
    assert sorted(e["Id"] for e in out["Successful"]) == ["a", "b"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in out["Failed"]] == [("c", "InvalidParameterValue", True)]
    b = next(e for e in out["Successful"] if e["Id"] == "b")
    assert b["MD5OfMessageAttributes"] == md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}})
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}])
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"i{i}", "MessageBody": "m"} for i in range(11)])
    with pytest.raises(sqs.exceptions.EmptyBatchRequest):
        sqs.delete_message_batch(QueueUrl=url, Entries=[])
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in got) == ["one", "two"]
    changed = sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
        {"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 60} for i, m in enumerate(got)])
    assert len(changed["Successful"]) == 2 and not changed["Failed"]
    deleted = sqs.delete_message_batch(QueueUrl=url, Entries=[
        {"Id": f"m{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(got)] + [{"Id": "bogus", "ReceiptHandle": "zzz"}])
    assert len(deleted["Successful"]) == 2
    assert [(f["Id"], f["Code"]) for f in deleted["Failed"]] == [("bogus", "ReceiptHandleIsInvalid")]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])
    assert attrs["Attributes"] == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}


def test_validation_errors_in_aws_words(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert "MaxNumberOfMessages" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageAttributes={"AWS.bad": {"DataType": "String", "StringValue": "v"}})
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(sqs.exceptions.InvalidMessageContents):
        sqs.send_message(QueueUrl=url, MessageBody="bad \x01 char")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url + "-missing", MessageBody="x")
    small = sqs.create_queue(QueueName=name(), Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=small, MessageBody="x" * 1025)
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_visibility_timeout_and_delay(sqs):
    url = sqs.create_queue(QueueName=name(), Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="v")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"
    # Long polling also wakes when the message becomes visible again (no send needed).
    started = time.monotonic()
    again = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert time.monotonic() - started < 2.5
    assert again["MessageId"] == first["MessageId"] and again["Attributes"]["ApproximateReceiveCount"] == "2"
    # A standard queue still takes the first receipt (as AWS does): it deletes the message.
    sqs.delete_message(QueueUrl=url, ReceiptHandle=first["ReceiptHandle"])
    sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
    sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=1)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])["Attributes"] == {"ApproximateNumberOfMessagesDelayed": "1"}
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=3)["Messages"][0]["Body"] == "later"


def test_long_poll_is_woken_by_a_send(sqs, petrel):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    sender = petrel.client("sqs")
    latencies = []
    for i in range(15):
        result = {}

        def poll():
            result["out"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)
            result["at"] = time.perf_counter()

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.15)   # the poll is parked
        sent_at = time.perf_counter()
        sender.send_message(QueueUrl=url, MessageBody=f"m{i}")
        t.join(15)
        assert result["out"]["Messages"][0]["Body"] == f"m{i}"
        latencies.append((result["at"] - sent_at) * 1000)
        sqs.delete_message(QueueUrl=url, ReceiptHandle=result["out"]["Messages"][0]["ReceiptHandle"])
    p50 = statistics.median(latencies)
    print(f"long-poll wake latency, send call start → receive returned: p50 {p50:.1f} ms, max {max(latencies):.1f} ms")
    # Woken by the commit, not by a polling interval: well under a second.
    assert p50 < 250
    # An empty long poll waits its full time.
    started = time.monotonic()
    assert "Messages" not in sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1)
    assert 0.9 <= time.monotonic() - started < 3


def test_fifo_order_groups_and_deduplication(sqs):
    n = name("f") + ".fifo"
    url = sqs.create_queue(QueueName=n, Attributes={"FifoQueue": "true"})["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageGroupId="g")
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"   # no dedup id, no content-based dedup
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x", MessageDeduplicationId="d")
    assert e.value.response["Error"]["Code"] == "MissingParameter"
    seqs = []
    for i in range(6):
        out = sqs.send_message(QueueUrl=url, MessageBody=f"a{i}", MessageGroupId="A", MessageDeduplicationId=f"a{i}")
        seqs.append(int(out["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    dup = sqs.send_message(QueueUrl=url, MessageBody="other body", MessageGroupId="A", MessageDeduplicationId="a0")
    assert int(dup["SequenceNumber"]) == seqs[0]
    sqs.send_message(QueueUrl=url, MessageBody="b0", MessageGroupId="B", MessageDeduplicationId="b0")
    first = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in first] == ["a0", "a1", "a2"]
    assert first[0]["Attributes"]["MessageGroupId"] == "A" and first[0]["Attributes"]["MessageDeduplicationId"] == "a0"
    # Group A is blocked while its messages are in flight: only B comes.
    second = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in second] == ["b0"]
    sqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(first)])
    third = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=1)["Messages"]
    assert [m["Body"] for m in third] == ["a3", "a4", "a5"]
    # A FIFO receipt handle expires with its receive.
    time.sleep(1.2)
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=url, ReceiptHandle=third[0]["ReceiptHandle"])
    assert e.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert e.value.response["Error"]["Message"].endswith("Reason: The receipt handle has expired.")
    cbd = sqs.create_queue(QueueName=name("c") + ".fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    one = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g")
    two = sqs.send_message(QueueUrl=cbd, MessageBody="same", MessageGroupId="g")
    assert one["MessageId"] == two["MessageId"]
    assert len(sqs.receive_message(QueueUrl=cbd, MaxNumberOfMessages=10)["Messages"]) == 1


def test_dead_letter_queue_and_redrive(sqs):
    dlq = sqs.create_queue(QueueName=name("dlq"))["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName=name("src"), Attributes={
        "VisibilityTimeout": "0", "RedrivePolicy": f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":"2"}}'})["QueueUrl"]
    policy = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"]
    assert policy == f'{{"deadLetterTargetArn":"{dlq_arn}","maxReceiveCount":2}}'
    sqs.send_message(QueueUrl=src, MessageBody="poison")
    for count in (1, 2):
        m = sqs.receive_message(QueueUrl=src, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        assert m["Attributes"]["ApproximateReceiveCount"] == str(count)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    dead = sqs.receive_message(QueueUrl=dlq, VisibilityTimeout=0, AttributeNames=["All"])["Messages"][0]
    assert dead["Body"] == "poison"
    assert dead["Attributes"]["DeadLetterQueueSourceArn"].endswith(src.rsplit("/", 1)[1])
    assert sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"] == [src]
    task = sqs.start_message_move_task(SourceArn=dlq_arn)["TaskHandle"]
    deadline = time.time() + 10
    while time.time() < deadline:
        results = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
        if results[0]["Status"] == "COMPLETED":
            break
        time.sleep(0.2)
    assert results[0]["Status"] == "COMPLETED" and results[0]["ApproximateNumberOfMessagesMoved"] == 1
    back = sqs.receive_message(QueueUrl=src, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
    assert back["Body"] == "poison" and back["Attributes"]["ApproximateReceiveCount"] == "1"
    with pytest.raises(ClientError) as e:
        sqs.cancel_message_move_task(TaskHandle=task)
    assert e.value.response["Error"]["Code"] == "AWS.SimpleQueueService.UnsupportedOperation"


def test_purge_once_a_minute(sqs):
    url = sqs.create_queue(QueueName=name())["QueueUrl"]
    sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(5)])
    sqs.purge_queue(QueueUrl=url)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] == "0"
    with pytest.raises(sqs.exceptions.PurgeQueueInProgress):
        sqs.purge_queue(QueueUrl=url)


def _json_call(conn, operation, body):
    conn.request("POST", "/", body=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": f"AmazonSQS.{operation}"})
    response = conn.getresponse()
    return json.loads(response.read() or b"{}")


def test_long_poll_wake_latency_over_keep_alive_connections(sqs, petrel):
    """The wake-up itself, without boto3's per-call cost: one keep-alive connection parks a
    ReceiveMessage, another sends; measured from the send's answer to the receive's answer."""
    url = sqs.create_queue(QueueName=name("wake"))["QueueUrl"]
    host = petrel.endpoint.split("//")[1]
    poller, sender = http.client.HTTPConnection(host, timeout=30), http.client.HTTPConnection(host, timeout=30)
    after_send, after_call = [], []
    for i in range(40):
        result = {}

        def poll():
            result["out"] = _json_call(poller, "ReceiveMessage", {"QueueUrl": url, "WaitTimeSeconds": 10})
            result["at"] = time.perf_counter()

        t = threading.Thread(target=poll)
        t.start()
        time.sleep(0.05)
        started = time.perf_counter()
        _json_call(sender, "SendMessage", {"QueueUrl": url, "MessageBody": f"w{i}"})
        sent = time.perf_counter()
        t.join(15)
        message = result["out"]["Messages"][0]
        assert message["Body"] == f"w{i}"
        after_call.append((result["at"] - started) * 1000)
        after_send.append((result["at"] - sent) * 1000)
        _json_call(sender, "DeleteMessage", {"QueueUrl": url, "ReceiptHandle": message["ReceiptHandle"]})
    print(f"long-poll wake (keep-alive, 40 rounds): send call start → receive answered p50 {statistics.median(after_call):.2f} ms; "
          f"send answered → receive answered p50 {statistics.median(after_send):.2f} ms, p90 {sorted(after_send)[35]:.2f} ms")
    assert statistics.median(after_call) < 100


def test_list_queues_prefix_is_case_sensitive(sqs):
    stem = uuid.uuid4().hex[:8]
    upper = sqs.create_queue(QueueName=f"Case{stem}")["QueueUrl"]
    lower = sqs.create_queue(QueueName=f"case{stem}_x")["QueueUrl"]
    assert sqs.list_queues(QueueNamePrefix=f"Case{stem}")["QueueUrls"] == [upper]
    assert sqs.list_queues(QueueNamePrefix=f"case{stem}_")["QueueUrls"] == [lower]
