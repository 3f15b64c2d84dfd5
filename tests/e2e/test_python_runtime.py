"""Python functions end to end: a real `petrel serve`, boto3 and the AWS CLI on the outside, Petrel's
Python runtime (Sources/PetrelRuntimes/Runtimes/python) on the inside."""
import json
import urllib.request
import re
import time

import pytest

from conftest import create_function, invoke, log_messages, log_tail, unique, wait_for

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"

APP = """
import logging
import os
import sys

logger = logging.getLogger()
logger.setLevel(logging.INFO)
COUNT = 0

def handler(event, context):
    global COUNT
    COUNT += 1
    print("print line", event.get("tag"))
    logger.info("info line %s", event.get("tag"))
    return {
        "event": event,
        "count": COUNT,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "invoked_function_arn": context.invoked_function_arn,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
        "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
        "python": "%d.%d" % sys.version_info[:2],
        "sys_path_0": sys.path[0],
        "task_root": os.environ.get("LAMBDA_TASK_ROOT"),
    }
"""


def request_id(response):
    return response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-requestid"]


def test_sync_invoke_context_print_logging_and_report(petrel):
    name = create_function(petrel, {"app.py": APP}, runtime="python3.12", handler="app.handler", Timeout=7, MemorySize=256)
    response, payload = invoke(petrel, name, {"tag": "first"}, LogType="Tail")
    assert response["StatusCode"] == 200 and "FunctionError" not in response
    rid = request_id(response)
    assert payload["event"] == {"tag": "first"} and payload["count"] == 1
    assert payload["function_name"] == name and payload["function_version"] == "$LATEST"
    assert payload["memory_limit_in_mb"] == "256"
    assert payload["invoked_function_arn"].endswith(":function:" + name)
    assert payload["aws_request_id"] == rid
    assert payload["log_group_name"] == "/aws/lambda/" + name and "[$LATEST]" in payload["log_stream_name"]
    assert 0 < payload["remaining"] <= 7000
    assert payload["execution_env"] == "AWS_Lambda_python3.12"
    assert payload["sys_path_0"] == payload["task_root"]
    tail = log_tail(response)
    assert "START RequestId: %s" % rid in tail
    assert "print line first\n" in tail
    assert re.search(r"^\[INFO\]\t" + ISO + "\t" + rid + r"\tinfo line first$", tail, re.M), tail
    assert "END RequestId: %s" % rid in tail
    assert re.search(r"REPORT RequestId: %s\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms\tMemory Size: 256 MB\tMax Memory Used: \d+ MB\tInit Duration: [\d.]+ ms" % rid, tail), tail

    # A warm instance: same module state, no Init Duration, the new request id on its lines.
    response, payload = invoke(petrel, name, {"tag": "second"}, LogType="Tail")
    rid2 = request_id(response)
    assert payload["count"] == 2
    tail = log_tail(response)
    assert "Init Duration" not in tail
    assert re.search(r"^\[INFO\]\t" + ISO + "\t" + rid2 + r"\tinfo line second$", tail, re.M), tail

    # The same lines reach the log group.
    assert wait_for(lambda: any(m.startswith("[INFO]") and rid2 in m and "info line second" in m for m in log_messages(petrel, name)))


@pytest.mark.parametrize("runtime", ["python3.9", "python3.13"])
def test_older_and_newer_python_runtimes_run(petrel, runtime):
    # Each runs on its own CPython (tests/e2e/test_runtimes.py checks the versions); a machine
    # without that CPython refuses the function instead.
    rows = json.load(urllib.request.urlopen(petrel.endpoint + "/_petrel/status", timeout=10))["runtimes"]
    if next(r for r in rows if r["runtime"] == runtime)["status"] != "installed":
        pytest.skip(runtime + " has no interpreter on this machine")
    name = create_function(petrel, {"app.py": APP}, runtime=runtime, handler="app.handler")
    response, payload = invoke(petrel, name, {"tag": runtime})
    assert "FunctionError" not in response, payload
    assert payload["execution_env"] == "AWS_Lambda_" + runtime


