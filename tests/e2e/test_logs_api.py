"""CloudWatch Logs: reading function logs with the AWS CLI and boto3."""
from conftest import create_function, invoke, unique


def test_function_logs_read_back_through_the_logs_api(petrel):
    name = create_function(petrel, {"index.js": "exports.handler = async (e) => { console.log('needle', e.n); console.error('oops', e.n); return e.n; };"})
    for n in range(3):
        invoke(petrel, name, {"n": n})
    group = f"/aws/lambda/{name}"
    groups = petrel.cli("logs", "describe-log-groups", "--log-group-name-prefix", group)["logGroups"]
    assert [g["logGroupName"] for g in groups] == [group]
    streams = petrel.client("logs").describe_log_streams(logGroupName=group, orderBy="LastEventTime", descending=True)["logStreams"]
    assert len(streams) == 1 and streams[0]["logStreamName"].startswith(tuple("0123456789"))
    events = petrel.client("logs").get_log_events(logGroupName=group, logStreamName=streams[0]["logStreamName"],
                                                  startFromHead=True)["events"]
    messages = [e["message"] for e in events]
    assert sum(m.startswith("START RequestId:") for m in messages) == 3
    assert sum(m.startswith("REPORT RequestId:") for m in messages) == 3
    assert any("\tINFO\tneedle 1" in m for m in messages)
    assert any("\tERROR\toops 2" in m for m in messages)
    found = petrel.client("logs").filter_log_events(logGroupName=group, filterPattern="needle")["events"]
    assert sorted(e["message"].split("needle ")[1] for e in found) == ["0", "1", "2"]
    found = petrel.client("logs").filter_log_events(logGroupName=group, filterPattern='"needle 2"')["events"]
    assert len(found) == 1


def test_get_log_events_pages_with_forward_tokens(petrel):
    logs = petrel.client("logs")
    group, stream = unique("/test/group"), "s1"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    logs.put_log_events(logGroupName=group, logStreamName=stream,
                        logEvents=[{"timestamp": 1000 + i, "message": f"m{i}"} for i in range(5)])
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, startFromHead=True, limit=2)
    assert [e["message"] for e in page["events"]] == ["m0", "m1"]
    page = logs.get_log_events(logGroupName=group, logStreamName=stream, nextToken=page["nextForwardToken"], limit=2)
    assert [e["message"] for e in page["events"]] == ["m2", "m3"]
    latest = logs.get_log_events(logGroupName=group, logStreamName=stream, limit=2)
    assert [e["message"] for e in latest["events"]] == ["m3", "m4"]


def test_missing_log_group_is_resource_not_found(petrel):
    import pytest
    from botocore.exceptions import ClientError
    with pytest.raises(ClientError) as excinfo:
        petrel.client("logs").get_log_events(logGroupName="/nope", logStreamName="x")
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
