"""Lambda layers: publish, list, use from functions (/opt, NODE_PATH, PATH, a bootstrap)."""
import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke, make_zip, unique

GREET_LAYER = {
    "nodejs/node_modules/greet/index.js": "module.exports = (n) => 'hello ' + n + ' from a layer';",
    "bin/layer-tool": "#!/bin/sh\necho tool\n",
    "python/greet.py": "def greet(n):\n    return 'hello ' + n + ' from a python layer'\n",
}


def publish(server, name, files, **kwargs):
    return server.client("lambda").publish_layer_version(LayerName=name, Content={"ZipFile": make_zip(files)}, **kwargs)


def test_publish_get_list_and_delete_layer_versions(petrel):
    lam = petrel.client("lambda")
    name = unique("layer")
    v1 = publish(petrel, name, GREET_LAYER, Description="first", CompatibleRuntimes=["nodejs20.x", "python3.12"])
    v2 = publish(petrel, name, GREET_LAYER, Description="second", CompatibleRuntimes=["nodejs20.x"])
    assert (v1["Version"], v2["Version"]) == (1, 2)
    assert v2["LayerVersionArn"] == f"arn:aws:lambda:us-east-1:000000000000:layer:{name}:2"
    assert v1["Content"]["CodeSize"] > 0 and v1["Content"]["CodeSha256"]
    got = lam.get_layer_version(LayerName=name, VersionNumber=1)
    assert got["Description"] == "first"
    assert lam.get_layer_version_by_arn(Arn=v2["LayerVersionArn"])["Version"] == 2
    assert [v["Version"] for v in lam.list_layer_versions(LayerName=name)["LayerVersions"]] == [2, 1]
    listed = {l["LayerName"]: l for l in lam.list_layers()["Layers"]}
    assert listed[name]["LatestMatchingVersion"]["Version"] == 2
    python_only = {l["LayerName"]: l for l in lam.list_layers(CompatibleRuntime="python3.12")["Layers"]}
    assert python_only[name]["LatestMatchingVersion"]["Version"] == 1
    lam.delete_layer_version(LayerName=name, VersionNumber=2)
    with pytest.raises(ClientError) as excinfo:
        lam.get_layer_version(LayerName=name, VersionNumber=2)
    assert excinfo.value.response["Error"]["Code"] == "ResourceNotFoundException"
    assert publish(petrel, name, GREET_LAYER)["Version"] == 3  # numbers are never reused


def test_node_function_uses_a_layer_and_later_layers_win(petrel):
    first = publish(petrel, unique("layer"), GREET_LAYER)
    override = publish(petrel, unique("layer"), {"nodejs/node_modules/greet/index.js": "module.exports = (n) => 'overridden ' + n;"})
    code = {"index.js": """
        const greet = require('greet');
        const { execSync } = require('child_process');
        exports.handler = async (e) => ({ greeting: greet(e.name), tool: execSync('layer-tool').toString().trim() });
    """}
    name = create_function(petrel, code, Layers=[first["LayerVersionArn"]])
    assert invoke(petrel, name, {"name": "ada"})[1] == {"greeting": "hello ada from a layer", "tool": "tool"}
    config = petrel.client("lambda").get_function_configuration(FunctionName=name)
    assert config["Layers"][0]["Arn"] == first["LayerVersionArn"] and config["Layers"][0]["CodeSize"] > 0
    petrel.client("lambda").update_function_configuration(FunctionName=name, Layers=[first["LayerVersionArn"], override["LayerVersionArn"]])
    assert invoke(petrel, name, {"name": "ada"})[1]["greeting"] == "overridden ada"


def test_custom_runtime_bootstrap_from_a_layer(petrel):
    bootstrap = """#!/bin/sh
while true; do
  HEADERS=$(mktemp)
  EVENT=$(curl -sS -D "$HEADERS" "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/next")
  ID=$(grep -i Lambda-Runtime-Aws-Request-Id "$HEADERS" | tr -d '[:space:]' | cut -d: -f2)
  curl -sS -X POST "http://$AWS_LAMBDA_RUNTIME_API/2018-06-01/runtime/invocation/$ID/response" -d "{\\"shell\\":$EVENT}" >/dev/null
done
"""
    layer = publish(petrel, unique("runtime"), {"bootstrap": bootstrap})
    name = create_function(petrel, {"handler.sh": "unused"}, runtime="provided.al2023", handler="handler.sh",
                           Layers=[layer["LayerVersionArn"]])
    assert invoke(petrel, name, {"x": 1})[1] == {"shell": {"x": 1}}


def test_bad_layer_references_are_refused(petrel):
    layer = publish(petrel, unique("layer"), GREET_LAYER)
    with pytest.raises(ClientError) as excinfo:
        create_function(petrel, {"index.js": "exports.handler = async () => 1;"},
                        Layers=[layer["LayerVersionArn"].rsplit(":", 1)[0] + ":99"])
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
    with pytest.raises(ClientError) as excinfo:
        create_function(petrel, {"index.js": "exports.handler = async () => 1;"}, Layers=[layer["LayerVersionArn"]] * 6)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
