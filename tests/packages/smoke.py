"""Smoke test of the installed triggerdev wheels: run with the venv's python, outside the source
tree, with no cargo on PATH. Argument: the version expected."""

import os
import shutil
import sys

import triggerdev
from triggerdev import _ffi
from triggerdev.testing import Emulator, find_emulator

assert shutil.which("cargo") is None, "cargo is on PATH"
assert triggerdev.__version__ == sys.argv[1], triggerdev.__version__
assert triggerdev.library_path().startswith(sys.prefix + os.sep), triggerdev.library_path()
assert _ffi.LIB.trigger_abi_version() == _ffi.ABI_VERSION.encode(), _ffi.LIB.trigger_abi_version()
assert "triggerdev_emulator" in find_emulator(), find_emulator()
with Emulator() as emu:
    client = emu.client(max_retries=0)
    handle = client.tasks.trigger("send-email", {"to": "ada@example.com"}, tags=["smoke"])
    run = client.runs.retrieve(handle.id)
    assert (run.id, run.status, run.tags) == (handle.id, "QUEUED", ["smoke"]), run
    try:
        client.runs.retrieve("run_missing")
        raise AssertionError("no NotFoundError")
    except triggerdev.NotFoundError as e:
        assert e.status == 404
print(f"python {sys.version.split()[0]}: triggerdev {triggerdev.__version__} from {triggerdev.library_path()}: ok")
