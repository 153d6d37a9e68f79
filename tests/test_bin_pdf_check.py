"""bin/run and bin/test say in one line when pango (WeasyPrint's system library) is
missing, how to install it and what still works; silent when it is there."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", 'source bin/_venv.sh && check_pdf_libraries && echo "went on"'],
        cwd=ROOT,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


def test_a_missing_pango_is_named_with_its_packages(tmp_path):
    # What WeasyPrint does at import on a system without pango.
    (tmp_path / "weasyprint.py").write_text(
        "raise OSError(\"cannot load library 'libpango-1.0-0': No such file\")\n"
    )

    result = check({"PYTHONPATH": str(tmp_path)})

    [line] = result.stderr.splitlines()
    assert "pango is missing" in line
    assert "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in line
    assert "everything else works" in line
    assert result.stdout == "went on\n"  # a warning, not a stop


def test_nothing_is_said_when_pango_is_there():
    result = check({})
    assert result.stderr == ""
    assert result.stdout == "went on\n"
