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
from conftest import PETREL_BIN, PetrelProcess, create_function, invoke, unique, wait_for
from events_helpers import let_events_send

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


def start_nodes(tmp_path, monkeypatch, count):
    """`count` nodes on one database (each with its own data directory and node id)."""
    dsn = petrel_process.store_url(str(tmp_path / "shared"))
    monkeypatch.setattr(petrel_process, "store_url", lambda _data_dir: dsn)
    monkeypatch.setenv("PETREL_EVENTS_MINUTE_SECONDS", "1")
    nodes = []
    for i in range(count):
        node = PetrelProcess(str(tmp_path / f"node{i}"), ["--node-id", f"node{i}", "--lease-seconds", str(LEASE),
                                                          "--warm-pool", "python=0,nodejs=0"])
        nodes.append(node.start())
    return nodes


@pytest.fixture
def cluster(tmp_path, monkeypatch):
    """Three nodes on one database."""
    nodes = start_nodes(tmp_path, monkeypatch, 3)
    yield nodes
    stop_nodes(nodes)


@pytest.fixture
def pair(tmp_path, monkeypatch):
    """Two nodes on one database."""
    nodes = start_nodes(tmp_path, monkeypatch, 2)
    yield nodes
    stop_nodes(nodes)


def stop_nodes(nodes):
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
    rule_arn = events.put_rule(Name="tick", ScheduleExpression="rate(1 minute)")["RuleArn"]   # a minute of 1 s here
    events.put_targets(Rule="tick", Targets=[{"Id": "q", "Arn": queue_arn}])
    let_events_send(first, queue_url, rule_arn)

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


# Counts each stream record it is given in a table (one item per record id: n, and the node
# that ran it), slowly enough (BatchSize 2, 0.3 s a batch) that a kill -9 finds a batch in flight.
COUNTER = """
const AWS = require('aws-sdk');
exports.handler = async (event) => {
    const ddb = new AWS.DynamoDB();
    for (const r of event.Records) {
        await new Promise((ok, fail) => ddb.updateItem({
            TableName: process.env.COUNTS, Key: {id: {S: r.dynamodb.Keys.id.S}},
            UpdateExpression: 'ADD n :one SET via = :via',
            ExpressionAttributeValues: {':one': {N: '1'}, ':via': {S: process.env.AWS_ENDPOINT_URL || ''}},
        }, (err) => err ? fail(err) : ok()));
    }
    console.log('COUNTED ' + event.Records.map(r => r.dynamodb.Keys.id.S).join(','));
    await new Promise(r => setTimeout(r, 300));
    return {};
};
"""
KINESIS_COUNTER = COUNTER.replace("r.dynamodb.Keys.id.S", "Buffer.from(r.kinesis.data, 'base64').toString()")


