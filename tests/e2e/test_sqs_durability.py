"""Queues survive kill -9: an acknowledged send is there after the restart; a received,
undeleted message reappears after its visibility timeout, also across the restart."""
import time
import uuid


def test_messages_survive_kill_9_and_visibility_carries_across_restart(fresh_petrel):
    server = fresh_petrel()
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=f"durable-{uuid.uuid4().hex[:6]}", Attributes={"VisibilityTimeout": "3"})["QueueUrl"]
    fifo = sqs.create_queue(QueueName=f"durable-{uuid.uuid4().hex[:6]}.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    ids = {sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")["MessageId"] for i in range(20)}
    for i in range(3):
        sqs.send_message(QueueUrl=fifo, MessageBody=f"f{i}", MessageGroupId="g", MessageDeduplicationId=f"f{i}")
    in_flight = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=5)["Messages"]
    received_at = time.monotonic()
    server.kill9()
    server.restart()
    sqs = server.client("sqs")
    # The restart changed the port; the queue's path still names it.
    url = sqs.get_queue_url(QueueName=url.rsplit("/", 1)[1])["QueueUrl"]
    fifo = sqs.get_queue_url(QueueName=fifo.rsplit("/", 1)[1])["QueueUrl"]
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["VisibilityTimeout"] == "3"
    if time.monotonic() - received_at < 3:
        assert int(attrs["ApproximateNumberOfMessagesNotVisible"]) == 5
    seen = set()
    deadline = time.time() + 15
    while len(seen) < 20 and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=2).get("Messages", []):
            seen.add(m["MessageId"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    assert seen == ids
    assert {m["MessageId"] for m in in_flight} <= seen
    # FIFO order and deduplication state survive too.
    dup = sqs.send_message(QueueUrl=fifo, MessageBody="again", MessageGroupId="g", MessageDeduplicationId="f0")
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]]
    assert bodies == ["f0", "f1", "f2"] and dup["MessageId"]


def test_a_parked_long_poll_does_not_hold_a_graceful_stop(fresh_petrel):
    import threading

    server = fresh_petrel()
    sqs = server.client("sqs")
    url = sqs.create_queue(QueueName=f"stop-{uuid.uuid4().hex[:6]}")["QueueUrl"]
    result = {}

    def poll():
        result["out"] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.5)
    started = time.monotonic()
    server.stop()   # SIGTERM: graceful
    took = time.monotonic() - started
    t.join(5)
    assert "Messages" not in result["out"]   # answered, empty, as the shutdown began
    assert took < 5, f"stopping took {took:.1f} s"
