"""A function's Versions & aliases tab and the Configuration tab's concurrency and tags, in a real
headless Chromium: versions published and aliases made, moved, weighted with the slider and
deleted from the page (seen by boto3), and ones boto3 made shown; reserved concurrency set and
cleared beside the account's unreserved figure; tags added and removed; hostile descriptions and
tag values shown as text; under --iam enforce the page's calls are signed."""
import json

from selenium.webdriver.common.keys import Keys

from conftest import create_function, make_zip, unique
from test_console import Page, browser  # noqa: F401 - the fixture is used by name
from test_console_buckets import sign_in_as_root, visit

CODE = {"index.js": "exports.handler = async () => 'v';"}
HOSTILE = "<img src=x onerror=alert(1)>"


def no_markup_from_data(page):
    """Nothing a value carried became an element, and no alert fired."""
    assert not page.all("main img"), "a value was rendered as HTML"
    assert page.d.execute_script("return window.__alerts || 0") == 0


def guard_alerts(page):
    page.d.execute_script("window.__alerts = 0; window.alert = () => { window.__alerts++; };")


def assert_no_sideways_scroll(page, where):
    """The page is no wider than the window; if it is, names what sticks out (outside any scrolling box)."""
    if page.d.execute_script("return document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1;"):
        return
    wide = page.d.execute_script("""const w = document.documentElement.clientWidth;
        const clipped = (e) => { for (let p = e.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true; return false; };
        return [...document.querySelectorAll('body *')].filter((e) => (e.getBoundingClientRect().right > w + 1 || e.scrollWidth > e.clientWidth + 1) && !clipped(e))
          .map((e) => e.tagName + '.' + e.className).slice(0, 10);""")
    raise AssertionError(f"{where} scrolls sideways at 400 px: {wide}")


def set_slider(page, percent):
    """Moves the weight slider with the keyboard, as a user without a mouse would."""
    slider = page.css("[data-role=alias-editor] input[name=weight]")
    slider.send_keys(Keys.HOME)
    for _ in range(percent):
        slider.send_keys(Keys.ARROW_RIGHT)
    assert slider.get_attribute("value") == str(percent)


def test_versions_and_weighted_aliases_from_the_page_and_from_boto3(petrel, browser):  # noqa: F811
    lam = petrel.client("lambda")
    name = create_function(petrel, CODE, name=unique("aliased"))
    page = Page(browser, petrel.endpoint)
    visit(page, f"/functions/{name}/versions")
    guard_alerts(page)
    page.wait_css("[data-role=versions] tbody tr[data-version='$LATEST']")
    page.wait_text("[aria-label=Aliases]", "No aliases yet")

    # Two versions from the page, the first with a hostile description.
    page.fill("input[name=versionDescription]", HOSTILE)
    page.click("Publish new version", "[data-panel=versions]")
    page.wait_text("[data-panel=versions] .notice.ok", "Published version 1")
    page.click("Publish new version", "[data-panel=versions]")
    page.wait_text("[data-panel=versions] .notice.ok", "Published version 2")
    assert page.css("[data-role=versions] tr[data-version='1']").text.count(HOSTILE) == 1
    assert lam.get_function_configuration(FunctionName=name, Qualifier="1")["Description"] == HOSTILE

    # An alias on version 1, with a hostile description.
    page.fill("input[name=aliasName]", "live")
    page.css("select[name=aliasVersion] option[value='1']").click()
    page.fill("input[name=aliasDescription]", HOSTILE)
    page.click("Create alias")
    page.wait_text("[aria-label=Aliases] .notice.ok", "Created alias live → version 1")
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "1" and alias["Description"] == HOSTILE and "RoutingConfig" not in alias
    assert HOSTILE in page.css("tr[data-alias=live]").text
    page.wait_text("[data-role=versions] tr[data-version='1']", "live")

    # The same name again: AWS's message.
    page.fill("input[name=aliasName]", "live")
    page.click("Create alias")
    page.wait_text("[aria-label=Aliases] .notice.error", "Alias already exists")

    # 90/10 between versions 1 and 2 with the slider.
    page.css("tr[data-alias=live] [data-action=edit]").click()
    page.wait_css("[data-role=alias-editor]")
    assert not page.css("[data-role=alias-editor] input[name=weight]").is_displayed()  # no second version yet
    page.css("select[name=secondVersion] option[value='2']").click()
    set_slider(page, 10)
    assert page.css("[data-role=shares]").text == "Version 1: 90 % · version 2: 10 %"
    page.click("Save alias")
    page.wait_text("[data-role=alias-editor] .notice.ok", "Saved alias live")
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "1" and alias["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.1}}
    page.wait_text("tr[data-alias=live] [data-role=traffic]", "version 1: 90 % · version 2: 10 %")
    page.shot("versions-aliases")

    # Point it at version 2 alone: the slider to 0 clears the routing.
    page.css("select[name=editAliasVersion] option[value='2']").click()
    assert page.css("select[name=secondVersion]").get_attribute("value") == ""  # version 2 cannot be its own second
    page.click("Save alias")
    page.wait_text("tr[data-alias=live] [data-role=traffic]", "version 2: 100 %")
    alias = lam.get_alias(FunctionName=name, Name="live")
    assert alias["FunctionVersion"] == "2" and not alias.get("RoutingConfig", {}).get("AdditionalVersionWeights")

    # Made by boto3: a version and a 75/25 alias, shown after the tab is opened again; its slider starts at 25.
    lam.update_function_configuration(FunctionName=name, Description="third")
    lam.publish_version(FunctionName=name, Description="from boto3")
    lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="3", RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
    page.click("Configuration", ".tabs")
    page.click("Versions & aliases", ".tabs")
    page.wait_text("tr[data-alias=canary] [data-role=traffic]", "version 3: 75 % · version 2: 25 %")
    page.wait_text("[data-role=versions] tr[data-version='3']", "from boto3")
    page.css("tr[data-alias=canary] [data-action=edit]").click()
    page.wait(lambda: page.css("[data-role=alias-editor] input[name=weight]").get_attribute("value") == "25", what="the slider at 25")
    assert page.css("select[name=secondVersion]").get_attribute("value") == "2"

    # Changed meanwhile by boto3: AWS's precondition message, not a silent overwrite.
    lam.update_alias(FunctionName=name, Name="canary", Description="changed elsewhere")
    set_slider(page, 50)
    page.click("Save alias")
    page.wait_text("[data-role=alias-editor] .notice.error", "Revision Id provided does not match")
    assert lam.get_alias(FunctionName=name, Name="canary")["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.25}}

    # Delete from the page.
    page.css("tr[data-alias=live] [data-action=delete]").click()
    page.wait(lambda: not page.all("tr[data-alias=live]"), what="alias live gone")
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name)["Aliases"]] == ["canary"]
    no_markup_from_data(page)


