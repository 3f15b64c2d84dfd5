"""SQS over the older query protocol (form posts, XML answers): boto3 driven by SQS's
query-era protocol traits, and raw requests signed with botocore's SigV4Auth, to `/` and to
a queue's own URL."""
import uuid

import pytest
from botocore.exceptions import ClientError

from sqs_helpers import NS, md5, md5_of_attributes, query_client, raw_query


@pytest.fixture
def qsqs(petrel):
    return query_client(petrel.endpoint)


def test_boto3_over_the_query_protocol(qsqs, petrel):
    sent_types = []
    qsqs.meta.events.register("before-send.sqs", lambda request, **_: sent_types.append(
        (request.headers.get("Content-Type", b""), request.headers.get("X-Amz-Target"))))
    n = f"query-{uuid.uuid4().hex[:8]}"
    url = qsqs.create_queue(QueueName=n, Attributes={"VisibilityTimeout": "20"}, tags={"k": "v"})["QueueUrl"]
    assert url == f"http://127.0.0.1:{petrel.port}/000000000000/{n}"
    assert qsqs.get_queue_url(QueueName=n)["QueueUrl"] == url
    assert url in qsqs.list_queues(QueueNamePrefix=n)["QueueUrls"]
    attrs = qsqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "20"
    assert qsqs.list_queue_tags(QueueUrl=url)["Tags"] == {"k": "v"}
    attributes = {"a": {"DataType": "String", "StringValue": "x & <y>"}, "b": {"DataType": "Binary", "BinaryValue": b"\x01\x02"}}
    sent = qsqs.send_message(QueueUrl=url, MessageBody="<xml> & text", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == md5("<xml> & text")
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    batch = qsqs.send_message_batch(QueueUrl=url, Entries=[{"Id": "one", "MessageBody": "1"}, {"Id": "bad", "MessageBody": "2", "DelaySeconds": 901}])
    assert [e["Id"] for e in batch["Successful"]] == ["one"] and batch["Failed"][0]["Code"] == "InvalidParameterValue"
    got = qsqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"], AttributeNames=["All"])["Messages"]
    assert sorted(m["Body"] for m in got) == ["1", "<xml> & text"]
    m = next(m for m in got if m["Body"].startswith("<xml>"))
    assert m["MessageAttributes"] == attributes
    assert m["Attributes"]["ApproximateReceiveCount"] == "1"
    deleted = qsqs.delete_message_batch(QueueUrl=url, Entries=[{"Id": f"d{i}", "ReceiptHandle": x["ReceiptHandle"]} for i, x in enumerate(got)])
    assert len(deleted["Successful"]) == 2
    with pytest.raises(ClientError) as e:
        qsqs.get_queue_url(QueueName=n + "-missing")
    assert e.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    qsqs.delete_queue(QueueUrl=url)
    assert url not in qsqs.list_queues(QueueNamePrefix=n).get("QueueUrls", [])
    # Every call above was a form post, none a JSON target.
    assert sent_types and all(t[1] is None and b"x-www-form-urlencoded" in (t[0] if isinstance(t[0], bytes) else t[0].encode()) for t in sent_types)


def test_raw_query_requests_to_root_and_to_the_queue_url(petrel):
    n = f"raw-{uuid.uuid4().hex[:8]}"
    status, root = raw_query(petrel.endpoint + "/", {"Action": "CreateQueue", "Version": "2012-11-05", "QueueName": n,
                                                     "Attribute.1.Name": "DelaySeconds", "Attribute.1.Value": "0"})
    assert status == 200, root
    url = root.find(f"{NS}CreateQueueResult/{NS}QueueUrl").text
    assert url.endswith(f"/000000000000/{n}")
    # Posted to the queue's URL without a QueueUrl parameter, as old SDKs do.
    status, root = raw_query(url, {"Action": "SendMessage", "Version": "2012-11-05", "MessageBody": "via path",
                                   "MessageAttribute.1.Name": "n", "MessageAttribute.1.Value.DataType": "Number",
                                   "MessageAttribute.1.Value.StringValue": "42"})
    assert status == 200
    result = root.find(f"{NS}SendMessageResult")
    assert result.find(f"{NS}MD5OfMessageBody").text == md5("via path")
    assert result.find(f"{NS}MD5OfMessageAttributes").text == md5_of_attributes({"n": {"DataType": "Number", "StringValue": "42"}})
    assert root.find(f"{NS}ResponseMetadata/{NS}RequestId").text
    status, root = raw_query(url, {"Action": "ReceiveMessage", "Version": "2012-11-05", "AttributeName.1": "All",
                                   "MessageAttributeName.1": "All"})
    message = root.find(f"{NS}ReceiveMessageResult/{NS}Message")
    assert message.find(f"{NS}Body").text == "via path"
    names = {a.find(f"{NS}Name").text: a.find(f"{NS}Value").text for a in message.findall(f"{NS}Attribute")}
    assert names["ApproximateReceiveCount"] == "1"
    attribute = message.find(f"{NS}MessageAttribute")
    assert attribute.find(f"{NS}Name").text == "n" and attribute.find(f"{NS}Value/{NS}StringValue").text == "42"
    # Errors are query XML with the query-era code.
    status, root = raw_query(petrel.endpoint + "/", {"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": n + "-nope"})
    assert status == 400
    assert root.find(f"{NS}Error/{NS}Code").text == "AWS.SimpleQueueService.NonExistentQueue"
    assert root.find(f"{NS}Error/{NS}Type").text == "Sender"
    # Unsigned, told apart from IAM/STS by SQS's API version.
    status, root = raw_query(petrel.endpoint + "/", {"Action": "GetQueueUrl", "Version": "2012-11-05", "QueueName": n}, sign=False)
    assert status == 200 and root.find(f"{NS}GetQueueUrlResult/{NS}QueueUrl").text == url


def test_iam_query_requests_still_reach_iam(petrel):
    iam = petrel.client("iam")
    user = f"u{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    assert iam.get_user(UserName=user)["User"]["UserName"] == user
    iam.delete_user(UserName=user)
