"""A fixed-seed slice of the fuzzing campaign (tests/fuzz/run.py; `make fuzz` runs the long one):
model-generated and mutated requests for every operation Petrel serves, and raw HTTP abuse,
while a canary function and table must keep working."""
import os
import subprocess
import sys

from conftest import PETREL_BIN, ROOT

CASES = int(os.environ.get("PETREL_FUZZ_CASES", "2000"))


def test_fuzz_slice_never_crashes_hangs_or_answers_5xx():
    run = subprocess.run([sys.executable, os.path.join(ROOT, "tests", "fuzz", "run.py"), "--cases", str(CASES), "--seed", "1"],
                         env=dict(os.environ, PETREL_BIN=PETREL_BIN), capture_output=True, text=True, timeout=1800)
    print(run.stdout[-5000:])
    assert run.returncode == 0, run.stdout[-5000:] + run.stderr[-3000:]
    assert f"fuzz: {CASES} cases" in run.stdout
