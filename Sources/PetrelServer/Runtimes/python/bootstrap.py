"""Petrel's Python runtime entry point.

The server starts it as `<python3> -u <runtime dir>/python/bootstrap.py` with cwd = LAMBDA_TASK_ROOT.
This file stays tiny on purpose: a script run as __main__ is compiled on every start, an imported
module is loaded from its cached byte code. The runtime itself is `petrel_runtime.py` beside it.
"""
import sys

sys.path[0:0] = [__file__.rpartition("/")[0] or "."]
import petrel_runtime  # noqa: E402

petrel_runtime.main()
