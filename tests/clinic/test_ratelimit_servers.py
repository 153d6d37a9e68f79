"""The limit holds across processes: two gunicorn workers share one count in the
database. Thirty API requests at once with one key let exactly the key's per-minute limit
through, whichever worker answers each. The workers run eight threads each so that many
requests are checked at once (with one request per worker, the old unlocked check let
through 14 of 30 in the same test)."""

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from booking.models import ApiScope
from booking.services.api_keys import api_key_create

THREADS = 30
LIMIT = 10
ROUNDS = 5


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    """The test's own database, which the server processes share with it."""
    db = connection.settings_dict
    credentials = quote(db["USER"]) + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def get(url: str, key: str = "") -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def server(tmp_path: Path):
    """Two gunicorn workers on a free port, against the test's database; each access-log
    line names the worker's pid."""
    port = free_port()
    log = tmp_path / "access.log"
    environment = os.environ | {
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "CLINIC_API_PER_MINUTE": str(LIMIT),
    }
    command = [sys.executable, "-m", "gunicorn", "clinic.wsgi", "--workers", "2", "--threads", "8"]
    command += ["--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    command += ["--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s"]
    process = subprocess.Popen(
        command,
        cwd=settings.BASE_DIR,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("the server did not start")
        yield base, log
    finally:
        os.killpg(process.pid, 15)
        _, errors = process.communicate(timeout=30)
        assert b"Traceback" not in errors, errors.decode()


@pytest.mark.django_db(transaction=True)
def test_two_server_processes_let_exactly_the_limit_through(server):
    base, log = server
    for r in range(ROUNDS):
        _, key = api_key_create(
            name=f"Widget {r}", scopes=[ApiScope.APPOINTMENTS_READ], created_by=None
        )
        barrier = threading.Barrier(THREADS, timeout=20)

        def call(_n: int, key: str = key, barrier: threading.Barrier = barrier) -> int:
            barrier.wait()
            return get(f"{base}/api/v1/appointments/NOSUCH", key)

        with ThreadPoolExecutor(max_workers=THREADS) as pool:
            codes = list(pool.map(call, range(THREADS)))
        assert sorted(set(codes)) == [404, 429], codes
        assert codes.count(404) == LIMIT, f"round {r}: {codes.count(404)} let through"

    served = [line.split() for line in log.read_text().splitlines()]
    api_workers = {pid for pid, status in served if status in {"404", "429"}}
    assert len(api_workers) == 2, "both workers answered"
