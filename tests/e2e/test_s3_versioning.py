"""S3 versioning end to end: boto3 and the real AWS CLI against `petrel serve`."""
import hashlib
import json
import os
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import PetrelProcess, create_function, log_messages, wait_for


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    # A lifecycle "day" of 2 s, for the noncurrent-version expiry test.
    os.environ["PETREL_S3_DAY_SECONDS"] = "2"
    try:
        process = PetrelProcess(str(tmp_path_factory.mktemp("s3-versioning"))).start()
    finally:
        del os.environ["PETREL_S3_DAY_SECONDS"]
    yield process
    process.stop()


@pytest.fixture
def s3(server):
    return server.client("s3")


@pytest.fixture
def bucket(s3):
    name = f"v-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return name


def error_of(excinfo):
    response = excinfo.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_versioning_configuration(s3):
    name = f"v-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    assert "Status" not in s3.get_bucket_versioning(Bucket=name)
    # An unversioned bucket sends no version id.
    assert "VersionId" not in s3.put_object(Bucket=name, Key="k", Body=b"x")
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Enabled"
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Suspended"})
    assert s3.get_bucket_versioning(Bucket=name)["Status"] == "Suspended"
    with pytest.raises(ClientError) as excinfo:
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Off"})
    assert error_of(excinfo) == ("MalformedXML", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_versioning(Bucket=f"missing-{uuid.uuid4().hex[:8]}")
    assert error_of(excinfo) == ("NoSuchBucket", 404)


def test_versions_delete_markers_and_reads_by_version(s3, bucket):
    v1 = s3.put_object(Bucket=bucket, Key="doc", Body=b"one")["VersionId"]
    v2 = s3.put_object(Bucket=bucket, Key="doc", Body=b"two")["VersionId"]
    assert v1 != v2 and v1 != "null"
    got = s3.get_object(Bucket=bucket, Key="doc")
    assert got["Body"].read() == b"two" and got["VersionId"] == v2
    assert s3.get_object(Bucket=bucket, Key="doc", VersionId=v1)["Body"].read() == b"one"
    assert s3.head_object(Bucket=bucket, Key="doc", VersionId=v1)["ContentLength"] == 3

    deleted = s3.delete_object(Bucket=bucket, Key="doc")
    assert deleted["DeleteMarker"] is True
    marker = deleted["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="doc")
    assert error_of(excinfo) == ("NoSuchKey", 404)
    headers = excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amz-delete-marker"] == "true" and headers["x-amz-version-id"] == marker
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="doc")
    assert excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="doc", VersionId=marker)
    assert error_of(excinfo) == ("MethodNotAllowed", 405)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="doc", VersionId="0" * 32)
    assert error_of(excinfo) == ("NoSuchVersion", 404)
    assert "Contents" not in s3.list_objects_v2(Bucket=bucket)

    listed = s3.list_object_versions(Bucket=bucket)
    assert [(v["VersionId"], v["IsLatest"], v["Size"]) for v in listed["Versions"]] == [(v2, False, 3), (v1, False, 3)]
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in listed["DeleteMarkers"]] == [("doc", marker, True)]

    # Removing the marker by id brings back the newest version; deleting that by id, the one before.
    removed = s3.delete_object(Bucket=bucket, Key="doc", VersionId=marker)
    assert removed["DeleteMarker"] is True and removed["VersionId"] == marker
    assert s3.get_object(Bucket=bucket, Key="doc")["Body"].read() == b"two"
    assert s3.delete_object(Bucket=bucket, Key="doc", VersionId=v2)["VersionId"] == v2
    assert s3.get_object(Bucket=bucket, Key="doc")["VersionId"] == v1
    versions = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [(v["VersionId"], v["IsLatest"]) for v in versions] == [(v1, True)]


