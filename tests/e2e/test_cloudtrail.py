"""CloudTrail: every call recorded with the caller's identity (LookupEvents), trails delivering
gzipped log files to S3 that an S3-triggered function reads, selectors, "AWS API Call via
CloudTrail" events on EventBridge's default bus, and AWS's errors for bad input."""
import gzip
import json
import time
import uuid

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, log_messages, make_zip, unique, wait_for, ROLE

ACCOUNT = "000000000000"
RECORDER = """
exports.handler = async (event) => {
    console.log('GOT ' + JSON.stringify(event));
    return {};
};
"""
# Reads each delivered log file (a plain GET of the object; the server runs with --iam audit)
# and logs the CreateFunction records it holds.
LOG_READER = """
const http = require('http');
const zlib = require('zlib');
const get = (url) => new Promise((resolve, reject) => http.get(url, (res) => {
    const chunks = []; res.on('data', (c) => chunks.push(c)); res.on('end', () => resolve(Buffer.concat(chunks)));
}).on('error', reject));
exports.handler = async (event) => {
    for (const r of event.Records) {
        const key = r.s3.object.key.split('/').map(encodeURIComponent).join('/');
        const bytes = await get(`${process.env.AWS_ENDPOINT_URL}/${r.s3.bucket.name}/${key}`);
        const records = JSON.parse(zlib.gunzipSync(bytes).toString()).Records;
        for (const rec of records) {
            if (rec.eventName.startsWith('CreateFunction')) console.log('CREATED ' + rec.requestParameters.functionName + ' BY ' + rec.userIdentity.arn);
        }
    }
    return {};
};
"""


def error_of(call, *args, **kwargs):
    with pytest.raises(ClientError) as excinfo:
        call(*args, **kwargs)
    return excinfo.value.response["Error"]


def lookup(server, key, value):
    return server.client("cloudtrail").lookup_events(LookupAttributes=[{"AttributeKey": key, "AttributeValue": value}])["Events"]


