"""Services Petrel does not serve answer in their own protocol with an error naming them (issue 13),
and an open bind address needs enforce or an explicit flag."""
import subprocess

import pytest
import requests
from botocore.exceptions import ClientError

from conftest import PETREL_BIN, free_port


@pytest.mark.parametrize("args, name", [
    (["firehose", "list-delivery-streams"], "Amazon Data Firehose"),
    (["sns", "list-topics"], "Amazon SNS"),
    (["secretsmanager", "list-secrets"], "AWS Secrets Manager"),
    (["ec2", "describe-instances"], "Amazon EC2"),
])
def test_the_cli_hears_which_service_is_not_served(petrel, args, name):
    proc = petrel.cli(*args, check=False)
    assert proc.returncode != 0
    assert f"Petrel does not serve {name}" in proc.stderr
    assert "NotImplemented" in proc.stderr


@pytest.mark.parametrize("service, call", [
    ("cloudformation", lambda c: c.list_stacks()),
    ("sns", lambda c: c.list_topics()),
    ("stepfunctions", lambda c: c.list_state_machines()),
    ("firehose", lambda c: c.list_delivery_streams()),
])
def test_boto3_gets_an_error_in_the_services_protocol(petrel, service, call):
    with pytest.raises(ClientError) as excinfo:
        call(petrel.client(service))
    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
    assert "Petrel does not serve" in excinfo.value.response["Error"]["Message"]
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501


def test_sts_is_served_now(petrel):
    assert petrel.cli("sts", "get-caller-identity")["Account"] == "000000000000"


def test_eventbridge_and_cloudtrail_are_served_now(petrel):
    assert "default" in [b["Name"] for b in petrel.client("events").list_event_buses()["EventBuses"]]
    assert "Events" in petrel.client("cloudtrail").lookup_events(MaxResults=1)


def test_health_answers_only_at_its_own_paths(petrel):
    assert requests.get(petrel.endpoint + "/", timeout=5).json()["status"] == "running"
    assert requests.get(petrel.endpoint + "/health", timeout=5).json()["status"] == "running"
    assert requests.get(petrel.endpoint + "/_petrel/health", timeout=5).json()["status"] == "running"


@pytest.mark.parametrize("mode", ["audit", "off"])
def test_an_open_address_needs_enforce(tmp_path, mode):
    # Refused before anything is bound or written.
    proc = subprocess.run([PETREL_BIN, "serve", "--host", "0.0.0.0", "--iam", mode, "--port", str(free_port()),
                           "--data-dir", str(tmp_path / "data")], capture_output=True, text=True, timeout=30)
    assert proc.returncode != 0
    assert "--i-know-this-is-open" in proc.stderr + proc.stdout
    assert not (tmp_path / "data").exists()
