"""ListFunctions with FunctionVersion=ALL lists every published version beside $LATEST."""
import pytest
from botocore.exceptions import ClientError

from conftest import create_function


def test_function_version_all(petrel):
    lam = petrel.client("lambda")
    name = create_function(petrel, {"index.js": "exports.handler = async () => 1;"}, Publish=True)
    lam.update_function_configuration(FunctionName=name, Description="v2")
    lam.publish_version(FunctionName=name)
    everything = [f for page in lam.get_paginator("list_functions").paginate(FunctionVersion="ALL") for f in page["Functions"]]
    mine = [f["Version"] for f in everything if f["FunctionName"] == name]
    assert mine == ["$LATEST", "1", "2"]
    # The session's server holds other tests' functions too: page through all of them.
    plain = [f["Version"] for page in lam.get_paginator("list_functions").paginate() for f in page["Functions"] if f["FunctionName"] == name]
    assert plain == ["$LATEST"]
    cli = petrel.cli("lambda", "list-functions", "--function-version", "ALL")["Functions"]
    assert [f["Version"] for f in cli if f["FunctionName"] == name] == ["$LATEST", "1", "2"]
    with pytest.raises(ClientError) as bad:
        lam.list_functions(FunctionVersion="SOME")
    assert bad.value.response["Error"]["Code"] == "ValidationException"
