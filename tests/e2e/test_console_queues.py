"""The console's Queues page (SQS, JSON protocol) in a real headless Chromium: queues made by the
page (one with a dead-letter queue) are seen by boto3 and the other way round; messages sent,
polled, deleted and purged from the page are seen by boto3; a hostile message body renders as
text; errors show SQS's message; under --iam enforce the page's calls are signed."""
import json

from conftest import unique
from test_console import Page, browser  # noqa: F401 - the fixture is used by name
from test_console_buckets import HOSTILE, no_script_ran, sign_in_as_root, visit


def test_create_queues_with_a_dead_letter_queue_and_delete(petrel, browser):  # noqa: F811
    sqs = petrel.client("sqs")
    dlq, main = unique("dlq"), unique("jobs")
    dlq_url = sqs.create_queue(QueueName=dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    page = Page(browser, petrel.endpoint)
    visit(page, "/queues")
    page.wait_css(f"select[name=deadLetterQueue] option[value='{dlq_arn}']").click()
    page.fill("input[name=queueName]", main)
    page.fill("input[name=maxReceiveCount]", "3")
    page.click("Create queue")
    page.wait_text(f"tr[data-queue='{main}']", dlq)
    url = sqs.get_queue_url(QueueName=main)["QueueUrl"]
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert policy == {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3}

    # A FIFO queue whose name lacks .fifo: SQS's message.
    page.fill("input[name=queueName]", unique("plain"))
    page.css("input[name=fifo]").click()
    page.click("Create queue")
    page.wait_text(".notice.error", "fifo")
    page.css("input[name=fifo]").click()

    page.css(f"tr[data-queue='{main}'] button.danger").click()
    page.wait(lambda: not page.all(f"tr[data-queue='{main}']"), what="the row to go")
    assert not [u for u in sqs.list_queues(QueueNamePrefix=main).get("QueueUrls", []) if u.endswith("/" + main)]
    page.shot("queues")


def test_send_poll_delete_and_purge_messages(petrel, browser):  # noqa: F811
    sqs = petrel.client("sqs")
    name = unique("work")
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=HOSTILE)
    page = Page(browser, petrel.endpoint)
    visit(page, "/queues")
    page.wait_css(f"tr[data-queue='{name}'] a").click()
    page.wait_text("[data-attribute='Messages available']", "1")

    # Sent from the page: boto3 receives it.
    page.fill("textarea[name=messageBody]", '{"from": "console"}')
    page.click("Send message")
    page.wait_text(".notice.ok", "Sent message")
    page.wait_text("[data-attribute='Messages available']", "2")

    # Polled by the page: the hostile body is text; deleting it from the page deletes it.
    page.fill("input[name=visibilityTimeout]", "60")
    page.click("Poll for messages")
    page.wait(lambda: len(page.all("tr[data-message-id]")) == 2, what="two messages")
    bodies = [e.text for e in page.all("[data-role=body]")]
    assert HOSTILE in bodies and '{"from": "console"}' in bodies
    no_script_ran(page)
    row = [r for r in page.all("tr[data-message-id]") if HOSTILE in r.text][0]
    row.find_element("css selector", "[data-action=delete]").click()
    page.wait(lambda: len(page.all("tr[data-message-id]")) == 1, what="the deleted row to go")
    attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attrs["ApproximateNumberOfMessages"] == "0" and attrs["ApproximateNumberOfMessagesNotVisible"] == "1"

    # Purge from the page.
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    page.click("Refresh")
    page.wait_text("[data-attribute='Messages available']", "3")
    page.click("Purge")
    page.click(f"Purge every message of {name}")
    page.wait_text(".notice.ok", "Purged")
    assert sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []) == []
    page.no_errors()
    page.shot("queue")


def test_under_enforce_the_queues_page_signs_its_calls(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel("--iam", "enforce")
    page = Page(browser, server.endpoint)
    sign_in_as_root(page, server)
    name = unique("signed")
    visit(page, "/queues")
    page.wait_css("input[name=queueName]")
    page.fill("input[name=queueName]", name)
    page.click("Create queue")
    page.wait_css(f"tr[data-queue='{name}'] a").click()
    page.wait_css("textarea[name=messageBody]")
    page.fill("textarea[name=messageBody]", "signed")
    page.click("Send message")
    page.wait_text(".notice.ok", "Sent message")
    page.no_errors()
    from iam_helpers import client, root_credentials
    sqs = client(server, "sqs", *root_credentials(server))
    url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["signed"]


def test_a_dead_letter_queue_moves_its_messages_back(petrel, browser):  # noqa: F811
    sqs = petrel.client("sqs")
    dlq, source = unique("dead"), unique("orders")
    dlq_url = sqs.create_queue(QueueName=dlq)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    source_url = sqs.create_queue(QueueName=source, Attributes={
        "VisibilityTimeout": "0", "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})})["QueueUrl"]
    for body in ("poison-1", "poison-2"):
        sqs.send_message(QueueUrl=source_url, MessageBody=body)
    # Received once and not deleted: the next receive moves them to the dead-letter queue.
    sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10)
    assert sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10).get("Messages", []) == []
    assert sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] == "2"

    page = Page(browser, petrel.endpoint)
    visit(page, f"/queues/{source}")
    page.wait_css("[data-attribute='ARN']")
    assert page.css("section[aria-label='Dead-letter redrive']").get_attribute("hidden") is not None  # not a DLQ
    visit(page, f"/queues/{dlq}")
    page.wait_text("section[aria-label='Dead-letter redrive']", source)
    page.wait_css("button[data-action=redrive]").click()
    page.wait_text(".notice.ok", "Started moving")
    # The move runs in the server: both messages are back in their source queue.
    bodies = set()
    for _ in range(50):
        for m in sqs.receive_message(QueueUrl=source_url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.add(m["Body"])
            sqs.delete_message(QueueUrl=source_url, ReceiptHandle=m["ReceiptHandle"])
        if len(bodies) == 2:
            break
    assert bodies == {"poison-1", "poison-2"}
    tasks = sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"]
    assert tasks and tasks[0]["Status"] in ("RUNNING", "COMPLETED")
    page.css("button[data-action=redrive]")  # the section is still there, with its task listed
    page.wait_css("table[data-role=move-tasks] td[data-role=status]")


def test_queue_pickers_offer_queues_past_the_first_page(fresh_petrel, browser):  # noqa: F811
    # ListQueues answers at most 1,000 URLs a page: the rule-target and trigger pickers read
    # every page (the queue named last sorts after 1,000 others).
    server = fresh_petrel()
    sqs = server.client("sqs")
    for i in range(1000):
        sqs.create_queue(QueueName=f"bulk-{i:04d}")
    last = "zz-" + unique("last")
    url = sqs.create_queue(QueueName=last)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    page = Page(browser, server.endpoint)
    visit(page, "/rules")
    page.wait_css(f"select[name=target] option[value='{arn}']")
    assert len(page.all("select[name=target] option[value^='arn:aws:sqs:']")) == 1001
