"""A scratch PostgreSQL database for a benchmark: created, migrated, dropped at the end.

DATABASE_URL only names the server; the benchmark never reads or writes real data, and
refuses to run if its scratch database already exists (it drops only what it created).
"""

import contextlib
import os
import sys
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql


def server_connection(url: str) -> psycopg.Connection:
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        sys.exit("DATABASE_URL must point at a PostgreSQL server (postgres://...).")
    return psycopg.connect(url.replace("postgres://", "postgresql://", 1), autocommit=True)


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """Create database ``name`` on DATABASE_URL's server, set Django up on it, migrate it,
    and drop it when the block ends. Yields its URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        sys.exit(
            "Set DATABASE_URL to a PostgreSQL server, "
            "e.g. postgres://postgres@127.0.0.1:5432/postgres"
        )
    with server_connection(url) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            sys.exit(
                f"A database called {name} already exists on this server. It may be left "
                "from an interrupted run, but this script will not drop what it did not "
                f"create: drop it yourself (DROP DATABASE {name}) and run again."
            )
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    scratch_url = urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    try:
        setup_django(scratch_url)
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
        yield scratch_url
    finally:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        with server_connection(url) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def setup_django(scratch_url: str) -> None:
    # The settings read the environment when imported, so this must come first.
    os.environ["DATABASE_URL"] = scratch_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clinic.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-not-secret")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
    # Whatever a booking may come to send, nothing leaves this machine.
    os.environ["MAILER"] = "locmem"
    os.environ.setdefault("LOG_LEVEL", "ERROR")
    import django

    django.setup()