def make_table(node, name, stream=False):
    kwargs = {"StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"}} if stream else {}
    out = node.client("dynamodb").create_table(
        TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST", **kwargs)
    return out["TableDescription"].get("LatestStreamArn")


def counts(node, table):
    """{record id: (times the function ran for it, the endpoint of the node that ran it last)}."""
    found, kwargs = {}, {"TableName": table, "ConsistentRead": True}
    while True:
        page = node.client("dynamodb").scan(**kwargs)
        for item in page["Items"]:
            found[item["id"]["S"]] = (int(item["n"]["N"]), item["via"]["S"])
        if "LastEvaluatedKey" not in page:
            return found
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def test_a_stream_mapping_runs_on_one_node_and_moves_on_kill_9_without_loss(pair):
    """Two nodes, one DynamoDB-stream mapping: its lease (esm:<uuid>) has one holder; records
    written through either node run the function exactly once each; after kill -9 of the holder
    the other node takes the mapping over from its last committed checkpoint: every record runs
    at least once, and the only repeats are the one batch that was in flight on the killed node."""
    a, b = pair
    source, table = unique("src"), unique("counts")
    stream = make_table(a, source, stream=True)
    make_table(a, table)
    fn = create_function(a, {"index.js": COUNTER}, Environment={"Variables": {"COUNTS": table}}, Timeout=30)
    uuid = a.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                                          BatchSize=2)["UUID"]
    lease = "esm:" + uuid
    owner = wait_for(lambda: holder(b, lease), timeout=20)
    assert owner in {"node0", "node1"}, status(b)["leases"]
    put = lambda node, key: node.client("dynamodb").put_item(TableName=source, Item={"id": {"S": key}})

    # Written through both nodes: each record runs once, on the holder (other nodes' commits
    # reach it by its poll).
    first = [f"r{i:02}" for i in range(16)]
    for i, key in enumerate(first):
        put(pair[i % 2], key)
    assert wait_for(lambda: set(counts(a, table)) >= set(first), timeout=60), counts(a, table)
    time.sleep(2)   # room for a duplicate to show up
    seen = counts(b, table)
    assert {key: seen[key][0] for key in first} == {key: 1 for key in first}
    victim = by_id(pair, owner)
    survivor = a if victim is b else b
    ran_on = {via for _, via in seen.values()}
    assert len(ran_on) == 1, ran_on                      # one node ran them all: the holder
    assert holder(survivor, lease) == owner

    # kill -9 of the holder while it works through a backlog; more records arrive meanwhile.
    second = [f"s{i:02}" for i in range(16)]
    for key in second:
        put(survivor, key)
    assert wait_for(lambda: len(set(counts(survivor, table)) & set(second)) >= 4, timeout=30)
    token = next(row["token"] for row in status(survivor)["leases"] if row["name"] == lease)
    victim.kill9()
    killed_at = time.time()
    third = [f"t{i:02}" for i in range(6)]
    for key in third:
        put(survivor, key)
    assert wait_for(lambda: holder(survivor, lease) == survivor.extra_args[1], timeout=LEASE + MARGIN + 5, interval=0.2)
    took = time.time() - killed_at
    print(f"mapping lease moved {took:.1f} s after kill -9 (lease {LEASE} s)")
    assert next(row["token"] for row in status(survivor)["leases"] if row["name"] == lease) > token
    everything = set(first + second + third)
    assert wait_for(lambda: set(counts(survivor, table)) >= everything, timeout=60), sorted(everything - set(counts(survivor, table)))
    time.sleep(2)
    seen = counts(survivor, table)
    assert set(seen) == everything                          # nothing lost
    repeated = sorted(key for key, (n, _) in seen.items() if n > 1)
    assert all(seen[key][0] <= 2 for key in repeated)
    assert set(repeated) <= set(second) and len(repeated) <= 2, repeated   # at most the batch in flight (BatchSize 2)
    # What came after the takeover ran on the survivor.
    after = {seen[key][1] for key in third}
    assert len(after) == 1 and after != ran_on, (after, ran_on)
    print(f"repeated after the takeover: {repeated or 'none'}")


def test_stream_mappings_spread_over_the_nodes(pair):
    """Four stream mappings on two nodes: each node holds two of their leases (its fair share)."""
    a, b = pair
    fn = create_function(a, ECHO)
    uuids = []
    for i in range(4):
        stream = make_table(pair[i % 2], unique("spread"), stream=True)
        uuids.append(pair[i % 2].client("lambda").create_event_source_mapping(
            EventSourceArn=stream, FunctionName=fn, StartingPosition="LATEST")["UUID"])

    def holders():
        rows = {row["name"]: row.get("holder") for row in status(a)["leases"]}
        found = [rows.get("esm:" + uuid) for uuid in uuids]
        return None if None in found else sorted(found)

    assert wait_for(lambda: holders() == ["node0", "node0", "node1", "node1"], timeout=30), holders()


def test_a_paused_mapping_holder_is_fenced_out_and_nothing_is_lost(pair):
    """SIGSTOP of the holder in the middle of a backlog (a stall or a partition): the other node
    takes the mapping over once the lease expires; resumed, the stale node finds its lease gone
    (on its renewal, or when its checkpoint write is refused) and stops. Every record runs, and
    the only repeats are the batch it had in flight."""
    a, b = pair
    source, table = unique("src"), unique("counts")
    stream = make_table(a, source, stream=True)
    make_table(a, table)
    fn = create_function(a, {"index.js": COUNTER}, Environment={"Variables": {"COUNTS": table}}, Timeout=30)
    uuid = a.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                                          BatchSize=2)["UUID"]
    lease = "esm:" + uuid
    owner = wait_for(lambda: holder(b, lease), timeout=20)
    victim = by_id(pair, owner)
    other = a if victim is b else b
    put = lambda node, key: node.client("dynamodb").put_item(TableName=source, Item={"id": {"S": key}})
    first = [f"p{i:02}" for i in range(12)]
    for key in first:
        put(other, key)
    assert wait_for(lambda: len(set(counts(other, table)) & set(first)) >= 2, timeout=30)
    os.killpg(victim.proc.pid, signal.SIGSTOP)
    try:
        assert wait_for(lambda: holder(other, lease) == other.extra_args[1], timeout=LEASE + MARGIN + 5, interval=0.2)
        later = [f"q{i:02}" for i in range(4)]
        for key in later:
            put(other, key)
    finally:
        os.killpg(victim.proc.pid, signal.SIGCONT)
    everything = set(first + later)
    assert wait_for(lambda: set(counts(other, table)) >= everything, timeout=60), sorted(everything - set(counts(other, table)))
    log = lambda: open(victim.log_path, errors="replace").read()
    assert wait_for(lambda: f"lost lease {lease}" in log() or "no longer holds its claim" in log(), timeout=15), victim.tail()
    time.sleep(2)
    seen = counts(other, table)
    assert set(seen) == everything
    repeated = sorted(key for key, (n, _) in seen.items() if n > 1)
    assert len(repeated) <= 2 and all(seen[key][0] == 2 for key in repeated), repeated
    assert holder(victim, lease) == other.extra_args[1]
    how = "its checkpoint was refused" if "no longer holds its claim" in log() else "its renewal found the lease lost"
    print(f"repeated after the pause: {repeated or 'none'}; the stale node stopped because {how}")


