"""Provisioned concurrency: initialised instances kept ready, surviving keep-alive and restarts."""
import pytest
from botocore.exceptions import ClientError

from conftest import create_function, invoke, log_tail, wait_for

CODE = {"index.js": "exports.handler = async () => 'ready';"}


def test_provisioned_instances_are_warm_and_not_reaped(fresh_petrel):
    import time
    server = fresh_petrel("--keep-alive", "1")
    name = create_function(server, CODE, Publish=True)
    lam = server.client("lambda")
    out = lam.put_provisioned_concurrency_config(FunctionName=name, Qualifier="1", ProvisionedConcurrentExecutions=2)
    assert out["RequestedProvisionedConcurrentExecutions"] == 2
    ready = wait_for(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["Status"] == "READY", timeout=20)
    assert ready
    time.sleep(2.5)  # longer than the keep-alive: provisioned instances stay
    response, payload = invoke(server, name, Qualifier="1", LogType="Tail")
    assert payload == "ready"
    assert "Init Duration" not in log_tail(response)  # initialised ahead of need
    config = lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert config["AvailableProvisionedConcurrentExecutions"] == 2
    listed = lam.list_provisioned_concurrency_configs(FunctionName=name)["ProvisionedConcurrencyConfigs"]
    assert [c["FunctionArn"] for c in listed] == [f"arn:aws:lambda:us-east-1:000000000000:function:{name}:1"]

    server.restart()
    lam = server.client("lambda")
    assert wait_for(lambda: lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")["Status"] == "READY", timeout=20)
    lam.delete_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    with pytest.raises(ClientError) as excinfo:
        lam.get_provisioned_concurrency_config(FunctionName=name, Qualifier="1")
    assert excinfo.value.response["Error"]["Code"] == "ProvisionedConcurrencyConfigNotFoundException"


def test_latest_cannot_be_provisioned(petrel):
    name = create_function(petrel, CODE)
    with pytest.raises(ClientError) as excinfo:
        petrel.client("lambda").put_provisioned_concurrency_config(FunctionName=name, Qualifier="$LATEST",
                                                                   ProvisionedConcurrentExecutions=1)
    assert excinfo.value.response["Error"]["Code"] == "InvalidParameterValueException"
