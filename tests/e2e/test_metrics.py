"""Lambda metrics through CloudWatch's API (AWS CLI and boto3) and Prometheus' /metrics."""
import datetime
import json
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke, unique

CODE = {"index.js": "exports.handler = async (e) => { if (e.fail) throw new Error('x'); await new Promise(r => setTimeout(r, 20)); return 1; };"}


@pytest.fixture(scope="module")
def measured(petrel):
    name = create_function(petrel, CODE)
    for _ in range(4):
        invoke(petrel, name)
    invoke(petrel, name, {"fail": True})
    return name


def window():
    now = datetime.datetime.now(datetime.timezone.utc)
    return now - datetime.timedelta(minutes=10), now + datetime.timedelta(minutes=1)


def test_get_metric_statistics_with_the_cli(petrel, measured):
    start, end = window()
    out = petrel.cli("cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda", "--metric-name", "Invocations",
                     "--dimensions", f"Name=FunctionName,Value={measured}", "--start-time", start.isoformat(),
                     "--end-time", end.isoformat(), "--period", "600", "--statistics", "Sum", "SampleCount")
    assert out["Label"] == "Invocations"
    assert sum(p["Sum"] for p in out["Datapoints"]) == 5
    assert all(p["Unit"] == "Count" for p in out["Datapoints"])


def test_errors_and_duration_percentiles(petrel, measured):
    cw = petrel.client("cloudwatch")
    start, end = window()
    errors = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Errors", StartTime=start, EndTime=end, Period=600,
                                      Statistics=["Sum"], Dimensions=[{"Name": "FunctionName", "Value": measured}])
    assert sum(p["Sum"] for p in errors["Datapoints"]) == 1
    duration = cw.get_metric_statistics(Namespace="AWS/Lambda", MetricName="Duration", StartTime=start, EndTime=end, Period=600,
                                        Statistics=["Maximum", "Minimum"], ExtendedStatistics=["p50", "p99"],
                                        Dimensions=[{"Name": "FunctionName", "Value": measured}])
    point = duration["Datapoints"][0]
    assert point["Unit"] == "Milliseconds"
    assert point["Minimum"] <= point["ExtendedStatistics"]["p50"] <= point["ExtendedStatistics"]["p99"] <= point["Maximum"]
    assert point["ExtendedStatistics"]["p50"] >= 15  # the handler waits 20 ms


def test_get_metric_data_and_list_metrics(petrel, measured):
    cw = petrel.client("cloudwatch")
    start, end = window()
    out = cw.get_metric_data(StartTime=start, EndTime=end, MetricDataQueries=[{
        "Id": "inv", "MetricStat": {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations",
                                               "Dimensions": [{"Name": "FunctionName", "Value": measured}]},
                                    "Period": 60, "Stat": "Sum"}}])
    result = out["MetricDataResults"][0]
    assert result["Id"] == "inv" and result["StatusCode"] == "Complete" and sum(result["Values"]) == 5
    metrics = cw.list_metrics(Namespace="AWS/Lambda", Dimensions=[{"Name": "FunctionName", "Value": measured}])["Metrics"]
    names = {m["MetricName"] for m in metrics}
    assert {"Invocations", "Errors", "Duration", "ConcurrentExecutions"} <= names


def test_bad_period_is_an_aws_error(petrel, measured):
    start, end = window()
    with pytest.raises(ClientError) as excinfo:
        petrel.client("cloudwatch").get_metric_statistics(Namespace="AWS/Lambda", MetricName="Invocations", StartTime=start,
                                                          EndTime=end, Period=61, Statistics=["Sum"])
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_throttles_are_counted(fresh_petrel):
    import concurrent.futures
    server = fresh_petrel("--concurrency-limit", "1")
    name = create_function(server, {"index.js": "exports.handler = async () => { await new Promise(r => setTimeout(r, 800)); };"})
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        slow = pool.submit(invoke, server, name)
        import time
        time.sleep(0.4)
        with pytest.raises(ClientError):
            invoke(server, name)
        slow.result()
    start, end = window()
    out = server.client("cloudwatch").get_metric_statistics(Namespace="AWS/Lambda", MetricName="Throttles", StartTime=start,
                                                            EndTime=end, Period=600, Statistics=["Sum"],
                                                            Dimensions=[{"Name": "FunctionName", "Value": name}])
    assert sum(p["Sum"] for p in out["Datapoints"]) == 1


def test_prometheus_endpoint(petrel, measured):
    text = urllib.request.urlopen(petrel.endpoint + "/metrics").read().decode()
    assert "# TYPE petrel_lambda_invocations_total counter" in text
    assert f'petrel_lambda_invocations_total{{function="{measured}"}} 5' in text
    assert f'petrel_lambda_errors_total{{function="{measured}"}} 1' in text
    assert 'petrel_instances{state="idle"}' in text
    assert "petrel_async_queue_depth" in text
    petrel.client("dynamodb").list_tables()
    text = urllib.request.urlopen(petrel.endpoint + "/metrics").read().decode()
    assert 'petrel_requests_total{operation="DynamoDB_20120810.ListTables"}' in text


def test_console_series_endpoint(petrel, measured):
    data = json.load(urllib.request.urlopen(f"{petrel.endpoint}/_petrel/metrics/functions/{measured}?minutes=30"))
    assert data["FunctionName"] == measured and data["Period"] == 60
    assert sum(p.get("Invocations", 0) for p in data["Points"]) == 5
    assert sum(p.get("Errors", 0) for p in data["Points"]) == 1