def test_async_invoke(petrel):
    name = create_function(petrel, {"app.py": APP}, runtime="python3.12", handler="app.handler")
    out = petrel.client("lambda").invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"tag": "async-py-1"}))
    assert out["StatusCode"] == 202
    assert wait_for(lambda: any("print line async-py-1" in m for m in log_messages(petrel, name)), timeout=20)
    assert wait_for(lambda: any(re.match(r"\[INFO\]\t" + ISO + r"\t[0-9a-f-]{36}\tinfo line async-py-1$", m) for m in log_messages(petrel, name)))
    assert wait_for(lambda: any(m.startswith("REPORT RequestId:") for m in log_messages(petrel, name)))


def test_handler_in_a_sub_folder_package(petrel):
    code = {"src/pkg/__init__.py": "", "src/pkg/mod.py": "from .util import twice\ndef handler(e, c):\n    return twice(e['n'])\n",
            "src/pkg/util.py": "def twice(n):\n    return 2 * n\n"}
    assert invoke(petrel, create_function(petrel, code, runtime="python3.12", handler="src/pkg/mod.handler"), {"n": 21})[1] == 42
    assert invoke(petrel, create_function(petrel, code, runtime="python3.12", handler="src.pkg.mod.handler"), {"n": 4})[1] == 8


def test_exceptions_are_reported_as_aws_reports_them(petrel):
    src = "def check(v):\n    raise ValueError('bad value %s' % v)\n\ndef handler(event, context):\n    return check(event['v'])\n"
    name = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler")
    response, payload = invoke(petrel, name, {"v": 3}, LogType="Tail")
    rid = request_id(response)
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "ValueError" and payload["errorMessage"] == "bad value 3"
    assert payload["requestId"] == rid
    trace = payload["stackTrace"]
    assert len(trace) == 2
    assert re.fullmatch(r'  File "/.*/app\.py", line 5, in handler\n    return check\(event\[\'v\'\]\)\n', trace[0]), trace
    assert re.fullmatch(r'  File "/.*/app\.py", line 2, in check\n    raise ValueError\(\'bad value %s\' % v\)\n', trace[1]), trace
    tail = log_tail(response)
    assert "[ERROR] ValueError: bad value 3\rTraceback (most recent call last):\r" in tail


