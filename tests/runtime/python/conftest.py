"""A fake Lambda Runtime API (threaded http.server) and helpers that spawn Petrel's Python
runtime against it the way the server does: `<python> -u <runtime dir>/python/bootstrap.py`,
cwd = the task root, stdout and stderr into one log file, the environment of the contract;
or pre-warmed: the blank environment, the task root empty until the assignment."""
import http.server
import json
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
RUNTIMES = os.path.join(ROOT, "Sources", "PetrelRuntimes", "Runtimes")
RUNTIME_DIR = os.path.join(RUNTIMES, "python")
BOOTSTRAP = os.path.join(RUNTIME_DIR, "bootstrap.py")
# The real interpreter (not a pyenv shim): what the server starts.
PYTHON = os.environ.get("PETREL_TEST_PYTHON") or os.path.realpath(sys.executable)
API_PREFIX = "/2018-06-01/runtime"
ARN = "arn:aws:lambda:us-east-1:000000000000:function:testfn"


class Post(object):
    def __init__(self, path, headers, raw):
        self.path = path
        self.headers = headers
        self.raw = raw
        try:
            self.body = json.loads(raw.decode("utf-8"))
        except ValueError:
            self.body = None
        self.kind = None
        self.id = None
        self.received_at = time.time()

    def __repr__(self):
        return "Post(%s, %r)" % (self.path, self.raw[:300])


class FakeRuntimeApi(object):
    """Hands out queued invocations on GET /next and queued answers on GET /petrel/assignment;
    records every POST."""

    def __init__(self):
        self.invocations = queue.Queue()
        self.assignments = queue.Queue()
        self.assignment_calls = 0
        self.assigned_at = None  # when the 200 answer to /petrel/assignment was written
        self.answers = {}  # request id -> Post
        self.answered = threading.Condition()
        self.posts = []
        self.init_error = None
        self.next_calls = 0
        self.next_times = []
        # As Petrel's server: a result posted with Petrel-Then-Next is answered with the next invocation.
        self.then_next = False
        self.then_next_calls = 0
        self.connections = set()
        self.log_at_post = {}  # request id -> what the log file held when the answer arrived
        self.log_path = None
        api = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # as the real server (headers and body are two writes)

            def log_message(self, *args):
                pass

            def do_GET(self):
                api.connections.add(self.client_address)
                if self.path == API_PREFIX + "/petrel/assignment":
                    self.assignment()
                    return
                if self.path != API_PREFIX + "/invocation/next":
                    self.send_error(404)
                    return
                with api.answered:
                    api.next_calls += 1
                    api.next_times.append(time.time())
                    api.answered.notify_all()
                self.send_next_invocation()

            def send_next_invocation(self):
                item = api.invocations.get()
                if item is None:  # close the connection without an answer
                    self.close_connection = True
                    return
                headers, body = item
                self.send_response(200)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def assignment(self):
                with api.answered:
                    api.assignment_calls += 1
                    api.answered.notify_all()
                item = api.assignments.get()
                if item is None:  # close the connection without an answer
                    self.close_connection = True
                    return
                status, body = item
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status == 200:
                    api.assigned_at = time.time()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                post = Post(self.path, {k.lower(): v for k, v in self.headers.items()}, raw)
                status = 202
                if self.path == API_PREFIX + "/init/error":
                    post.kind = "init_error"
                else:
                    parts = self.path.split("/")
                    if len(parts) == 6 and parts[3] == "invocation" and parts[5] in ("response", "error"):
                        post.kind = parts[5]
                        post.id = parts[4]
                    else:
                        status = 404
                if api.log_path and post.id:
                    with open(api.log_path, "rb") as f:
                        api.log_at_post[post.id] = f.read().decode("utf-8", "replace")
                if api.then_next and post.id and post.headers.get("petrel-then-next") == "1":
                    with api.answered:
                        api.then_next_calls += 1
                        api.posts.append(post)
                        api.answers[post.id] = post
                        api.answered.notify_all()
                    self.send_next_invocation()
                    return
                body = b'{"status":"OK"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with api.answered:
                    api.posts.append(post)
                    if post.kind == "init_error":
                        api.init_error = post
                    elif post.id:
                        api.answers[post.id] = post
                    api.answered.notify_all()

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):
                pass  # a runtime killed by a test resets its connection

        self.server = Server(("127.0.0.1", 0), Handler)
        self.address = "127.0.0.1:%d" % self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def enqueue(self, event, request_id=None, timeout_ms=30000, headers=None, raw=None):
        request_id = request_id or str(uuid.uuid4())
        h = {
            "Content-Type": "application/json",
            "Lambda-Runtime-Aws-Request-Id": request_id,
            "Lambda-Runtime-Deadline-Ms": str(int(time.time() * 1000) + timeout_ms),
            "Lambda-Runtime-Invoked-Function-Arn": ARN,
            "Lambda-Runtime-Trace-Id": "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1",
        }
        h.update(headers or {})
        body = raw if raw is not None else json.dumps(event).encode("utf-8")
        self.invocations.put((h, body))
        return request_id

    def wait_answer(self, request_id, timeout=15):
        deadline = time.time() + timeout
        with self.answered:
            while request_id not in self.answers:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no answer for %s; posts so far: %r" % (request_id, self.posts))
                self.answered.wait(left)
            return self.answers[request_id]

    def wait_init_error(self, timeout=15):
        deadline = time.time() + timeout
        with self.answered:
            while self.init_error is None:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no init error; posts so far: %r" % (self.posts,))
                self.answered.wait(left)
            return self.init_error

    def wait_next(self, n=1, timeout=15):
        deadline = time.time() + timeout
        with self.answered:
            while self.next_calls < n:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("runtime made %d GET /next calls, expected %d" % (self.next_calls, n))
                self.answered.wait(left)

    def wait_assignment_request(self, timeout=15):
        deadline = time.time() + timeout
        with self.answered:
            while self.assignment_calls < 1:
                left = deadline - time.time()
                if left <= 0:
                    raise AssertionError("no GET /petrel/assignment")
                self.answered.wait(left)

    def assign(self, environment, status=200):
        self.assignments.put((status, json.dumps({"environment": environment}).encode("utf-8")))

    def invoke(self, event=None, **kwargs):
        request_id = self.enqueue(event if event is not None else {}, **kwargs)
        return self.wait_answer(request_id)


