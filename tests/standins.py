"""The local stand-ins for outside services (bin/stripe_standin.py, bin/sms_standin.py),
each run as a child process on a free port, which it names on its first line."""

import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

BIN = Path(__file__).resolve().parent.parent / "bin"


@contextmanager
def standin(script: str, *arguments: str, name: str) -> Iterator[tuple[str, subprocess.Popen]]:
    """(its address, the process) while it runs; stopped at the end."""
    process = subprocess.Popen(
        [sys.executable, str(BIN / script), "--port", "0", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    ready = re.search(r"ready at (http://\S+)", line)
    if ready is None:
        process.kill()
        pytest.fail(f"The {name} stand-in did not start: {line!r}")
    try:
        yield ready[1], process
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
