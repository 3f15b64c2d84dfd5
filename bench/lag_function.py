"""The function the trigger benchmarks measure with: at the start of each invocation it logs
`LAGS [...]`, now minus the send time each record carries (an SQS body, a Kinesis record's data,
a DynamoDB item's `t` attribute, or the last path segment of an S3 object's key, all
milliseconds since the epoch), and the readers that
collect those figures back from its log group."""
import io
import json
import statistics
import time
import zipfile

SOURCE = """
exports.handler = async (event) => {
    const now = Date.now();
    if (!event.Records) return {};
    const sent = r => r.body !== undefined ? r.body
        : r.kinesis ? Buffer.from(r.kinesis.data, 'base64').toString()
        : r.s3 ? r.s3.object.key.split('/').pop() : r.dynamodb.NewImage.t.N;
    const lags = event.Records.map(r => now - Number(sent(r)));
    console.log('LAGS ' + JSON.stringify(lags));
    return {};
};
"""


def create(lam, name):
    """Creates the function (Node.js 20, a full core's memory) as `name`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("index.js", SOURCE)
    lam.create_function(FunctionName=name, Runtime="nodejs20.x", Handler="index.handler", Role="arn:aws:iam::000000000000:role/r",
                        Code={"ZipFile": buf.getvalue()}, MemorySize=1769, Timeout=30)


def lags(logs, fn):
    """Every lag the function has logged so far, in log order."""
    out, token = [], None
    while True:
        kwargs = {"logGroupName": f"/aws/lambda/{fn}", **({"nextToken": token} if token else {})}
        try:
            page = logs.filter_log_events(**kwargs)
        except logs.exceptions.ResourceNotFoundException:
            return out
        for e in page["events"]:
            if "LAGS " in e["message"]:
                out += json.loads(e["message"].split("LAGS ", 1)[1])
        token = page.get("nextToken")
        if not token:
            return out


def collect(logs, fn, want, timeout=60):
    """Waits (bounded) until `want` lags are logged; returns what was seen."""
    deadline, seen = time.time() + timeout, []
    while time.time() < deadline:
        seen = lags(logs, fn)
        if len(seen) >= want:
            break
        time.sleep(0.2)
    return seen


def percentiles(values):
    """(p50, p99) of the values."""
    values = sorted(values)
    return statistics.median(values), values[min(len(values) - 1, int(len(values) * 0.99))]
