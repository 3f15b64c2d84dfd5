"""S3 end to end: the real AWS CLI and boto3 against `petrel serve` (path-style and virtual-hosted)."""
import datetime
import hashlib
import http.client
import os
import urllib.error
import urllib.request
import uuid

import boto3
import pytest
from boto3.s3.transfer import TransferConfig
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError


def bucket_name(prefix="b"):
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def s3(petrel):
    return petrel.client("s3")


@pytest.fixture
def bucket(s3):
    name = bucket_name()
    s3.create_bucket(Bucket=name)
    return name


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"]


def test_bucket_lifecycle(s3):
    name = bucket_name()
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    assert s3.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "eu-west-2"
    assert s3.get_bucket_location(Bucket=name)["LocationConstraint"] == "eu-west-2"
    assert name in [b["Name"] for b in s3.list_buckets()["Buckets"]]
    with pytest.raises(ClientError) as excinfo:
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    assert error_code(excinfo) == ("BucketAlreadyOwnedByYou", 409)
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    with pytest.raises(ClientError) as excinfo:
        s3.delete_bucket(Bucket=name)
    assert error_code(excinfo) == ("BucketNotEmpty", 409)
    s3.delete_object(Bucket=name, Key="k")
    s3.delete_bucket(Bucket=name)
    with pytest.raises(ClientError) as excinfo:
        s3.head_bucket(Bucket=name)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as excinfo:
        s3.list_objects_v2(Bucket=name)
    assert error_code(excinfo) == ("NoSuchBucket", 404)


def test_invalid_bucket_name(petrel):
    # boto3 validates names itself; the raw request shows the server's answer.
    status, body = signed_request(petrel, "PUT", "/Bad_Name")
    assert status == 400 and b"<Code>InvalidBucketName</Code>" in body


def test_put_get_head_metadata_and_headers(s3, bucket):
    body = os.urandom(3000)
    put = s3.put_object(Bucket=bucket, Key="dir/file name+1.bin", Body=body, ContentType="application/x-test",
                        Metadata={"color": "blue", "Owner": "me"}, CacheControl="max-age=60",
                        ContentDisposition="attachment", ContentLanguage="en", ContentEncoding="identity")
    assert put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest()
    got = s3.get_object(Bucket=bucket, Key="dir/file name+1.bin")
    assert got["Body"].read() == body
    assert got["ContentType"] == "application/x-test"
    assert got["Metadata"] == {"color": "blue", "owner": "me"}
    assert got["CacheControl"] == "max-age=60"
    assert got["ContentDisposition"] == "attachment"
    assert got["ContentLanguage"] == "en"
    assert got["ContentLength"] == 3000
    head = s3.head_object(Bucket=bucket, Key="dir/file name+1.bin")
    assert head["ETag"] == put["ETag"] and head["ContentLength"] == 3000
    overridden = s3.get_object(Bucket=bucket, Key="dir/file name+1.bin", ResponseContentType="text/plain",
                               ResponseContentDisposition="inline")
    assert overridden["ContentType"] == "text/plain" and overridden["ContentDisposition"] == "inline"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="missing")
    assert error_code(excinfo) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="missing")
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_ranges(s3, bucket):
    body = bytes(range(256)) * 10
    s3.put_object(Bucket=bucket, Key="r", Body=body)
    part = s3.get_object(Bucket=bucket, Key="r", Range="bytes=10-19")
    assert part["Body"].read() == body[10:20]
    assert part["ContentRange"] == "bytes 10-19/2560"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=-5")["Body"].read() == body[-5:]
    assert s3.get_object(Bucket=bucket, Key="r", Range="bytes=2550-")["Body"].read() == body[2550:]
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="r", Range="bytes=5000-6000")
    assert error_code(excinfo) == ("InvalidRange", 416)


