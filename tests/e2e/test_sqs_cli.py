"""SQS with the real AWS CLI (JSON 1.0, as the CLI speaks it)."""
import json
import uuid

from sqs_helpers import md5, md5_of_attributes


def test_cli_queue_and_message_round_trip(petrel):
    n = f"cli-{uuid.uuid4().hex[:8]}"
    url = petrel.cli("sqs", "create-queue", "--queue-name", n, "--attributes", "VisibilityTimeout=40")["QueueUrl"]
    assert url.endswith(f"/000000000000/{n}")
    assert petrel.cli("sqs", "get-queue-url", "--queue-name", n)["QueueUrl"] == url
    assert url in petrel.cli("sqs", "list-queues", "--queue-name-prefix", n)["QueueUrls"]
    attributes = {"City": {"DataType": "String", "StringValue": "Any City"}, "Population": {"DataType": "Number", "StringValue": "1250800"}}
    sent = petrel.cli("sqs", "send-message", "--queue-url", url, "--message-body", "from the cli",
                      "--message-attributes", json.dumps(attributes))
    assert sent["MD5OfMessageBody"] == md5("from the cli")
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attributes)
    got = petrel.cli("sqs", "receive-message", "--queue-url", url, "--attribute-names", "All", "--message-attribute-names", "All",
                     "--max-number-of-messages", "10")["Messages"]
    assert [m["Body"] for m in got] == ["from the cli"]
    assert got[0]["MessageAttributes"] == attributes
    attrs = petrel.cli("sqs", "get-queue-attributes", "--queue-url", url, "--attribute-names", "All")["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1" and attrs["VisibilityTimeout"] == "40"
    petrel.cli("sqs", "delete-message", "--queue-url", url, "--receipt-handle", got[0]["ReceiptHandle"])
    assert petrel.cli("sqs", "receive-message", "--queue-url", url) in ("", {})
    failed = petrel.cli("sqs", "get-queue-url", "--queue-name", n + "-missing", check=False)
    assert failed.returncode != 0 and "AWS.SimpleQueueService.NonExistentQueue" in failed.stderr
    petrel.cli("sqs", "delete-queue", "--queue-url", url)