_MINOR = {}


def python_minor(python):
    if python not in _MINOR:
        _MINOR[python] = subprocess.check_output(
            [python, "-S", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]).decode().strip()
    return _MINOR[python]


def base_env(api_address, task_root, handler, python=PYTHON):
    minor = python_minor(python)
    return {
        "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "AWS_LAMBDA_RUNTIME_API": api_address,
        "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": task_root,
        "LAMBDA_RUNTIME_DIR": RUNTIMES,
        "AWS_LAMBDA_FUNCTION_NAME": "testfn",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/testfn",
        "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]0123456789abcdef",
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python%s" % minor,
        "AWS_ACCESS_KEY_ID": "ASIAPETRELTEST",
        "AWS_SECRET_ACCESS_KEY": "petrel-function-secret",
        "AWS_SESSION_TOKEN": "petrel:function/testfn",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:1",
        "TZ": ":UTC",
        "LANG": "en_US.UTF-8",
        "PYTHONPATH": "%s:/opt/python" % RUNTIME_DIR,
        "HOME": task_root,
        "TMPDIR": tempfile.gettempdir(),
        "LD_LIBRARY_PATH": "/opt/lib",
    }


# What a blank (pre-warmed) process gets: no function setting, PETREL_PREWARMED=1.
BLANK_VARIABLES = ("AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "PATH", "LANG", "TZ",
                   "HOME", "TMPDIR", "LD_LIBRARY_PATH", "PYTHONPATH")


def blank_env(api_address, task_root, python=PYTHON):
    env = {k: v for k, v in base_env(api_address, task_root, "", python).items() if k in BLANK_VARIABLES}
    env["PETREL_PREWARMED"] = "1"
    return env


def write_files(root, files):
    for name, content in files.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(path, mode) as f:
            f.write(content)


class Runtime(object):
    """One runtime process against a fake API. prewarmed: started blank (blank_env, or it updated
    with a dict), the files and the function's environment `env` come with assign()."""

    def __init__(self, files, handler, env=None, python=PYTHON, api=None, api_address=None, prewarmed=False):
        self.api = api or FakeRuntimeApi()
        self.task_root = tempfile.mkdtemp(prefix="petrel-py-task-")
        self.files = files
        if not prewarmed:
            write_files(self.task_root, files)
        self.log_path = os.path.join(tempfile.mkdtemp(prefix="petrel-py-log-"), "output.log")
        self.api.log_path = self.log_path
        full_env = base_env(api_address or self.api.address, self.task_root, handler, python)
        full_env.update(env or {})
        self.env = {k: v for k, v in full_env.items() if v is not None}
        spawn_env = self.env
        if prewarmed:
            spawn_env = blank_env(api_address or self.api.address, self.task_root, python)
            if isinstance(prewarmed, dict):
                spawn_env.update(prewarmed)
        log = open(self.log_path, "wb")
        self.started_at = time.time()
        self.proc = subprocess.Popen(
            [python, "-u", BOOTSTRAP], cwd=self.task_root, env=spawn_env,
            stdin=subprocess.DEVNULL, stdout=log, stderr=log,
        )
        log.close()

    def assign(self):
        """The server's side of the assignment: the function's files, then its environment."""
        write_files(self.task_root, self.files)
        self.api.assign(self.env)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_exit(self, timeout=15):
        return self.proc.wait(timeout=timeout)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.api.close()
        shutil.rmtree(self.task_root, ignore_errors=True)
        shutil.rmtree(os.path.dirname(self.log_path), ignore_errors=True)


@pytest.fixture
def runtime():
    """runtime(files, handler, env=None) -> Runtime; all are killed at the end of the test."""
    started = []

    def start(files, handler="app.handler", **kwargs):
        rt = Runtime(files, handler, **kwargs)
        started.append(rt)
        return rt

    yield start
    for rt in started:
        rt.close()