def test_concurrency_tags_and_the_url_open_link(petrel, browser):  # noqa: F811
    lam = petrel.client("lambda")
    name = create_function(petrel, CODE, name=unique("tuned"))
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"owner": HOSTILE})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
    page = Page(browser, petrel.endpoint)
    visit(page, f"/functions/{name}/configuration")
    guard_alerts(page)

    # What boto3 set is shown; the account's figures are GetAccountSettings'.
    page.wait_text("[data-role=concurrency]", "Reserved concurrency: 5.")
    unreserved = lam.get_account_settings()["AccountLimit"]["UnreservedConcurrentExecutions"]
    page.wait_text("[data-role=account-concurrency]", f"{unreserved} unreserved")
    page.wait_css("tr[data-tag=owner]")
    assert page.css("tr[data-tag=owner]").text.startswith(f"owner {HOSTILE}")

    # Reserve 7 from the page.
    page.fill("input[name=reservedConcurrency]", "7")
    page.click("Save concurrency")
    page.wait_text("[data-role=concurrency]", "Reserved concurrency: 7.")
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 7
    page.wait_text("[data-role=account-concurrency]", f"{lam.get_account_settings()['AccountLimit']['UnreservedConcurrentExecutions']} unreserved")

    # More than the account has: AWS's message, nothing changed.
    page.fill("input[name=reservedConcurrency]", "1000000")
    page.click("Save concurrency")
    page.wait_text("[aria-label=Concurrency] .notice.error", "decreases account's UnreservedConcurrentExecution")
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 7

    # Back to the unreserved pool.
    page.css("input[name=concurrencyMode][value=unreserved]").click()
    page.click("Save concurrency")
    page.wait_text("[data-role=concurrency]", "uses the account's unreserved concurrency")
    assert "ReservedConcurrentExecutions" not in lam.get_function_concurrency(FunctionName=name)

    # Tags: a hostile value added, one removed, a refused key's message.
    page.fill("input[name=tagKey]", "team")
    page.fill("input[name=tagValue]", HOSTILE + " & co")
    page.click("Add tag")
    page.wait_css("tr[data-tag=team]")
    assert lam.list_tags(Resource=arn)["Tags"] == {"owner": HOSTILE, "team": HOSTILE + " & co"}
    page.css("tr[data-tag=owner] button").click()
    page.wait(lambda: not page.all("tr[data-tag=owner]"), what="tag owner gone")
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": HOSTILE + " & co"}
    page.fill("input[name=tagKey]", "aws:reserved")
    page.click("Add tag")
    page.wait_text("[aria-label=Tags] .notice.error", "not start with aws:")
    page.shot("configuration-concurrency-tags")
    no_markup_from_data(page)

    # The function URL's Open link: a new tab, no opener.
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE")["FunctionUrl"]
    page.click("Triggers", ".tabs")
    link = page.wait_css("[data-role=function-url-open]")
    assert (link.text, link.get_attribute("href"), link.get_attribute("target"), link.get_attribute("rel")) == ("Open", url, "_blank", "noopener")


