"""Function aliases: a name for a version, weighted routing between two versions, aliases as
qualifiers for invoke, and AWS's errors."""
import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke, make_zip

ARN = "arn:aws:lambda:us-east-1:000000000000:function:"


def code(tag):
    return {"index.js": f"exports.handler = async () => '{tag}';"}


def two_versions(server):
    """A function with version 1 answering 'one' and version 2 answering 'two'."""
    name = create_function(server, code("one"), Publish=True)
    lam = server.client("lambda")
    lam.update_function_code(FunctionName=name, ZipFile=make_zip(code("two")), Publish=True)
    return name, lam


def error_code(call):
    with pytest.raises(ClientError) as excinfo:
        call()
    return excinfo.value.response["Error"]["Code"], excinfo.value.response["Error"]["Message"]


def test_alias_lifecycle_and_invoke(petrel):
    name, lam = two_versions(petrel)
    created = lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1", Description="production")
    assert created["AliasArn"] == f"{ARN}{name}:live"
    assert created["FunctionVersion"] == "1" and created["Description"] == "production" and created["RevisionId"]

    response, payload = invoke(petrel, name, Qualifier="live")
    assert payload == "one" and response["ExecutedVersion"] == "1"
    # An alias ARN works as the function name too.
    response, payload = invoke(petrel, f"{ARN}{name}:live")
    assert payload == "one"

    updated = lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2", RevisionId=created["RevisionId"])
    assert updated["FunctionVersion"] == "2" and updated["RevisionId"] != created["RevisionId"]
    assert invoke(petrel, name, Qualifier="live")[1] == "two"
    assert lam.get_function_configuration(FunctionName=name, Qualifier="live")["Version"] == "2"

    # A stale revision is refused.
    code_, message = error_code(lambda: lam.update_alias(FunctionName=name, Name="live", Description="x", RevisionId=created["RevisionId"]))
    assert code_ == "PreconditionFailedException"

    lam.create_alias(FunctionName=name, Name="old", FunctionVersion="1")
    listed = lam.list_aliases(FunctionName=name)["Aliases"]
    assert [a["Name"] for a in listed] == ["live", "old"]
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]] == ["old"]
    page = lam.list_aliases(FunctionName=name, MaxItems=1)
    assert [a["Name"] for a in page["Aliases"]] == ["live"] and page["NextMarker"] == "live"
    assert [a["Name"] for a in lam.list_aliases(FunctionName=name, Marker=page["NextMarker"])["Aliases"]] == ["old"]

    # A version an alias uses cannot be deleted; the alias can.
    code_, message = error_code(lambda: lam.delete_function(FunctionName=name, Qualifier="1"))
    assert code_ == "ResourceConflictException" and "old" in message
    lam.delete_alias(FunctionName=name, Name="old")
    lam.delete_function(FunctionName=name, Qualifier="1")
    assert error_code(lambda: lam.get_alias(FunctionName=name, Name="old"))[0] == "ResourceNotFoundException"
    assert error_code(lambda: invoke(petrel, name, Qualifier="old"))[0] == "ResourceNotFoundException"

    # Deleting the function deletes its aliases.
    lam.delete_function(FunctionName=name)
    lam2 = create_function(petrel, code("again"), name=name, Publish=True)
    assert lam.list_aliases(FunctionName=lam2)["Aliases"] == []


