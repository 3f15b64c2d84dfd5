"""Pre-warmed ("blank") mode: started with PETREL_PREWARMED=1 and no function setting, the runtime
waits on GET /petrel/assignment, then takes on the assigned environment as a normal start."""
import json
import os
import tempfile
import time

from conftest import PYTHON, RUNTIME_DIR, FakeRuntimeApi, Runtime, python_minor

ECHO = "def handler(event, context):\n    return {'event': event}\n"
INSPECT = (
    "import os, sys\n"
    "ENV = dict(os.environ)\n"
    "PATH = list(sys.path)\n"
    "def handler(event, context):\n"
    "    return {'env': ENV, 'path': PATH, 'pid': os.getpid(), 'name': context.function_name,\n"
    "            'version': context.function_version, 'memory': context.memory_limit_in_mb,\n"
    "            'group': context.log_group_name, 'stream': context.log_stream_name,\n"
    "            'dont_write_bytecode': sys.flags.dont_write_bytecode}\n"
)
FUNCTION_ENV = {
    "AWS_LAMBDA_FUNCTION_NAME": "otherfn",
    "AWS_LAMBDA_FUNCTION_VERSION": "7",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "512",
    "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/otherfn",
    "AWS_LAMBDA_LOG_STREAM_NAME": "2026/02/02/[7]fedcba9876543210",
    "MY_SETTING": "from the function",
}


def test_waits_without_calling_next_until_assigned(runtime):
    rt = runtime({"app.py": ECHO}, prewarmed=True)
    rt.api.wait_assignment_request()
    time.sleep(0.5)
    assert rt.api.next_calls == 0
    assert rt.api.posts == []
    assert rt.proc.poll() is None
    rt.assign()
    assert rt.api.invoke({"a": 1}).body == {"event": {"a": 1}}
    # The assignment and everything after it on one keep-alive connection.
    assert len(rt.api.connections) == 1


def test_a_normal_start_never_asks_for_an_assignment(runtime):
    rt = runtime({"app.py": ECHO})
    assert rt.api.invoke({}).kind == "response"
    assert rt.api.assignment_calls == 0


def test_handler_sees_exactly_the_assigned_environment_and_context(runtime):
    rt = runtime({"app.py": INSPECT}, env=FUNCTION_ENV, prewarmed=True)
    rt.api.wait_assignment_request()
    rt.assign()
    body = rt.api.invoke({}).body
    assert "PETREL_PREWARMED" not in body["env"]
    assert body["env"]["MY_SETTING"] == "from the function"
    assert (body["name"], body["version"], body["memory"], body["group"], body["stream"]) == (
        "otherfn", "7", "512", "/aws/lambda/otherfn", "2026/02/02/[7]fedcba9876543210")

    # os.environ and sys.path are those of a normal start with the same environment (which may
    # hold more than the map: python adds LC_CTYPE=C.UTF-8 where it coerces a C locale).
    normal = runtime({"app.py": INSPECT}, env=FUNCTION_ENV)
    normal_body = normal.api.invoke({}).body
    assert same_but_task_root(body, rt, "env") == same_but_task_root(normal_body, normal, "env")
    assert same_but_task_root(body, rt, "path") == same_but_task_root(normal_body, normal, "path")
    assert set(body["env"]) - set(rt.env) <= {"LC_CTYPE"}


def same_but_task_root(body, rt, key):
    text = json.dumps(body[key]).replace(rt.task_root, "<root>").replace(rt.api.address, "<api>")
    return json.loads(text)


