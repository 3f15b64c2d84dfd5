"""The console's Event history (CloudTrail LookupEvents) and Usage & cost (GET /_petrel/usage)
pages in a real headless Chromium: the events and figures shown are the ones boto3 and the usage
endpoint answer; a hostile request parameter renders as text; under --iam enforce the history's
calls are signed."""
import json
import urllib.request

from conftest import create_function, unique
from test_console import Page, browser  # noqa: F401 - the fixture is used by name
from test_console_buckets import HOSTILE, no_script_ran, sign_in_as_root, visit


def test_event_history_lookups_match_cloudtrail(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel()
    sqs, events, trail = server.client("sqs"), server.client("events"), server.client("cloudtrail")
    names = [unique("hq") for _ in range(3)]
    for n in names:
        sqs.create_queue(QueueName=n)
    events.put_rule(Name=unique("hostile"), EventPattern='{"source": ["x"]}', Description=HOSTILE)

    page = Page(browser, server.endpoint)
    visit(page, "/history")
    page.wait_css("tr[data-event-id]")
    page.css("select[name=lookupAttribute] option[value=EventName]").click()
    page.fill("input[name=lookupValue]", "CreateQueue")
    page.click("Look up")
    expected = [e["EventId"] for e in trail.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "CreateQueue"}])["Events"]]
    assert len(expected) == 3
    page.wait(lambda: [r.get_attribute("data-event-id") for r in page.all("tr[data-event-id]")] == expected, what="the CreateQueue events")
    first = page.css("tr[data-event-id]").text
    assert "CreateQueue" in first and "sqs.amazonaws.com" in first and "root" in first

    # The whole record of the PutRule call: its hostile description as text.
    page.fill("input[name=lookupValue]", "PutRule")
    page.click("Look up")
    page.wait(lambda: [r.text for r in page.all("tr[data-event-id]")] and all("PutRule" in r.text for r in page.all("tr[data-event-id]")),
              what="the PutRule event")
    page.css("tr[data-event-id] [data-action=record]").click()
    record = page.wait_css("[data-role=record]")
    page.wait(lambda: record.is_displayed(), what="the record")
    assert json.loads(record.text)["eventName"] == "PutRule"
    assert json.loads(record.text)["requestParameters"]["description"] == HOSTILE
    no_script_ran(page)

    # A lookup attribute CloudTrail refuses (the page offers none: one is added here): its message.
    page.d.execute_script("const o = document.createElement('option'); o.value = 'Bogus'; o.textContent = 'Bogus';"
                          "document.querySelector('select[name=lookupAttribute]').append(o);")
    page.css("select[name=lookupAttribute] option[value=Bogus]").click()
    page.click("Look up")
    page.wait_text(".notice.error", "Lookup attribute key Bogus is not valid")
    page.shot("history")


def test_usage_page_shows_the_usage_endpoints_figures(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel()
    lam = server.client("lambda")
    name = create_function(server, {"index.js": "exports.handler = async () => 1;"}, name=unique("metered"))
    for _ in range(3):
        assert "FunctionError" not in lam.invoke(FunctionName=name)
    page = Page(browser, server.endpoint)
    visit(page, "/usage")
    page.wait_text(f"tr[data-function='{name}']", name)
    with urllib.request.urlopen(server.endpoint + "/_petrel/usage?whatIfMemory=1024", timeout=30) as r:
        usage = json.load(r)
    mine = next(f for f in usage["functions"] if f["function"] == name)
    cells = [c.text for c in page.css(f"tr[data-function='{name}']").find_elements("css selector", "td")]
    assert cells[1] == "3" and mine["requests"] == 3
    assert cells[4] == f"{mine['memorySizes'][0]} MB"
    assert page.css("[data-figure=Requests]").text.startswith("3 ")

    # The what-if column: the endpoint's what-if at 1024 MB.
    page.css("select[name=whatIfMemory] option[value='1024']").click()
    page.wait(lambda: len(page.css(f"tr[data-function='{name}']").find_elements("css selector", "td")) == 8, what="the what-if column")
    what_if = page.css(f"tr[data-function='{name}']").find_elements("css selector", "td")[7].text
    assert what_if == f"${mine['whatIf']['cost']:.6f}"
    page.no_errors()
    page.shot("usage")


def test_under_enforce_the_history_page_signs_its_calls(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel("--iam", "enforce")
    page = Page(browser, server.endpoint)
    sign_in_as_root(page, server)
    visit(page, "/history")
    page.wait_text("tr[data-event-id]", "GetCallerIdentity")
    page.no_errors()
    visit(page, "/usage")
    page.wait_css("[data-role=usage-summary]")
    page.no_errors()


def test_the_new_pages_do_not_scroll_sideways_at_400_px(petrel, browser):  # noqa: F811
    import time
    bucket, queue, stream = unique("narrow"), unique("narrow"), unique("narrow")
    petrel.client("s3").create_bucket(Bucket=bucket)
    petrel.client("s3").put_object(Bucket=bucket, Key="k" * 200, Body=b"x")
    petrel.client("sqs").create_queue(QueueName=queue)
    petrel.client("kinesis").create_stream(StreamName=stream, ShardCount=1)
    name = create_function(petrel, {"index.js": "exports.handler = async () => 1;"}, name=unique("narrow"))
    page = Page(browser, petrel.endpoint)
    browser.set_window_size(400, 900)
    try:
        for where, ready in [("/buckets", "table.list"), (f"/buckets/{bucket}", "tr[data-key]"), ("/queues", "table.list"),
                             (f"/queues/{queue}", "[data-role=attributes] dt"), ("/streams", "table.list"), (f"/streams/{stream}", "tr[data-shard]"),
                             ("/rules", "form"), ("/history", "tr[data-event-id]"), ("/usage", "[data-role=usage-summary]"),
                             (f"/functions/{name}/triggers", "[aria-label='EventBridge rules'] .notice")]:
            visit(page, where)
            page.wait_css(ready)
            time.sleep(0.3)  # late cells fill in
            assert not page.d.execute_script("return document.documentElement.scrollWidth > document.documentElement.clientWidth + 1;"), where
    finally:
        browser.set_window_size(1280, 1000)
