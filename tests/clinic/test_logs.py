"""Secrets in URLs never reach a log: calendar-feed tokens in paths, API keys sent by
mistake in query strings. Django's request log, the development server's and gunicorn's
access log, each through its real logging path."""

import datetime as dt
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from booking.services.feeds import feed_create
from clinic.logs import redact

ROOT = Path(__file__).resolve().parents[2]
API_KEY = "ck_sentinthequerystring0123456789"


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def logged():
    """Every line Django's request and server loggers write (django.server does not
    propagate to the root, so caplog alone would not see it)."""
    collect = Collect()
    loggers = [logging.getLogger(name) for name in ("django.request", "django.server")]
    for logger in loggers:
        logger.addHandler(collect)
    yield collect.lines
    for logger in loggers:
        logger.removeHandler(collect)


def get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_redaction_covers_feed_tokens_and_secret_parameters():
    assert redact('"GET /calendar/AbC_12-xyz.ics HTTP/1.1" 200') == (
        '"GET /calendar/[redacted].ics HTTP/1.1" 200'
    )
    assert redact("/api/v1/x?api_key=ck_1&day=2027-01-11&TOKEN=t&key=k") == (
        "/api/v1/x?api_key=[redacted]&day=2027-01-11&TOKEN=[redacted]&key=[redacted]"
    )
    assert redact("/staff/calendar/riverside/book/?monkey=1") == (
        "/staff/calendar/riverside/book/?monkey=1"
    )
    # A visitor sent to sign in carries the address asked for, percent-encoded.
    assert redact("/staff/login/?next=/api/v1/docs%3Fapi_key%3Dck_1%26day%3D1") == (
        "/staff/login/?next=/api/v1/docs%3Fapi_key%3D[redacted]%26day%3D1"
    )


def test_django_logs_a_missing_feed_without_its_token(client, db, caplog):
    token = "a-feed-token-that-was-revoked-0123456789"

    with caplog.at_level(logging.INFO):
        response = client.get(reverse("booking:calendar_feed", args=[token]) + f"?key={API_KEY}")

    assert response.status_code == 404
    assert [r for r in caplog.records if r.name == "django.request"]  # it was logged...
    for record in caplog.records:
        assert token not in record.getMessage()  # ...without the token
        assert API_KEY not in record.getMessage()


@pytest.mark.django_db(transaction=True)
def test_the_development_server_logs_no_token_and_no_key(clinic, logged, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1"]
    token = feed_create(practitioner=clinic.alice, now=timezone.now())[1]
    server = WSGIServer(("127.0.0.1", 0), WSGIRequestHandler)
    server.set_app(WSGIHandler())

    def serve() -> None:
        try:
            server.serve_forever()
        finally:
            connections.close_all()  # this thread's own connection to the test database

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        feed = get(base + reverse("booking:calendar_feed", args=[token]))
        api = get(base + f"/api/v1/appointments/ABCDEF?api_key={API_KEY}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()

    assert (feed, api) == (200, 401)
    text = "\n".join(logged)
    assert "/calendar/[redacted].ics" in text
    assert "api_key=[redacted]" in text
    assert token not in text
    assert API_KEY not in text


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_gunicorn_as_bin_serve_runs_it_logs_no_token_and_no_key(clinic, tmp_path):
    """gunicorn with bin/serve's own configuration module, its access log to a file."""
    token = feed_create(practitioner=clinic.alice, now=timezone.now())[1]
    port, access_log = free_port(), tmp_path / "access.log"
    environment = os.environ | {
        "DATABASE_URL": database_url(),
        "DEBUG": "false",
        "SECRET_KEY": "tests-only-not-secret",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
    }
    gunicorn = [str(Path(sys.executable).parent / "gunicorn"), "clinic.wsgi"]
    server = subprocess.Popen(
        [*gunicorn, "--config", "python:clinic.gunicorn_conf", "--access-logfile", access_log],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):  # up to 20 s for the worker to load Django
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        feed = get(base + reverse("booking:calendar_feed", args=[token]) + "?x=1")
        api = get(base + f"/api/v1/appointments/ABCDEF?api_key={API_KEY}")
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=30)

    assert (feed, api) == (200, 401), errors.decode()[-2000:]
    text = access_log.read_text()
    assert '"GET /calendar/[redacted].ics HTTP/1.1" 200' in text
    assert '"GET /api/v1/appointments/ABCDEF HTTP/1.1" 401' in text
    assert token not in text
    assert API_KEY not in text


def test_gunicorns_logger_redacts_every_atom_whatever_the_format():
    """Should someone log the request line, the query string or headers after all."""
    from gunicorn.config import Config
    from gunicorn.glogging import SafeAtoms

    from clinic.gunicorn_conf import RedactingLogger

    token = "AbCdEf0123456789feedtoken"
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": f"/calendar/{token}.ics?api_key={API_KEY}",
        "PATH_INFO": f"/calendar/{token}.ics",
        "QUERY_STRING": f"api_key={API_KEY}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": f"https://clinic.example/calendar/{token}.ics",
        "HTTP_AUTHORIZATION": f"Bearer {API_KEY}",
    }
    request = SimpleNamespace(headers=[("AUTHORIZATION", f"Bearer {API_KEY}")])
    response = SimpleNamespace(status="200 OK", headers=[], sent=12)
    everything = '"%(r)s" %(U)s %(q)s "%(f)s" %({authorization}i)s %({http_authorization}e)s'

    atoms = RedactingLogger(Config()).atoms(response, request, environ, dt.timedelta(0))
    line = everything % SafeAtoms(atoms)

    assert token not in line
    assert API_KEY not in line
    assert '"GET /calendar/[redacted].ics?api_key=[redacted] HTTP/1.1"' in line
    assert "api_key=[redacted] " in line