def test_conditional_requests(s3, bucket):
    etag = s3.put_object(Bucket=bucket, Key="c", Body=b"v1")["ETag"]
    assert s3.get_object(Bucket=bucket, Key="c", IfMatch=etag)["Body"].read() == b"v1"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", IfMatch='"0000"')
    assert error_code(excinfo) == ("PreconditionFailed", 412)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", IfNoneMatch=etag)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    future = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=1)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=future)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 304
    assert s3.get_object(Bucket=bucket, Key="c", IfModifiedSince=past)["Body"].read() == b"v1"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object(Bucket=bucket, Key="c", IfUnmodifiedSince=past)
    assert error_code(excinfo) == ("PreconditionFailed", 412)
    # Conditional writes.
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfNoneMatch="*")
    assert error_code(excinfo) == ("PreconditionFailed", 412)
    s3.put_object(Bucket=bucket, Key="new", Body=b"first", IfNoneMatch="*")
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfMatch='"0000"')
    assert error_code(excinfo) == ("PreconditionFailed", 412)
    s3.put_object(Bucket=bucket, Key="c", Body=b"v2", IfMatch=etag)
    assert s3.get_object(Bucket=bucket, Key="c")["Body"].read() == b"v2"


def test_listing_v1_v2_pagination_and_delimiter(s3, bucket):
    keys = [f"logs/{i:03d}.txt" for i in range(25)] + ["a", "b/1", "b/2", "c d", "z"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    seen = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 7}):
        seen += [o["Key"] for o in page.get("Contents", [])]
    assert seen == sorted(keys)
    top = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["a", "c d", "z"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["b/", "logs/"]
    assert top["KeyCount"] == 5
    v1 = []
    for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 2}):
        v1 += [o["Key"] for o in page.get("Contents", [])] + [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    assert sorted(v1) == ["a", "b/", "c d", "logs/", "z"]
    after = s3.list_objects_v2(Bucket=bucket, Prefix="logs/", StartAfter="logs/020.txt")
    assert [o["Key"] for o in after["Contents"]] == [f"logs/{i:03d}.txt" for i in range(21, 25)]
    encoded = s3.list_objects(Bucket=bucket, Prefix="c", EncodingType="url")
    # Asked for explicitly, botocore leaves the keys encoded (it decodes only what it asked for itself).
    assert [o["Key"] for o in encoded["Contents"]] == ["c%20d"]


def test_delete_objects_and_copy(s3, bucket):
    for key in ["one", "two", "three"]:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode(), Metadata={"k": key})
    deleted = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "one"}, {"Key": "two"}, {"Key": "never"}]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == ["never", "one", "two"]
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "three"})
    assert copied["CopyObjectResult"]["ETag"] == '"%s"' % hashlib.md5(b"three").hexdigest()
    got = s3.get_object(Bucket=bucket, Key="copy")
    assert got["Body"].read() == b"three" and got["Metadata"] == {"k": "three"}
    s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": bucket, "Key": "three"},
                   MetadataDirective="REPLACE", Metadata={"new": "yes"}, ContentType="text/x")
    replaced = s3.head_object(Bucket=bucket, Key="copy")
    assert replaced["Metadata"] == {"new": "yes"} and replaced["ContentType"] == "text/x"
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="three", CopySource={"Bucket": bucket, "Key": "three"})
    assert error_code(excinfo) == ("InvalidRequest", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.copy_object(Bucket=bucket, Key="x", CopySource={"Bucket": bucket, "Key": "three"}, CopySourceIfMatch='"00"')
    assert error_code(excinfo) == ("PreconditionFailed", 412)


def test_checksums(s3, bucket):
    for algorithm in ["CRC32", "CRC32C", "SHA1", "SHA256", "CRC64NVME"]:
        try:
            put = s3.put_object(Bucket=bucket, Key=f"sum-{algorithm}", Body=b"hello world", ChecksumAlgorithm=algorithm)
        except Exception as error:  # CRC32C/CRC64NVME need awscrt on the client
            if "awscrt" in str(error) or "MissingDependency" in type(error).__name__:
                continue
            raise
        assert put[f"Checksum{algorithm}"]
        got = s3.get_object(Bucket=bucket, Key=f"sum-{algorithm}", ChecksumMode="ENABLED")
        assert got["Body"].read() == b"hello world"
        assert got[f"Checksum{algorithm}"] == put[f"Checksum{algorithm}"]
    # A wrong declared checksum is refused.
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"hello world", ChecksumCRC32="AAAAAA==")
    assert error_code(excinfo) == ("BadDigest", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.put_object(Bucket=bucket, Key="bad", Body=b"hello world", ContentMD5="1B2M2Y8AsgTpgAmY7PhCfg==")
    assert error_code(excinfo) == ("BadDigest", 400)


def test_multipart_transfer_manager_20mb(s3, bucket, tmp_path):
    source = tmp_path / "big.bin"
    data = os.urandom(20 * 1024 * 1024)
    source.write_bytes(data)
    config = TransferConfig(multipart_threshold=8 * 1024 * 1024, multipart_chunksize=8 * 1024 * 1024, max_concurrency=4)
    s3.upload_file(str(source), bucket, "big.bin", Config=config)
    head = s3.head_object(Bucket=bucket, Key="big.bin")
    assert head["ContentLength"] == len(data)
    assert head["ETag"].strip('"').endswith("-3")
    second = s3.get_object(Bucket=bucket, Key="big.bin", PartNumber=2)
    assert second["PartsCount"] == 3 and second["ContentRange"] == f"bytes {8 << 20}-{(16 << 20) - 1}/{len(data)}"
    assert second["Body"].read() == data[8 << 20:16 << 20]
    target = tmp_path / "back.bin"
    s3.download_file(bucket, "big.bin", str(target), Config=config)
    assert hashlib.sha256(target.read_bytes()).digest() == hashlib.sha256(data).digest()


def test_multipart_rules_and_listing(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket)["Uploads"]] == [upload]
    small = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=1, Body=b"small")
    last = s3.upload_part(Bucket=bucket, Key="mp", UploadId=upload, PartNumber=2, Body=b"last")
    parts = s3.list_parts(Bucket=bucket, Key="mp", UploadId=upload)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5), (2, 4)]
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": small["ETag"]}, {"PartNumber": 2, "ETag": last["ETag"]}]})
    assert error_code(excinfo) == ("EntityTooSmall", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
            {"PartNumber": 2, "ETag": last["ETag"]}, {"PartNumber": 1, "ETag": small["ETag"]}]})
    assert error_code(excinfo) == ("InvalidPartOrder", 400)
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
            {"PartNumber": 1, "ETag": '"00000000000000000000000000000000"'}]})
    assert error_code(excinfo) == ("InvalidPart", 400)
    done = s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload, MultipartUpload={"Parts": [
        {"PartNumber": 2, "ETag": last["ETag"]}]})
    assert done["ETag"].strip('"').endswith("-1")
    part = s3.get_object(Bucket=bucket, Key="mp", PartNumber=1)
    assert part["PartsCount"] == 1 and part["Body"].read() == b"last"
    with pytest.raises(ClientError) as excinfo:
        s3.head_object(Bucket=bucket, Key="mp", PartNumber=2)
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416
    assert s3.get_object(Bucket=bucket, Key="mp")["Body"].read() == b"last"
    aborted = s3.create_multipart_upload(Bucket=bucket, Key="gone")["UploadId"]
    s3.abort_multipart_upload(Bucket=bucket, Key="gone", UploadId=aborted)
    with pytest.raises(ClientError) as excinfo:
        s3.list_parts(Bucket=bucket, Key="gone", UploadId=aborted)
    assert error_code(excinfo) == ("NoSuchUpload", 404)


