"""TagResource / UntagResource / ListTags on layers and event source mappings (functions' own
tags are tested with the control plane), through boto3 and the AWS CLI; CreateEventSourceMapping's
Tags; a deleted mapping's tags go with it; errors as AWS's."""
import pytest
from botocore.exceptions import ClientError

from conftest import create_function, make_zip, unique


def code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def test_a_layer_is_tagged_as_a_whole(petrel):
    lam = petrel.client("lambda")
    name = unique("tagged-layer")
    version_arn = lam.publish_layer_version(LayerName=name, Content={"ZipFile": make_zip({"a.txt": "x"})})["LayerVersionArn"]
    layer_arn = version_arn.rsplit(":", 1)[0]
    lam.tag_resource(Resource=layer_arn, Tags={"team": "data", "cost": "42"})
    assert lam.list_tags(Resource=layer_arn)["Tags"] == {"team": "data", "cost": "42"}
    petrel.cli("lambda", "untag-resource", "--resource", layer_arn, "--tag-keys", "cost", check=True)
    assert petrel.cli("lambda", "list-tags", "--resource", layer_arn) == {"Tags": {"team": "data"}}
    with pytest.raises(ClientError) as versioned:
        lam.tag_resource(Resource=version_arn, Tags={"a": "b"})
    assert code(versioned) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as missing:
        lam.list_tags(Resource=layer_arn + "-gone")
    assert code(missing) == "ResourceNotFoundException"


def test_a_mapping_takes_tags_at_creation_and_loses_them_with_it(petrel):
    lam, sqs = petrel.client("lambda"), petrel.client("sqs")
    function = create_function(petrel, {"index.js": "exports.handler = async () => ({});"})
    url = sqs.create_queue(QueueName=unique("tagged-q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    mapping = lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function, Enabled=False,
                                              Tags={"pipeline": "orders"})
    arn = mapping["EventSourceMappingArn"]
    assert lam.list_tags(Resource=arn)["Tags"] == {"pipeline": "orders"}
    lam.tag_resource(Resource=arn, Tags={"owner": "me"})
    lam.untag_resource(Resource=arn, TagKeys=["pipeline"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"owner": "me"}
    with pytest.raises(ClientError) as reserved:
        lam.tag_resource(Resource=arn, Tags={"aws:owner": "me"})
    assert code(reserved) == "InvalidParameterValueException"
    with pytest.raises(ClientError) as too_many:
        lam.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(50)})
    assert code(too_many) == "InvalidParameterValueException"
    assert lam.list_tags(Resource=arn)["Tags"] == {"owner": "me"}  # refused as a whole
    lam.delete_event_source_mapping(UUID=mapping["UUID"])
    with pytest.raises(ClientError) as gone:
        lam.list_tags(Resource=arn)
    assert code(gone) == "ResourceNotFoundException"


def test_bad_tags_at_creation_create_no_mapping(petrel):
    lam, sqs = petrel.client("lambda"), petrel.client("sqs")
    function = create_function(petrel, {"index.js": "exports.handler = async () => ({});"})
    url = sqs.create_queue(QueueName=unique("tagged-q"))["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    with pytest.raises(ClientError) as refused:
        lam.create_event_source_mapping(EventSourceArn=queue_arn, FunctionName=function, Tags={"aws:x": "y"})
    assert code(refused) == "InvalidParameterValueException"
    assert lam.list_event_source_mappings(FunctionName=function)["EventSourceMappings"] == []