def test_module_only_on_the_assigned_pythonpath_imports(runtime, tmp_path):
    (tmp_path / "only_here.py").write_text("VALUE = 'found through PYTHONPATH'\n")
    blank_only = tempfile.mkdtemp(prefix="petrel-py-blank-")
    src = ("import sys, only_here\n"
           "def handler(e, c):\n    return {'value': only_here.VALUE, 'path': sys.path}\n")
    rt = runtime({"app.py": src}, env={"PYTHONPATH": "%s:/opt/python:%s" % (RUNTIME_DIR, tmp_path)},
                 prewarmed={"PYTHONPATH": "%s:/opt/python:%s" % (RUNTIME_DIR, blank_only)})
    rt.api.wait_assignment_request()
    rt.assign()
    body = rt.api.invoke({}).body
    assert body["value"] == "found through PYTHONPATH"
    assert blank_only not in body["path"]  # the blank PYTHONPATH's entries are gone
    # In the place a normal start gives it: before the interpreter's own folders.
    stdlib = [p for p in body["path"] if p.endswith("/lib/python%s" % python_minor(PYTHON))]
    assert body["path"].index(str(tmp_path)) < body["path"].index(stdlib[0])
    os.rmdir(blank_only)


def test_log_format_level_and_json_output_come_from_the_assigned_environment(runtime):
    src = ("import logging\n"
           "def handler(e, c):\n    logging.getLogger().info('hello %s', 'there')\n    return 'é'\n")
    rt = runtime({"app.py": src}, prewarmed=True, env={
        "AWS_LAMBDA_LOG_FORMAT": "JSON", "AWS_LAMBDA_LOG_LEVEL": "INFO", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11"})
    rt.api.wait_assignment_request()
    rt.assign()
    post = rt.api.invoke({})
    assert post.raw == b'"\\u00e9"'  # ensure_ascii as python3.11
    records = [json.loads(line) for line in rt.output().splitlines() if line.startswith("{")]
    assert [(r["level"], r["message"]) for r in records] == [("INFO", "hello there")]


def test_init_error_after_assignment_is_posted(runtime):
    rt = runtime({"app.py": ECHO}, "missing.handler", prewarmed=True)
    rt.api.wait_assignment_request()
    rt.assign()
    error = rt.api.wait_init_error()
    assert error.body["errorType"] == "Runtime.ImportModuleError"
    assert error.body["errorMessage"] == "Unable to import module 'missing': No module named 'missing'"
    assert error.headers["lambda-runtime-function-error-type"] == "Runtime.ImportModuleError"
    assert rt.wait_exit(10) == 1
    assert rt.api.next_calls == 0


def test_closed_assignment_connection_exits_quietly(runtime):
    rt = runtime({"app.py": ECHO}, prewarmed=True)
    rt.api.wait_assignment_request()
    rt.api.assignments.put(None)
    assert rt.wait_exit(10) == 0
    assert rt.output() == ""
    assert rt.api.assignment_calls == 1  # not asked again on a new connection
    assert rt.api.next_calls == 0


def test_an_answer_other_than_200_exits_quietly(runtime):
    rt = runtime({"app.py": ECHO}, prewarmed=True)
    rt.api.wait_assignment_request()
    rt.api.assignments.put((503, b'{"status":"shutting down"}'))
    assert rt.wait_exit(10) == 0
    assert rt.output() == ""


def test_no_server_exits_quietly():
    api = FakeRuntimeApi()
    address = api.address
    api.close()
    rt = Runtime({"app.py": ECHO}, "app.handler", api=FakeRuntimeApi(), api_address=address, prewarmed=True)
    try:
        assert rt.wait_exit(10) == 0
        assert rt.output() == ""
    finally:
        rt.close()


def test_variables_read_at_interpreter_start_restart_it_in_the_same_process(runtime):
    rt = runtime({"app.py": INSPECT}, prewarmed=True, env=dict(FUNCTION_ENV, PYTHONDONTWRITEBYTECODE="1"))
    rt.api.wait_assignment_request()
    rt.assign()
    body = rt.api.invoke({}).body
    assert body["dont_write_bytecode"] == 1
    assert body["pid"] == rt.proc.pid
    assert {k: v for k, v in body["env"].items() if k != "LC_CTYPE"} == rt.env
    assert body["name"] == "otherfn"
