"""The article's flagship, as the README runs it: thousands of redemptions from concurrent
clients, and the popular list converging to the true top N."""
import os
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