def test_upload_part_copy(s3, bucket):
    source = os.urandom(6 * 1024 * 1024)
    s3.put_object(Bucket=bucket, Key="src", Body=source)
    upload = s3.create_multipart_upload(Bucket=bucket, Key="dst")["UploadId"]
    first = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload, PartNumber=1,
                                CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange=f"bytes=0-{5 * 1024 * 1024 - 1}")
    second = s3.upload_part_copy(Bucket=bucket, Key="dst", UploadId=upload, PartNumber=2,
                                 CopySource={"Bucket": bucket, "Key": "src"}, CopySourceRange=f"bytes={5 * 1024 * 1024}-{len(source) - 1}")
    s3.complete_multipart_upload(Bucket=bucket, Key="dst", UploadId=upload, MultipartUpload={"Parts": [
        {"PartNumber": 1, "ETag": first["CopyPartResult"]["ETag"]}, {"PartNumber": 2, "ETag": second["CopyPartResult"]["ETag"]}]})
    assert s3.get_object(Bucket=bucket, Key="dst")["Body"].read() == source


def test_presigned_urls(s3, bucket):
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned.txt"}, ExpiresIn=300)
    request = urllib.request.Request(put_url, data=b"via presigned put", method="PUT")
    assert urllib.request.urlopen(request).status == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "presigned.txt"}, ExpiresIn=300)
    assert urllib.request.urlopen(get_url).read() == b"via presigned put"