def test_suspended_versioning_writes_the_null_version(s3, bucket):
    kept = s3.put_object(Bucket=bucket, Key="k", Body=b"kept")["VersionId"]
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"a")["VersionId"] == "null"
    assert s3.put_object(Bucket=bucket, Key="k", Body=b"b")["VersionId"] == "null"
    assert s3.get_object(Bucket=bucket, Key="k", VersionId="null")["Body"].read() == b"b"
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket)["Versions"]] == ["null", kept]
    deleted = s3.delete_object(Bucket=bucket, Key="k")
    assert deleted["DeleteMarker"] is True and deleted["VersionId"] == "null"
    listed = s3.list_object_versions(Bucket=bucket)
    assert [v["VersionId"] for v in listed["Versions"]] == [kept]
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == ["null"]


def test_list_object_versions_pages_and_rolls_up(server, s3, bucket):
    for key in ["a", "dir/x", "dir/y", "z"]:
        for body in (b"1", b"2"):
            s3.put_object(Bucket=bucket, Key=key, Body=body)
    everything = s3.list_object_versions(Bucket=bucket)["Versions"]
    assert [v["Key"] for v in everything] == ["a", "a", "dir/x", "dir/x", "dir/y", "dir/y", "z", "z"]
    assert [v["IsLatest"] for v in everything] == [True, False] * 4
    # boto3's paginator follows NextKeyMarker / NextVersionIdMarker.
    pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3}))
    assert len(pages) == 3
    assert [(v["Key"], v["VersionId"]) for p in pages for v in p.get("Versions", [])] == [(v["Key"], v["VersionId"]) for v in everything]
    rolled = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in rolled["CommonPrefixes"]] == ["dir/"]
    assert [v["Key"] for v in rolled["Versions"]] == ["a", "a", "z", "z"]
    assert len(s3.list_object_versions(Bucket=bucket, Prefix="dir/")["Versions"]) == 4
    # The real AWS CLI.
    cli = server.cli("s3api", "list-object-versions", "--bucket", bucket, "--prefix", "z")
    assert [v["Key"] for v in cli["Versions"]] == ["z", "z"]


def test_delete_objects_copy_and_multipart_by_version(s3, bucket):
    v1 = s3.put_object(Bucket=bucket, Key="src", Body=b"first")["VersionId"]
    s3.put_object(Bucket=bucket, Key="src", Body=b"second")
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "src", "VersionId": v1})
    assert copied["CopySourceVersionId"] == v1 and copied["VersionId"] not in (None, "null")
    assert s3.get_object(Bucket=bucket, Key="copy")["Body"].read() == b"first"

    upload = s3.create_multipart_upload(Bucket=bucket, Key="big")["UploadId"]
    part = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=1, Body=b"p" * 100)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=upload,
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["VersionId"] not in (None, "null")
    assert s3.head_object(Bucket=bucket, Key="big")["VersionId"] == done["VersionId"]

    result = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "src", "VersionId": v1}, {"Key": "copy"}]})
    deleted = {d["Key"]: d for d in result["Deleted"]}
    assert deleted["src"]["VersionId"] == v1
    assert deleted["copy"]["DeleteMarker"] is True and deleted["copy"]["DeleteMarkerVersionId"]
    assert [v["VersionId"] for v in s3.list_object_versions(Bucket=bucket, Prefix="src")["Versions"]] != [v1]
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=bucket)
    assert error_of(excinfo) == ("BucketNotEmpty", 409)


def test_delete_marker_event_reaches_a_function(server, s3, bucket):
    fn = create_function(server, {"index.js": "exports.handler = async (e) => { console.log('GOT ' + JSON.stringify(e.Records[0])); };"})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": f"arn:aws:lambda:us-east-1:000000000000:function:{fn}", "Events": ["s3:ObjectRemoved:*"]}]})
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    marker = s3.delete_object(Bucket=bucket, Key="gone")["VersionId"]
    records = wait_for(lambda: [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(server, fn) if "GOT " in m], timeout=20)
    assert records[0]["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert records[0]["s3"]["object"]["versionId"] == marker


def test_noncurrent_versions_and_lone_delete_markers_expire(s3, bucket):
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "old", "Filter": {"Prefix": ""}, "Status": "Enabled",
         "NoncurrentVersionExpiration": {"NoncurrentDays": 1}, "Expiration": {"ExpiredObjectDeleteMarker": True}}]})
    rule = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert rule["NoncurrentVersionExpiration"]["NoncurrentDays"] == 1
    assert rule["Expiration"]["ExpiredObjectDeleteMarker"] is True
    s3.put_object(Bucket=bucket, Key="k", Body=b"old")
    current = s3.put_object(Bucket=bucket, Key="k", Body=b"new")["VersionId"]
    s3.put_object(Bucket=bucket, Key="gone", Body=b"x")
    s3.delete_object(Bucket=bucket, Key="gone")

    def settled():
        listed = s3.list_object_versions(Bucket=bucket)
        return [v["VersionId"] for v in listed.get("Versions", [])] == [current] and "DeleteMarkers" not in listed

    # Noncurrent for a "day" (2 s, rounded up to the next "midnight"): the old versions go, then the lone marker.
    assert wait_for(settled, timeout=30, interval=0.5)
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"new"


