"""S3 answers moto's AWS-verified tests check: where CreateBucket may create from which regional
endpoint, the 206 answer for part 1 of a single-part object, HeadBucket's content type, and the
tag rules S3 enforces (run_moto_s3.py found each of these)."""
import uuid

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError


def regional(petrel, region):
    return boto3.client("s3", endpoint_url=petrel.endpoint, region_name=region, aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 0}, parameter_validation=False))


def error(excinfo):
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_create_bucket_location_constraint_against_the_signing_region(petrel):
    west = regional(petrel, "us-west-2")
    with pytest.raises(ClientError) as e:
        west.create_bucket(Bucket=f"b-{uuid.uuid4().hex[:12]}", CreateBucketConfiguration={"LocationConstraint": "eu-central-1"})
    assert error(e) == ("IllegalLocationConstraintException",
                        "The eu-central-1 location constraint is incompatible for the region specific endpoint this request was sent to.")
    with pytest.raises(ClientError) as e:
        regional(petrel, "us-east-2").create_bucket(Bucket=f"b-{uuid.uuid4().hex[:12]}")
    assert error(e)[0] == "IllegalLocationConstraintException"
    assert "unspecified location constraint" in error(e)[1]
    with pytest.raises(ClientError) as e:
        regional(petrel, "us-east-1").create_bucket(Bucket=f"b-{uuid.uuid4().hex[:12]}",
                                                    CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    assert error(e) == ("InvalidLocationConstraint", "The specified location-constraint is not valid")
    name = f"b-{uuid.uuid4().hex[:12]}"
    west.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert west.get_bucket_location(Bucket=name)["LocationConstraint"] == "us-west-2"
    head = west.head_bucket(Bucket=name)["ResponseMetadata"]["HTTPHeaders"]
    assert head["content-type"] == "application/xml"
    west.delete_bucket(Bucket=name)


def test_part_one_of_a_single_part_object_is_a_partial_answer(petrel):
    s3 = petrel.client("s3")
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_object(Bucket=name, Key="k", Body=b"x" * 10)
    for call in (s3.head_object, s3.get_object):
        answer = call(Bucket=name, Key="k", PartNumber=1)
        assert answer["ResponseMetadata"]["HTTPStatusCode"] == 206
        assert answer["ResponseMetadata"]["HTTPHeaders"]["content-range"] == "bytes 0-9/10"
        assert answer["ContentLength"] == 10
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=name, Key="k", PartNumber=2)
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 416


def test_tag_rules(petrel):
    s3 = petrel.client("s3")
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=name, Key="k", Body=b"", Tagging="aws:owner=me")
    assert error(e) == ("InvalidTag", "Your TagKey cannot be prefixed with aws:")
    s3.put_object(Bucket=name, Key="k", Body=b"")
    with pytest.raises(ClientError) as e:
        s3.put_object_tagging(Bucket=name, Key="k", Tagging={"TagSet": [{"Key": f"k{i}", "Value": ""} for i in range(11)]})
    assert error(e) == ("BadRequest", "Object tags cannot be greater than 10")
    with pytest.raises(ClientError) as e:
        s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": [{"Key": "aws:cloudformation:stack", "Value": "x"}]})
    assert error(e) == ("InvalidTag", "System tags cannot be added/updated by requester")


def test_if_match_takes_an_etag_missing_a_quote(petrel):
    s3 = petrel.client("s3")
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    etag = s3.put_object(Bucket=name, Key="k", Body=b"one")["ETag"]
    etag = s3.put_object(Bucket=name, Key="k", Body=b"two", IfMatch=etag[1:])["ETag"]
    s3.put_object(Bucket=name, Key="k", Body=b"three", IfMatch=etag[:-1])
    with pytest.raises(ClientError) as e:
        s3.put_object(Bucket=name, Key="k", Body=b"four", IfMatch=etag)
    assert e.value.response["Error"]["Code"] == "PreconditionFailed"


def test_recreating_your_own_bucket_is_ok_only_in_us_east_1(petrel):
    east = petrel.client("s3")
    name = f"b-{uuid.uuid4().hex[:12]}"
    east.create_bucket(Bucket=name)
    assert east.create_bucket(Bucket=name)["ResponseMetadata"]["HTTPStatusCode"] == 200
    west = regional(petrel, "us-west-2")
    elsewhere = f"b-{uuid.uuid4().hex[:12]}"
    west.create_bucket(Bucket=elsewhere, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    with pytest.raises(ClientError) as e:
        west.create_bucket(Bucket=elsewhere, CreateBucketConfiguration={"LocationConstraint": "us-west-2"})
    assert e.value.response["Error"]["Code"] == "BucketAlreadyOwnedByYou"


def test_a_delete_marker_asked_for_by_version_allows_only_delete(petrel):
    s3 = petrel.client("s3")
    name = f"b-{uuid.uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name)
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    s3.put_object(Bucket=name, Key="k", Body=b"x")
    marker = s3.delete_object(Bucket=name, Key="k")["VersionId"]
    with pytest.raises(ClientError) as e:
        s3.head_object(Bucket=name, Key="k", VersionId=marker)
    headers = e.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 405
    assert (headers["allow"], headers["x-amz-delete-marker"]) == ("DELETE", "true")
    with pytest.raises(ClientError) as e:
        s3.get_object(Bucket=name, Key="k", VersionId=marker)
    assert (e.value.response["Error"]["Code"], e.value.response["Error"]["ResourceType"]) == ("MethodNotAllowed", "DeleteMarker")