def test_alias_errors_are_aws_shaped(petrel):
    name, lam = two_versions(petrel)
    lam.create_alias(FunctionName=name, Name="dup", FunctionVersion="1")
    cases = [
        (lambda: lam.create_alias(FunctionName=name, Name="dup", FunctionVersion="1"), "ResourceConflictException", "Alias already exists"),
        (lambda: lam.create_alias(FunctionName=name, Name="123", FunctionVersion="1"), "ValidationException", "regular expression"),
        (lambda: lam.create_alias(FunctionName=name, Name="bad name", FunctionVersion="1"), "ValidationException", "regular expression"),
        (lambda: lam.create_alias(FunctionName=name, Name="a", FunctionVersion="9"), "ResourceNotFoundException", f"{name}:9"),
        (lambda: lam.create_alias(FunctionName="nope-" + name, Name="a", FunctionVersion="1"), "ResourceNotFoundException", "Function not found"),
        (lambda: lam.create_alias(FunctionName=name, Name="a", FunctionVersion="1",
                                  RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}), "InvalidParameterValueException", "already included"),
        (lambda: lam.create_alias(FunctionName=name, Name="a", FunctionVersion="$LATEST",
                                  RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}), "InvalidParameterValueException", "$LATEST"),
        (lambda: lam.get_alias(FunctionName=name, Name="missing"), "ResourceNotFoundException", "Alias not found"),
    ]
    for call, expected_code, fragment in cases:
        got_code, message = error_code(call)
        assert (got_code, fragment in message) == (expected_code, True), (expected_code, message)


def test_weighted_routing_splits_invocations(petrel):
    name, lam = two_versions(petrel)
    lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                     RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
    assert lam.get_alias(FunctionName=name, Name="canary")["RoutingConfig"] == {"AdditionalVersionWeights": {"2": 0.3}}
    runs = 300
    executed = [invoke(petrel, name, Qualifier="canary")[0]["ExecutedVersion"] for _ in range(runs)]
    share = executed.count("2") / runs
    # Binomial(300, 0.3): mean 90, standard deviation ~7.9; 0.18..0.42 is beyond 4.5 sigma.
    assert 0.18 < share < 0.42, share
    assert set(executed) == {"1", "2"}
    # Weight 0 and the routing removed: everything goes to the primary.
    lam.update_alias(FunctionName=name, Name="canary", RoutingConfig={"AdditionalVersionWeights": {}})
    assert {invoke(petrel, name, Qualifier="canary")[0]["ExecutedVersion"] for _ in range(20)} == {"1"}


def test_aliases_with_the_aws_cli(petrel):
    name, _ = two_versions(petrel)
    out = petrel.cli("lambda", "create-alias", "--function-name", name, "--name", "prod", "--function-version", "2")
    assert out["AliasArn"].endswith(f":{name}:prod")
    got = petrel.cli("lambda", "get-alias", "--function-name", name, "--name", "prod")
    assert got["FunctionVersion"] == "2"
    petrel.cli("lambda", "delete-alias", "--function-name", name, "--name", "prod")
    listed = petrel.cli("lambda", "list-aliases", "--function-name", name)
    assert listed["Aliases"] == []


def test_tags_and_account_settings(petrel):
    """TagResource/UntagResource/ListTags on a function ARN, and GetAccountSettings' usage."""
    name = create_function(petrel, code("t"), Tags={"team": "a"})
    lam = petrel.client("lambda")
    arn = f"{ARN}{name}"
    lam.tag_resource(Resource=arn, Tags={"stage": "prod", "team": "b"})
    assert lam.list_tags(Resource=arn)["Tags"] == {"team": "b", "stage": "prod"}
    assert lam.get_function(FunctionName=name)["Tags"] == {"team": "b", "stage": "prod"}
    lam.untag_resource(Resource=arn, TagKeys=["team", "absent"])
    assert lam.list_tags(Resource=arn)["Tags"] == {"stage": "prod"}
    assert petrel.cli("lambda", "list-tags", "--resource", arn)["Tags"] == {"stage": "prod"}
    assert error_code(lambda: lam.list_tags(Resource=f"{ARN}missing-{name}"))[0] == "ResourceNotFoundException"
    assert error_code(lambda: lam.tag_resource(Resource="not-an-arn", Tags={"a": "b"}))[0] == "ValidationException"
    too_many = {f"k{i}": "v" for i in range(51)}
    assert error_code(lambda: lam.tag_resource(Resource=arn, Tags=too_many))[0] == "InvalidParameterValueException"

    settings = lam.get_account_settings()
    assert settings["AccountLimit"]["CodeSizeZipped"] == 52428800
    assert settings["AccountLimit"]["ConcurrentExecutions"] >= 1
    assert settings["AccountUsage"]["FunctionCount"] >= 1
    assert settings["AccountUsage"]["TotalCodeSize"] > 0
