"""Kinesis in AWS CBOR 1.1 (`application/x-amz-cbor-1.1`, the Java SDK's and the KCL's default),
spoken over HTTP with SigV4-signed requests: blobs as byte strings, timestamps as tag 1 epoch
milliseconds, errors as CBOR maps with `__type`, malformed bodies answered as AWS-shaped 400s."""
import struct
import time

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from conftest import REGION, unique

CBOR_TYPE = "application/x-amz-cbor-1.1"


class Tag:
    def __init__(self, tag, value):
        self.tag, self.value = tag, value


# A tiny CBOR (RFC 8949) codec: what the test needs, nothing more.
def _head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if n < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, n)
    raise ValueError(n)


def encode(v):
    if v is None:
        return b"\xf6"
    if v is True or v is False:
        return b"\xf5" if v else b"\xf4"
    if isinstance(v, int):
        return _head(0, v) if v >= 0 else _head(1, -1 - v)
    if isinstance(v, float):
        return b"\xfb" + struct.pack(">d", v)
    if isinstance(v, bytes):
        return _head(2, len(v)) + v
    if isinstance(v, str):
        b = v.encode()
        return _head(3, len(b)) + b
    if isinstance(v, list):
        return _head(4, len(v)) + b"".join(encode(x) for x in v)
    if isinstance(v, dict):
        return _head(5, len(v)) + b"".join(encode(k) + encode(x) for k, x in v.items())
    if isinstance(v, Tag):
        return _head(6, v.tag) + encode(v.value)
    raise TypeError(type(v))


def decode(data):
    def arg(info, i):
        if info < 24:
            return info, i
        size = {24: 1, 25: 2, 26: 4, 27: 8}[info]
        return int.from_bytes(data[i:i + size], "big"), i + size

    def item(i):
        major, info = data[i] >> 5, data[i] & 0x1F
        i += 1
        if major == 7:
            if info in (20, 21, 22):
                return {20: False, 21: True, 22: None}[info], i
            if info == 25:
                return struct.unpack(">e", data[i:i + 2])[0], i + 2
            if info == 26:
                return struct.unpack(">f", data[i:i + 4])[0], i + 4
            return struct.unpack(">d", data[i:i + 8])[0], i + 8
        n, i = arg(info, i)
        if major == 0:
            return n, i
        if major == 1:
            return -1 - n, i
        if major in (2, 3):
            raw = data[i:i + n]
            return (raw if major == 2 else raw.decode()), i + n
        if major == 4:
            out = []
            for _ in range(n):
                x, i = item(i)
                out.append(x)
            return out, i
        if major == 5:
            out = {}
            for _ in range(n):
                k, i = item(i)
                out[k], i = item(i)
            return out, i
        x, i = item(i)
        return Tag(n, x), i

    value, end = item(0)
    assert end == len(data), "trailing bytes"
    return value


def call(server, operation, body, raw=None, key=("test", "test")):
    """A SigV4-signed Kinesis request in CBOR; returns (status, headers, decoded body)."""
    payload = raw if raw is not None else encode(body)
    url = server.endpoint + "/"
    request = AWSRequest(method="POST", url=url, data=payload, headers={
        "Content-Type": CBOR_TYPE, "X-Amz-Target": f"Kinesis_20131202.{operation}"})
    SigV4Auth(Credentials(*key), "kinesis", REGION).add_auth(request)
    response = requests.post(url, data=payload, headers=dict(request.headers.items()), timeout=30)
    return response.status_code, response.headers, (decode(response.content) if response.content else None)


def create_stream(server, shards=1):
    stream = unique("kcbor")
    status, headers, _ = call(server, "CreateStream", {"StreamName": stream, "ShardCount": shards})
    assert status == 200, headers
    assert headers["Content-Type"] == CBOR_TYPE
    return stream


