"""The console's side of execution roles, in a real headless Chromium (skipped, saying why, when it
cannot start): the create form makes a new role from policy templates, and the Roles page shows
roles, their policies and the audit findings with the policy that would allow them."""
import json

from conftest import make_zip, unique
from iam_helpers import LAMBDA_TRUST
from test_console import Page, browser  # noqa: F401 - the fixture is used by name


def test_the_create_form_makes_a_role_from_policy_templates(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel()
    page = Page(browser, server.endpoint)
    name, role = unique("console"), unique("micro")
    page.go("/functions/new")
    page.wait_css("form input[name=name]")
    page.css("input[name=source][value=hello-world]").click()
    page.fill("input[name=name]", name)
    page.css("select[name=roleTemplate] option[value=microservice]").click()
    assert page.css("input[name=roleName]").get_attribute("value") == "lambda-microservice-execution"
    page.fill("input[name=roleName]", role)
    page.click("Create function")
    page.wait(lambda: f"#/functions/{name}/code" in browser.current_url, what="the function's page")
    iam = server.client("iam")
    assert iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"] == LAMBDA_TRUST
    attached = [p["PolicyArn"] for p in iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]]
    assert attached == ["arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]
    inline = iam.get_role_policy(RoleName=role, PolicyName="SimpleMicroservicePermissions")["PolicyDocument"]
    assert "dynamodb:PutItem" in inline["Statement"][0]["Action"]
    assert server.client("lambda").get_function_configuration(FunctionName=name)["Role"] == f"arn:aws:iam::000000000000:role/{role}"


def test_the_roles_page_shows_policies_and_findings(fresh_petrel, browser):  # noqa: F811
    server = fresh_petrel()
    iam = server.client("iam")
    role = unique("reader")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    iam.attach_role_policy(RoleName=role, PolicyArn="arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")
    name = unique("lister")
    src = "import boto3\ndef handler(e, c):\n    return boto3.client('dynamodb').list_tables()['TableNames']\n"
    lam = server.client("lambda")
    lam.create_function(FunctionName=name, Runtime="python3.12", Handler="app.handler", Role=arn, Code={"ZipFile": make_zip({"app.py": src})})
    assert "FunctionError" not in lam.invoke(FunctionName=name, Payload=b"{}")

    page = Page(browser, server.endpoint)
    page.go("/roles")
    page.wait_css(f"tr[data-role-name='{role}']")
    row = page.css(f"tr[data-role-name='{role}']").text
    assert "AWSLambdaBasicExecutionRole" in row
    page.wait_css(f"[data-findings='{role}'] [data-role=suggested-policy]")
    section = page.css(f"[data-findings='{role}']").text
    assert "dynamodb:ListTables" in section and "AccessDeniedException" in section
    page.shot("roles")
    page.no_errors()


def test_under_enforce_the_console_signs_in_and_signs_its_calls(fresh_petrel, browser):  # noqa: F811
    import subprocess

    from conftest import PETREL_BIN
    from iam_helpers import client, root_credentials
    server = fresh_petrel("--iam", "enforce")
    root = root_credentials(server)
    iam = client(server, "iam", *root)
    role = unique("signed")
    arn = iam.create_role(RoleName=role, AssumeRolePolicyDocument=json.dumps(LAMBDA_TRUST))["Role"]["Arn"]
    name = unique("signed-fn")
    client(server, "lambda", *root).create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=arn,
                                                    Code={"ZipFile": make_zip({"index.js": "exports.handler = async () => 'ok';"})})
    page = Page(browser, server.endpoint)
    # Unsigned, nothing works: the console asks for a key.
    page.go("/functions")
    page.wait_css("[data-role=sign-in]")
    page.wait(lambda: "#/signin" in browser.current_url or page.all(".notice.error"), what="the sign-in prompt")

    # The form, with a user's key whose policy lets it list functions only.
    user = unique("viewer")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="ListOnly", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": ["lambda:ListFunctions", "lambda:GetFunction"], "Resource": "*"}]}))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    page.go("/signin")
    page.wait_css("input[name=accessKeyId]")
    page.fill("input[name=accessKeyId]", key["AccessKeyId"])
    page.fill("input[name=secretAccessKey]", key["SecretAccessKey"])
    page.click("Sign in")
    page.wait_text("[data-role=identity]", f"user/{user}")
    page.wait_text("main", name)
    page.no_errors()

    # The link `petrel credentials --console-link` prints signs in as the root.
    link = subprocess.run([PETREL_BIN, "credentials", "--data-dir", server.data_dir, "--console-link"],
                          capture_output=True, text=True, timeout=30).stdout.strip()
    assert link.startswith(server.endpoint + "/console/#credentials=")
    browser.get(link)
    page.wait_text("[data-role=identity]", "root")
    assert "credentials=" not in browser.current_url
    page.go("/roles")
    page.wait_css(f"tr[data-role-name='{role}']")
    page.go(f"/functions/{name}/code")
    page.wait_text(".files", "index.js")
    page.no_errors()
    page.shot("enforce-signed-in")