def test_marshalling_decimal_and_unserialisable_results(petrel):
    src = ("import decimal\ndef handler(e, c):\n    if e.get('set'):\n        return {1, 2}\n"
           "    return {'price': decimal.Decimal('19.90'), 'text': 'é'}\n")
    name = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler")
    response = petrel.client("lambda").invoke(FunctionName=name, Payload=b"{}")
    assert response["Payload"].read() == '{"price": 19.90, "text": "é"}'.encode("utf-8")
    response, payload = invoke(petrel, name, {"set": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.MarshalError"
    assert payload["errorMessage"] == "Unable to marshal response: Object of type set is not JSON serializable"


@pytest.mark.parametrize("files,handler,error_type,message", [
    ({"other.py": ""}, "app.handler", "Runtime.ImportModuleError", "Unable to import module 'app': No module named 'app'"),
    ({"app.py": "import not_installed_anywhere\n"}, "app.handler", "Runtime.ImportModuleError",
     "Unable to import module 'app': No module named 'not_installed_anywhere'"),
    ({"app.py": "def other(e, c):\n    pass\n"}, "app.handler", "Runtime.HandlerNotFound", "Handler 'handler' missing on module 'app'"),
    ({"app.py": "def handler(e, c)\n    pass\n"}, "app.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'app': "),
])
def test_init_errors(petrel, files, handler, error_type, message):
    name = create_function(petrel, files, runtime="python3.12", handler=handler)
    response, payload = invoke(petrel, name, LogType="Tail")
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == error_type
    assert payload["errorMessage"].startswith(message)
    assert "[ERROR] %s: %s" % (error_type, message) in log_tail(response)


def test_exit_in_handler_is_an_exit_error_and_the_instance_is_replaced(petrel):
    src = "import sys\ndef handler(e, c):\n    if e.get('exit'):\n        sys.exit(3)\n    return 'fine'\n"
    name = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler")
    response, payload = invoke(petrel, name, {"exit": True})
    assert response["FunctionError"] == "Unhandled" and payload["errorType"] == "Runtime.ExitError"
    assert "exit status 3" in payload["errorMessage"]
    assert invoke(petrel, name)[1] == "fine"


def test_timeout(petrel):
    src = "import time\ndef handler(e, c):\n    time.sleep(30)\n"
    name = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler", Timeout=1)
    started = time.time()
    response, payload = invoke(petrel, name)
    assert time.time() - started < 10
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]


def test_boto3_inside_a_function_calls_petrels_lambda_api(petrel):
    src = (
        "import boto3\n"
        "client = boto3.client('lambda')\n"
        "def handler(event, context):\n"
        "    pages = client.get_paginator('list_functions').paginate()  # the shared server has many\n"
        "    names = [f['FunctionName'] for page in pages for f in page['Functions']]\n"
        "    me = client.get_function(FunctionName=context.function_name)['Configuration']\n"
        "    return {'names': names, 'runtime': me['Runtime'], 'endpoint': client.meta.endpoint_url}\n"
    )
    name = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler")
    response, payload = invoke(petrel, name)
    assert "FunctionError" not in response, payload
    assert name in payload["names"]
    assert payload["runtime"] == "python3.12"
    assert payload["endpoint"].startswith("http://127.0.0.1:")


def test_boto3_inside_a_function_invokes_another_function(petrel):
    target = create_function(petrel, {"app.py": "def handler(e, c):\n    return {'doubled': e['n'] * 2}\n"},
                             runtime="python3.12", handler="app.handler")
    src = (
        "import boto3, json\n"
        "def handler(event, context):\n"
        "    out = boto3.client('lambda').invoke(FunctionName=event['target'], Payload=json.dumps({'n': 21}))\n"
        "    return json.loads(out['Payload'].read())\n"
    )
    caller = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler")
    assert invoke(petrel, caller, {"target": target})[1] == {"doubled": 42}


def test_boto3_inside_a_function_writes_and_reads_a_petrel_table(petrel):
    ddb = petrel.client("dynamodb")
    table = unique("pytbl")
    try:
        ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                         KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    except Exception as e:  # the table service is not in this build
        pytest.skip("the server has no table service: %s" % e)
    src = (
        "import boto3\n"
        "from decimal import Decimal\n"
        "table = boto3.resource('dynamodb').Table(__import__('os').environ['TABLE'])\n"
        "def handler(event, context):\n"
        "    table.put_item(Item={'pk': event['pk'], 'n': Decimal('12.5'), 'by': context.aws_request_id})\n"
        "    return table.get_item(Key={'pk': event['pk']}, ConsistentRead=True)['Item']\n"
    )
    name = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler",
                           Environment={"Variables": {"TABLE": table}})
    response, payload = invoke(petrel, name, {"pk": "from-python"})
    assert "FunctionError" not in response, payload
    rid = request_id(response)
    # Decimal from the table comes back as a JSON number, as awslambdaric writes it.
    assert payload == {"pk": "from-python", "n": 12.5, "by": rid}
    item = ddb.get_item(TableName=table, Key={"pk": {"S": "from-python"}}, ConsistentRead=True)["Item"]
    assert item == {"pk": {"S": "from-python"}, "n": {"N": "12.5"}, "by": {"S": rid}}


