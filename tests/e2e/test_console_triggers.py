"""A function's Triggers tab in a real headless Chromium: event source mappings on a Kinesis stream
and an SQS queue made from the page's picker (seen by boto3), one made by boto3 shown, enabled,
disabled and removed; the function URL created, linked and deleted; EventBridge rules that target
the function listed and a schedule rule made; under --iam enforce the page's calls are signed."""
import json

import pytest

from conftest import create_function, unique, wait_for
from test_console import Page, browser  # noqa: F401 - the fixture is used by name
from test_console_buckets import sign_in_as_root, visit

CODE = {"index.js": "exports.handler = async () => ({ statusCode: 200, body: 'ok' });"}


def test_mappings_from_the_picker_and_from_boto3(petrel, browser):  # noqa: F811
    lam, kin, sqs, ddb = (petrel.client(s) for s in ("lambda", "kinesis", "sqs", "dynamodb"))
    name = create_function(petrel, CODE, name=unique("triggered"))
    stream = unique("stream")
    kin.create_stream(StreamName=stream, ShardCount=1)
    stream_arn = kin.describe_stream_summary(StreamName=stream)["StreamDescriptionSummary"]["StreamARN"]
    queue_url = sqs.create_queue(QueueName=unique("queue"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    table = unique("table")
    ddb.create_table(TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                     AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
                     StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})

    page = Page(browser, petrel.endpoint)
    visit(page, f"/functions/{name}/triggers")
    page.wait_text("[data-panel=triggers]", "No triggers")

    # Kinesis, from TRIM_HORIZON, batches of 50.
    page.css("select[name=sourceType] option[value=kinesis]").click()
    page.wait_css(f"select[name=source] option[value='{stream_arn}']").click()
    page.css("select[name=startingPosition] option[value=TRIM_HORIZON]").click()
    page.fill("input[name=batchSize]", "50")
    page.click("Add trigger")
    page.wait_text("[data-panel=triggers] .notice.ok", f"Added a trigger on {stream}")

    # SQS: no starting position.
    page.css("select[name=sourceType] option[value=sqs]").click()
    page.wait_css(f"select[name=source] option[value='{queue_arn}']").click()
    assert not page.css("select[name=startingPosition]").is_displayed()
    page.click("Add trigger")
    page.wait(lambda: len(page.all("tr[data-uuid]")) == 2, what="two mappings")

    mappings = {m["EventSourceArn"]: m for m in lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]}
    assert mappings[stream_arn]["BatchSize"] == 50 and mappings[stream_arn]["StartingPosition"] == "TRIM_HORIZON"
    assert mappings[queue_arn]["BatchSize"] == 10 and "StartingPosition" not in mappings[queue_arn]

    # One made by boto3 on the table's stream: shown with a link to the table.
    lam.create_event_source_mapping(FunctionName=name, EventSourceArn=ddb.describe_table(TableName=table)["Table"]["LatestStreamArn"],
                                    StartingPosition="LATEST")
    page.click("Configuration", ".tabs")
    page.click("Triggers", ".tabs")
    page.wait(lambda: len(page.all("tr[data-uuid]")) == 3, what="three mappings")
    assert page.all(f"tr[data-uuid] a[href='#/tables/{table}']")
    assert page.all(f"tr[data-uuid] a[href='#/streams/{stream}']")

    # Disable the queue's, remove the stream's.
    queue_uuid = mappings[queue_arn]["UUID"]
    page.css(f"tr[data-uuid='{queue_uuid}'] [data-action=toggle]").click()
    wait_for(lambda: lam.get_event_source_mapping(UUID=queue_uuid)["State"] in ("Disabled", "Disabling"))
    page.wait_text(f"tr[data-uuid='{queue_uuid}']", "Disabl")
    page.css(f"tr[data-uuid='{mappings[stream_arn]['UUID']}'] [data-action=remove]").click()
    wait_for(lambda: stream_arn not in [m["EventSourceArn"] for m in lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
                                        if m["State"] != "Deleting"], timeout=15)
    page.no_errors()
    page.shot("triggers")


def test_function_url_and_schedule_rules(petrel, browser):  # noqa: F811
    lam, events = petrel.client("lambda"), petrel.client("events")
    name = create_function(petrel, CODE, name=unique("urlfn"))
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    theirs = unique("pattern")
    events.put_rule(Name=theirs, EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(Rule=theirs, Targets=[{"Id": "fn", "Arn": arn}])

    page = Page(browser, petrel.endpoint)
    visit(page, f"/functions/{name}/triggers")
    page.wait_text("[aria-label='EventBridge rules']", theirs)
    assert '"shop"' in page.css(f"tr[data-rule='{theirs}']").text

    # The URL: created from the page, linked, deleted from the page.
    page.click("Create function URL")
    link = page.wait_css("[data-role=function-url]")
    url = lam.get_function_url_config(FunctionName=name)["FunctionUrl"]
    assert link.text == url and link.get_attribute("href") == url
    page.click("Delete function URL")
    page.wait_css("select[name=urlAuthType]")
    with pytest.raises(lam.exceptions.ResourceNotFoundException):
        lam.get_function_url_config(FunctionName=name)

    # A schedule rule targeting the function.
    rule = unique("every5")
    page.fill("input[name=ruleName]", rule)
    page.click("Create schedule rule")
    page.wait_css(f"tr[data-rule='{rule}']")
    assert events.describe_rule(Name=rule)["ScheduleExpression"] == "rate(5 minutes)"
    assert [t["Arn"] for t in events.list_targets_by_rule(Rule=rule)["Targets"]] == [arn]
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert any(s["Principal"] == {"Service": "events.amazonaws.com"} for s in policy["Statement"])

    # A schedule EventBridge refuses: its message.
    page.fill("input[name=ruleName]", unique("bad"))
    page.fill("input[name=scheduleExpression]", "every five minutes")
    page.click("Create schedule rule")
    page.wait_text("[aria-label='EventBridge rules'] .notice.error", "ValidationException")
    page.shot("triggers-url-rules")


def test_under_enforce_the_triggers_tab_signs_its_calls(fresh_petrel, browser):  # noqa: F811
    from iam_helpers import client, root_credentials
    server = fresh_petrel("--iam", "enforce")
    root = root_credentials(server)
    iam = client(server, "iam", *root)
    role = iam.create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    lam = client(server, "lambda", *root)
    name = unique("signedfn")
    from conftest import make_zip
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=role, Code={"ZipFile": make_zip(CODE)})
    page = Page(browser, server.endpoint)
    sign_in_as_root(page, server)
    visit(page, f"/functions/{name}/triggers")
    page.wait_css("select[name=urlAuthType]")
    page.click("Create function URL")
    page.wait_css("[data-role=function-url]")
    rule = unique("signed")
    page.fill("input[name=ruleName]", rule)
    page.click("Create schedule rule")
    page.wait_css(f"tr[data-rule='{rule}']")
    page.no_errors()
    assert lam.get_function_url_config(FunctionName=name)["AuthType"] == "NONE"
    assert client(server, "events", *root).describe_rule(Name=rule)["State"] == "ENABLED"
