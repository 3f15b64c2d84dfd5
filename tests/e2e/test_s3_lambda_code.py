"""A function's deployment package read from Petrel's own S3 (Code.S3Bucket / S3Key / S3ObjectVersion)."""
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, invoke, make_zip, unique


def handler(answer):
    return make_zip({"index.js": f"exports.handler = async () => ({{answer: {answer}}});"})


def test_cli_creates_a_function_from_an_uploaded_zip_and_updates_it_by_version(petrel, tmp_path):
    bucket = f"code-{uuid.uuid4().hex[:10]}"
    name = unique()
    path = tmp_path / "fn.zip"
    path.write_bytes(handler(1))
    petrel.cli("s3", "mb", f"s3://{bucket}")
    petrel.cli("s3api", "put-bucket-versioning", "--bucket", bucket, "--versioning-configuration", "Status=Enabled")
    petrel.cli("s3", "cp", str(path), f"s3://{bucket}/fn.zip")
    created = petrel.cli("lambda", "create-function", "--function-name", name, "--runtime", "nodejs20.x",
                         "--handler", "index.handler", "--role", ROLE, "--code", f"S3Bucket={bucket},S3Key=fn.zip")
    assert created["CodeSize"] == len(handler(1))
    assert invoke(petrel, name)[1] == {"answer": 1}

    s3 = petrel.client("s3")
    first = s3.head_object(Bucket=bucket, Key="fn.zip")["VersionId"]
    s3.put_object(Bucket=bucket, Key="fn.zip", Body=handler(2))
    petrel.cli("lambda", "update-function-code", "--function-name", name, "--s3-bucket", bucket, "--s3-key", "fn.zip")
    assert invoke(petrel, name)[1] == {"answer": 2}
    # An older version of the package, by S3ObjectVersion.
    petrel.client("lambda").update_function_code(FunctionName=name, S3Bucket=bucket, S3Key="fn.zip", S3ObjectVersion=first)
    assert invoke(petrel, name)[1] == {"answer": 1}


@pytest.mark.parametrize("where,code,message", [
    ("key", "NoSuchKey", "The specified key does not exist."),
    ("bucket", "NoSuchBucket", "The specified bucket does not exist"),
    ("version", "NoSuchVersion", "The specified version does not exist."),
])
def test_a_missing_package_is_aws_error(petrel, where, code, message):
    bucket = f"code-{uuid.uuid4().hex[:10]}"
    s3 = petrel.client("s3")
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="fn.zip", Body=handler(1))
    source = {"S3Bucket": bucket, "S3Key": "fn.zip"}
    if where == "key":
        source["S3Key"] = "missing.zip"
    elif where == "bucket":
        source["S3Bucket"] = f"missing-{uuid.uuid4().hex[:8]}"
    else:
        source["S3ObjectVersion"] = "0" * 32
    with pytest.raises(ClientError) as excinfo:
        petrel.client("lambda").create_function(FunctionName=unique(), Runtime="nodejs20.x", Handler="index.handler",
                                                Role=ROLE, Code=source)
    error = excinfo.value.response["Error"]
    assert error["Code"] == "InvalidParameterValueException"
    assert error["Message"] == f"Error occurred while GetObject. S3 Error Code: {code}. S3 Error Message: {message}"
