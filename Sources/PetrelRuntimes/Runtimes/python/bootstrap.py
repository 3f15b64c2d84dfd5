"""Petrel's Python runtime entry point.

The server starts it as `<python3> -u <runtime dir>/python/bootstrap.py` with cwd = LAMBDA_TASK_ROOT.
This file stays tiny on purpose: a script run as __main__ is compiled on every start, an imported
module is loaded from its cached byte code. The runtime itself is `petrel_runtime.py` beside it.

`<python3> bootstrap.py --compile` writes that byte code (a checked-hash .pyc: valid whatever the
file times, which a copy of the folder does not keep), prints sys.executable and, on a second
line, the exact version (`3.12.1`), and exits. Run it once
where the runtime folder is writable, before instances see it read-only (the sandbox binds it
read-only): compiling petrel_runtime.py costs several milliseconds at every start, loading it ~0.1.
"""
import sys

_here = __file__.rpartition("/")[0] or "."
if sys.argv[1:] == ["--compile"]:
    import py_compile

    py_compile.compile(_here + "/petrel_runtime.py", doraise=True,
                       invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH)
    print(sys.executable)
    print(sys.version.split()[0])
    sys.exit(0)

sys.path[0:0] = [_here]
import petrel_runtime  # noqa: E402

petrel_runtime.main()
