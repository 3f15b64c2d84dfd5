"""The README's command blocks, run as a reader runs them: the CLI walk-through and the tables
section, twice in a row against one server. The second run fails if the clean-up at the end of
the tables section leaves anything behind (a table, the function, a mapping, a log group)."""
import os
import re
import shutil
import subprocess

import pytest

from conftest import ROOT

SECTIONS = ("## Using it with the AWS CLI", "## Tables, streams and triggers")


def readme_script(endpoint):
    text = open(os.path.join(ROOT, "README.md")).read()
    blocks = []
    for title in SECTIONS:
        start = text.index(title)
        end = text.find("\n## ", start + len(title))
        blocks += re.findall(r"```sh\n(.*?)```", text[start:end], re.S)
    script = "\n".join(blocks).replace("http://127.0.0.1:4566", endpoint)
    return "set -euo pipefail\n" + script


@pytest.mark.skipif(shutil.which("aws") is None, reason="the AWS CLI is not installed")
def test_the_readme_runs_twice(fresh_petrel, tmp_path):
    server = fresh_petrel()
    script = readme_script(server.endpoint)
    assert "delete-table --table-name vouchers" in script and "delete-event-source-mapping" in script
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    for attempt in (1, 2):
        out = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, f"run {attempt}:\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
        assert "Loading function" in out.stdout  # the first invoke's --log-type Tail, decoded
    lam, ddb = server.client("lambda"), server.client("dynamodb")
    assert lam.list_functions()["Functions"] == []
    assert ddb.list_tables()["TableNames"] == []
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []
    assert not (tmp_path / "hello").exists()