def test_client_context_reaches_the_context_object(petrel):
    import base64

    src = ("def handler(e, c):\n"
           "    cc = c.client_context\n"
           "    return {'custom': cc.custom, 'env': cc.env, 'app': cc.client.app_title if cc.client else None,\n"
           "            'identity': c.identity.cognito_identity_id}\n")
    name = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler")
    client_context = {"custom": {"k": "v"}, "env": {"locale": "en"}, "client": {"app_title": "T"}}
    response = petrel.client("lambda").invoke(
        FunctionName=name, Payload=b"{}", ClientContext=base64.b64encode(json.dumps(client_context).encode()).decode())
    payload = json.loads(response["Payload"].read())
    assert "FunctionError" not in response, payload
    assert payload == {"custom": {"k": "v"}, "env": {"locale": "en"}, "app": "T", "identity": None}


def test_python_function_as_a_table_stream_trigger(petrel):
    ddb = petrel.client("dynamodb")
    table = unique("pystream")
    try:
        stream = ddb.create_table(
            TableName=table, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST",
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )["TableDescription"]["LatestStreamArn"]
    except Exception as e:
        pytest.skip("the server has no table streams: %s" % e)
    src = (
        "import json, logging\n"
        "logging.getLogger().setLevel(logging.INFO)\n"
        "def handler(event, context):\n"
        "    for r in event['Records']:\n"
        "        logging.info('GOT %s', json.dumps({'id': r['dynamodb']['Keys']['id']['S'], 'name': r['eventName'],\n"
        "                                          'source': r['eventSource']}))\n"
        "    return {}\n"
    )
    fn = create_function(petrel, {"app.py": src}, runtime="python3.12", handler="app.handler")
    petrel.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn,
                                                        StartingPosition="TRIM_HORIZON", BatchSize=10)
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "v": {"N": "2"}})

    def received():
        out = []
        for m in log_messages(petrel, fn):
            match = re.match(r"\[INFO\]\t" + ISO + r"\t[0-9a-f-]{36}\tGOT (.*)$", m)
            if match:
                out.append(json.loads(match.group(1)))
        return out

    got = wait_for(lambda: len(received()) >= 2 and received(), timeout=20)
    assert [(r["id"], r["name"], r["source"]) for r in got] == [("a", "INSERT", "aws:dynamodb"), ("a", "MODIFY", "aws:dynamodb")]


def test_python_and_node_functions_share_a_layer(petrel):
    from conftest import make_zip

    lam = petrel.client("lambda")
    layer_files = {
        "python/greet.py": "def greet(n):\n    return 'hello ' + n + ' from /opt/python'\n",
        "python/lib/python3.12/site-packages/shout/__init__.py": "def shout(s):\n    return s.upper() + '!'\n",
        "nodejs/node_modules/greet/index.js": "module.exports = (n) => 'hello ' + n + ' from node_modules';",
    }
    try:
        arn = lam.publish_layer_version(LayerName=unique("pylayer"), Content={"ZipFile": make_zip(layer_files)},
                                        CompatibleRuntimes=["python3.12", "nodejs20.x"])["LayerVersionArn"]
    except Exception as e:
        pytest.skip("the server has no layers: %s" % e)
    py = create_function(petrel, {"app.py": "import greet, shout, sys\ndef handler(e, c):\n"
                                             "    return {'g': shout.shout(greet.greet(e['n'])), 'from': greet.__file__}\n"},
                         runtime="python3.12", handler="app.handler", Layers=[arn])
    node = create_function(petrel, {"index.js": "const greet = require('greet'); exports.handler = async (e) => greet(e.n);"},
                           Layers=[arn])
    response, payload = invoke(petrel, py, {"n": "ada"})
    assert "FunctionError" not in response, payload
    assert payload == {"g": "HELLO ADA FROM /OPT/PYTHON!", "from": "/opt/python/greet.py"}
    assert invoke(petrel, node, {"n": "bob"})[1] == "hello bob from node_modules"
    # The function's own module of the same name wins over the layer's (task root first).
    own = create_function(petrel, {"app.py": "import greet\ndef handler(e, c):\n    return greet.greet('x')\n",
                                   "greet.py": "def greet(n):\n    return 'own ' + n\n"},
                          runtime="python3.12", handler="app.handler", Layers=[arn])
    assert invoke(petrel, own)[1] == "own x"
