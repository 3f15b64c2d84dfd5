"""`GET /_petrel/status` and `petrel status`: what isolation is in force, instances, queues."""
import json
import subprocess
import urllib.request

from conftest import PETREL_BIN, create_function, invoke


def test_status_endpoint_and_cli(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async () => 1;"})
    invoke(petrel, name)
    status = json.load(urllib.request.urlopen(petrel.endpoint + "/_petrel/status"))
    assert status["status"] == "running"
    assert status["isolationSummary"].startswith("isolation:")
    assert status["instances"].get("idle", 0) >= 1
    assert "asyncQueueDepth" in status
    out = subprocess.run([PETREL_BIN, "status", "--endpoint", petrel.endpoint], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "running" in out.stdout and "isolation:" in out.stdout and "idle" in out.stdout


def test_status_cli_without_a_server_says_what_to_do():
    out = subprocess.run([PETREL_BIN, "status", "--endpoint", "http://127.0.0.1:9"], capture_output=True, text=True, timeout=30)
    assert out.returncode != 0
    assert "petrel serve" in out.stderr