def signed_request(petrel, method, path, host=None, body=b"", headers=None):
    """A SigV4-signed raw request (botocore's signer), optionally with another Host header."""
    host = host or f"127.0.0.1:{petrel.port}"
    request = AWSRequest(method=method, url=f"http://{host}{path}", data=body, headers=dict(headers or {}, Host=host))
    request.headers["x-amz-content-sha256"] = hashlib.sha256(body).hexdigest()
    SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
    connection = http.client.HTTPConnection("127.0.0.1", petrel.port, timeout=30)
    connection.request(method, path, body=body, headers=dict(request.headers.items()))
    response = connection.getresponse()
    return response.status, response.read()


def test_virtual_hosted_style(petrel, s3, bucket):
    host = f"{bucket}.s3.localhost:{petrel.port}"
    status, _ = signed_request(petrel, "PUT", "/virtual/key.txt", host=host, body=b"hosted")
    assert status == 200
    assert s3.get_object(Bucket=bucket, Key="virtual/key.txt")["Body"].read() == b"hosted"
    status, body = signed_request(petrel, "GET", "/?list-type=2", host=f"{bucket}.s3.us-east-1.localhost:{petrel.port}")
    assert status == 200 and b"<Key>virtual/key.txt</Key>" in body
    status, body = signed_request(petrel, "GET", "/virtual/key.txt", host=host)
    assert status == 200 and body == b"hosted"


def test_s3_is_told_apart_from_lambda(petrel, s3):
    # A bucket named like Lambda's dated path prefix is still S3's, by its signing name.
    name = "2015-03-31"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="functions", Body=b"not lambda")
    assert s3.get_object(Bucket=name, Key="functions")["Body"].read() == b"not lambda"
    assert "Functions" in petrel.client("lambda").list_functions()
    s3.delete_object(Bucket=name, Key="functions")
    s3.delete_bucket(Bucket=name)


def test_aws_cli_high_level(petrel, tmp_path):
    name = bucket_name("cli")
    petrel.cli("s3", "mb", f"s3://{name}")
    local = tmp_path / "tree"
    (local / "sub").mkdir(parents=True)
    (local / "a.txt").write_text("alpha")
    (local / "sub" / "b.txt").write_text("beta")
    (local / "big.bin").write_bytes(os.urandom(12 * 1024 * 1024))
    petrel.cli("s3", "sync", str(local), f"s3://{name}/tree")
    listing = petrel.cli("s3", "ls", "--recursive", f"s3://{name}/")
    assert "tree/a.txt" in listing and "tree/sub/b.txt" in listing and "tree/big.bin" in listing
    back = tmp_path / "back"
    petrel.cli("s3", "cp", "--recursive", f"s3://{name}/tree", str(back))
    assert (back / "sub" / "b.txt").read_text() == "beta"
    assert (back / "big.bin").read_bytes() == (local / "big.bin").read_bytes()
    # A second sync uploads nothing.
    assert "upload:" not in petrel.cli("s3", "sync", str(local), f"s3://{name}/tree")
    head = petrel.cli("s3api", "head-object", "--bucket", name, "--key", "tree/a.txt")
    assert head["ContentLength"] == 5
    petrel.cli("s3", "rm", "--recursive", f"s3://{name}/tree")
    petrel.cli("s3", "rb", f"s3://{name}")
    assert name not in petrel.cli("s3", "ls")