def test_records_round_trip_in_cbor(petrel):
    stream = create_stream(petrel)
    status, headers, summary = call(petrel, "DescribeStreamSummary", {"StreamName": stream})
    assert status == 200 and headers["Content-Type"] == CBOR_TYPE
    description = summary["StreamDescriptionSummary"]
    assert description["StreamName"] == stream and description["OpenShardCount"] == 1
    created = description["StreamCreationTimestamp"]
    assert isinstance(created, Tag) and created.tag == 1 and isinstance(created.value, int)
    assert abs(created.value - time.time() * 1000) < 120_000  # epoch milliseconds

    blob = bytes(range(256))
    status, _, put = call(petrel, "PutRecord", {"StreamName": stream, "PartitionKey": "k", "Data": blob})
    assert status == 200 and put["ShardId"] == "shardId-000000000000"
    status, _, puts = call(petrel, "PutRecords", {"StreamName": stream, "Records": [
        {"PartitionKey": "a", "Data": b"\x00one"}, {"PartitionKey": "b", "Data": b""}]})
    assert status == 200 and puts["FailedRecordCount"] == 0 and len(puts["Records"]) == 2

    status, _, it = call(petrel, "GetShardIterator", {"StreamName": stream, "ShardId": "shardId-000000000000",
                                                        "ShardIteratorType": "TRIM_HORIZON"})
    assert status == 200
    status, _, records = call(petrel, "GetRecords", {"ShardIterator": it["ShardIterator"]})
    assert status == 200
    got = records["Records"]
    assert [r["Data"] for r in got] == [blob, b"\x00one", b""]
    assert got[0]["SequenceNumber"] == put["SequenceNumber"]
    arrival = got[0]["ApproximateArrivalTimestamp"]
    assert isinstance(arrival, Tag) and arrival.tag == 1 and abs(arrival.value - time.time() * 1000) < 120_000

    # A tag-1 timestamp in a request is epoch milliseconds too: AT_TIMESTAMP at the first
    # record's arrival reads from it; one a minute later reads nothing.
    for at, expected in ((arrival.value, 3), (arrival.value + 60_000, 0)):
        status, _, it = call(petrel, "GetShardIterator", {
            "StreamName": stream, "ShardId": "shardId-000000000000", "ShardIteratorType": "AT_TIMESTAMP",
            "Timestamp": Tag(1, at)})
        assert status == 200
        _, _, records = call(petrel, "GetRecords", {"ShardIterator": it["ShardIterator"]})
        assert len(records["Records"]) == expected


def test_errors_are_cbor(petrel):
    status, headers, body = call(petrel, "DescribeStreamSummary", {"StreamName": unique("kcbor-missing")})
    assert status == 400
    assert headers["Content-Type"] == CBOR_TYPE
    assert headers["x-amzn-ErrorType"] == "ResourceNotFoundException"
    assert body["__type"] == "ResourceNotFoundException" and "not found" in body["message"]


def test_malformed_cbor_is_an_aws_400(petrel):
    cases = [
        b"\xa1\x61",                                  # truncated
        b"\x81" * 100_000 + b"\x00",                  # nested far too deeply
        b"\x9f" * 100_000,                            # indefinite arrays, unterminated
        b"\xbb" + b"\xff" * 8,                        # a map declaring 2^64-1 pairs
        b"\xa1\x64Data\x5a\xff\xff\xff\xff\x00",      # a byte string declaring 4 GiB
        b"\x83\x01\x02\x03",                          # not a map
        b"\xa1\x01\x02",                              # a non-text key
        b"\xff",                                      # a lone break
    ]
    for raw in cases:
        status, headers, body = call(petrel, "PutRecord", None, raw=raw)
        assert status == 400, raw[:8]
        assert headers["Content-Type"] == CBOR_TYPE
        assert body["__type"] == "SerializationException"
    # The server is still there.
    create_stream(petrel)


def test_under_enforce_a_cbor_request_meets_the_policy_that_names_its_stream(fresh_petrel):
    # The authorizer reads the stream name out of the CBOR body as out of a JSON one: a Deny on
    # one stream refuses a CBOR PutRecord to it (in CBOR), and the same user's Allow for every
    # stream lets a CBOR PutRecord to another through.
    import json
    from iam_helpers import client, root_credentials
    server = fresh_petrel("--iam", "enforce")
    root = root_credentials(server)
    iam = client(server, "iam", *root)
    user = unique("cbor-user")
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName="kinesis", PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kinesis:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kinesis:PutRecord", "Resource": "arn:aws:kinesis:*:*:stream/closed-*"}]}))
    made = iam.create_access_key(UserName=user)["AccessKey"]
    key = (made["AccessKeyId"], made["SecretAccessKey"])
    closed, open_ = "closed-" + unique("s"), "open-" + unique("s")
    for name in (closed, open_):
        status, headers, _ = call(server, "CreateStream", {"StreamName": name, "ShardCount": 1}, key=root)
        assert status == 200, headers
    record = {"Data": b"x", "PartitionKey": "p"}
    status, headers, body = call(server, "PutRecord", dict(record, StreamName=closed), key=key)
    try:   # the same refusal in JSON, for comparison
        client(server, "kinesis", *key).put_record(StreamName=closed, Data=b"x", PartitionKey="p")
        raise AssertionError("the JSON PutRecord was let through")
    except client(server, "kinesis", *key).exceptions.ClientError as e:
        json_status, json_code = e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"]
    assert (status, headers["Content-Type"]) == (json_status, CBOR_TYPE), (status, headers)
    assert body["__type"].split("#")[-1] == json_code == "AccessDeniedException" and closed in body["message"]
    deadline = time.time() + 10
    while True:   # the stream turns ACTIVE after CreateStream
        status, headers, body = call(server, "PutRecord", dict(record, StreamName=open_), key=key)
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert status == 200 and body["ShardId"] == "shardId-000000000000", body
