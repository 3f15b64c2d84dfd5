"""print, stdout/stderr and the `logging` module in the function's log; boto3 inside a function."""
import glob
import http.server
import json
import os
import re
import threading

import pytest

from conftest import PYTHON, Runtime

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def lines_of(text):
    return [line for line in text.split("\n") if line]


def test_print_and_stderr_land_as_is_before_the_answer(runtime):
    src = (
        "import sys\n"
        "def handler(event, context):\n"
        "    print('hello', event['n'])\n"
        "    print('two\\nlines')\n"
        "    sys.stdout.write('no newline')\n"
        "    sys.stderr.write('to stderr\\n')\n"
        "    return 'ok'\n"
    )
    rt = runtime({"app.py": src})
    rid = rt.api.enqueue({"n": 1})
    rt.api.wait_answer(rid)
    # Everything the invocation wrote was already in the file when its answer arrived.
    assert rt.api.log_at_post[rid] == "hello 1\ntwo\nlines\nno newlineto stderr\n"


def test_logging_root_logger_has_awss_format_and_request_id(runtime):
    src = (
        "import logging\n"
        "logger = logging.getLogger()\n"
        "logger.setLevel(logging.INFO)\n"
        "logger.info('at init')\n"
        "def handler(event, context):\n"
        "    logger.info('info %s', event['n'])\n"
        "    logging.getLogger('child.mod').warning('warned')\n"
        "    logger.debug('not shown')\n"
        "    return 1\n"
    )
    rt = runtime({"app.py": src})
    rid = rt.api.enqueue({"n": 5}, request_id="req-log-1")
    rt.api.wait_answer(rid)
    lines = lines_of(rt.api.log_at_post[rid])
    assert len(lines) == 3, lines
    assert re.fullmatch(r"\[INFO\]\t" + ISO + r"\t\tat init", lines[0])  # no request id before the first invocation
    assert re.fullmatch(r"\[INFO\]\t" + ISO + r"\treq-log-1\tinfo 5", lines[1])
    assert re.fullmatch(r"\[WARNING\]\t" + ISO + r"\treq-log-1\twarned", lines[2])


def test_logging_default_level_is_awslambdarics_warning(runtime):
    src = "import logging\ndef handler(e, c):\n    logging.info('dropped')\n    logging.warning('kept')\n    logging.error('also kept')\n"
    rt = runtime({"app.py": src})
    rid = rt.api.enqueue({})
    rt.api.wait_answer(rid)
    out = rt.api.log_at_post[rid]
    assert "dropped" not in out
    assert re.search(r"^\[WARNING\]\t" + ISO + "\t" + rid + "\tkept$", out, re.M)
    assert re.search(r"^\[ERROR\]\t" + ISO + "\t" + rid + "\talso kept$", out, re.M)


@pytest.mark.parametrize("level,shown", [("DEBUG", ["debug", "info", "warning"]), ("TRACE", ["debug", "info", "warning"]),
                                         ("INFO", ["info", "warning"]), ("ERROR", [])])
def test_aws_lambda_log_level(runtime, level, shown):
    src = "import logging\ndef handler(e, c):\n    logging.debug('debug')\n    logging.info('info')\n    logging.warning('warning')\n"
    rt = runtime({"app.py": src}, env={"AWS_LAMBDA_LOG_LEVEL": level})
    rid = rt.api.enqueue({})
    rt.api.wait_answer(rid)
    assert [line.split("\t")[-1] for line in lines_of(rt.api.log_at_post[rid])] == shown


def test_multi_line_messages_and_exceptions_stay_one_line(runtime):
    src = (
        "import logging\n"
        "def handler(e, c):\n"
        "    logging.warning('first\\nsecond')\n"
        "    try:\n"
        "        1 / 0\n"
        "    except ZeroDivisionError:\n"
        "        logging.exception('failed')\n"
        "    logging.warning('after')\n"
    )
    rt = runtime({"app.py": src})
    rid = rt.api.enqueue({})
    rt.api.wait_answer(rid)
    lines = lines_of(rt.api.log_at_post[rid])
    assert len(lines) == 3, lines
    assert lines[0].endswith("\tfirst\rsecond")
    assert "\tfailed\rTraceback (most recent call last):\r" in lines[1]
    assert lines[1].endswith("ZeroDivisionError: division by zero")
    assert lines[2].endswith("\tafter")


def test_basic_config_does_not_add_a_second_handler(runtime):
    src = "import logging\nlogging.basicConfig(level=logging.INFO, format='%(message)s')\ndef handler(e, c):\n    logging.getLogger().setLevel('INFO')\n    logging.info('once')\n"
    rt = runtime({"app.py": src})
    rid = rt.api.enqueue({})
    rt.api.wait_answer(rid)
    assert lines_of(rt.api.log_at_post[rid]) == [l for l in lines_of(rt.api.log_at_post[rid]) if l.startswith("[INFO]\t")]
    assert len(lines_of(rt.api.log_at_post[rid])) == 1