def test_aws_chunked_with_trailing_checksum(petrel, s3, bucket):
    """The body botocore sends over TLS (STREAMING-UNSIGNED-PAYLOAD-TRAILER), made by botocore's own encoder."""
    import io
    import base64
    import zlib
    from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

    data = os.urandom(300_000)
    encoded = AwsChunkedWrapper(io.BytesIO(data), checksum_cls=Crc32Checksum, checksum_name="x-amz-checksum-crc32",
                                chunk_size=65536).read()
    headers = {"Content-Encoding": "aws-chunked", "X-Amz-Trailer": "x-amz-checksum-crc32",
               "X-Amz-Decoded-Content-Length": str(len(data)), "x-amz-sdk-checksum-algorithm": "CRC32"}

    def send(body, key):
        host = f"127.0.0.1:{petrel.port}"
        request = AWSRequest(method="PUT", url=f"http://{host}/{bucket}/{key}", data=body, headers=dict(headers, Host=host))
        request.headers["x-amz-content-sha256"] = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
        SigV4Auth(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
        connection = http.client.HTTPConnection("127.0.0.1", petrel.port, timeout=30)
        connection.request("PUT", f"/{bucket}/{key}", body=body, headers=dict(request.headers.items()))
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    status, response_headers, body = send(encoded, "trailer.bin")
    assert status == 200, body
    expected = base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()
    assert response_headers["x-amz-checksum-crc32"] == expected
    got = s3.get_object(Bucket=bucket, Key="trailer.bin", ChecksumMode="ENABLED")
    assert got["Body"].read() == data and got["ChecksumCRC32"] == expected
    assert "ContentEncoding" not in got  # aws-chunked described the transfer, not the object
    wrong = encoded.replace(b"x-amz-checksum-crc32:" + expected.encode(), b"x-amz-checksum-crc32:AAAAAA==")
    status, _, body = send(wrong, "wrong.bin")
    assert status == 400 and b"<Code>BadDigest</Code>" in body
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="wrong.bin")


