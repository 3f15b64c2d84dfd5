"""Invoking Node.js functions: handler styles, errors, timeouts, crashes, logs, async."""
import base64
import concurrent.futures
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke, log_messages, log_tail, unique, wait_for

STYLE_2015 = """
console.log('Loading function');
exports.handler = function (event, context) {
    console.log('value1 =', event.key1);
    if (event.fail) { context.fail(new Error('asked to fail')); return; }
    if (event.done) { context.done(null, {done: event.key1}); return; }
    context.succeed(event.key1);
};
"""

CALLBACK = """
exports.handler = (event, context, callback) => {
    context.callbackWaitsForEmptyEventLoop = event.wait !== false;
    setTimeout(() => console.log('timer fired'), 50);
    callback(null, {sum: event.a + event.b, remaining: context.getRemainingTimeInMillis() > 0});
};
"""

ASYNC = """
exports.handler = async (event, context) => {
    await new Promise(r => setTimeout(r, 5));
    return {
        requestId: context.awsRequestId, name: context.functionName, version: context.functionVersion,
        arn: context.invokedFunctionArn, memory: context.memoryLimitInMB, group: context.logGroupName,
        stream: context.logStreamName, env: {
            region: process.env.AWS_REGION, api: process.env.AWS_LAMBDA_RUNTIME_API,
            root: process.env.LAMBDA_TASK_ROOT, handler: process.env._HANDLER,
            endpoint: process.env.AWS_ENDPOINT_URL, exec: process.env.AWS_EXECUTION_ENV,
        },
    };
};
"""


