"""The warm pool: blank sandboxed runtimes started ahead of need, each given to one function's
cold start (its code linked in, its limits applied, its environment handed over)."""
import json
import os
import re
import subprocess
import urllib.request

import pytest

from conftest import PETREL_BIN, create_function, invoke, log_tail, make_zip, unique, wait_for

NODE_PROBE = r"""
exports.handler = async (event, context) => {
  let layer = null;
  try { layer = require('greet')('pool'); } catch (e) { layer = e.code; }
  if (event.allocateMB) {
    const kept = [];
    for (let i = 0; i < event.allocateMB; i++) kept.push(Buffer.alloc(1 << 20, 1));
  }
  return {
    name: context.functionName, memory: context.memoryLimitInMB, stream: context.logStreamName,
    foo: process.env.FOO, prewarmed: process.env.PETREL_PREWARMED || null, handler: process.env._HANDLER,
    layer, cwd: process.cwd(),
  };
};
"""

PYTHON_PROBE = """
import os
def handler(event, context):
    try:
        import greet
        layer = greet.greet("pool")
    except ImportError as e:
        layer = str(e)
    if event.get("allocateMB"):
        kept = [bytearray(1 << 20) for _ in range(event["allocateMB"])]
    return {"name": context.function_name, "memory": context.memory_limit_in_mb, "stream": context.log_stream_name,
            "foo": os.environ.get("FOO"), "prewarmed": os.environ.get("PETREL_PREWARMED"), "layer": layer}
"""

LAYER = {
    "nodejs/node_modules/greet/index.js": "module.exports = (n) => 'hello ' + n + ' from a layer';",
    "python/greet.py": "def greet(n):\n    return 'hello ' + n + ' from a python layer'\n",
}


def status(server):
    with urllib.request.urlopen(server.endpoint + "/_petrel/status") as response:
        return json.load(response)


def ready_blanks(server):
    """Ids of the blank instances waiting now (their work folders), once the pool is full."""
    def full():
        rows = status(server)["warmPool"]
        return rows and all(row["ready"] >= 1 and row["starting"] == 0 for row in rows)
    assert wait_for(full, timeout=20), status(server)
    return set(os.listdir(os.path.join(server.data_dir, "instances")))


def instance_id(stream):
    return re.search(r"\]([0-9a-f]{32})$", stream).group(1)


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    from conftest import PetrelProcess
    server = PetrelProcess(str(tmp_path_factory.mktemp("pool-data")), ["--warm-pool", "nodejs=2,python=2"]).start()
    layer = server.client("lambda").publish_layer_version(LayerName=unique("greet"), Content={"ZipFile": make_zip(LAYER)})
    server.layer_arn = layer["LayerVersionArn"]
    # Python blanks start on the machine's python3; the first python3.12 cold start teaches the
    # pool to keep python3.12 blanks too (each runtime runs on its own interpreter).
    invoke(server, create_function(server, {"app.py": PYTHON_PROBE}, runtime="python3.12", handler="app.handler"))
    yield server
    server.stop()


def test_status_shows_the_pool_and_its_memory(pool):
    ready_blanks(pool)
    rows = status(pool)["warmPool"]
    node = [r for r in rows if r["runtime"] == "nodejs"]
    assert [(r["memoryMB"], r["ready"]) for r in node] == [(128, 2)]
    python = {r["interpreter"]: r for r in rows if r["runtime"] == "python"}
    assert any(i.startswith("Python 3.12.") for i in python) and all(r["ready"] == 2 for r in python.values())
    assert all(row["residentBytes"] > 1_000_000 for row in rows)
    printed = subprocess.run([PETREL_BIN, "status", "--endpoint", pool.endpoint], capture_output=True, text=True, check=True).stdout
    assert re.search(r"warm pool: nodejs/128MB \(Node.js 20[\d.]+\): 2 ready, 0 starting, [\d.]+ MB; ", printed), printed
    assert re.search(r"python \(Python 3\.12\.\d+\): 2 ready", printed), printed


