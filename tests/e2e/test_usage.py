"""Metering and pricing: `petrel usage` adds up exactly what the REPORT lines billed (billed
duration × configured memory), and its cost is the price table's, computed here by hand."""
import json
import re
import subprocess

from conftest import PETREL_BIN, create_function, invoke, log_tail, unique, wait_for

# A table of its own: a small free tier, so both the free part and the paid part show.
PRICES = {
    "freeTier": {"requests": 5, "gbSeconds": 0.01},
    "architectures": {
        "x86_64": {"requestsPerMillion": 0.2, "durationTiers": [{"pricePerGBSecond": 0.0000166667}],
                   "provisionedConcurrencyPerGBSecond": 0.0000041667, "provisionedDurationPerGBSecond": 0.0000097222,
                   "ephemeralStoragePerGBSecond": 0.0000000309},
        "arm64": {"requestsPerMillion": 0.4, "durationTiers": [{"pricePerGBSecond": 0.0000133334}],
                  "provisionedConcurrencyPerGBSecond": 0.0000033334, "provisionedDurationPerGBSecond": 0.0000077778,
                  "ephemeralStoragePerGBSecond": 0.0000000309},
    },
}
NODE = {"index.js": "exports.handler = async (e) => { await new Promise(r => setTimeout(r, e.ms || 0)); return 'ok'; };"}
PYTHON = {"app.py": "import time\ndef handler(event, context):\n    time.sleep(event.get('ms', 0) / 1000)\n    return 'ok'\n"}
REPORT = re.compile(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms\tBilled Duration: (\d+) ms\tMemory Size: (\d+) MB")


def usage(server, *args):
    proc = subprocess.run([PETREL_BIN, "usage", "--endpoint", server.endpoint, *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def run(server, name, count, ms):
    """Invokes `count` times; returns the REPORT lines' (duration, billed ms, memory MB)."""
    reports = []
    for _ in range(count):
        response, payload = invoke(server, name, {"ms": ms}, LogType="Tail")
        assert payload == "ok"
        match = REPORT.search(log_tail(response))
        assert match, log_tail(response)
        reports.append((float(match.group(1)), int(match.group(2)), int(match.group(3))))
    return reports


def test_usage_adds_up_the_report_lines_and_prices_them(fresh_petrel, tmp_path):
    table = tmp_path / "prices.json"
    table.write_text(json.dumps(PRICES))
    server = fresh_petrel("--price-table", str(table))
    x86 = create_function(server, NODE, name=unique("x86"), MemorySize=256)
    arm = create_function(server, PYTHON, name=unique("arm"), runtime="python3.12", handler="app.handler",
                          MemorySize=1024, Architectures=["arm64"])
    reports = {x86: run(server, x86, 8, 20), arm: run(server, arm, 3, 50)}

    report = json.loads(usage(server, "--json"))
    billed = {name: sum(b for _, b, _ in lines) for name, lines in reports.items()}
    gbs = {name: sum(b * m for _, b, m in lines) / 1_024_000 for name, lines in reports.items()}
    assert report["totals"]["requests"] == 11
    assert report["totals"]["billedMilliseconds"] == sum(billed.values())
    assert abs(report["totals"]["gbSeconds"] - sum(gbs.values())) < 1e-9
    rows = {row["function"]: row for row in report["functions"]}
    for name in (x86, arm):
        assert rows[name]["billedMilliseconds"] == billed[name]
        assert rows[name]["requests"] == len(reports[name])
    assert rows[arm]["architectures"] == ["arm64"] and rows[x86]["architectures"] == ["x86_64"]

    # By hand: the free requests go to the dearer architecture (arm64 here), the free GB-s to
    # the dearer duration price (x86_64); the rest at the table's prices.
    x86_prices, arm_prices = PRICES["architectures"]["x86_64"], PRICES["architectures"]["arm64"]
    free_requests, free_gbs = PRICES["freeTier"]["requests"], PRICES["freeTier"]["gbSeconds"]
    arm_free_requests = min(3, free_requests)
    x86_free_requests = min(8, free_requests - arm_free_requests)
    request_cost = ((3 - arm_free_requests) * arm_prices["requestsPerMillion"] + (8 - x86_free_requests) * x86_prices["requestsPerMillion"]) / 1e6
    x86_free_gbs = min(gbs[x86], free_gbs)
    arm_free_gbs = min(gbs[arm], free_gbs - x86_free_gbs)
    duration_cost = ((gbs[x86] - x86_free_gbs) * x86_prices["durationTiers"][0]["pricePerGBSecond"]
                     + (gbs[arm] - arm_free_gbs) * arm_prices["durationTiers"][0]["pricePerGBSecond"])
    assert abs(report["cost"]["requests"] - request_cost) < 1e-12
    assert abs(report["cost"]["duration"] - duration_cost) < 1e-12
    assert abs(report["cost"]["total"] - (request_cost + duration_cost)) < 1e-12
    # Each function at list price, and the what-if at 512 MB from its measured durations.
    x86_cost = 8 * 0.2 / 1e6 + gbs[x86] * 0.0000166667
    assert abs(rows[x86]["cost"] - x86_cost) < 1e-12
    assert abs(rows[x86]["whatIf"]["cost"] - (8 * 0.2 / 1e6 + billed[x86] * 512 / 1_024_000 * 0.0000166667)) < 1e-12
    assert rows[x86]["whatIf"]["memoryMB"] == 512
    assert report["functions"][0]["cost"] >= report["functions"][1]["cost"]
    assert report["projection"]["requests"] >= 11

    # The metrics' Duration adds up to the REPORT lines' durations (each rounded to 0.01 ms there).
    import datetime
    now = datetime.datetime.now(datetime.timezone.utc)
    stats = server.client("cloudwatch").get_metric_statistics(
        Namespace="AWS/Lambda", MetricName="Duration", Dimensions=[{"Name": "FunctionName", "Value": x86}],
        StartTime=now - datetime.timedelta(hours=1), EndTime=now + datetime.timedelta(minutes=1), Period=3600,
        Statistics=["Sum", "SampleCount"])["Datapoints"]
    assert sum(p["SampleCount"] for p in stats) == 8
    assert abs(sum(p["Sum"] for p in stats) - sum(d for d, _, _ in reports[x86])) < 0.01 * 8

    text = usage(server)
    assert x86 in text and arm in text and f"Costliest: {report['functions'][0]['function']}" in text and "at 512 MB" in text
    csv_lines = usage(server, "--csv").strip().splitlines()
    assert csv_lines[0].startswith("function,requests,billed_ms")
    assert {line.split(",")[0]: int(line.split(",")[2]) for line in csv_lines[1:]} == billed
    days = usage(server, "--by", "day", "--csv").strip().splitlines()
    assert days[0].startswith("day,requests") and sum(int(row.split(",")[1]) for row in days[1:]) == 11

    # Usage outlives the process; another month has none.
    server.restart()
    assert json.loads(usage(server, "--json"))["totals"]["billedMilliseconds"] == sum(billed.values())
    assert json.loads(usage(server, "--json", "--month", "2020-01"))["totals"]["requests"] == 0


def test_default_prices_are_aws_us_east_1(petrel):
    import urllib.request
    prices = json.loads(urllib.request.urlopen(petrel.endpoint + "/_petrel/usage/prices").read())
    assert prices["freeTier"] == {"requests": 1000000, "gbSeconds": 400000}
    assert prices["architectures"]["x86_64"]["durationTiers"][0]["pricePerGBSecond"] == 0.0000166667
    assert prices["architectures"]["arm64"]["durationTiers"][0]["pricePerGBSecond"] == 0.0000133334
    assert prices["architectures"]["x86_64"]["requestsPerMillion"] == 0.2


def test_bad_month_is_refused(petrel):
    proc = subprocess.run([PETREL_BIN, "usage", "--endpoint", petrel.endpoint, "--month", "2026-13"], capture_output=True, text=True)
    assert proc.returncode != 0 and "month" in proc.stderr


def test_provisioned_concurrency_is_metered_apart(fresh_petrel):
    import time
    server = fresh_petrel()
    lam = server.client("lambda")
    name = create_function(server, NODE, MemorySize=512, Publish=True)
    lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    # Until the configuration is READY, invocations run on demand (as on AWS) and are billed so.
    assert wait_for(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["Status"] == "READY", timeout=30)
    reports = []
    for _ in range(3):
        response, payload = invoke(server, name, {"ms": 5}, Qualifier="1", LogType="Tail")
        reports.append(int(REPORT.search(log_tail(response)).group(2)))
    invoke(server, name, {"ms": 5})  # $LATEST: on demand
    time.sleep(2.5)
    report = json.loads(usage(server, "--json"))
    totals = report["totals"]
    # Two instances configured for at least two seconds, at 512 MB.
    assert totals["provisionedAllocationGBSeconds"] >= 2 * 2 * 0.5
    assert abs(totals["provisionedExecutionGBSeconds"] - sum(reports) * 512 / 1_024_000) < 1e-9
    assert totals["requests"] == 4
    prices = json.loads(subprocess.run(["curl", "-s", server.endpoint + "/_petrel/usage/prices"], capture_output=True, text=True).stdout)
    x86 = prices["architectures"]["x86_64"]
    expected = (totals["provisionedAllocationGBSeconds"] * x86["provisionedConcurrencyPerGBSecond"]
                + totals["provisionedExecutionGBSeconds"] * x86["provisionedDurationPerGBSecond"] + 3 * 0.2 / 1e6)
    assert abs(report["cost"]["provisioned"] + report["cost"]["requests"] - expected) < 1e-12
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
