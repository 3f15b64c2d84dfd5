"""Event source mappings on table streams: delivery, batching, filters, failures, checkpoints."""
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, unique, wait_for

RECORDER = """
exports.handler = async (event) => {
    for (const r of event.Records) {
        console.log('GOT ' + JSON.stringify({
            id: r.dynamodb.Keys.id.S, name: r.eventName, seq: r.dynamodb.SequenceNumber, src: r.eventSourceARN,
            newv: r.dynamodb.NewImage && r.dynamodb.NewImage.v ? r.dynamodb.NewImage.v.N : null,
            oldv: r.dynamodb.OldImage && r.dynamodb.OldImage.v ? r.dynamodb.OldImage.v.N : null,
            n: event.Records.length, source: r.eventSource, region: r.awsRegion,
            t: require('perf_hooks').performance.timeOrigin + require('perf_hooks').performance.now() }));
    }
    if (event.Records.some(r => r.dynamodb.NewImage && r.dynamodb.NewImage.poison)) throw new Error('poison');
    return {};
};
"""


def make_table(server, view="NEW_AND_OLD_IMAGES"):
    ddb = server.client("dynamodb")
    name = unique("tbl")
    out = ddb.create_table(TableName=name, KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                           AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                           BillingMode="PAY_PER_REQUEST",
                           StreamSpecification={"StreamEnabled": True, "StreamViewType": view})
    return name, out["TableDescription"]["LatestStreamArn"]


def received(server, fn):
    return [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(server, fn) if "GOT " in m]


def put(server, table, id, v, **extra):
    item = {"id": {"S": id}, "v": {"N": str(v)}}
    item.update(extra)
    server.client("dynamodb").put_item(TableName=table, Item=item)


def test_records_reach_the_function_in_order_with_images(petrel):
    table, stream = make_table(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    out = petrel.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn,
                                                              StartingPosition="TRIM_HORIZON", BatchSize=10)
    assert out["State"] in ("Creating", "Enabled") and out["BatchSize"] == 10
    assert out["FunctionArn"].endswith(f":function:{fn}")
    put(petrel, table, "a", 1)
    put(petrel, table, "a", 2)
    petrel.client("dynamodb").delete_item(TableName=table, Key={"id": {"S": "a"}})
    got = wait_for(lambda: len(received(petrel, fn)) >= 3 and received(petrel, fn))
    assert [(r["name"], r["newv"], r["oldv"]) for r in got] == [("INSERT", "1", None), ("MODIFY", "2", "1"), ("REMOVE", None, "2")]
    assert all(r["src"] == stream and r["source"] == "aws:dynamodb" and r["region"] == "us-east-1" for r in got)
    seqs = [int(r["seq"]) for r in got]
    assert seqs == sorted(seqs)
    mapping = petrel.client("lambda").get_event_source_mapping(UUID=out["UUID"])
    assert mapping["State"] == "Enabled" and mapping["LastProcessingResult"] == "OK"


def test_latest_skips_existing_records_and_batches_close_on_size(petrel):
    table, stream = make_table(petrel)
    put(petrel, table, "old", 0)
    fn = create_function(petrel, {"index.js": RECORDER})
    lam = petrel.client("lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="LATEST",
                                           BatchSize=5, MaximumBatchingWindowInSeconds=1)["UUID"]
    for i in range(12):
        put(petrel, table, f"k{i}", i)
    got = wait_for(lambda: len(received(petrel, fn)) >= 12 and received(petrel, fn), timeout=15)
    assert sorted(r["id"] for r in got) == sorted(f"k{i}" for i in range(12))
    assert "old" not in [r["id"] for r in got]
    assert max(r["n"] for r in got) == 5  # batches close at BatchSize
    listed = lam.list_event_source_mappings(FunctionName=fn)["EventSourceMappings"]
    assert [m["UUID"] for m in listed] == [uuid]
    assert [m["UUID"] for m in lam.list_event_source_mappings(EventSourceArn=stream)["EventSourceMappings"]] == [uuid]


def test_filter_criteria_drop_non_matching_records(petrel):
    table, stream = make_table(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    pattern = json.dumps({"eventName": ["INSERT"], "dynamodb": {"NewImage": {"v": {"N": [{"numeric": [">", 10]}]}}}})
    petrel.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                                        FilterCriteria={"Filters": [{"Pattern": pattern}]})
    for i, v in enumerate([5, 50, 7, 70]):
        put(petrel, table, f"f{i}", v)
    put(petrel, table, "f1", 99)  # a MODIFY: filtered out
    put(petrel, table, "last", 1000)
    got = wait_for(lambda: any(r["id"] == "last" for r in received(petrel, fn)) and received(petrel, fn))
    assert [(r["id"], r["newv"]) for r in got] == [("f1", "50"), ("f3", "70"), ("last", "1000")]


