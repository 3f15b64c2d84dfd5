"""Function URLs: Create/Get/Update/Delete/ListFunctionUrlConfig(s) with boto3 and the CLI, and
`curl` of the URL itself (its own host name under Petrel's port): the HTTP API 2.0 event in,
statusCode, headers, cookies and body out; CORS; AWS_IAM URLs signed with SigV4 in enforce."""
import http.client
import json
import subprocess
from urllib.parse import urlsplit

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import create_function, unique
from iam_helpers import client, root_credentials

ECHO = {"index.js": """
exports.handler = async (event) => {
  if (event.rawPath === '/plain') return 'just text';
  if (event.rawPath === '/object') return {message: 'hi'};
  if (event.rawPath === '/fail') throw new Error('boom');
  return {
    statusCode: 201,
    headers: {'content-type': 'application/json', 'x-custom': 'yes', 'access-control-allow-origin': 'http://function.example'},
    cookies: ['session=abc; Path=/', 'theme=dark'],
    body: JSON.stringify(event),
  };
};
"""}


def curl(*args):
    """Runs curl; returns (status, [(header, value)], body)."""
    proc = subprocess.run(["curl", "-s", "-i", "--max-time", "60", *args], capture_output=True, timeout=90)
    assert proc.returncode == 0, proc.stderr
    head, _, body = proc.stdout.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = [tuple(part.strip() for part in line.split(":", 1)) for line in lines[1:]]
    return int(lines[0].split()[1]), headers, body


def header(headers, name):
    return [v for k, v in headers if k.lower() == name.lower()]


def test_url_config_lifecycle_and_http_api_event(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, ECHO)
    created = lam.create_function_url_config(FunctionName=name, AuthType="NONE",
                                             Cors={"AllowOrigins": ["http://app.example"], "AllowMethods": ["GET", "POST"],
                                                   "AllowHeaders": ["x-token"], "ExposeHeaders": ["x-custom"], "MaxAge": 300})
    url = created["FunctionUrl"]
    port = urlsplit(petrel.endpoint).port
    assert url.startswith("http://") and url.endswith(f".lambda-url.us-east-1.localhost:{port}/")
    assert created["FunctionArn"].endswith(f":function:{name}") and created["AuthType"] == "NONE"
    assert created["InvokeMode"] == "BUFFERED" and created["ResponseMetadata"]["HTTPStatusCode"] == 201
    with pytest.raises(ClientError) as conflict:
        lam.create_function_url_config(FunctionName=name, AuthType="NONE")
    assert conflict.value.response["Error"]["Code"] == "ResourceConflictException"
    got = lam.get_function_url_config(FunctionName=name)
    assert got["FunctionUrl"] == url and got["Cors"]["MaxAge"] == 300 and "LastModifiedTime" in got

    status, headers, body = curl("-X", "POST", url + "items/42?color=red&color=blue&size=l", "-H", "Content-Type: application/json",
                                 "-H", "Cookie: a=1; b=2", "-H", "X-Token: t1", "-A", "petrel-test/1", "-d", '{"k": 1}')
    assert status == 201
    assert header(headers, "x-custom") == ["yes"] and header(headers, "content-type") == ["application/json"]
    assert header(headers, "set-cookie") == ["session=abc; Path=/", "theme=dark"]
    assert header(headers, "x-amzn-requestid")
    event = json.loads(body)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/items/42" and event["rawQueryString"] == "color=red&color=blue&size=l"
    assert event["queryStringParameters"] == {"color": "red,blue", "size": "l"}
    assert event["cookies"] == ["a=1", "b=2"] and "cookie" not in event["headers"]
    assert event["headers"]["x-token"] == "t1" and event["headers"]["content-type"] == "application/json"
    assert event["body"] == '{"k": 1}' and event["isBase64Encoded"] is False
    http_ctx = event["requestContext"]["http"]
    assert http_ctx == {"method": "POST", "path": "/items/42", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "petrel-test/1"}
    url_id = urlsplit(url).hostname.split(".")[0]
    assert event["requestContext"]["domainPrefix"] == url_id
    assert event["requestContext"]["domainName"] == f"{url_id}.lambda-url.us-east-1.localhost"
    assert event["requestContext"]["requestId"] == header(headers, "x-amzn-requestid")[0]
    assert isinstance(event["requestContext"]["timeEpoch"], int) and "/" in event["requestContext"]["time"]

    # A binary body arrives base64-encoded.
    status, _, body = curl("-X", "PUT", url, "-H", "Content-Type: application/octet-stream", "--data-binary", "\x01\x02")
    assert status == 201 and json.loads(body)["isBase64Encoded"] is True

    # Plain results are 200 JSON; function errors are 502.
    status, headers, body = curl(url + "plain")
    assert (status, body) == (200, b"just text") and header(headers, "content-type") == ["application/json"]
    status, _, body = curl(url + "object")
    assert status == 200 and json.loads(body) == {"message": "hi"}
    status, _, body = curl(url + "fail")
    assert status == 502 and json.loads(body) == {"Message": "Internal Server Error"}

    # CORS: preflights are answered by the URL; the URL's settings replace the function's own.
    status, headers, _ = curl("-X", "OPTIONS", url, "-H", "Origin: http://app.example", "-H", "Access-Control-Request-Method: POST")
    assert status == 200 and header(headers, "access-control-allow-origin") == ["http://app.example"]
    assert header(headers, "access-control-allow-methods") == ["GET, POST"] and header(headers, "access-control-max-age") == ["300"]
    status, headers, _ = curl(url, "-H", "Origin: http://app.example")
    assert header(headers, "access-control-allow-origin") == ["http://app.example"]
    assert header(headers, "access-control-expose-headers") == ["x-custom"]
    status, headers, _ = curl(url, "-H", "Origin: http://evil.example")
    assert status == 201 and header(headers, "access-control-allow-origin") == []

    updated = lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
    assert updated["AuthType"] == "AWS_IAM" and updated["FunctionUrl"] == url
    listed = petrel.cli("lambda", "list-function-url-configs", "--function-name", name)["FunctionUrlConfigs"]
    assert [c["FunctionUrl"] for c in listed] == [url]
    lam.delete_function_url_config(FunctionName=name)
    with pytest.raises(ClientError) as missing:
        lam.get_function_url_config(FunctionName=name)
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    status, _, _ = curl(url)
    assert status == 404