def test_a_kinesis_mapping_runs_every_shard_on_its_holder_exactly_once(pair):
    """A two-shard Kinesis stream, records put through both nodes: the mapping's one lease covers
    both shards, and each record runs the function exactly once."""
    a, b = pair
    name, table = unique("ks"), unique("counts")
    a.client("kinesis").create_stream(StreamName=name, ShardCount=2)
    arn = a.client("kinesis").describe_stream_summary(StreamName=name)["StreamDescriptionSummary"]["StreamARN"]
    make_table(a, table)
    fn = create_function(a, {"index.js": KINESIS_COUNTER}, Environment={"Variables": {"COUNTS": table}}, Timeout=30)
    uuid = b.client("lambda").create_event_source_mapping(EventSourceArn=arn, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                                          BatchSize=5)["UUID"]
    assert wait_for(lambda: holder(a, "esm:" + uuid), timeout=20)
    keys = [f"k{i:02}" for i in range(20)]
    for i, key in enumerate(keys):
        pair[i % 2].client("kinesis").put_record(StreamName=name, PartitionKey=key, Data=key.encode())
    assert wait_for(lambda: set(counts(a, table)) >= set(keys), timeout=60), sorted(set(keys) - set(counts(a, table)))
    time.sleep(2)
    seen = counts(b, table)
    assert {key: seen[key][0] for key in keys} == {key: 1 for key in keys}
    assert len({via for _, via in seen.values()}) == 1


def test_a_node_that_joins_takes_its_share_of_the_mappings_without_repeats(tmp_path, monkeypatch):
    """Two stream mappings on one node, then a second node joins while they work through a
    backlog: the first hands one mapping over (its consumers stop at their next checkpoint before
    the lease is released), and every record runs exactly once."""
    nodes = start_nodes(tmp_path, monkeypatch, 1)
    try:
        first = nodes[0]
        table = unique("counts")
        make_table(first, table)
        fn = create_function(first, {"index.js": COUNTER}, Environment={"Variables": {"COUNTS": table}}, Timeout=30)
        sources, uuids = [], []
        for _ in range(2):
            source = unique("src")
            stream = make_table(first, source, stream=True)
            sources.append(source)
            uuids.append(first.client("lambda").create_event_source_mapping(
                EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=2)["UUID"])
        leases = ["esm:" + uuid for uuid in uuids]
        assert wait_for(lambda: [holder(first, lease) for lease in leases] == ["node0", "node0"], timeout=20)
        put = lambda node, source, key: node.client("dynamodb").put_item(TableName=source, Item={"id": {"S": key}})
        keys = []
        for i in range(16):
            for n, source in enumerate(sources):
                keys.append(f"m{n}-{i:02}")
                put(first, source, keys[-1])
        second = PetrelProcess(str(tmp_path / "node1"), ["--node-id", "node1", "--lease-seconds", str(LEASE),
                                                          "--warm-pool", "python=0,nodejs=0"])
        nodes.append(second.start())
        assert wait_for(lambda: sorted(holder(second, lease) or "-" for lease in leases) == ["node0", "node1"], timeout=30), \
            [holder(second, lease) for lease in leases]
        for i in range(16, 24):
            for n, source in enumerate(sources):
                keys.append(f"m{n}-{i:02}")
                put(second, source, keys[-1])
        assert wait_for(lambda: set(counts(first, table)) >= set(keys), timeout=60), sorted(set(keys) - set(counts(first, table)))
        time.sleep(2)
        seen = counts(second, table)
        assert {key: seen[key][0] for key in keys} == {key: 1 for key in keys}
        assert len({via for _, via in seen.values()}) == 2     # both nodes ran some
    finally:
        stop_nodes(nodes)