def test_object_and_bucket_tagging(s3, bucket):
    s3.put_object(Bucket=bucket, Key="t", Body=b"x", Tagging="project=blue%20sky&team=core")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [
        {"Key": "project", "Value": "blue sky"}, {"Key": "team", "Value": "core"}]
    assert s3.get_object(Bucket=bucket, Key="t")["TagCount"] == 2
    s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": "only", "Value": "one"}]})
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == [{"Key": "only", "Value": "one"}]
    s3.copy_object(Bucket=bucket, Key="t2", CopySource={"Bucket": bucket, "Key": "t"})
    assert s3.get_object_tagging(Bucket=bucket, Key="t2")["TagSet"] == [{"Key": "only", "Value": "one"}]
    s3.copy_object(Bucket=bucket, Key="t3", CopySource={"Bucket": bucket, "Key": "t"}, TaggingDirective="REPLACE", Tagging="n=1")
    assert s3.get_object_tagging(Bucket=bucket, Key="t3")["TagSet"] == [{"Key": "n", "Value": "1"}]
    s3.delete_object_tagging(Bucket=bucket, Key="t")
    assert s3.get_object_tagging(Bucket=bucket, Key="t")["TagSet"] == []
    with pytest.raises(ClientError) as excinfo:
        s3.put_object_tagging(Bucket=bucket, Key="t", Tagging={"TagSet": [{"Key": f"k{i}", "Value": ""} for i in range(11)]})
    assert error_code(excinfo) == ("BadRequest", 400)  # AWS: "Object tags cannot be greater than 10"
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_tagging(Bucket=bucket, Key="missing")
    assert error_code(excinfo) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_tagging(Bucket=bucket)
    assert error_code(excinfo) == ("NoSuchTagSet", 404)
    s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "env", "Value": "test"}]})
    assert s3.get_bucket_tagging(Bucket=bucket)["TagSet"] == [{"Key": "env", "Value": "test"}]
    s3.delete_bucket_tagging(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_tagging(Bucket=bucket)


def test_aws_cli_100mb_copy_and_presign(petrel, tmp_path):
    name = bucket_name("cli")
    petrel.cli("s3", "mb", f"s3://{name}")
    big = tmp_path / "100mb.bin"
    big.write_bytes(os.urandom(100 * 1024 * 1024))
    petrel.cli("s3", "cp", str(big), f"s3://{name}/big.bin")
    head = petrel.cli("s3api", "head-object", "--bucket", name, "--key", "big.bin")
    assert head["ContentLength"] == 100 * 1024 * 1024 and head["ETag"].strip('"').endswith("-13")  # 8 MiB parts
    back = tmp_path / "back.bin"
    petrel.cli("s3", "cp", f"s3://{name}/big.bin", str(back))
    assert hashlib.md5(back.read_bytes()).digest() == hashlib.md5(big.read_bytes()).digest()
    url = petrel.cli("s3", "presign", f"s3://{name}/big.bin", "--expires-in", "300")
    with urllib.request.urlopen(url) as response:
        assert response.headers["Content-Length"] == str(100 * 1024 * 1024)
        assert response.read(1024) == big.read_bytes()[:1024]


def test_cors_configuration_preflight_and_actual_requests(petrel, s3, bucket):
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_cors(Bucket=bucket)
    assert error_code(excinfo) == ("NoSuchCORSConfiguration", 404)
    s3.put_bucket_cors(Bucket=bucket, CORSConfiguration={"CORSRules": [
        {"AllowedOrigins": ["http://localhost:3000"], "AllowedMethods": ["GET", "PUT"], "AllowedHeaders": ["*"],
         "ExposeHeaders": ["ETag"], "MaxAgeSeconds": 600}]})
    assert s3.get_bucket_cors(Bucket=bucket)["CORSRules"][0]["AllowedOrigins"] == ["http://localhost:3000"]
    s3.put_object(Bucket=bucket, Key="page.txt", Body=b"hello browser")

    def raw(method, headers):
        connection = http.client.HTTPConnection("127.0.0.1", petrel.port, timeout=10)
        connection.request(method, f"/{bucket}/page.txt", headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()

    status, headers, _ = raw("OPTIONS", {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "PUT",
                                         "Access-Control-Request-Headers": "content-type"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "PUT" in headers["access-control-allow-methods"] and headers["access-control-max-age"] == "600"
    status, _, body = raw("OPTIONS", {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "DELETE"})
    assert status == 403 and b"CORSResponse" in body
    # An actual (presigned) GET from that origin carries the headers the browser needs.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "page.txt"})
    request = urllib.request.Request(url, headers={"Origin": "http://localhost:3000"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000"
        assert response.headers["Access-Control-Expose-Headers"] == "ETag"
        assert response.read() == b"hello browser"
    s3.delete_bucket_cors(Bucket=bucket)
    status, _, _ = raw("OPTIONS", {"Origin": "http://localhost:3000", "Access-Control-Request-Method": "GET"})
    assert status == 403


def test_unsigned_path_style_requests_reach_existing_buckets(petrel, s3, bucket):
    """`curl http://127.0.0.1:4566/bucket/key`: no signature, no S3 host name, but the bucket exists."""
    s3.put_object(Bucket=bucket, Key="public.txt", Body=b"plain http")
    assert urllib.request.urlopen(f"{petrel.endpoint}/{bucket}/public.txt").read() == b"plain http"
    request = urllib.request.Request(f"{petrel.endpoint}/{bucket}/unsigned.txt", data=b"put by curl", method="PUT")
    assert urllib.request.urlopen(request).status == 200
    assert s3.get_object(Bucket=bucket, Key="unsigned.txt")["Body"].read() == b"put by curl"
    # A path naming no bucket is still Petrel's own 404.
    with pytest.raises(urllib.error.HTTPError) as excinfo:
        urllib.request.urlopen(f"{petrel.endpoint}/no-such-bucket-{uuid.uuid4().hex[:6]}/k")
    assert excinfo.value.code == 404 and b"No operation at" in excinfo.value.read()


def test_get_object_attributes(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="small", Body=b"somedata", ChecksumAlgorithm="SHA256", StorageClass="STANDARD_IA")
    got = s3.get_object_attributes(Bucket=bucket, Key="small", ObjectAttributes=["ETag", "Checksum", "ObjectSize", "StorageClass", "ObjectParts"])
    assert "x-amz-version-id" not in got["ResponseMetadata"]["HTTPHeaders"]
    assert got["ETag"] == put["ETag"].strip('"')
    assert got["Checksum"] == {"ChecksumSHA256": put["ChecksumSHA256"], "ChecksumType": "FULL_OBJECT"}
    assert got["ObjectSize"] == 8 and got["StorageClass"] == "STANDARD_IA"
    assert "ObjectParts" not in got and isinstance(got["LastModified"], datetime.datetime)
    only = s3.get_object_attributes(Bucket=bucket, Key="small", ObjectAttributes=["ObjectSize"])
    only.pop("ResponseMetadata")
    assert set(only) == {"ObjectSize", "LastModified"}

    # A multipart object with CRC32 parts: the composite checksum without its -N, the parts paged.
    upload = s3.create_multipart_upload(Bucket=bucket, Key="big", ChecksumAlgorithm="CRC32")["UploadId"]
    bodies = [b"a" * (5 * 1024 * 1024), b"b" * (5 * 1024 * 1024), b"tail"]
    parts = []
    for number, body in enumerate(bodies, 1):
        answer = s3.upload_part(Bucket=bucket, Key="big", UploadId=upload, PartNumber=number, Body=body, ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": number, "ETag": answer["ETag"], "ChecksumCRC32": answer["ChecksumCRC32"]})
    done = s3.complete_multipart_upload(Bucket=bucket, Key="big", UploadId=upload, MultipartUpload={"Parts": parts})
    first = s3.get_object_attributes(Bucket=bucket, Key="big", ObjectAttributes=["Checksum", "ObjectParts"], MaxParts=2)
    assert first["Checksum"] == {"ChecksumCRC32": done["ChecksumCRC32"].rsplit("-", 1)[0], "ChecksumType": "COMPOSITE"}
    assert first["ObjectParts"]["TotalPartsCount"] == 3 and first["ObjectParts"]["IsTruncated"]
    assert [(p["PartNumber"], p["Size"], p["ChecksumCRC32"]) for p in first["ObjectParts"]["Parts"]] == [
        (1, len(bodies[0]), parts[0]["ChecksumCRC32"]), (2, len(bodies[1]), parts[1]["ChecksumCRC32"])]
    rest = s3.get_object_attributes(Bucket=bucket, Key="big", ObjectAttributes=["ObjectParts"],
                                    PartNumberMarker=first["ObjectParts"]["NextPartNumberMarker"])
    assert [p["PartNumber"] for p in rest["ObjectParts"]["Parts"]] == [3] and not rest["ObjectParts"]["IsTruncated"]

    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket, Key="missing", ObjectAttributes=["ETag"])
    assert error_code(excinfo) == ("NoSuchKey", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket_name("none"), Key="k", ObjectAttributes=["ETag"])
    assert error_code(excinfo) == ("NoSuchBucket", 404)
    with pytest.raises(ClientError) as excinfo:
        s3.get_object_attributes(Bucket=bucket, Key="small", ObjectAttributes=["Size"])
    assert error_code(excinfo) == ("InvalidArgument", 400)


def test_repeated_complete_multipart_upload_answers_as_the_first(s3, bucket):
    upload = s3.create_multipart_upload(Bucket=bucket, Key="k")["UploadId"]
    first = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=1, Body=b"0" * (5 * 1024 * 1024))
    second = s3.upload_part(Bucket=bucket, Key="k", UploadId=upload, PartNumber=2, Body=b"1")
    parts = {"Parts": [{"ETag": first["ETag"], "PartNumber": 1}, {"ETag": second["ETag"], "PartNumber": 2}]}
    done = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts)
    again = s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload=parts, IfNoneMatch="*")
    assert again["ETag"] == done["ETag"] and again["Key"] == "k"
    # Other parts than the completion named: the upload is gone.
    with pytest.raises(ClientError) as excinfo:
        s3.complete_multipart_upload(Bucket=bucket, Key="k", UploadId=upload, MultipartUpload={"Parts": parts["Parts"][:1]})
    assert error_code(excinfo) == ("NoSuchUpload", 404)
    assert [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == []


def test_keys_list_in_utf8_byte_order(s3, bucket):
    """S3's order is the keys' UTF-8 bytes: upper case before lower, punctuation and digits by
    code, non-ASCII after ASCII (on SQLite and on PostgreSQL whatever its collation)."""
    keys = ["a", "B", "b", "A", "10", "9", "_x", "-y", ".z", "a b", "a-b", "aB", "ab", "é", "e", "Z", "日本", "ü", "~", "😀"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"")
    expected = sorted(keys, key=lambda k: k.encode())
    listed = [o["Key"] for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, PaginationConfig={"PageSize": 3})
              for o in page.get("Contents", [])]
    assert listed == expected
    v1 = [o["Key"] for page in s3.get_paginator("list_objects").paginate(Bucket=bucket, PaginationConfig={"PageSize": 4})
          for o in page.get("Contents", [])]
    assert v1 == expected
    after = s3.list_objects_v2(Bucket=bucket, StartAfter="Z", MaxKeys=3)
    assert [o["Key"] for o in after["Contents"]] == expected[expected.index("Z") + 1:][:3]