def test_alias_qualifier_and_validation(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, {"index.js": "exports.handler = async () => ({statusCode: 200, body: process.env.AWS_LAMBDA_FUNCTION_VERSION});"},
                           Publish=True)
    lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
    url = lam.create_function_url_config(FunctionName=name, Qualifier="live", AuthType="NONE")["FunctionUrl"]
    assert lam.get_function_url_config(FunctionName=name, Qualifier="live")["FunctionArn"].endswith(f":{name}:live")
    status, _, body = curl(url)
    assert (status, body) == (200, b"1")
    for qualifier, code in [("1", "ValidationException"), ("nope", "ResourceNotFoundException")]:
        with pytest.raises(ClientError) as bad:
            lam.create_function_url_config(FunctionName=name, Qualifier=qualifier, AuthType="NONE")
        assert bad.value.response["Error"]["Code"] == code
    with pytest.raises(ClientError) as bad:
        lam.create_function_url_config(FunctionName=name, AuthType="OPEN")
    assert bad.value.response["Error"]["Code"] == "ValidationException"
    # Deleting the function deletes its URLs.
    lam.delete_function(FunctionName=name)
    assert curl(url)[0] == 404


def signed_request(url, method, key, secret, body=b""):
    """Sends a SigV4-signed (service lambda) request to a function URL, connecting to 127.0.0.1."""
    parts = urlsplit(url)
    request = AWSRequest(method=method, url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(key, secret), "lambda", "us-east-1").add_auth(request)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=60)
    headers = dict(request.headers.items())
    headers["Host"] = parts.netloc  # the URL's own host name, as signed (not 127.0.0.1)
    connection.request(method, parts.path or "/", body=body, headers=headers)
    response = connection.getresponse()
    return response.status, response.read()


def test_aws_iam_url_requires_a_signature_in_enforce(fresh_petrel):
    server = fresh_petrel("--iam", "enforce")
    key, secret = root_credentials(server)
    lam = client(server, "lambda", key, secret)
    name = unique("iamurl")
    from conftest import ROLE, make_zip
    iam = client(server, "iam", key, secret)
    iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role=ROLE,
                        Code={"ZipFile": make_zip({"index.js": "exports.handler = async (e) => ({statusCode: 200, body: JSON.stringify(e.requestContext.authorizer || null)});"})})
    url = lam.create_function_url_config(FunctionName=name, AuthType="AWS_IAM")["FunctionUrl"]

    assert curl(url)[0] == 403
    assert signed_request(url, "GET", key, "wrong-secret")[0] == 403
    status, body = signed_request(url, "GET", key, secret)
    assert status == 200 and json.loads(body)["iam"]["accessKey"] == key

    # A user needs lambda:InvokeFunctionUrl: the function's resource policy can grant it.
    user = iam.create_user(UserName="caller")["User"]
    access = iam.create_access_key(UserName="caller")["AccessKey"]
    assert signed_request(url, "GET", access["AccessKeyId"], access["SecretAccessKey"])[0] == 403
    lam.add_permission(FunctionName=name, StatementId="url", Action="lambda:InvokeFunctionUrl", Principal=user["Arn"],
                       FunctionUrlAuthType="AWS_IAM")
    policy = json.loads(lam.get_policy(FunctionName=name)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"StringEquals": {"lambda:FunctionUrlAuthType": "AWS_IAM"}}
    status, body = signed_request(url, "GET", access["AccessKeyId"], access["SecretAccessKey"])
    assert status == 200 and json.loads(body)["iam"]["userArn"] == user["Arn"]
