"""Lifecycle expiration that really expires objects (a "day" shortened to 2 s for the test)."""
import json
import os
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import PetrelProcess, create_function, log_messages, wait_for


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    os.environ["PETREL_S3_DAY_SECONDS"] = "2"
    try:
        process = PetrelProcess(str(tmp_path_factory.mktemp("s3-lifecycle"))).start()
    finally:
        del os.environ["PETREL_S3_DAY_SECONDS"]
    yield process
    process.stop()


def test_expiration_rule_deletes_matching_objects_with_an_event(server):
    s3 = server.client("s3")
    bucket = f"l-{uuid.uuid4().hex[:10]}"
    s3.create_bucket(Bucket=bucket)
    with pytest.raises(ClientError) as excinfo:
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    assert excinfo.value.response["Error"]["Code"] == "NoSuchLifecycleConfiguration"
    fn = create_function(server, {"index.js": "exports.handler = async (e) => { console.log('GOT ' + JSON.stringify(e.Records[0])); };"})
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": f"arn:aws:lambda:us-east-1:000000000000:function:{fn}", "Events": ["s3:LifecycleExpiration:*"]}]})
    s3.put_bucket_lifecycle_configuration(Bucket=bucket, LifecycleConfiguration={"Rules": [
        {"ID": "tmp", "Filter": {"Prefix": "tmp/"}, "Status": "Enabled", "Expiration": {"Days": 1}}]})
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["ID"] == "tmp" and rules[0]["Expiration"]["Days"] == 1
    s3.put_object(Bucket=bucket, Key="tmp/a", Body=b"1")
    s3.put_object(Bucket=bucket, Key="keep/b", Body=b"2")
    assert wait_for(lambda: "Contents" not in s3.list_objects_v2(Bucket=bucket, Prefix="tmp/"), timeout=20)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == ["keep/b"]
    records = wait_for(lambda: [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(server, fn) if "GOT " in m], timeout=20)
    assert [(r["eventName"], r["s3"]["object"]["key"]) for r in records] == [("LifecycleExpiration:Delete", "tmp/a")]
    s3.delete_bucket_lifecycle(Bucket=bucket)
    with pytest.raises(ClientError):
        s3.get_bucket_lifecycle_configuration(Bucket=bucket)
