"""Helpers shared by the identity suites: a server's root key, clients with given keys."""
import json
import os

import boto3
from botocore.config import Config

from conftest import REGION

# The trust policy that lets Lambda assume a role, and the managed policy every function role
# needs to write its logs.
LAMBDA_TRUST = {"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
BASIC = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"


def root_credentials(server):
    with open(os.path.join(server.data_dir, "credentials.json")) as f:
        data = json.load(f)
    return data["accessKeyId"], data["secretAccessKey"]


def other_account_credentials(server, account):
    """The root key of another account (`petrel serve --other-account ACCOUNT` writes it)."""
    with open(os.path.join(server.data_dir, f"credentials-{account}.json")) as f:
        data = json.load(f)
    assert data["account"] == account
    return data["accessKeyId"], data["secretAccessKey"]


def client(server, service, key, secret, token=None):
    return boto3.client(
        service, endpoint_url=server.endpoint, region_name=REGION,
        aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"max_attempts": 0}, read_timeout=60),
    )


def cli(server, key, secret, *args, token=None):
    """The real AWS CLI with the given key; returns the finished process."""
    import subprocess
    env = dict(os.environ, AWS_ACCESS_KEY_ID=key, AWS_SECRET_ACCESS_KEY=secret, AWS_DEFAULT_REGION=REGION)
    env.pop("AWS_SESSION_TOKEN", None)
    env.pop("AWS_PROFILE", None)
    if token:
        env["AWS_SESSION_TOKEN"] = token
    return subprocess.run(["aws", "--endpoint-url", server.endpoint, "--output", "json", *args],
                          env=env, capture_output=True, text=True, timeout=120)
