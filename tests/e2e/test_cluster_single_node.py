"""Cluster mode on one node (docs/cluster.md): the default SQLite server is a cluster of one that
holds every lease, `petrel status` lists it and its leases, its node id survives a restart, and
bad cluster options are refused. Runs on both stores."""
import json
import subprocess
import urllib.request

from conftest import PETREL_BIN, PetrelProcess, wait_for

LEASES = {"async-invocations", "eventbridge-schedules", "table-ttl", "s3-lifecycle"}


def cluster_status(server):
    with urllib.request.urlopen(server.endpoint + "/_petrel/status", timeout=10) as r:
        return json.loads(r.read())["cluster"]


def test_one_node_holds_every_lease_and_keeps_its_id_across_a_restart(fresh_petrel):
    server = fresh_petrel("--lease-seconds", "3")
    # The node registers itself beside taking its leases (either may come first on a busy machine).
    status = wait_for(lambda: (s := cluster_status(server)) and {l["name"] for l in s["leases"]} >= LEASES and s["nodes"] and s,
                      timeout=15)
    node = status["nodeId"]
    assert node.startswith("node-") and status["advertise"] == server.endpoint and status["leaseSeconds"] == 3
    assert [(n["id"], n["alive"]) for n in status["nodes"]] == [(node, True)]
    assert all(l.get("holder") == node and 0 < l["expiresInMs"] <= 3000 for l in status["leases"] if l["name"] in LEASES)
    out = subprocess.run([PETREL_BIN, "status", "--endpoint", server.endpoint], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert f"node: {node} at {server.endpoint}" in out.stdout and "eventbridge-schedules" in out.stdout
    tokens = {l["name"]: l["token"] for l in status["leases"]}
    # kill -9, then restart: the same node id comes back and takes its leases at once, with new tokens.
    server.kill9()
    server.restart()
    again = wait_for(lambda: (s := cluster_status(server)) and all(
        l.get("holder") == node and l["token"] > tokens[l["name"]] for l in s["leases"] if l["name"] in LEASES) and s, timeout=5)
    assert again and again["nodeId"] == node


def test_a_given_node_id_and_advertise_url_are_used(fresh_petrel):
    server = fresh_petrel("--node-id", "edge-1.a", "--advertise", "http://10.0.0.7:4566")
    status = cluster_status(server)
    assert status["nodeId"] == "edge-1.a" and status["advertise"] == "http://10.0.0.7:4566"
    assert wait_for(lambda: [n["advertise"] for n in cluster_status(server)["nodes"]] == ["http://10.0.0.7:4566"], timeout=10)


def test_bad_cluster_options_are_refused(tmp_path):
    for args, message in [(["--node-id", "a b"], "--node-id"), (["--advertise", "not a url"], "--advertise"),
                          (["--lease-seconds", "0.5"], "--lease-seconds")]:
        out = subprocess.run([PETREL_BIN, "serve", "--port", "9", "--data-dir", str(tmp_path / "d"), *args],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode != 0 and message in out.stderr, (args, out.stderr)
