"""SQS server-side encryption settings: SSE-SQS by default, SSE-KMS once a key is named, never both."""
import uuid

import pytest
from botocore.exceptions import ClientError


def test_encryption_attributes(petrel):
    sqs = petrel.client("sqs")
    url = sqs.create_queue(QueueName=f"sse-{uuid.uuid4().hex[:10]}")["QueueUrl"]
    try:
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attrs["SqsManagedSseEnabled"] == "true"
        assert "KmsMasterKeyId" not in attrs
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/aws/sqs"})
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (attrs["KmsMasterKeyId"], attrs["KmsDataKeyReusePeriodSeconds"], attrs["SqsManagedSseEnabled"]) == \
            ("alias/aws/sqs", "300", "false")
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsMasterKeyId": "alias/k", "SqsManagedSseEnabled": "true"})
        assert e.value.response["Error"]["Code"] == "InvalidAttributeValue"
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=url, Attributes={"KmsDataKeyReusePeriodSeconds": "59"})
        assert e.value.response["Error"]["Code"] == "InvalidAttributeValue"
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"SqsManagedSseEnabled": "true"})
        attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert attrs["SqsManagedSseEnabled"] == "true"
        assert "KmsMasterKeyId" not in attrs
    finally:
        sqs.delete_queue(QueueUrl=url)