def test_logging_imported_late_inside_the_handler_is_configured_too(runtime):
    src = "def handler(e, c):\n    import logging\n    logging.warning('late %s', 1)\n    return len(logging.getLogger().handlers)\n"
    rt = runtime({"app.py": src})
    rid = rt.api.enqueue({})
    assert rt.api.wait_answer(rid).body == 1
    assert re.fullmatch(r"\[WARNING\]\t" + ISO + "\t" + rid + r"\tlate 1\n", rt.api.log_at_post[rid])


def test_json_log_format(runtime):
    src = "import logging\ndef handler(e, c):\n    logging.warning('hello %s', 'json', extra={'k': 'v'})\n    raise KeyError('nope')\n"
    rt = runtime({"app.py": src}, env={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    rid = rt.api.enqueue({}, request_id="req-json")
    rt.api.wait_answer(rid)
    records = [json.loads(line) for line in lines_of(rt.api.log_at_post[rid])]
    assert records[0]["level"] == "WARNING" and records[0]["message"] == "hello json"
    assert records[0]["requestId"] == "req-json" and records[0]["logger"] == "root" and records[0]["k"] == "v"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", records[0]["timestamp"])
    assert records[1]["level"] == "ERROR" and records[1]["errorType"] == "KeyError"
    assert records[1]["requestId"] == "req-json" and records[1]["errorMessage"] == "'nope'"


def test_unicode_output(runtime):
    rt = runtime({"app.py": "import logging\ndef handler(e, c):\n    print('é☃😀')\n    logging.warning('ünï')\n"})
    rid = rt.api.enqueue({})
    rt.api.wait_answer(rid)
    out = rt.api.log_at_post[rid]
    assert out.startswith("é☃😀\n")
    assert out.rstrip("\n").endswith("\tünï")


# --- boto3 ---------------------------------------------------------------------------------------

class FakeAws(object):
    """Records the requests an SDK sends to AWS_ENDPOINT_URL."""

    def __init__(self):
        self.requests = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.requests.append((self.command, self.path, dict(self.headers)))
                body = json.dumps({"Functions": [{"FunctionName": "from-fake-petrel"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_boto3_is_importable_and_reaches_aws_endpoint_url_with_the_instance_credentials(runtime):
    pytest.importorskip("boto3")
    fake = FakeAws()
    try:
        src = (
            "import boto3\n"
            "def handler(e, c):\n"
            "    client = boto3.client('lambda')\n"
            "    return [f['FunctionName'] for f in client.list_functions()['Functions']]\n"
        )
        rt = runtime({"app.py": src}, env={"AWS_ENDPOINT_URL": fake.url})
        post = rt.api.invoke({})
        assert post.kind == "response", post.body
        assert post.body == ["from-fake-petrel"]
        method, path, headers = fake.requests[0]
        assert path.startswith("/2015-03-31/functions")
        assert "Credential=ASIAPETRELTEST/" in headers["Authorization"]
        assert "/us-east-1/lambda/aws4_request" in headers["Authorization"]
        assert headers["X-Amz-Security-Token"] == "petrel:function/testfn"
    finally:
        fake.close()


# --- the other interpreters (python3.9 ... python3.13 functions run on whichever is there) ------

def other_pythons():
    """Interpreters other than the one the tests use: pyenv's 3.9+ and Debian's /usr/bin/python3.N."""
    candidates = glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")) + glob.glob("/usr/bin/python3.*")
    found, seen = [], {os.path.realpath(PYTHON)}
    for path in sorted(candidates):
        version = re.search(r"(?:versions/3\.(\d+)\.\d+/bin/python3|/python3\.(\d+))$", path)
        if not version or int(version.group(1) or version.group(2)) < 9 or not os.access(path, os.X_OK):
            continue
        if os.path.realpath(path) not in seen:
            seen.add(os.path.realpath(path))
            found.append(path)
    return found


@pytest.mark.parametrize("python", other_pythons() or [pytest.param(None, marks=pytest.mark.skip("no other python3 here"))])
def test_runs_on_other_interpreters(runtime, python):
    src = (
        "import logging, decimal\n"
        "logging.getLogger().setLevel('INFO')\n"
        "def handler(e, c):\n"
        "    logging.info('v %s', c.function_name)\n"
        "    if e.get('fail'):\n"
        "        raise RuntimeError('failed')\n"
        "    return {'d': decimal.Decimal('1.5'), 'e': e}\n"
    )
    rt = runtime({"app.py": src}, python=python)
    rid = rt.api.enqueue({"a": [1]})
    post = rt.api.wait_answer(rid)
    assert post.raw == b'{"d": 1.5, "e": {"a": [1]}}'
    assert re.search(r"^\[INFO\]\t" + ISO + "\t" + rid + r"\tv testfn$", rt.api.log_at_post[rid], re.M)
    post = rt.api.invoke({"fail": True})
    assert post.body["errorType"] == "RuntimeError"
    assert post.body["stackTrace"][0].endswith(", line 6, in handler\n    raise RuntimeError('failed')\n")
