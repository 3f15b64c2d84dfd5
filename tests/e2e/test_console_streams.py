"""The console's Streams page (Kinesis) in a real headless Chromium: streams made by the page are
seen by boto3 and the other way round; shards are listed; a record put by the page is read by
boto3, records put by boto3 are read by the page from TRIM_HORIZON and LATEST; a hostile record
renders as text; errors show Kinesis's message; under --iam enforce the page's calls are signed."""
from conftest import unique, wait_for
from test_console import Page, browser  # noqa: F401 - the fixture is used by name
from test_console_buckets import HOSTILE, no_script_ran, sign_in_as_root, visit


def test_create_put_and_read_records(petrel, browser):  # noqa: F811
    kinesis = petrel.client("kinesis")
    name = unique("clicks")
    page = Page(browser, petrel.endpoint)
    visit(page, "/streams")
    page.wait_css("input[name=streamName]")
    page.fill("input[name=streamName]", name)
    page.fill("input[name=shardCount]", "2")
    page.click("Create stream")
    page.wait_css(f"tr[data-stream='{name}']")
    wait_for(lambda: kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamStatus"] == "ACTIVE")
    assert kinesis.describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["OpenShardCount"] == 2

    # The same name again: Kinesis's message.
    page.fill("input[name=streamName]", name)
    page.click("Create stream")
    page.wait_text(".notice.error", "ResourceInUseException")

    page.css(f"tr[data-stream='{name}'] a").click()
    page.wait(lambda: len(page.all("tr[data-shard]")) == 2, what="two shards")
    shard = kinesis.put_record(StreamName=name, PartitionKey="p", Data=HOSTILE.encode())["ShardId"]

    # Put from the page: boto3 reads it from the shard it landed in.
    page.fill("input[name=partitionKey]", "p")
    page.fill("textarea[name=recordData]", '{"from": "console"}')
    page.click("Put record")
    page.wait_text(".notice.ok", shard)
    it = kinesis.get_shard_iterator(StreamName=name, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert [r["Data"] for r in kinesis.get_records(ShardIterator=it)["Records"]] == [HOSTILE.encode(), b'{"from": "console"}']

    # TRIM_HORIZON on that shard: both, the hostile one as text.
    page.css(f"select[name=shard] option[value='{shard}']").click()
    page.click("Read records")
    page.wait(lambda: len(page.all("tr[data-sequence]")) == 2, what="two records")
    assert [e.text for e in page.all("[data-role=data]")] == [HOSTILE, '{"from": "console"}']
    no_script_ran(page)

    # LATEST: nothing, then what arrives after.
    page.css("select[name=position] option[value=LATEST]").click()
    page.click("Read records")
    page.wait_text("main", "No records since you started reading")
    kinesis.put_record(StreamName=name, PartitionKey="p", Data=b"after")
    page.click("Read more")
    page.wait(lambda: [e.text for e in page.all("[data-role=data]")] == ["after"], what="the newer record")
    page.no_errors()
    page.shot("stream")


def test_under_enforce_the_streams_page_signs_its_calls(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel("--iam", "enforce")
    page = Page(browser, server.endpoint)
    sign_in_as_root(page, server)
    name = unique("signed")
    visit(page, "/streams")
    page.wait_css("input[name=streamName]")
    page.fill("input[name=streamName]", name)
    page.click("Create stream")
    page.wait_css(f"tr[data-stream='{name}'] a").click()
    page.wait_css("tr[data-shard]")
    page.fill("textarea[name=recordData]", "signed")
    page.click("Put record")
    page.wait_text(".notice.ok", "Put record")
    page.click("Read records")
    page.wait_text("[data-role=data]", "signed")
    page.no_errors()
