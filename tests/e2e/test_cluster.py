"""Cluster mode (docs/cluster.md): three `petrel serve` nodes on one PostgreSQL database.

Any node answers for functions another node created, and invokes them (code packages are in the
database); the nodes see each other in `cluster_nodes`; run-once work (the EventBridge scheduler)
moves to another node within the lease time when its holder is killed with -9, and a paused holder
that lost its lease stops on its next renewal. Runs in `make postgres` (PETREL_STORE); skipped on
the SQLite pass, where one node holds every lease (test_status covers that)."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import pytest

import petrel_process
from conftest import PETREL_BIN, PetrelProcess, create_function, invoke, wait_for

pytestmark = pytest.mark.skipif(not petrel_process.PETREL_STORE.startswith(("postgres://", "postgresql://")),
                                reason="cluster mode needs PostgreSQL: run with PETREL_STORE=postgres://… (make postgres)")

LEASE = 4          # --lease-seconds for these nodes
MARGIN = 6         # a takeover waits for the expiry, then up to one retry interval, on a loaded machine
SCHEDULER = "eventbridge-schedules"

ECHO = {"index.js": "exports.handler = async (e) => ({ node: process.env.AWS_LAMBDA_FUNCTION_NAME, echo: e });"}


def status(node):
    with urllib.request.urlopen(node.endpoint + "/_petrel/status", timeout=10) as r:
        return json.loads(r.read())["cluster"]


def holder(node, lease):
    rows = [row for row in status(node)["leases"] if row["name"] == lease]
    return rows[0].get("holder") if rows else None


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    """Three nodes on one database (each with its own data directory and node id)."""
    dsn = petrel_process.store_url(str(tmp_path / "shared"))
    monkeypatch.setattr(petrel_process, "store_url", lambda _data_dir: dsn)
    monkeypatch.setenv("PETREL_EVENTS_MINUTE_SECONDS", "1")
    nodes = []
    for i in range(3):
        node = PetrelProcess(str(tmp_path / f"node{i}"), ["--node-id", f"node{i}", "--lease-seconds", str(LEASE),
                                                          "--warm-pool", "python=0,nodejs=0"])
        nodes.append(node.start())
    yield nodes
    for node in nodes:
        if node.proc:
            try:
                os.killpg(node.proc.pid, signal.SIGCONT)
            except OSError:
                pass
        node.stop(signal.SIGKILL)


def by_id(nodes, node_id):
    return next(n for n in nodes if n.extra_args[1] == node_id)


def test_every_node_sees_the_others_and_answers_for_their_functions(cluster):
    a, b, c = cluster
    seen = wait_for(lambda: (rows := status(c)["nodes"]) and sum(r["alive"] for r in rows) == 3 and rows, timeout=15)
    assert sorted(r["id"] for r in seen) == ["node0", "node1", "node2"]
    assert {r["advertise"] for r in seen} == {n.endpoint for n in cluster}
    name = create_function(a, ECHO)
    # Created on node0; read and invoked on the others, which fetch the code from the database.
    assert b.client("lambda").get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    for node in (b, c):
        response, body = invoke(node, name, {"via": node.extra_args[1]})
        assert response["StatusCode"] == 200 and body == {"node": name, "echo": {"via": node.extra_args[1]}}
    # Every run-once lease has exactly one holder.
    rows = wait_for(lambda: (found := status(b)["leases"]) and len(found) >= 4 and found, timeout=15)
    leases = {row["name"]: row for row in rows}
    assert SCHEDULER in leases and "async-invocations" in leases
    assert all(row.get("holder") in {"node0", "node1", "node2"} for row in leases.values())
    # `petrel status` prints them.
    text = subprocess.run([PETREL_BIN, "status", "--endpoint", c.endpoint], capture_output=True, text=True, timeout=30).stdout
    assert "nodes:" in text and "node1" in text and "leases:" in text and SCHEDULER in text


def test_kill_9_of_the_scheduler_holder_moves_its_lease_and_the_schedule_keeps_firing(cluster):
    first = cluster[0]
    owner = wait_for(lambda: holder(first, SCHEDULER), timeout=15)
    assert owner
    sqs = first.client("sqs")
    queue_url = sqs.create_queue(QueueName="ticks")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = first.client("events")
    events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")   # a minute of 1 s here
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue_arn}])

    def ticks(node):
        return int(node.client("sqs").get_queue_attributes(
            QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])

    assert wait_for(lambda: ticks(first) >= 2, timeout=20)
    victim = by_id(cluster, owner)
    survivors = [n for n in cluster if n is not victim]
    token = next(row["token"] for row in status(survivors[0])["leases"] if row["name"] == SCHEDULER)
    victim.kill9()
    killed_at = time.time()
    new_owner = wait_for(lambda: (h := holder(survivors[0], SCHEDULER)) and h != owner and h, timeout=LEASE + MARGIN + 5, interval=0.2)
    took = time.time() - killed_at
    assert new_owner in {n.extra_args[1] for n in survivors}, f"no survivor took the lease in {took:.1f} s"
    print(f"scheduler lease moved {took:.1f} s after kill -9 (lease {LEASE} s)")
    assert took <= LEASE + MARGIN, f"the takeover took {took:.1f} s"
    row = next(row for row in status(survivors[1])["leases"] if row["name"] == SCHEDULER)
    assert row["token"] > token
    # The dead node shows as dead once its heartbeat is a lease old.
    assert wait_for(lambda: not next(r for r in status(survivors[1])["nodes"] if r["id"] == owner)["alive"], timeout=LEASE + MARGIN)
    # The schedule keeps firing from the new holder.
    after = ticks(survivors[0])
    assert wait_for(lambda: ticks(survivors[1]) >= after + 2, timeout=20), "the schedule stopped after the takeover"


def test_a_paused_holder_loses_its_lease_and_stops_when_it_resumes(cluster):
    first = cluster[0]
    owner = wait_for(lambda: holder(first, SCHEDULER), timeout=15)
    victim = by_id(cluster, owner)
    others = [n for n in cluster if n is not victim]
    os.killpg(victim.proc.pid, signal.SIGSTOP)    # a stalled node (a long GC pause, a partition)
    try:
        new_owner = wait_for(lambda: (h := holder(others[0], SCHEDULER)) and h != owner and h, timeout=LEASE + MARGIN + 5, interval=0.2)
        assert new_owner, "no node took the lease of the paused holder"
    finally:
        os.killpg(victim.proc.pid, signal.SIGCONT)
    # On resuming, the stale holder's renewal fails: it stops the scheduler and does not take the lease back.
    assert wait_for(lambda: f"lost lease {SCHEDULER}" in open(victim.log_path, errors="replace").read(), timeout=15), victim.tail()
    time.sleep(LEASE / 2)
    assert holder(victim, SCHEDULER) == new_owner