def test_lookup_events_shows_a_create_function_with_the_callers_identity(petrel):
    name = create_function(petrel, {"index.js": RECORDER})
    events = wait_for(lambda: [e for e in lookup(petrel, "EventName", "CreateFunction20150331")
                               if (json.loads(e["CloudTrailEvent"])["requestParameters"] or {}).get("functionName") == name], timeout=5)
    assert len(events) == 1
    event = events[0]
    assert event["EventSource"] == "lambda.amazonaws.com" and event["ReadOnly"] == "false" and event["Username"] == "root"
    record = json.loads(event["CloudTrailEvent"])
    assert record["userIdentity"]["type"] == "Root"
    assert record["userIdentity"]["arn"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert record["userIdentity"]["accountId"] == ACCOUNT and record["userIdentity"]["accessKeyId"] == "test"
    for field in ("eventVersion", "eventTime", "awsRegion", "sourceIPAddress", "userAgent", "requestID", "eventID"):
        assert record[field], field
    assert (record["eventType"], record["managementEvent"], record["eventCategory"], record["recipientAccountId"]) == \
        ("AwsApiCall", True, "Management", ACCOUNT)
    assert "Boto3" in record["userAgent"] or "boto" in record["userAgent"].lower()
    # Code never lands in the record.
    assert "code" not in record["requestParameters"] or "zipFile" not in record["requestParameters"].get("code", {})
    assert "ZipFile" not in event["CloudTrailEvent"]
    assert {"ResourceType": "AWS::Lambda::Function",
            "ResourceName": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"} in event["Resources"]


def test_failed_calls_carry_their_error_and_reads_are_read_only(petrel):
    lam = petrel.client("lambda")
    missing = unique("missing")
    with pytest.raises(ClientError):
        lam.get_function(FunctionName=missing)
    events = wait_for(lambda: [e for e in lookup(petrel, "EventName", "GetFunction20150331")
                               if (json.loads(e["CloudTrailEvent"])["requestParameters"] or {}).get("functionName") == missing], timeout=5)
    record = json.loads(events[0]["CloudTrailEvent"])
    assert record["errorCode"] == "ResourceNotFoundException" and record["readOnly"] is True


def test_item_values_are_not_recorded_and_data_events_stay_out_of_the_history(petrel):
    ddb = petrel.client("dynamodb")
    table = unique("t")
    ddb.create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")
    ddb.put_item(TableName=table, Item={"pk": {"S": "secret-value"}})
    created = wait_for(lambda: [e for e in lookup(petrel, "EventName", "CreateTable")
                                if (json.loads(e["CloudTrailEvent"])["requestParameters"] or {}).get("tableName") == table], timeout=5)
    assert created
    assert lookup(petrel, "EventName", "PutItem") == []
    assert "secret-value" not in json.dumps(lookup(petrel, "EventSource", "dynamodb.amazonaws.com"), default=str)


def test_lookup_events_pages_and_checks_its_input(petrel):
    ct = petrel.client("cloudtrail")
    for _ in range(3):
        petrel.client("lambda").list_functions()
    time.sleep(0.3)
    first = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListFunctions20150331"}], MaxResults=2)
    assert len(first["Events"]) == 2 and "NextToken" in first
    second = ct.lookup_events(LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "ListFunctions20150331"}],
                              MaxResults=2, NextToken=first["NextToken"])
    assert second["Events"] and not {e["EventId"] for e in first["Events"]} & {e["EventId"] for e in second["Events"]}
    assert error_of(ct.lookup_events, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "a"},
                                                        {"AttributeKey": "Username", "AttributeValue": "b"}])["Code"] == "InvalidLookupAttributesException"
    now = time.time()
    assert error_of(ct.lookup_events, StartTime=now, EndTime=now - 3600)["Code"] == "InvalidTimeRangeException"
    assert error_of(ct.lookup_events, NextToken="not-a-token")["Code"] == "InvalidNextTokenException"
    old = ct.lookup_events(StartTime=now - 86400 * 2, EndTime=now - 86400)["Events"]
    assert old == []
    # An empty value (what a browser can send; boto3 checks it before sending) is refused too.
    from botocore.config import Config
    unchecked = petrel.client("cloudtrail", config=Config(parameter_validation=False, retries={"max_attempts": 0}))
    empty = error_of(unchecked.lookup_events, LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": ""}])
    assert empty["Code"] == "InvalidLookupAttributesException" and "1 to 2000" in empty["Message"]


def test_trail_lifecycle_and_errors_with_the_cli(petrel):
    bucket = f"trail-{uuid.uuid4().hex[:8]}"
    petrel.client("s3").create_bucket(Bucket=bucket)
    name = unique("trail")
    created = petrel.cli("cloudtrail", "create-trail", "--name", name, "--s3-bucket-name", bucket)
    assert created["TrailARN"] == f"arn:aws:cloudtrail:us-east-1:{ACCOUNT}:trail/{name}"
    assert petrel.cli("cloudtrail", "get-trail-status", "--name", name)["IsLogging"] is False
    petrel.cli("cloudtrail", "start-logging", "--name", name)
    assert petrel.cli("cloudtrail", "get-trail-status", "--name", name)["IsLogging"] is True
    ct = petrel.client("cloudtrail")
    assert name in [t["Name"] for t in ct.describe_trails()["trailList"]]
    assert ct.get_trail(Name=name)["Trail"]["S3BucketName"] == bucket
    selectors = ct.put_event_selectors(TrailName=name, EventSelectors=[
        {"ReadWriteType": "All", "IncludeManagementEvents": True,
         "DataResources": [{"Type": "AWS::Lambda::Function", "Values": ["arn:aws:lambda"]}]}])
    assert selectors["EventSelectors"][0]["DataResources"][0]["Type"] == "AWS::Lambda::Function"
    assert ct.get_event_selectors(TrailName=name)["EventSelectors"] == selectors["EventSelectors"]
    ct.update_trail(Name=name, S3KeyPrefix="logs")
    assert ct.get_trail(Name=name)["Trail"]["S3KeyPrefix"] == "logs"
    assert error_of(ct.create_trail, Name=name, S3BucketName=bucket)["Code"] == "TrailAlreadyExistsException"
    assert error_of(ct.create_trail, Name=unique("t"), S3BucketName="no-such-bucket-x")["Code"] == "S3BucketDoesNotExistException"
    assert error_of(ct.create_trail, Name="-bad", S3BucketName=bucket)["Code"] == "InvalidTrailNameException"
    assert error_of(ct.get_trail_status, Name="no-such-trail")["Code"] == "TrailNotFoundException"
    petrel.cli("cloudtrail", "stop-logging", "--name", name)
    petrel.cli("cloudtrail", "delete-trail", "--name", name)
    assert error_of(ct.get_trail, Name=name)["Code"] == "TrailNotFoundException"


def test_a_trail_delivers_a_log_file_that_an_s3_triggered_function_reads(fresh_petrel):
    server = fresh_petrel("--trail-delivery-seconds", "1")
    s3 = server.client("s3")
    bucket = f"trail-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    reader = create_function(server, {"index.js": LOG_READER}, Timeout=30)
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={"LambdaFunctionConfigurations": [
        {"LambdaFunctionArn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{reader}", "Events": ["s3:ObjectCreated:*"],
         "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".json.gz"}]}}}]})
    ct = server.client("cloudtrail")
    ct.create_trail(Name="main", S3BucketName=bucket)
    ct.start_logging(Name="main")
    target = create_function(server, {"index.js": RECORDER})
    keys = wait_for(lambda: [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="AWSLogs/").get("Contents", [])], timeout=10)
    assert keys
    parts = keys[0].split("/")
    assert parts[:4] == ["AWSLogs", ACCOUNT, "CloudTrail", "us-east-1"] and len(parts) == 8
    assert parts[7].startswith(f"{ACCOUNT}_CloudTrail_us-east-1_") and parts[7].endswith(".json.gz")
    body = gzip.decompress(s3.get_object(Bucket=bucket, Key=keys[0])["Body"].read())
    assert "Records" in json.loads(body)
    line = f"CREATED {target} BY arn:aws:iam::{ACCOUNT}:root"
    found = wait_for(lambda: [m for m in log_messages(server, reader) if line in m], timeout=30)
    assert found, log_messages(server, reader)
    status = ct.get_trail_status(Name="main")
    assert status["IsLogging"] and "LatestDeliveryTime" in status


def test_a_pattern_rule_on_create_table_invokes_a_function(petrel):
    events = petrel.client("events")
    fn = create_function(petrel, {"index.js": RECORDER})
    rule = unique("ct-rule")
    rule_arn = events.put_rule(Name=rule, EventPattern=json.dumps({
        "source": ["aws.dynamodb"], "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {"eventSource": ["dynamodb.amazonaws.com"], "eventName": ["CreateTable"]}}))["RuleArn"]
    petrel.client("lambda").add_permission(FunctionName=fn, StatementId="events", Action="lambda:InvokeFunction",
                                           Principal="events.amazonaws.com", SourceArn=rule_arn)
    events.put_targets(Rule=rule, Targets=[{"Id": "fn", "Arn": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{fn}"}])
    table = unique("watched")
    petrel.client("dynamodb").create_table(TableName=table, AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                                           KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}], BillingMode="PAY_PER_REQUEST")

    def got():
        return [json.loads(m.split("GOT ", 1)[1]) for m in log_messages(petrel, fn) if "GOT " in m]
    seen = wait_for(lambda: [e for e in got() if e["detail"]["requestParameters"]["tableName"] == table], timeout=20)
    assert len(seen) == 1
    event = seen[0]
    assert (event["source"], event["detail-type"]) == ("aws.dynamodb", "AWS API Call via CloudTrail")
    assert event["detail"]["eventName"] == "CreateTable" and event["detail"]["userIdentity"]["type"] == "Root"
