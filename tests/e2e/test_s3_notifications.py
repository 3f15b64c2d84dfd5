"""Bucket notifications that invoke functions: configuration, validation, filters, the record shape."""
import json
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, wait_for

RECORDER = """
exports.handler = async (event) => {
    for (const r of event.Records) {
        console.log('GOT ' + JSON.stringify(r));
    }
    return {};
};
"""


def received(server, fn):
    return [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(server, fn) if "GOT " in m]


def function_arn(name):
    return f"arn:aws:lambda:us-east-1:000000000000:function:{name}"


def test_destination_must_exist(petrel):
    s3 = petrel.client("s3")
    bucket = f"n-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": function_arn("does-not-exist"), "Events": ["s3:ObjectCreated:*"]}]})
    assert excinfo.value.response["Error"]["Code"] == "InvalidArgument"
    assert "Unable to validate the following destination configurations" in excinfo.value.response["Error"]["Message"]
    assert s3.get_bucket_notification_configuration(Bucket=bucket).get("LambdaFunctionConfigurations", []) == []


def test_overlapping_configurations_are_refused(petrel):
    s3 = petrel.client("s3")
    fn = create_function(petrel, {"index.js": RECORDER})
    bucket = f"n-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": function_arn(fn), "Events": ["s3:ObjectCreated:*"]},
            {"LambdaFunctionArn": function_arn(fn), "Events": ["s3:ObjectCreated:Put"]}]})
    assert excinfo.value.response["Error"]["Code"] == "InvalidArgument"


def test_uploads_and_deletes_invoke_the_function(petrel):
    s3 = petrel.client("s3")
    fn = create_function(petrel, {"index.js": RECORDER})
    bucket = f"n-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"Id": "created", "LambdaFunctionArn": function_arn(fn), "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "in/"}, {"Name": "suffix", "Value": ".txt"}]}}},
        {"Id": "removed", "LambdaFunctionArn": function_arn(fn), "Events": ["s3:ObjectRemoved:*"]}]})
    stored = s3.get_bucket_notification_configuration(Bucket=bucket)["LambdaFunctionConfigurations"]
    assert sorted(c["Id"] for c in stored) == ["created", "removed"]
    assert stored[0]["LambdaFunctionArn"] == function_arn(fn)

    etag = s3.put_object(Bucket=bucket, Key="in/a b.txt", Body=b"12345")["ETag"].strip('"')
    s3.put_object(Bucket=bucket, Key="in/skip.jpg", Body=b"no")        # suffix does not match
    s3.put_object(Bucket=bucket, Key="out/skip.txt", Body=b"no")       # prefix does not match
    s3.copy_object(Bucket=bucket, Key="in/copy.txt", CopySource={"Bucket": bucket, "Key": "in/a b.txt"})
    s3.delete_object(Bucket=bucket, Key="in/a b.txt")

    records = wait_for(lambda: (lambda r: r if len(r) >= 3 else None)(received(petrel, fn)), timeout=30)
    assert records, petrel.tail()
    by_name = {(r["eventName"], r["s3"]["object"]["key"]): r for r in records}
    assert set(by_name) == {("ObjectCreated:Put", "in/a+b.txt"), ("ObjectCreated:Copy", "in/copy.txt"),
                            ("ObjectRemoved:Delete", "in/a+b.txt")}
    put = by_name[("ObjectCreated:Put", "in/a+b.txt")]
    assert put["eventVersion"] == "2.1" and put["eventSource"] == "aws:s3" and put["awsRegion"] == "us-east-1"
    assert put["s3"]["configurationId"] == "created"
    assert put["s3"]["bucket"]["name"] == bucket and put["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}"
    assert put["s3"]["object"]["size"] == 5 and put["s3"]["object"]["eTag"] == etag
    removed = by_name[("ObjectRemoved:Delete", "in/a+b.txt")]
    assert removed["s3"]["configurationId"] == "removed" and "size" not in removed["s3"]["object"]
    assert int(removed["s3"]["object"]["sequencer"], 16) > int(put["s3"]["object"]["sequencer"], 16)


def test_multipart_completion_is_an_event(petrel):
    s3 = petrel.client("s3")
    fn = create_function(petrel, {"index.js": RECORDER})
    bucket = f"n-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": function_arn(fn), "Events": ["s3:ObjectCreated:CompleteMultipartUpload"]}]})
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp.bin")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="mp.bin", UploadId=upload, PartNumber=1, Body=b"x" * 10)
    s3.complete_multipart_upload(Bucket=bucket, Key="mp.bin", UploadId=upload,
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    s3.put_object(Bucket=bucket, Key="plain.bin", Body=b"y")  # a Put: not configured
    records = wait_for(lambda: received(petrel, fn), timeout=30)
    assert [(r["eventName"], r["s3"]["object"]["key"], r["s3"]["object"]["size"]) for r in records] == [
        ("ObjectCreated:CompleteMultipartUpload", "mp.bin", 10)]


WRITER = """
import os
import urllib.parse

import boto3

s3 = boto3.client("s3")


def handler(event, context):
    for record in event["Records"]:
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        body = s3.get_object(Bucket=record["s3"]["bucket"]["name"], Key=key)["Body"].read()
        s3.put_object(Bucket=os.environ["OUT"], Key="seen/" + key, Body=body.upper())
    return {"ok": True}
"""


def test_python_function_reads_the_upload_and_writes_another_bucket(petrel):
    """The thumbnail pattern: an upload to one bucket makes a function write to another, with boto3 inside the function."""
    s3 = petrel.client("s3")
    source, out = f"in-{uuid.uuid4().hex[:10]}", f"out-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=source)
    s3.create_bucket(Bucket=out)
    fn = create_function(petrel, {"app.py": WRITER}, runtime="python3.11", handler="app.handler",
                         Environment={"Variables": {"OUT": out}}, Timeout=30)
    s3.put_bucket_notification_configuration(Bucket=source, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": function_arn(fn), "Events": ["s3:ObjectCreated:*"]}]})
    s3.put_object(Bucket=source, Key="photos/my cat.txt", Body=b"meow")

    def written():
        try:
            return s3.get_object(Bucket=out, Key="seen/photos/my cat.txt")["Body"].read()
        except ClientError:
            return None

    assert wait_for(written, timeout=60) == b"MEOW", petrel.tail()
