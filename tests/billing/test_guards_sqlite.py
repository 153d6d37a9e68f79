"""The demo's SQLite triggers (migration 0002) refuse what PostgreSQL's refuse: run on a
scratch SQLite database of the guarded tables, without Django's database."""

import importlib
import sqlite3

import pytest

guards = importlib.import_module("billing.migrations.0002_issued_documents_guards")


@pytest.fixture
def sqlite():
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE billing_invoice (id INTEGER PRIMARY KEY, status TEXT, notes TEXT)")
    db.execute(
        "CREATE TABLE billing_invoiceline (id INTEGER PRIMARY KEY, invoice_id INTEGER, gross TEXT)"
    )
    for table in guards.RECORDS:
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, amount TEXT)")
    for name, body in guards.SQLITE.items():
        db.execute(f"CREATE TRIGGER {name} {body}")
    db.execute("INSERT INTO billing_invoice VALUES (1, 'draft', ''), (2, 'draft', '')")
    db.execute("INSERT INTO billing_invoiceline VALUES (1, 1, '10'), (2, 2, '60')")
    db.execute("UPDATE billing_invoice SET status = 'issued' WHERE id = 2")  # issuing passes
    for table in guards.RECORDS:
        db.execute(f"INSERT INTO {table} VALUES (1, '5')")
    yield db
    db.close()


REFUSED = [
    "UPDATE billing_invoice SET notes = 'x' WHERE id = 2",
    "DELETE FROM billing_invoice WHERE id = 2",
    "UPDATE billing_invoiceline SET gross = '0' WHERE id = 2",
    "DELETE FROM billing_invoiceline WHERE id = 2",
    "INSERT INTO billing_invoiceline VALUES (3, 2, '1')",
    "UPDATE billing_invoiceline SET invoice_id = 2 WHERE id = 1",
    *(f"UPDATE {table} SET amount = '0'" for table in guards.RECORDS),
    *(f"DELETE FROM {table}" for table in guards.RECORDS),
]


@pytest.mark.parametrize("statement", REFUSED)
def test_it_refuses(sqlite, statement):
    with pytest.raises(sqlite3.IntegrityError, match="never change"):
        sqlite.execute(statement)


def test_a_draft_and_its_lines_change_and_the_draft_is_issued(sqlite):
    sqlite.execute("UPDATE billing_invoiceline SET gross = '12' WHERE id = 1")
    sqlite.execute("INSERT INTO billing_invoiceline VALUES (3, 1, '1')")
    sqlite.execute("DELETE FROM billing_invoiceline WHERE id = 3")
    sqlite.execute("UPDATE billing_invoice SET status = 'issued' WHERE id = 1")
    with pytest.raises(sqlite3.IntegrityError):
        sqlite.execute("UPDATE billing_invoice SET status = 'draft' WHERE id = 1")


def test_every_guard_is_still_there_after_all_the_migrations(tmp_path):
    """A later migration that adds a column copies the table on SQLite, triggers lost:
    the demo's database, migrated from scratch as bin/run does, keeps every guard."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    database = tmp_path / "demo.sqlite3"
    environment = os.environ | {"DEBUG": "true", "DATABASE_URL": f"sqlite:///{database}"}
    root = Path(__file__).resolve().parents[2]
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v", "0"],
        cwd=root,
        env=environment,
        check=True,
        capture_output=True,
    )
    db = sqlite3.connect(database)
    try:
        triggers = {
            row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        }
    finally:
        db.close()
    assert set(guards.SQLITE) <= triggers, set(guards.SQLITE) - triggers
