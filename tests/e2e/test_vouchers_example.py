"""The article's flagship, as the README runs it: thousands of redemptions from concurrent
clients, and the popular list converging to the true top N."""
import os
import re
import subprocess
import sys

from conftest import ROOT


def test_vouchers_example_converges(petrel):
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "vouchers", "run.py"), "--endpoint", petrel.endpoint,
         "--redemptions", "2000", "--clients", "16", "--timeout", "90"],
        capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "converged" in out.stdout
    assert "2000 redemptions" in out.stdout


def leftovers(petrel, suffix):
    ddb, lam = petrel.client("dynamodb"), petrel.client("lambda")
    tables = [t for page in ddb.get_paginator("list_tables").paginate() for t in page["TableNames"] if t.endswith(suffix)]
    functions = [f["FunctionName"] for page in lam.get_paginator("list_functions").paginate()
                 for f in page["Functions"] if f["FunctionName"].endswith(suffix)]
    mappings = [m["UUID"] for m in lam.list_event_source_mappings()["EventSourceMappings"] if m["FunctionArn"].endswith(suffix)]
    return tables + functions + mappings


def run_example(petrel, *extra):
    out = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "vouchers", "run.py"), "--endpoint", petrel.endpoint,
         "--redemptions", "200", "--clients", "4", "--timeout", "60", *extra],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    return re.search(r"function popular-vouchers-(\w+) ", out.stdout).group(1), out.stdout


def test_the_example_leaves_nothing_behind_so_it_can_run_again(petrel):
    first, stdout = run_example(petrel)
    assert "cleaned up:" in stdout
    assert leftovers(petrel, "-" + first) == []
    second, _ = run_example(petrel)
    assert second != first and leftovers(petrel, "-" + second) == []


def test_no_cleanup_keeps_what_it_made(petrel):
    suffix, stdout = run_example(petrel, "--no-cleanup")
    assert "cleaned up:" not in stdout
    assert len(leftovers(petrel, "-" + suffix)) == 5  # three tables, the function, its mapping
