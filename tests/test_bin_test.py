"""bin/test, the README's test command: it uses the PostgreSQL it is given or finds, and
starts a throwaway one when none answers, which it stops and removes however the tests end
(decision 0083).

Each test runs bin/test on a small test module written to a temporary folder, which records
the server it was given. No server answers at 127.0.0.1:9 (the discard port), which stands
for the laptop without PostgreSQL while the machine's own server stays up for others.
"""

import json
import os
import signal
import socket
import subprocess
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLOSED = "postgres://postgres@127.0.0.1:9/postgres"

# They run bin/test, which needs a PostgreSQL of its own or the one the suite is given.
pytestmark = pytest.mark.database

SAMPLE = """
import json, os, time
from pathlib import Path
import psycopg

def test_it_uses_the_server():
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        data = connection.execute("SHOW data_directory").fetchone()[0]
        port = connection.execute("SHOW port").fetchone()[0]
    Path(os.environ["SAMPLE_RECORD"]).write_text(
        json.dumps({"url": os.environ["DATABASE_URL"], "data": data, "port": int(port)})
    )
    {then}
"""


def sample(folder: Path, *, then: str) -> Path:
    path = folder / "sample_test.py"
    path.write_text(textwrap.dedent(SAMPLE).replace("{then}", then))
    return path


def environment(folder: Path, **values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(SAMPLE_RECORD=str(folder / "record.json"), TEST_DEFAULT_DATABASE_URL=CLOSED)
    env.update(values)
    return env


def bin_test(folder: Path, *, then: str, **values: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ROOT / "bin" / "test", sample(folder, then=then), "-q", "-p", "no:cacheprovider"],
        env=environment(folder, **values),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def record(folder: Path) -> dict:
    return json.loads((folder / "record.json").read_text())


def assert_gone(server: dict) -> None:
    """The server's folder is removed, its port closed, and no process of it is left."""
    scratch = Path(server["data"]).parent
    assert scratch.name.startswith("clinic-test-postgres-")
    assert not scratch.exists()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", server["port"]), timeout=2).close()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert str(scratch) not in cmdline.read_bytes().decode(errors="replace")
        except FileNotFoundError:  # the process ended while being read
            continue


def test_it_starts_a_throwaway_server_and_removes_it_when_tests_fail(tmp_path):
    done = bin_test(tmp_path, then="assert False, 'a failing test'")

    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed" in done.stdout
    assert "starting a throwaway one" in done.stderr
    server = record(tmp_path)
    assert server["url"] == f"postgres://postgres@127.0.0.1:{server['port']}/postgres"
    assert_gone(server)


def test_it_keeps_the_exit_status_of_passing_tests(tmp_path):
    done = bin_test(tmp_path, then="pass")

    assert done.returncode == 0, done.stdout + done.stderr
    assert_gone(record(tmp_path))


def wait_for_record(folder: Path, runner: subprocess.Popen[str]) -> dict:
    deadline = time.monotonic() + 300
    while not (folder / "record.json").exists():
        assert runner.poll() is None, runner.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.2)
    return record(folder)


@pytest.mark.parametrize(
    ("how", "status"),
    [
        # Ctrl-C at a terminal: SIGINT to the whole process group; pytest stops cleanly.
        (lambda runner: os.killpg(runner.pid, signal.SIGINT), 2),
        # A CI runner or a closed terminal ending bin/test itself.
        (lambda runner: runner.send_signal(signal.SIGTERM), 128 + signal.SIGTERM),
        (lambda runner: runner.send_signal(signal.SIGHUP), 128 + signal.SIGHUP),
    ],
    ids=["ctrl-c", "sigterm", "sighup"],
)
def test_it_stops_the_server_when_the_tests_are_interrupted(tmp_path, how, status):
    runner = subprocess.Popen(
        [ROOT / "bin" / "test", sample(tmp_path, then="time.sleep(600)"), "-q"],
        env=environment(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal gives a command
    )
    try:
        server = wait_for_record(tmp_path, runner)
        how(runner)
        output, _ = runner.communicate(timeout=120)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)

    assert runner.returncode == status, output
    assert_gone(server)


def test_the_next_run_removes_a_server_whose_runner_was_killed_outright(tmp_path):
    killed, later = tmp_path / "killed", tmp_path / "later"
    killed.mkdir()
    later.mkdir()
    runner = subprocess.Popen(
        [ROOT / "bin" / "test", sample(killed, then="time.sleep(600)"), "-q"],
        env=environment(killed),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        server = wait_for_record(killed, runner)
    finally:
        os.killpg(runner.pid, signal.SIGKILL)  # bin/test and pytest; the server lives on
        runner.wait()
    assert Path(server["data"]).exists()

    done = bin_test(later, then="pass")

    assert done.returncode == 0, done.stdout + done.stderr
    assert_gone(server)
    assert_gone(record(later))


def test_it_uses_the_server_at_the_default_address_when_one_answers(tmp_path):
    reachable = os.environ["DATABASE_URL"]  # the server this suite runs on

    done = bin_test(tmp_path, then="pass", TEST_DEFAULT_DATABASE_URL=reachable)

    assert done.returncode == 0, done.stdout + done.stderr
    assert record(tmp_path)["url"] == reachable
    assert "throwaway" not in done.stderr


def test_it_uses_database_url_when_set(tmp_path):
    given = os.environ["DATABASE_URL"]

    done = bin_test(tmp_path, then="pass", DATABASE_URL=given)

    assert done.returncode == 0, done.stdout + done.stderr
    assert record(tmp_path)["url"] == given
    assert "throwaway" not in done.stderr


def test_it_says_so_when_database_url_names_a_server_that_does_not_answer(tmp_path):
    done = bin_test(tmp_path, then="pass", DATABASE_URL=CLOSED)

    assert done.returncode == 1
    assert f"No PostgreSQL server answers at {CLOSED}" in done.stderr
    assert "unset DATABASE_URL to use a throwaway server" in done.stderr
    assert not (tmp_path / "record.json").exists()