def test_acknowledged_versioned_puts_survive_kill_9(fresh_petrel):
    server = fresh_petrel()
    s3 = server.client("s3")
    bucket = f"d-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    written = {}
    for i in range(6):
        body = os.urandom(1000 + i * 300_000)
        written[s3.put_object(Bucket=bucket, Key="k", Body=body)["VersionId"]] = hashlib.md5(body).hexdigest()
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    server.kill9()
    server.start()
    s3 = server.client("s3")
    for version, digest in written.items():
        assert hashlib.md5(s3.get_object(Bucket=bucket, Key="k", VersionId=version)["Body"].read()).hexdigest() == digest
    listed = s3.list_object_versions(Bucket=bucket)
    assert sorted(v["VersionId"] for v in listed["Versions"]) == sorted(written)
    assert [m["VersionId"] for m in listed["DeleteMarkers"]] == [marker]


def test_tags_and_attributes_of_a_given_version(s3, bucket):
    first = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
    second = s3.put_object(Bucket=bucket, Key="k", Body=b"second")["VersionId"]
    put = s3.put_object_tagging(Bucket=bucket, Key="k", VersionId=first, Tagging={"TagSet": [{"Key": "old", "Value": "1"}]})
    assert put["VersionId"] == first
    assert s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=first)["TagSet"] == [{"Key": "old", "Value": "1"}]
    assert s3.get_object_tagging(Bucket=bucket, Key="k")["TagSet"] == []
    s3.delete_object_tagging(Bucket=bucket, Key="k", VersionId=first)
    assert s3.get_object_tagging(Bucket=bucket, Key="k", VersionId=first)["TagSet"] == []

    attributes = s3.get_object_attributes(Bucket=bucket, Key="k", VersionId=first, ObjectAttributes=["ObjectSize", "ETag"])
    assert attributes["VersionId"] == first and attributes["ObjectSize"] == 3
    assert attributes["ETag"] == hashlib.md5(b"one").hexdigest()
    current = s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ObjectSize"])
    assert current["VersionId"] == second and current["ObjectSize"] == 6

    # A version deleted for good is NoSuchVersion; a delete marker 405 (by id) or 404 (current).
    s3.delete_object(Bucket=bucket, Key="k", VersionId=first)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_tagging(Bucket=bucket, Key="k", VersionId=first, Tagging={"TagSet": []})
    assert error_of(excinfo) == ("NoSuchVersion", 404)
    marker = s3.delete_object(Bucket=bucket, Key="k")["VersionId"]
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_tagging(Bucket=bucket, Key="k", VersionId=marker, Tagging={"TagSet": [{"Key": "t", "Value": "v"}]})
    assert error_of(excinfo) == ("MethodNotAllowed", 405)
    assert excinfo.value.response["Error"]["Method"] == "PUT"
    assert excinfo.value.response["Error"]["ResourceType"] == "DeleteMarker"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket, Key="k", VersionId=marker, ObjectAttributes=["ETag"])
    assert error_of(excinfo) == ("MethodNotAllowed", 405)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket, Key="k", ObjectAttributes=["ETag"])
    assert error_of(excinfo) == ("NoSuchKey", 404)
    assert excinfo.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amz-delete-marker"] == "true"