def test_2015_style_succeed_fail_and_done(petrel):
    name = create_function(petrel, {"index.js": STYLE_2015})
    response, payload = invoke(petrel, name, {"key1": "value1"}, LogType="Tail")
    assert response["StatusCode"] == 200 and payload == "value1"
    assert "FunctionError" not in response
    tail = log_tail(response)
    assert "START RequestId:" in tail and "value1 = value1" in tail and "END RequestId:" in tail
    assert "REPORT RequestId:" in tail and "Billed Duration:" in tail and "Init Duration:" in tail
    assert invoke(petrel, name, {"key1": "x", "done": True})[1] == {"done": "x"}
    response, payload = invoke(petrel, name, {"fail": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorMessage"] == "asked to fail" and payload["errorType"] == "Error"


def test_callback_style_with_and_without_waiting_for_the_event_loop(petrel):
    name = create_function(petrel, {"index.js": CALLBACK})
    response, payload = invoke(petrel, name, {"a": 2, "b": 3}, LogType="Tail")
    assert payload == {"sum": 5, "remaining": True}
    assert "timer fired" in log_tail(response)
    response, payload = invoke(petrel, name, {"a": 1, "b": 1, "wait": False})
    assert payload == {"sum": 2, "remaining": True}


def test_async_handler_sees_the_context_and_aws_environment(petrel):
    name = create_function(petrel, {"index.js": ASYNC}, MemorySize=256)
    response, payload = invoke(petrel, name)
    assert response["ExecutedVersion"] == "$LATEST"
    assert payload["name"] == name and payload["version"] == "$LATEST" and payload["memory"] in ("256", 256)
    assert payload["arn"] == f"arn:aws:lambda:us-east-1:000000000000:function:{name}"
    assert payload["group"] == f"/aws/lambda/{name}" and "[$LATEST]" in payload["stream"]
    assert payload["env"]["region"] == "us-east-1" and payload["env"]["handler"] == "index.handler"
    assert payload["env"]["api"].startswith("127.0.0.1:")
    assert payload["env"]["endpoint"] == petrel.endpoint
    assert payload["env"]["exec"] == "AWS_Lambda_nodejs20.x"
    assert len(payload["requestId"]) == 36


def test_es_module_handler(petrel):
    name = create_function(petrel, {"app.mjs": "export const handler = async (e) => ({ esm: true, got: e.v });"},
                           handler="app.handler")
    assert invoke(petrel, name, {"v": 7})[1] == {"esm": True, "got": 7}


def test_thrown_errors_are_reported_as_aws_reports_them(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async () => { throw new TypeError('bad input'); };"})
    response, payload = invoke(petrel, name)
    assert response["StatusCode"] == 200 and response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "TypeError" and payload["errorMessage"] == "bad input"
    assert isinstance(payload["stackTrace"], list) and payload["stackTrace"]


def test_missing_module_and_handler_are_init_errors(petrel):
    name = create_function(petrel, {"index.js": "exports.other = () => 1;"})
    response, payload = invoke(petrel, name)
    assert response["FunctionError"] == "Unhandled" and payload["errorType"] == "Runtime.HandlerNotFound"
    name = create_function(petrel, {"index.js": "exports.handler = () => 1;"}, handler="missing.handler")
    response, payload = invoke(petrel, name)
    assert response["FunctionError"] == "Unhandled" and payload["errorType"] == "Runtime.ImportModuleError"


def test_require_async_works(petrel):
    code = """
    var async = require('async');
    exports.handler = function (event, context) {
        async.waterfall([
            function (next) { next(null, 1); },
            function (x, next) { next(null, x + 1); },
        ], function (err, result) { context.done(err, result); });
    };
    """
    assert invoke(petrel, create_function(petrel, {"index.js": code}))[1] == 2


def test_timeout_kills_the_instance_and_says_so(petrel):
    name = create_function(petrel, {"index.js": """
        exports.handler = async (e) => { if (e.hang) { await new Promise(() => setInterval(() => {}, 1000)); } return 'ok'; };
    """}, Timeout=1)
    started = time.time()
    response, payload = invoke(petrel, name, {"hang": True}, LogType="Tail")
    elapsed = time.time() - started
    assert 0.9 < elapsed < 5
    assert response["FunctionError"] == "Unhandled"
    assert "Task timed out after 1.00 seconds" in payload["errorMessage"]
    assert "Task timed out after 1.00 seconds" in log_tail(response)
    # The next invocation gets a fresh instance.
    response, payload = invoke(petrel, name, LogType="Tail")
    assert payload == "ok" and "Init Duration" in log_tail(response)


def test_a_crashing_runtime_is_an_exit_error_and_is_replaced(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async (e) => { if (e.crash) process.exit(3); return 'fine'; };"})
    response, payload = invoke(petrel, name, {"crash": True})
    assert response["FunctionError"] == "Unhandled"
    assert payload["errorType"] == "Runtime.ExitError"
    assert "Runtime exited with error: exit status 3" in payload["errorMessage"]
    assert invoke(petrel, name)[1] == "fine"


def test_twenty_parallel_invocations_scale_out(fresh_petrel):
    import re
    import urllib.request
    server = fresh_petrel()
    name = create_function(server, {"index.js": """
        exports.handler = async (e) => { await new Promise(r => setTimeout(r, 1000)); return e.i; };
    """}, Timeout=30)
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(20) as pool:
        results = list(pool.map(lambda i: invoke(server, name, {"i": i})[1], range(20)))
    elapsed = time.time() - started
    assert sorted(results) == list(range(20))
    assert elapsed < 10  # one instance would need 20 s
    text = urllib.request.urlopen(server.endpoint + "/metrics").read().decode()
    instances = sum(int(n) for state, n in re.findall(r'petrel_instances\{state="(\w+)"\} (\d+)', text) if state != "queued")
    assert instances >= 10  # each waiting invocation started an instance of its own


def test_warm_instances_are_reused(petrel):
    name = create_function(petrel, {"index.js": "let n = 0; exports.handler = async () => ++n;"})
    first, _ = invoke(petrel, name, LogType="Tail")
    results = [invoke(petrel, name, LogType="Tail") for _ in range(3)]
    assert [payload for _, payload in results] == [2, 3, 4]
    assert all("Init Duration" not in log_tail(r) for r, _ in results)
    assert "Init Duration" in log_tail(first)


def test_event_and_dry_run_invocations(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async (e) => { console.log('event-marker', e.tag); return 1; };"})
    client = petrel.client("lambda")
    out = client.invoke(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert out["StatusCode"] == 204
    out = client.invoke(FunctionName=name, InvocationType="Event", Payload=json.dumps({"tag": "async-1"}))
    assert out["StatusCode"] == 202
    assert wait_for(lambda: any("event-marker async-1" in m for m in log_messages(petrel, name)))


def test_legacy_invoke_async(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async (e) => { console.log('legacy', e.tag); };"})
    out = petrel.client("lambda").invoke_async(FunctionName=name, InvokeArgs=json.dumps({"tag": "old-api"}))
    assert out["Status"] == 202
    assert wait_for(lambda: any("legacy old-api" in m for m in log_messages(petrel, name)))


def test_cli_invoke_with_raw_payload_and_log_tail(petrel, tmp_path):
    name = create_function(petrel, {"index.js": "exports.handler = async (e) => { console.log('cli says', e.k); return e; };"})
    out_file = tmp_path / "out.json"
    out = petrel.cli("lambda", "invoke", "--function-name", name, "--payload", '{"k": "v"}',
                     "--log-type", "Tail", str(out_file))
    assert out["StatusCode"] == 200
    assert json.loads(out_file.read_text()) == {"k": "v"}
    assert "cli says v" in base64.b64decode(out["LogResult"]).decode()


def test_in_flight_invocations_finish_on_old_code_after_an_update(petrel):
    from conftest import make_zip
    name = create_function(petrel, {"index.js": "exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.ms || 0)); return 'old'; };"})
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        slow = pool.submit(invoke, petrel, name, {"ms": 1500})
        time.sleep(0.5)
        petrel.client("lambda").update_function_code(
            FunctionName=name, ZipFile=make_zip({"index.js": "exports.handler = async () => 'new';"}))
        assert invoke(petrel, name)[1] == "new"
        assert slow.result()[1] == "old"
