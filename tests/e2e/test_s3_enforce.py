"""S3 under `petrel serve --iam enforce`: signatures (header, presigned, signed chunks) are checked."""
import datetime
import hashlib
import hmac
import http.client
import urllib.error
import urllib.request
import uuid

import time

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from conftest import PetrelProcess
from iam_helpers import client, root_credentials


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = PetrelProcess(str(tmp_path_factory.mktemp("s3-enforce")), ["--iam", "enforce"]).start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def root(server):
    return root_credentials(server)


@pytest.fixture(scope="module")
def bucket(server, root):
    name = f"e-{uuid.uuid4().hex[:10]}"
    client(server, "s3", *root).create_bucket(Bucket=name)
    return name


def test_root_keys_work_and_others_are_refused(server, root, bucket):
    s3 = client(server, "s3", *root)
    s3.put_object(Bucket=bucket, Key="k", Body=b"secret")
    assert s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"secret"
    with pytest.raises(ClientError) as excinfo:
        client(server, "s3", "AKIAUNKNOWN000000000", "nope").get_object(Bucket=bucket, Key="k")
    assert excinfo.value.response["Error"]["Code"] == "InvalidAccessKeyId"
    with pytest.raises(ClientError) as excinfo:
        client(server, "s3", root[0], "wrong-secret").get_object(Bucket=bucket, Key="k")
    assert excinfo.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    # Unsigned, addressed to an S3 host name.
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    connection.request("GET", f"/{bucket}/k", headers={"Host": f"s3.localhost:{server.port}"})
    response = connection.getresponse()
    assert response.status == 403 and b"AccessDenied" in response.read()


def test_iam_users_are_refused_until_policies_cover_s3(server, root, bucket):
    iam = client(server, "iam", *root)
    user = f"u-{uuid.uuid4().hex[:8]}"
    iam.create_user(UserName=user)
    key = iam.create_access_key(UserName=user)["AccessKey"]
    with pytest.raises(ClientError) as excinfo:
        client(server, "s3", key["AccessKeyId"], key["SecretAccessKey"]).get_object(Bucket=bucket, Key="k")
    assert excinfo.value.response["Error"]["Code"] == "AccessDenied"


@pytest.mark.parametrize("signature_version", [None, "s3v4"])
def test_presigned_urls(server, root, bucket, signature_version):
    """boto3 presigns with the legacy signature by default, with SigV4 when told s3v4; both are checked."""
    s3 = boto3.client("s3", endpoint_url=server.endpoint, region_name="us-east-1", aws_access_key_id=root[0],
                      aws_secret_access_key=root[1], config=Config(signature_version=signature_version, retries={"max_attempts": 0}))
    s3.put_object(Bucket=bucket, Key="p", Body=b"presigned")
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"})
    assert requests.get(get_url).content == b"presigned"
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "p2 with space"})
    assert requests.put(put_url, data=b"up").status_code == 200
    assert s3.get_object(Bucket=bucket, Key="p2 with space")["Body"].read() == b"up"
    tampered = put_url.replace("p2%20with%20space?", "p3?")
    assert tampered != put_url
    refused = requests.put(tampered, data=b"up")
    assert refused.status_code == 403 and b"SignatureDoesNotMatch" in refused.content
    expired = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "p"}, ExpiresIn=1)
    time.sleep(2.1)
    refused = requests.get(expired)
    assert refused.status_code == 403 and b"expired" in refused.content


def streaming_put(server, root, bucket, key, chunks, tamper=False):
    """PUT with STREAMING-AWS4-HMAC-SHA256-PAYLOAD, chunk signatures computed as AWS documents them."""
    access, secret = root
    decoded = b"".join(chunks)
    host = f"127.0.0.1:{server.port}"
    pieces = list(chunks) + [b""]
    encoded_length = sum(len(f"{len(c):x};chunk-signature=".encode()) + 64 + 2 + len(c) + 2 for c in pieces)
    request = AWSRequest(method="PUT", url=f"http://{host}/{bucket}/{key}", headers={
        "Host": host, "Content-Encoding": "aws-chunked", "x-amz-decoded-content-length": str(len(decoded)),
        "Content-Length": str(encoded_length), "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"})
    SigV4Auth(Credentials(access, secret), "s3", "us-east-1").add_auth(request)
    amz_date = request.headers["X-Amz-Date"]
    seed = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    scope = f"{amz_date[:8]}/us-east-1/s3/aws4_request"
    signing_key = ("AWS4" + secret).encode()
    for part in [amz_date[:8], "us-east-1", "s3", "aws4_request"]:
        signing_key = hmac.new(signing_key, part.encode(), hashlib.sha256).digest()
    body = b""
    previous = seed
    for chunk in pieces:
        to_sign = "\n".join(["AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous, hashlib.sha256(b"").hexdigest(),
                             hashlib.sha256(chunk).hexdigest()])
        signature = hmac.new(signing_key, to_sign.encode(), hashlib.sha256).hexdigest()
        previous = signature
        if tamper and chunk:
            signature = "0" * 64
        body += f"{len(chunk):x};chunk-signature={signature}\r\n".encode() + chunk + b"\r\n"
    assert len(body) == encoded_length
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("PUT", f"/{bucket}/{key}", body=body, headers=dict(request.headers.items()))
    response = connection.getresponse()
    return response.status, response.read()


def test_signed_chunked_upload_is_verified(server, root, bucket):
    chunks = [b"a" * 65536, b"b" * 1024]
    status, body = streaming_put(server, root, bucket, "chunked", chunks)
    assert status == 200, body
    s3 = client(server, "s3", *root)
    assert s3.get_object(Bucket=bucket, Key="chunked")["Body"].read() == b"".join(chunks)
    status, body = streaming_put(server, root, bucket, "tampered", chunks, tamper=True)
    assert status == 403 and b"SignatureDoesNotMatch" in body
    with pytest.raises(ClientError):
        s3.head_object(Bucket=bucket, Key="tampered")