def test_under_enforce_versions_aliases_concurrency_and_tags_are_signed(fresh_petrel, browser):  # noqa: F811
    from iam_helpers import client, root_credentials
    server = fresh_petrel("--iam", "enforce")
    root = root_credentials(server)
    role = client(server, "iam", *root).create_role(RoleName=unique("r"), AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))["Role"]["Arn"]
    lam = client(server, "lambda", *root)
    name = unique("signed")
    arn = lam.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=role, Code={"ZipFile": make_zip(CODE)})["FunctionArn"]
    lam.publish_version(FunctionName=name)
    page = Page(browser, server.endpoint)
    sign_in_as_root(page, server)

    visit(page, f"/functions/{name}/versions")
    page.wait_css("[data-role=versions] tr[data-version='1']")
    page.click("Publish new version", "[data-panel=versions]")  # nothing changed: no new version
    page.wait_text("[data-panel=versions] .notice", "Nothing changed since version 1")
    page.fill("input[name=versionDescription]", "signed release")
    page.click("Publish new version", "[data-panel=versions]")
    page.wait_text("[data-panel=versions] .notice.ok", "Published version 2")
    page.fill("input[name=aliasName]", "prod")
    page.css("select[name=aliasVersion] option[value='2']").click()
    page.click("Create alias")
    page.wait_css("tr[data-alias=prod] [data-action=edit]").click()
    page.wait_css("select[name=secondVersion] option[value='1']").click()
    set_slider(page, 30)
    page.click("Save alias")
    page.wait_text("tr[data-alias=prod] [data-role=traffic]", "version 2: 70 % · version 1: 30 %")
    assert lam.get_alias(FunctionName=name, Name="prod")["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.3}}

    page.click("Configuration", ".tabs")
    page.wait_text("[data-role=concurrency]", "unreserved concurrency")
    page.fill("input[name=reservedConcurrency]", "3")
    page.click("Save concurrency")
    page.wait_text("[data-role=concurrency]", "Reserved concurrency: 3.")
    page.fill("input[name=tagKey]", "cost center")
    page.fill("input[name=tagValue]", "prod (a, b)*")
    page.click("Add tag")
    page.wait_css("tr[data-tag='cost center']")
    page.css("tr[data-tag='cost center'] button").click()  # UntagResource: the key in the signed query
    page.wait_text("[aria-label=Tags]", "No tags.")
    page.no_errors()
    assert lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"] == 3
    assert lam.list_tags(Resource=arn)["Tags"] == {}


def test_the_tabs_do_not_scroll_sideways_at_400_px(petrel, browser):  # noqa: F811
    lam = petrel.client("lambda")
    name = create_function(petrel, CODE, name=unique("narrow-" + "n" * 46))  # 64 characters, no space
    arn = lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
    lam.publish_version(FunctionName=name)
    lam.update_function_configuration(FunctionName=name, Description="two")
    lam.publish_version(FunctionName=name)
    lam.create_alias(FunctionName=name, Name="a" * 60, FunctionVersion="2", Description="d" * 200,
                     RoutingConfig={"AdditionalVersionWeights": {"1": 0.125}})
    lam.tag_resource(Resource=arn, Tags={"k" * 128: "v" * 256})
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=2)
    page = Page(browser, petrel.endpoint)
    browser.set_window_size(400, 900)
    try:
        visit(page, f"/functions/{name}/versions")
        page.wait_text("[data-role=traffic]", "version 2: 87.5 % · version 1: 12.5 %")  # a weight finer than the slider's steps, exact
        page.css("[data-action=edit]").click()
        page.wait_css("[data-role=alias-editor] input[name=weight]")
        assert page.css("[data-role=shares]").text == "Version 2: 87.5 % · version 1: 12.5 %"
        assert_no_sideways_scroll(page, "versions")
        # Saving only a new description keeps the 12.5 % as it is.
        page.fill("input[name=editAliasDescription]", "narrow")
        page.click("Save alias")
        page.wait_text("[data-role=alias-editor] .notice.ok", "Saved alias")
        assert lam.get_alias(FunctionName=name, Name="a" * 60)["RoutingConfig"] == {"AdditionalVersionWeights": {"1": 0.125}}
        page.click("Configuration", ".tabs")
        page.wait_css("[data-role=tags] tbody tr")
        page.wait_text("[data-role=concurrency]", "Reserved concurrency: 2.")
        assert_no_sideways_scroll(page, "configuration")
    finally:
        browser.set_window_size(1280, 1000)
