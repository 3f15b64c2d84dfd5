"""The Lambda control plane through the real AWS CLI and boto3: every operation and its errors."""
import base64
import hashlib
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, create_function, invoke, make_zip, unique

HELLO = {"index.js": "exports.handler = async (event) => ({ hello: event.name || 'world' });"}


def error_of(excinfo):
    err = excinfo.value.response
    return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]["Message"]


def test_create_function_with_the_cli_returns_the_aws_shape(petrel, tmp_path):
    path = tmp_path / "fn.zip"
    path.write_bytes(make_zip(HELLO))
    name = unique()
    out = petrel.cli("lambda", "create-function", "--function-name", name, "--runtime", "nodejs20.x",
                     "--handler", "index.handler", "--role", ROLE, "--zip-file", f"fileb://{path}",
                     "--description", "greets", "--memory-size", "256", "--timeout", "10",
                     "--environment", "Variables={STAGE=test}")
    assert out["FunctionName"] == name
    assert out["FunctionArn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert out["CodeSha256"] == base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()
    assert out["CodeSize"] == path.stat().st_size
    assert out["MemorySize"] == 256 and out["Timeout"] == 10 and out["Description"] == "greets"
    assert out["Environment"] == {"Variables": {"STAGE": "test"}}
    assert out["State"] == "Active" and out["LastUpdateStatus"] == "Successful"
    assert out["Version"] == "$LATEST" and out["RevisionId"]
    assert out["LastModified"].endswith("+0000")


def test_get_function_code_location_serves_the_zip(petrel):
    zip_bytes = make_zip(HELLO)
    name = create_function(petrel, zip_bytes)
    out = petrel.client("lambda").get_function(FunctionName=name)
    assert out["Configuration"]["FunctionName"] == name
    downloaded = urllib.request.urlopen(out["Code"]["Location"]).read()
    assert downloaded == zip_bytes


def test_get_function_configuration_by_arn_and_qualifier(petrel):
    name = create_function(petrel, HELLO)
    arn = f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    out = petrel.client("lambda").get_function_configuration(FunctionName=arn, Qualifier="$LATEST")
    assert out["FunctionName"] == name and out["Runtime"] == "nodejs20.x"


def test_list_functions_pages_with_marker(fresh_petrel):
    server = fresh_petrel()
    names = sorted(create_function(server, HELLO, name=f"list-{i:02d}") for i in range(5))
    client = server.client("lambda")
    seen, marker = [], None
    while True:
        kwargs = {"MaxItems": 2, **({"Marker": marker} if marker else {})}
        page = client.list_functions(**kwargs)
        assert len(page["Functions"]) <= 2
        seen += [f["FunctionName"] for f in page["Functions"]]
        marker = page.get("NextMarker")
        if not marker:
            break
    assert seen == names
    assert [f["FunctionName"] for f in server.cli("lambda", "list-functions")["Functions"]] == names


def test_update_function_code_takes_effect_at_once(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async () => 'v1';"})
    assert invoke(petrel, name)[1] == "v1"
    before = petrel.client("lambda").get_function_configuration(FunctionName=name)
    out = petrel.client("lambda").update_function_code(
        FunctionName=name, ZipFile=make_zip({"index.js": "exports.handler = async () => 'v2';"}))
    assert out["CodeSha256"] != before["CodeSha256"] and out["RevisionId"] != before["RevisionId"]
    assert invoke(petrel, name)[1] == "v2"


def test_update_function_configuration_changes_environment_and_memory(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async () => [process.env.GREETING, process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE];"},
                           Environment={"Variables": {"GREETING": "hi"}})
    assert invoke(petrel, name)[1] == ["hi", "128"]
    out = petrel.client("lambda").update_function_configuration(
        FunctionName=name, Environment={"Variables": {"GREETING": "hello"}}, MemorySize=512, Timeout=30)
    assert out["MemorySize"] == 512 and out["Timeout"] == 30
    assert invoke(petrel, name)[1] == ["hello", "512"]


def test_revision_id_guards_updates(petrel):
    name = create_function(petrel, HELLO)
    with pytest.raises(ClientError) as excinfo:
        petrel.client("lambda").update_function_configuration(FunctionName=name, RevisionId="stale", Timeout=5)
    assert error_of(excinfo)[:2] == ("PreconditionFailedException", 412)


def test_publish_creates_numbered_versions(petrel):
    name = create_function(petrel, HELLO, Publish=True)
    client = petrel.client("lambda")
    v1 = client.get_function_configuration(FunctionName=name, Qualifier="1")
    assert v1["Version"] == "1" and v1["FunctionArn"].endswith(f"{name}:1")
    client.update_function_code(FunctionName=name, ZipFile=make_zip({"index.js": "exports.handler = async () => 2;"}))
    v2 = client.publish_version(FunctionName=name)
    assert v2["Version"] == "2"
    assert invoke(petrel, name, Qualifier="1")[1] == {"hello": "world"}
    response, payload = invoke(petrel, name, Qualifier="2")
    assert payload == 2 and response["ExecutedVersion"] == "2"
    versions = [v["Version"] for v in client.list_versions_by_function(FunctionName=name)["Versions"]]
    assert versions == ["$LATEST", "1", "2"]


def test_delete_function_then_it_is_gone(petrel):
    name = create_function(petrel, HELLO)
    petrel.client("lambda").delete_function(FunctionName=name)
    with pytest.raises(ClientError) as excinfo:
        petrel.client("lambda").get_function(FunctionName=name)
    code, status, message = error_of(excinfo)
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert message == f"Function not found: arn:aws:lambda:us-east-1:000000000000:function:{name}"
    with pytest.raises(ClientError) as excinfo:
        petrel.client("lambda").delete_function(FunctionName=name)
    assert error_of(excinfo)[:2] == ("ResourceNotFoundException", 404)


def test_create_twice_is_a_conflict(petrel):
    name = create_function(petrel, HELLO)
    with pytest.raises(ClientError) as excinfo:
        create_function(petrel, HELLO, name=name)
    assert error_of(excinfo) == ("ResourceConflictException", 409, f"Function already exist: {name}")


@pytest.mark.parametrize("kwargs,code,fragment", [
    ({"Runtime": "nodejs99.x"}, "InvalidParameterValueException", "runtime"),
    ({"Runtime": "nodejs12.x"}, "InvalidParameterValueException", "no longer supported"),
    ({"MemorySize": 20000}, "InvalidParameterValueException", "MemorySize"),
    ({"Timeout": 901}, "InvalidParameterValueException", "Timeout"),
    ({"Role": "arn:aws:iam::123:role/x"}, "ValidationException", "role"),
    ({"Environment": {"Variables": {"AWS_REGION": "x"}}}, "InvalidParameterValueException", "reserved"),
])
def test_create_function_rejects_bad_settings(petrel, kwargs, code, fragment):
    params = dict(FunctionName=unique(), Runtime="nodejs20.x", Handler="index.handler", Role=ROLE,
                  Code={"ZipFile": make_zip(HELLO)})
    params.update(kwargs)
    with pytest.raises(ClientError) as excinfo:
        petrel.client("lambda").create_function(**params)
    got_code, status, message = error_of(excinfo)
    assert (got_code, status) == (code, 400)
    assert fragment in message


def test_corrupt_zip_is_rejected(petrel):
    with pytest.raises(ClientError) as excinfo:
        create_function(petrel, b"this is not a zip file at all")
    assert error_of(excinfo) == ("InvalidParameterValueException", 400,
                                 "Could not unzip uploaded file. Please check your file, then try to upload again.")


def test_zip_slip_paths_are_rejected(petrel):
    with pytest.raises(ClientError) as excinfo:
        create_function(petrel, make_zip({"../../evil.js": "x", "index.js": "x"}))
    code, status, message = error_of(excinfo)
    assert (code, status) == ("InvalidParameterValueException", 400) and "outside" in message


def test_payload_over_six_megabytes_is_refused(petrel):
    name = create_function(petrel, HELLO)
    with pytest.raises(ClientError) as excinfo:
        petrel.client("lambda").invoke(FunctionName=name, Payload=json.dumps({"x": "a" * (6 * 1024 * 1024 + 10)}))
    assert error_of(excinfo)[:2] == ("RequestTooLargeException", 413)


def test_unknown_routes_get_aws_shaped_errors(petrel):
    req = urllib.request.Request(petrel.endpoint + "/2015-03-31/nothing-here", method="GET")
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(req)
    assert excinfo.value.code == 404
    assert excinfo.value.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    req = urllib.request.Request(petrel.endpoint + "/", data=b"{}", method="POST",
                                 headers={"X-Amz-Target": "Nope_20990101.Do", "Content-Type": "application/x-amz-json-1.0"})
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(req)
    body = json.loads(excinfo.value.read())
    assert excinfo.value.code == 400 and body["__type"].endswith("#UnknownOperationException")
    assert urllib.request.urlopen(petrel.endpoint + "/").status == 200


def test_functions_and_code_survive_a_restart(fresh_petrel):
    server = fresh_petrel()
    name = create_function(server, {"index.js": "exports.handler = async (e) => e.n * 2;"})
    server.restart()
    assert server.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    assert invoke(server, name, {"n": 21})[1] == 42


def test_functions_survive_kill_9(fresh_petrel):
    server = fresh_petrel()
    name = create_function(server, {"index.js": "exports.handler = async () => 'alive';"})
    server.kill9()
    server.start()
    assert invoke(server, name)[1] == "alive"