def test_poison_record_is_retried_then_discarded_and_logged(petrel):
    table, stream = make_table(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    uuid = petrel.client("lambda").create_event_source_mapping(
        EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON", BatchSize=1,
        MaximumRetryAttempts=2)["UUID"]
    put(petrel, table, "bad", 1, poison={"BOOL": True})
    put(petrel, table, "good", 2)
    got = wait_for(lambda: any(r["id"] == "good" for r in received(petrel, fn)) and received(petrel, fn), timeout=20)
    assert [r["id"] for r in got].count("bad") == 3  # first try + 2 retries
    assert got[-1]["id"] == "good"
    failures = petrel.client("logs").filter_log_events(logGroupName=f"/petrel/event-source-mappings/{uuid}")["events"]
    record = json.loads(failures[0]["message"])
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["DDBStreamBatchInfo"]["batchSize"] == 1 and record["DDBStreamBatchInfo"]["streamArn"] == stream


def test_bisect_isolates_the_poison_record(petrel):
    table, stream = make_table(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    lam = petrel.client("lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                           BatchSize=4, MaximumRetryAttempts=0, BisectBatchOnFunctionError=True,
                                           Enabled=False)["UUID"]
    for i in range(4):
        extra = {"poison": {"BOOL": True}} if i == 2 else {}
        put(petrel, table, f"b{i}", i, **extra)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    wait_for(lambda: petrel.client("logs").describe_log_groups(logGroupNamePrefix=f"/petrel/event-source-mappings/{uuid}")["logGroups"], timeout=15)
    time.sleep(0.5)
    got = received(petrel, fn)
    batches = [r["n"] for r in got]
    assert 4 in batches and 1 in batches  # the whole batch, then halves down to the single poison record
    delivered_ok = {r["id"] for r in got if r["n"] <= 2 and r["id"] != "b2"}
    assert delivered_ok == {"b0", "b1", "b3"}


def test_report_batch_item_failures_moves_the_checkpoint(petrel):
    table, stream = make_table(petrel)
    code = """
    let failedOnce = false;
    exports.handler = async (event) => {
        const ids = event.Records.map(r => r.dynamodb.Keys.id.S);
        console.log('BATCH ' + JSON.stringify(ids));
        const bad = event.Records.find(r => r.dynamodb.Keys.id.S === 'r2');
        if (bad && !failedOnce) { failedOnce = true; return { batchItemFailures: [{ itemIdentifier: bad.dynamodb.SequenceNumber }] }; }
        return { batchItemFailures: [] };
    };
    """
    fn = create_function(petrel, {"index.js": code})
    lam = petrel.client("lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                           BatchSize=10, FunctionResponseTypes=["ReportBatchItemFailures"], Enabled=False)["UUID"]
    for i in range(4):
        put(petrel, table, f"r{i}", i)
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    def batches():
        return [json.loads(m.split("BATCH ")[1]) for m in log_messages(petrel, fn) if "BATCH " in m]
    wait_for(lambda: len(batches()) >= 2, timeout=15)
    assert batches()[:2] == [["r0", "r1", "r2", "r3"], ["r2", "r3"]]


def test_several_mappings_each_get_every_record(petrel):
    table, stream = make_table(petrel)
    fn1 = create_function(petrel, {"index.js": RECORDER})
    fn2 = create_function(petrel, {"index.js": RECORDER})
    for fn in (fn1, fn2):
        petrel.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON")
    for i in range(5):
        put(petrel, table, f"m{i}", i)
    for fn in (fn1, fn2):
        got = wait_for(lambda: len(received(petrel, fn)) >= 5 and received(petrel, fn))
        assert [r["id"] for r in got] == [f"m{i}" for i in range(5)]


def test_parallelization_keeps_order_per_item(petrel):
    table, stream = make_table(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    petrel.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                                        ParallelizationFactor=4, BatchSize=3)
    for round in range(5):
        for key in range(6):
            put(petrel, table, f"p{key}", round)
    got = wait_for(lambda: len(received(petrel, fn)) >= 30 and received(petrel, fn), timeout=20)
    # Log events of different instances that share a millisecond have no defined order (nor in
    # CloudWatch): order by when each handler ran, to the microsecond.
    got.sort(key=lambda r: r["t"])
    for key in range(6):
        assert [int(r["newv"]) for r in got if r["id"] == f"p{key}"] == list(range(5))


def test_disable_pauses_and_delete_removes(petrel):
    table, stream = make_table(petrel)
    fn = create_function(petrel, {"index.js": RECORDER})
    lam = petrel.client("lambda")
    uuid = lam.create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON")["UUID"]
    out = lam.update_event_source_mapping(UUID=uuid, Enabled=False)
    assert out["State"] == "Disabling"
    assert lam.get_event_source_mapping(UUID=uuid)["State"] == "Disabled"
    put(petrel, table, "paused", 1)
    time.sleep(1)
    assert received(petrel, fn) == []
    lam.update_event_source_mapping(UUID=uuid, Enabled=True)
    assert wait_for(lambda: received(petrel, fn))[0]["id"] == "paused"
    assert lam.delete_event_source_mapping(UUID=uuid)["State"] == "Deleting"
    with pytest.raises(ClientError) as excinfo:
        lam.get_event_source_mapping(UUID=uuid)
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_bad_mappings_are_refused(petrel):
    fn = create_function(petrel, {"index.js": RECORDER})
    table, stream = make_table(petrel)
    lam = petrel.client("lambda")
    for kwargs, code in [
        (dict(EventSourceArn="arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/2020", FunctionName=fn,
              StartingPosition="LATEST"), "InvalidParameterValueException"),
        (dict(EventSourceArn=stream, FunctionName="no-such-fn", StartingPosition="LATEST"), "ResourceNotFoundException"),
        (dict(EventSourceArn=stream, FunctionName=fn), "InvalidParameterValueException"),
        (dict(EventSourceArn=stream, FunctionName=fn, StartingPosition="LATEST", BatchSize=20000), "InvalidParameterValueException"),
    ]:
        with pytest.raises(ClientError) as excinfo:
            lam.create_event_source_mapping(**kwargs)
        assert excinfo.value.response["Error"]["Code"] == code, kwargs


def test_checkpoints_survive_kill_9(fresh_petrel):
    server = fresh_petrel()
    table, stream = make_table(server)
    fn = create_function(server, {"index.js": RECORDER})
    server.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn,
                                                        StartingPosition="TRIM_HORIZON", BatchSize=2)
    for i in range(6):
        put(server, table, f"c{i}", i)
    wait_for(lambda: len(received(server, fn)) >= 6)
    server.kill9()
    server.start()
    for i in range(6, 10):
        put(server, table, f"c{i}", i)
    got = wait_for(lambda: len({r["id"] for r in received(server, fn)}) >= 10 and received(server, fn), timeout=20)
    ids = [r["id"] for r in got]
    assert set(ids) == {f"c{i}" for i in range(10)}
    # Nothing skipped; at most the batch in flight at the kill is delivered twice.
    assert len(ids) - 10 <= 2


def test_tumbling_windows_carry_state_and_end_with_a_final_invocation(petrel):
    table, stream = make_table(petrel)
    code = """
    exports.handler = async (event) => {
        const state = event.state || {};
        let sum = Number(state.sum || 0);
        for (const r of event.Records) sum += Number(r.dynamodb.NewImage.v.N);
        console.log('WINDOW ' + JSON.stringify({ final: event.isFinalInvokeForWindow, n: event.Records.length, sum,
            had: state.sum === undefined ? null : Number(state.sum), start: event.window.start, end: event.window.end,
            shard: event.shardId, src: event.eventSourceARN, early: event.isWindowTerminatedEarly }));
        return { state: { sum: String(sum) } };
    };
    """
    fn = create_function(petrel, {"index.js": code})
    petrel.client("lambda").create_event_source_mapping(EventSourceArn=stream, FunctionName=fn, StartingPosition="TRIM_HORIZON",
                                                        BatchSize=2, TumblingWindowInSeconds=2)
    for i in range(1, 6):
        put(petrel, table, f"w{i}", i)

    def windows():
        return [json.loads(m.split("WINDOW ", 1)[1]) for m in log_messages(petrel, fn) if "WINDOW " in m]

    finals = wait_for(lambda: [w for w in windows() if w["final"]] if sum(w["sum"] for w in windows() if w["final"]) == 15 else None,
                      timeout=20)
    assert finals, windows()
    assert all(w["n"] == 0 for w in finals)  # the final invocation hands over the state alone
    seen = windows()
    assert all(w["src"] == stream and w["shard"] and not w["early"] for w in seen)
    assert all(w["end"] > w["start"] for w in seen)
    # Within a window, each batch saw the state the previous one returned.
    batches = [w for w in seen if not w["final"]]
    assert sum(w["n"] for w in batches) == 5
    assert any(w["had"] is not None for w in batches + finals)
