"""Helpers for the SQS end-to-end tests: AWS's digests computed independently of the server,
a boto3 client forced to SQS's older query protocol, and raw signed query requests."""
import copy
import gzip
import hashlib
import json
import os
import struct
import tempfile
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import boto3
import botocore
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

NS = "{http://queue.amazonaws.com/doc/2012-11-05/}"


def md5_of_attributes(attributes):
    """MD5OfMessageAttributes as AWS documents it: sorted names, length-prefixed fields,
    transport byte 1 (string) or 2 (binary)."""
    digest = hashlib.md5()

    def put(data):
        digest.update(struct.pack(">I", len(data)) + data)

    for name in sorted(attributes):
        value = attributes[name]
        put(name.encode())
        put(value["DataType"].encode())
        if value["DataType"].startswith("Binary"):
            digest.update(b"\x02")
            put(value["BinaryValue"])
        else:
            digest.update(b"\x01")
            put(value["StringValue"].encode())
    return digest.hexdigest()


def md5(text):
    return hashlib.md5(text.encode()).hexdigest()


# --- boto3 speaking the query protocol ------------------------------------------------------
# botocore's sqs model is JSON-only today; the query-era model differed only in protocol
# traits. These are SQS's flattened query names (Attribute.N.Name, MessageAttribute.N.Value…).
FLATTENED = {
    ("CreateQueueRequest", "Attributes"): "Attribute", ("CreateQueueRequest", "tags"): "Tag",
    ("SetQueueAttributesRequest", "Attributes"): "Attribute", ("GetQueueAttributesRequest", "AttributeNames"): "AttributeName",
    ("GetQueueAttributesResult", "Attributes"): "Attribute", ("TagQueueRequest", "Tags"): "Tag",
    ("UntagQueueRequest", "TagKeys"): "TagKey", ("ListQueueTagsResult", "Tags"): "Tag",
    ("ListQueuesResult", "QueueUrls"): "QueueUrl", ("ListDeadLetterSourceQueuesResult", "queueUrls"): "QueueUrl",
    ("ReceiveMessageRequest", "AttributeNames"): "AttributeName",
    ("ReceiveMessageRequest", "MessageSystemAttributeNames"): "MessageSystemAttributeName",
    ("ReceiveMessageRequest", "MessageAttributeNames"): "MessageAttributeName",
    ("ReceiveMessageResult", "Messages"): "Message", ("Message", "Attributes"): "Attribute",
    ("Message", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageAttributes"): "MessageAttribute",
    ("SendMessageRequest", "MessageSystemAttributes"): "MessageSystemAttribute",
    ("SendMessageBatchRequestEntry", "MessageAttributes"): "MessageAttribute",
    ("SendMessageBatchRequest", "Entries"): "SendMessageBatchRequestEntry",
    ("SendMessageBatchResult", "Successful"): "SendMessageBatchResultEntry",
    ("SendMessageBatchResult", "Failed"): "BatchResultErrorEntry",
    ("DeleteMessageBatchRequest", "Entries"): "DeleteMessageBatchRequestEntry",
    ("DeleteMessageBatchResult", "Successful"): "DeleteMessageBatchResultEntry",
    ("DeleteMessageBatchResult", "Failed"): "BatchResultErrorEntry",
    ("ChangeMessageVisibilityBatchRequest", "Entries"): "ChangeMessageVisibilityBatchRequestEntry",
    ("ChangeMessageVisibilityBatchResult", "Successful"): "ChangeMessageVisibilityBatchResultEntry",
    ("ChangeMessageVisibilityBatchResult", "Failed"): "BatchResultErrorEntry",
    ("ListMessageMoveTasksResult", "Results"): "ListMessageMoveTasksResultEntry",
}
MAP_KEYS = {"TagMap": ("Key", "Value")}


def query_model():
    path = os.path.join(os.path.dirname(botocore.__file__), "data", "sqs", "2012-11-05", "service-2.json.gz")
    with gzip.open(path) as f:
        model = json.load(f)
    model = copy.deepcopy(model)
    model["metadata"].update({"protocol": "query", "protocols": ["query"], "xmlNamespace": "http://queue.amazonaws.com/doc/2012-11-05/"})
    model["metadata"].pop("jsonVersion", None)
    model["metadata"].pop("targetPrefix", None)
    model["metadata"].pop("awsQueryCompatible", None)
    for name, op in model["operations"].items():
        if "output" in op:
            op["output"]["resultWrapper"] = f"{name}Result"
    shapes = model["shapes"]
    for (shape, member), location in FLATTENED.items():
        m = shapes[shape]["members"][member]
        m["locationName"] = location
        m["flattened"] = True
        target = shapes[m["shape"]]
        if target["type"] == "map":
            key, value = MAP_KEYS.get(m["shape"], ("Name", "Value"))
            target["key"]["locationName"] = key
            target["value"]["locationName"] = value
    return model


def query_client(endpoint):
    """A boto3 SQS client that speaks the query protocol (form posts, XML answers)."""
    folder = tempfile.mkdtemp(prefix="sqs-query-model-")
    os.makedirs(os.path.join(folder, "sqs", "2012-11-05"))
    with open(os.path.join(folder, "sqs", "2012-11-05", "service-2.json"), "w") as f:
        json.dump(query_model(), f)
    session = botocore.session.get_session()
    session.get_component("data_loader").search_paths.insert(0, folder)
    return boto3.Session(botocore_session=session).client(
        "sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 0}))


def raw_query(url, params, sign=True):
    """POSTs a form to `url` (signed for sqs unless told not to); answers (status, XML root)."""
    body = urllib.parse.urlencode(params)
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    if sign:
        request = AWSRequest(method="POST", url=url, data=body, headers=headers)
        SigV4Auth(Credentials("test", "test"), "sqs", "us-east-1").add_auth(request)
        headers = dict(request.headers.items())
    req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, ET.fromstring(response.read())
    except urllib.error.HTTPError as error:
        return error.code, ET.fromstring(error.read())
