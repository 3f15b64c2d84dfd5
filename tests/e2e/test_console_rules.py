"""The console's Rules page (EventBridge) in a real headless Chromium: buses and rules (pattern or
schedule) made by the page are seen by boto3, rules and targets made by boto3 are shown; targets
added, removed, a rule disabled and deleted; a hostile description renders as text; errors show
EventBridge's message; under --iam enforce the page's calls are signed."""
import json

from conftest import create_function, unique
from events_helpers import let_events_send
from test_console import Page, browser  # noqa: F401 - the fixture is used by name
from test_console_buckets import HOSTILE, no_script_ran, sign_in_as_root, visit


def test_buses_rules_and_targets(petrel, browser):  # noqa: F811
    events, sqs = petrel.client("events"), petrel.client("sqs")
    fn = create_function(petrel, {"index.js": "exports.handler = async () => 1;"}, name=unique("ruled"))
    fn_arn = petrel.client("lambda").get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    queue_url = sqs.create_queue(QueueName=unique("ruleq"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    theirs = unique("boto-rule")
    theirs_arn = events.put_rule(Name=theirs, ScheduleExpression="rate(1 hour)", Description=HOSTILE)["RuleArn"]
    events.put_targets(Rule=theirs, Targets=[{"Id": "q", "Arn": queue_arn}])
    let_events_send(petrel, queue_url, theirs_arn)

    page = Page(browser, petrel.endpoint)
    visit(page, "/rules")
    row = page.wait_css(f"tr[data-rule='{theirs}']")
    page.wait_text(f"tr[data-rule='{theirs}']", "rate(1 hour)")
    assert HOSTILE in row.text
    no_script_ran(page)

    # A bus made from the page.
    bus = unique("orders")
    page.fill("input[name=busName]", bus)
    page.click("Create bus")
    page.wait_text("main h2", f"Rules on {bus}")
    assert events.describe_event_bus(Name=bus)["Name"] == bus

    # A pattern rule on it, targeting the function.
    rule = unique("big")
    page.fill("input[name=ruleName]", rule)
    page.fill("textarea[name=eventPattern]", '{"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}')
    page.wait_css(f"select[name=target] option[value='{fn_arn}']").click()
    page.click("Create rule")
    page.wait_css(f"tr[data-rule='{rule}']")
    described = events.describe_rule(Name=rule, EventBusName=bus)
    assert json.loads(described["EventPattern"]) == {"source": ["shop"], "detail": {"total": [{"numeric": [">", 100]}]}}
    assert [t["Arn"] for t in events.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]] == [fn_arn]

    # A pattern EventBridge refuses: its message.
    page.fill("input[name=ruleName]", unique("bad"))
    page.fill("textarea[name=eventPattern]", '{"source": [{"foo": 1}]}')
    page.click("Create rule")
    page.wait_text(".notice.error", "InvalidEventPattern")

    # The rule's page: add the queue, remove the function, disable, delete.
    page.css(f"tr[data-rule='{rule}'] a").click()
    page.wait_css("tr[data-target='target-1']")
    page.wait_css(f"select[name=target] option[value='{queue_arn}']").click()
    page.click("Add target")
    page.wait_css("tr[data-target='target-2']")
    # As AWS's console, the page added the queue policy statement that lets the rule send to it,
    # beside the one boto3 set; an event the rule matches reaches the queue.
    statements = json.loads(sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["Policy"])["Attributes"]["Policy"])["Statement"]
    assert [(st["Principal"], st["Action"], st["Condition"]["ArnEquals"]["aws:SourceArn"]) for st in statements] == [
        ({"Service": "events.amazonaws.com"}, "sqs:SendMessage", theirs_arn),
        ({"Service": "events.amazonaws.com"}, "sqs:SendMessage", described["Arn"])]
    events.put_events(Entries=[{"EventBusName": bus, "Source": "shop", "DetailType": "sale", "Detail": '{"total": 500}'}])
    got = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=10).get("Messages", [])
    assert [json.loads(m["Body"])["detail"] for m in got] == [{"total": 500}]
    page.click("Remove target", "tr[data-target='target-1']")
    page.wait(lambda: not page.all("tr[data-target='target-1']"), what="the function target to go")
    assert [t["Arn"] for t in events.list_targets_by_rule(Rule=rule, EventBusName=bus)["Targets"]] == [queue_arn]
    page.click("Disable rule")
    page.wait_text("[data-role=rule]", "DISABLED")
    assert events.describe_rule(Name=rule, EventBusName=bus)["State"] == "DISABLED"
    page.click("Delete rule")
    page.wait_text("main h2", f"Rules on {bus}")
    assert rule not in [r["Name"] for r in events.list_rules(EventBusName=bus)["Rules"]]
    page.no_errors()
    page.shot("rules")


def test_under_enforce_the_rules_page_signs_its_calls(fresh_petrel, browser):  # noqa: F811
    from iam_helpers import client, root_credentials
    server = fresh_petrel("--iam", "enforce")
    page = Page(browser, server.endpoint)
    sign_in_as_root(page, server)
    visit(page, "/rules")
    page.wait_css("input[name=ruleName]")
    rule = unique("signed")
    page.fill("input[name=ruleName]", rule)
    page.css("select[name=ruleKind] option[value=schedule]").click()
    page.click("Create rule")
    page.wait_css(f"tr[data-rule='{rule}']")
    page.no_errors()
    assert client(server, "events", *root_credentials(server)).describe_rule(Name=rule)["ScheduleExpression"] == "rate(5 minutes)"
