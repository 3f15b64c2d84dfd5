"""Response streaming (issue 19): InvokeWithResponseStream read by boto3's event-stream parser,
and RESPONSE_STREAM function URLs read by a plain HTTP client, with Node handlers wrapped in
`awslambda.streamifyResponse` exactly as on AWS. The chunks must reach the caller while the
function is still running, not when it returns."""
import base64
import http.client
import time
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke

STREAMER = {"index.mjs": """
const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export const handler = awslambda.streamifyResponse(async (event, responseStream, context) => {
  if (event.url) {
    responseStream = awslambda.HttpResponseStream.from(responseStream, {
      statusCode: 201, headers: {'x-streamed': 'yes', 'content-type': 'text/plain'}, cookies: ['a=1']});
  } else {
    responseStream.setContentType('text/plain');
  }
  for (const part of ['one ', 'two ', 'three']) {
    responseStream.write(part);
    await pause(event.pause ?? 400);
  }
  if (event.fail) throw new Error('broke after three');
  console.log('streamed for', context.awsRequestId);
  responseStream.end();
});
"""}

BUFFERED = {"index.js": "exports.handler = async (event) => ({echo: event});"}


def read_stream(response):
    """(payload chunks with their arrival times, the InvokeComplete event)."""
    chunks, complete = [], None
    for event in response["EventStream"]:
        if "PayloadChunk" in event:
            chunks.append((time.monotonic(), event["PayloadChunk"]["Payload"]))
        if "InvokeComplete" in event:
            complete = event["InvokeComplete"]
    return chunks, complete


def test_chunks_arrive_while_the_function_runs(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, STREAMER, Timeout=30)
    started = time.monotonic()
    response = lam.invoke_with_response_stream(FunctionName=name, Payload=b'{"pause": 500}', LogType="Tail")
    assert response["StatusCode"] == 200 and response["ExecutedVersion"] == "$LATEST"
    assert response["ResponseStreamContentType"] == "application/vnd.amazon.eventstream"
    chunks, complete = read_stream(response)
    assert b"".join(data for _, data in chunks) == b"one two three"
    assert len(chunks) >= 3
    # The first chunk came about 1 s before the last: it was not held back until the end.
    assert chunks[-1][0] - chunks[0][0] >= 0.8, [t - started for t, _ in chunks]
    assert "ErrorCode" not in complete
    log = base64.b64decode(complete["LogResult"]).decode()
    assert "streamed for" in log and "REPORT RequestId:" in log


def test_an_error_after_the_first_bytes_ends_the_stream_with_it(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, STREAMER, Timeout=30)
    chunks, complete = read_stream(lam.invoke_with_response_stream(FunctionName=name, Payload=b'{"pause": 10, "fail": true}'))
    assert b"".join(data for _, data in chunks) == b"one two three"
    assert complete["ErrorCode"] == "Error" and complete["ErrorDetails"] == "broke after three"


def test_a_buffered_function_arrives_as_one_chunk_and_plain_invoke_buffers_a_streamer(petrel):
    lam = petrel.client("lambda")
    buffered = create_function(petrel, BUFFERED)
    chunks, complete = read_stream(lam.invoke_with_response_stream(FunctionName=buffered, Payload=b'{"a": 1}'))
    assert [data for _, data in chunks] == [b'{"echo":{"a":1}}'] and "ErrorCode" not in complete
    # Invoke (not streaming) of a streaming function: the whole body at once.
    streamer = create_function(petrel, STREAMER, Timeout=30)
    response, body = invoke(petrel, streamer, {"pause": 10})
    assert response["StatusCode"] == 200 and body == b"one two three"
    assert response.get("FunctionError") is None


def test_refusals_are_plain_errors(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, BUFFERED)
    lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
    with pytest.raises(ClientError) as throttled:
        lam.invoke_with_response_stream(FunctionName=name, Payload=b"{}")
    assert throttled.value.response["Error"]["Code"] == "TooManyRequestsException"
    with pytest.raises(ClientError) as missing:
        lam.invoke_with_response_stream(FunctionName=name + "-missing", Payload=b"{}")
    assert missing.value.response["Error"]["Code"] == "ResourceNotFoundException"
    dry = lam.invoke_with_response_stream(FunctionName=name, InvocationType="DryRun", Payload=b"{}")
    assert dry["StatusCode"] == 204


def test_response_stream_function_url_sends_its_head_then_streams(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, {"index.mjs": STREAMER["index.mjs"].replace("if (event.url)", "if (event.rawPath)")}, Timeout=30)
    url = lam.create_function_url_config(FunctionName=name, AuthType="NONE", InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
    assert lam.get_function_url_config(FunctionName=name)["InvokeMode"] == "RESPONSE_STREAM"
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=60)
    connection.request("GET", "/stream", headers={"Host": parts.netloc})
    response = connection.getresponse()
    assert response.status == 201
    assert response.getheader("x-streamed") == "yes" and response.getheader("content-type") == "text/plain"
    assert response.getheader("set-cookie") == "a=1"
    arrivals, body = [], b""
    while True:
        data = response.read1(65536)
        if not data:
            break
        arrivals.append(time.monotonic())
        body += data
    assert body == b"one two three"
    assert arrivals[-1] - arrivals[0] >= 0.6, arrivals

    # A buffered function behind a RESPONSE_STREAM URL answers as a buffered URL does.
    buffered = create_function(petrel, {"index.js": "exports.handler = async () => ({statusCode: 202, body: 'whole'});"})
    url = lam.create_function_url_config(FunctionName=buffered, AuthType="NONE", InvokeMode="RESPONSE_STREAM")["FunctionUrl"]
    parts = urlsplit(url)
    connection = http.client.HTTPConnection("127.0.0.1", parts.port, timeout=60)
    connection.request("GET", "/", headers={"Host": parts.netloc})
    response = connection.getresponse()
    assert (response.status, response.read()) == (202, b"whole")