@pytest.mark.parametrize("runtime,handler,code", [
    ("nodejs20.x", "index.handler", {"index.js": NODE_PROBE}),
    ("python3.12", "app.handler", {"app.py": PYTHON_PROBE}),
])
def test_a_cold_start_takes_a_blank_and_sees_only_its_own_function(pool, runtime, handler, code):
    before = ready_blanks(pool)
    name = create_function(pool, code, runtime=runtime, handler=handler, Layers=[pool.layer_arn],
                           Environment={"Variables": {"FOO": "bar"}})
    response, result = invoke(pool, name, LogType="Tail")
    assert "FunctionError" not in response, result
    assert instance_id(result["stream"]) in before  # the instance was a blank of the pool
    assert result["name"] == name and int(result["memory"]) == 128
    assert result["foo"] == "bar" and result["prewarmed"] is None
    assert result["layer"].startswith("hello pool from a")
    assert "Init Duration" in log_tail(response)
    # The pool refills, and the blank it gave away is not in it any more.
    after = ready_blanks(pool)
    assert instance_id(result["stream"]) in after  # still the function's warm instance…
    family = "nodejs" if runtime.startswith("node") else "python"
    rows = [row for row in status(pool)["warmPool"] if row["runtime"] == family]
    assert rows and all(row["ready"] == 2 for row in rows)  # …and not counted as a blank


def test_each_blank_serves_one_function(pool):
    ready_blanks(pool)
    names = [create_function(pool, {"app.py": PYTHON_PROBE}, runtime="python3.12", handler="app.handler") for _ in range(2)]
    streams = [invoke(pool, name)[1]["stream"] for name in names]
    assert instance_id(streams[0]) != instance_id(streams[1])


def test_the_function_gets_its_own_memory_limit(pool):
    # Python blanks start with a 128 MB cgroup; the function's MemorySize replaces it.
    ready_blanks(pool)
    # CPU is in proportion to memory (about half a core at 1024 MB): allow a slow machine time.
    big = create_function(pool, {"app.py": PYTHON_PROBE}, runtime="python3.12", handler="app.handler",
                          MemorySize=1024, Timeout=60)
    response, result = invoke(pool, big, {"allocateMB": 200})
    assert "FunctionError" not in response, result
    assert int(result["memory"]) == 1024
    small = create_function(pool, {"app.py": PYTHON_PROBE}, runtime="python3.12", handler="app.handler",
                            MemorySize=128, Timeout=60)
    response, result = invoke(pool, small, {"allocateMB": 200})
    assert response.get("FunctionError") == "Unhandled"
    assert result["errorType"] in ("Runtime.ExitError", "MemoryError"), result  # the limit, not a timeout


def test_node_blanks_follow_the_memory_sizes_asked_for(pool):
    ready_blanks(pool)
    name = create_function(pool, {"index.js": NODE_PROBE}, MemorySize=256)
    before = ready_blanks(pool)
    _, first = invoke(pool, name)
    assert instance_id(first["stream"]) not in before  # no 256 MB blank yet: a plain cold start
    sizes = lambda: {row["memoryMB"] for row in status(pool)["warmPool"] if row["runtime"] == "nodejs"}
    assert wait_for(lambda: 256 in sizes(), timeout=10), status(pool)
    ready_blanks(pool)
    second = create_function(pool, {"index.js": NODE_PROBE}, MemorySize=256)
    before = ready_blanks(pool)
    _, result = invoke(pool, second)
    assert instance_id(result["stream"]) in before


def test_functions_the_pool_cannot_serve_start_from_scratch(pool):
    before = ready_blanks(pool)
    name = create_function(pool, {"index.js": NODE_PROBE}, EphemeralStorage={"Size": 1024})
    response, result = invoke(pool, name)
    assert "FunctionError" not in response, result
    assert instance_id(result["stream"]) not in before


def test_the_pool_can_be_turned_off_and_a_bad_spec_is_refused(fresh_petrel, tmp_path):
    server = fresh_petrel("--warm-pool", "nodejs=0,python=0")
    assert status(server)["warmPool"] == []
    name = create_function(server, {"index.js": NODE_PROBE})
    assert invoke(server, name)[1]["name"] == name
    bad = subprocess.run([PETREL_BIN, "serve", "--port", "1", "--data-dir", str(tmp_path / "bad"), "--warm-pool", "ruby=2"],
                         capture_output=True, text=True, timeout=30)
    assert bad.returncode != 0
    assert "nodejs=2,python=2" in bad.stderr
