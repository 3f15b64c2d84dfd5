"""The console's Buckets page (S3) in a real headless Chromium: buckets made and removed by the
page are seen by boto3 and the other way round; objects are browsed by prefix, uploaded,
downloaded and deleted; a hostile key renders as text; errors show S3's message; under
--iam enforce the page's calls are signed."""
import os
import subprocess
import time

from conftest import PETREL_BIN, create_function, unique
from test_console import Page, browser  # noqa: F401 - the fixture is used by name

HOSTILE = "<img src=x onerror=alert(1)>"


def no_script_ran(page):
    """The hostile text is on the page as text: no element was made from it, no alert opened."""
    from selenium.common.exceptions import NoAlertPresentException
    assert not page.all("main img")
    try:
        page.d.switch_to.alert.dismiss()
        raise AssertionError("an alert opened: a hostile string ran as HTML")
    except NoAlertPresentException:
        pass


def visit(page, hash_path):
    """Loads the console afresh at `hash_path` (getting the URL the tab is at would not reload it)."""
    page.d.get("about:blank")
    return page.go(hash_path)


def sign_in_as_root(page, server):
    link = subprocess.run([PETREL_BIN, "credentials", "--data-dir", server.data_dir, "--console-link"],
                          capture_output=True, text=True, timeout=30).stdout.strip()
    page.d.get(link)
    page.wait_text("[data-role=identity]", "root")


def test_buckets_made_by_the_page_and_by_boto3(petrel, browser):  # noqa: F811
    s3 = petrel.client("s3")
    page = Page(browser, petrel.endpoint)
    mine, theirs = unique("console-bkt"), unique("boto-bkt")
    s3.create_bucket(Bucket=theirs)
    visit(page, "/buckets")
    page.wait_css(f"tr[data-bucket='{theirs}']")
    page.fill("input[name=bucketName]", mine)
    page.click("Create bucket")
    page.wait_css(f"tr[data-bucket='{mine}']")
    s3.head_bucket(Bucket=mine)  # raises if the page did not make it

    # A bucket that is not empty: S3's own message.
    s3.put_object(Bucket=mine, Key="keep.txt", Body=b"x")
    page.css(f"tr[data-bucket='{mine}'] button.danger").click()
    page.wait_text(".notice.error", "not empty")
    s3.delete_object(Bucket=mine, Key="keep.txt")
    page.css(f"tr[data-bucket='{mine}'] button.danger").click()
    page.wait(lambda: not page.all(f"tr[data-bucket='{mine}']"), what="the row to go")
    assert mine not in [b["Name"] for b in s3.list_buckets()["Buckets"]]

    # A name S3 refuses.
    page.fill("input[name=bucketName]", "No_Such.Name")
    page.click("Create bucket")
    page.wait_text(".notice.error", "InvalidBucketName")
    page.shot("buckets")


def test_browse_upload_download_delete_and_notifications(petrel, browser, tmp_path):  # noqa: F811
    s3 = petrel.client("s3")
    bucket = unique("browse")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="top.txt", Body=b"top")
    s3.put_object(Bucket=bucket, Key=f"docs/{HOSTILE}.txt", Body=HOSTILE.encode())
    s3.put_object(Bucket=bucket, Key="docs/deeper/a.txt", Body=b"a")
    fn = create_function(petrel, {"index.js": "exports.handler = async () => 'ok';"}, name=unique("on-upload"))
    arn = petrel.client("lambda").get_function(FunctionName=fn)["Configuration"]["FunctionArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"Id": "thumbs", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".jpg"}]}}}]})

    page = Page(browser, petrel.endpoint)
    visit(page, "/buckets")
    page.wait_css(f"tr[data-bucket='{bucket}'] a").click()
    page.wait_css("tr[data-key='top.txt']")
    assert page.all("tr[data-folder='docs/']")
    page.wait_css("table[data-role=notifications]")
    notes = page.css("table[data-role=notifications]").text
    assert "thumbs" in notes and arn in notes and "s3:ObjectCreated:*" in notes and "suffix = .jpg" in notes

    # Into the folder: the hostile key is text.
    page.css("tr[data-folder='docs/'] a").click()
    page.wait_css("tr[data-folder='docs/deeper/']")
    row = page.wait(lambda: [r for r in page.all("tr[data-key]") if HOSTILE in r.text], what="the hostile key's row")[0]
    assert row.get_attribute("data-key") == f"docs/{HOSTILE}.txt"
    no_script_ran(page)

    # Upload into this prefix: boto3 reads the same bytes.
    local = tmp_path / "report.csv"
    local.write_bytes(b"a,b\n1,2\n")
    page.css("input[name=upload]").send_keys(str(local))
    page.click("Upload")
    page.wait_css("tr[data-key='docs/report.csv']")
    got = s3.get_object(Bucket=bucket, Key="docs/report.csv")
    assert got["Body"].read() == b"a,b\n1,2\n" and got["ContentType"] == "text/csv"

    # Download: the browser saves the object's bytes.
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    browser.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    page.css("tr[data-key='docs/report.csv'] [data-action=download]").click()
    saved = downloads / "report.csv"
    deadline = time.time() + 15
    while time.time() < deadline and not (saved.exists() and saved.read_bytes() == b"a,b\n1,2\n"):
        time.sleep(0.1)
    assert saved.read_bytes() == b"a,b\n1,2\n"

    # Delete the hostile object from the page.
    hostile_row = [r for r in page.all("tr[data-key]") if HOSTILE in r.text][0]
    hostile_row.find_element("css selector", "[data-action=delete]").click()
    page.wait(lambda: not [r for r in page.all("tr[data-key]") if HOSTILE in r.text], what="the hostile row to go")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]]
    assert f"docs/{HOSTILE}.txt" not in keys and "docs/report.csv" in keys
    page.no_errors()
    page.shot("bucket-browse")


def test_under_enforce_the_buckets_page_signs_its_calls(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel("--iam", "enforce")
    page = Page(browser, server.endpoint)
    sign_in_as_root(page, server)
    bucket = unique("signed")
    visit(page, "/buckets")
    page.wait_css("input[name=bucketName]")
    page.fill("input[name=bucketName]", bucket)
    page.click("Create bucket")
    page.wait_css(f"tr[data-bucket='{bucket}'] a").click()
    local = os.path.join(server.data_dir, "odd name+é.txt")
    with open(local, "wb") as f:
        f.write(b"signed upload")
    page.wait_css("input[name=upload]").send_keys(local)
    page.click("Upload")
    page.wait_css("tr[data-key='odd name+é.txt']")
    page.no_errors()
    from iam_helpers import client, root_credentials
    s3 = client(server, "s3", *root_credentials(server))
    assert s3.get_object(Bucket=bucket, Key="odd name+é.txt")["Body"].read() == b"signed upload"
