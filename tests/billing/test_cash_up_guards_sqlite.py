"""The demo's SQLite triggers of migration 0004 refuse changing or deleting a closed
cash-up, as PostgreSQL's do: run on a scratch SQLite database, without Django's."""

import importlib
import sqlite3
from types import SimpleNamespace

import pytest

migration = importlib.import_module("billing.migrations.0005_cash_up")


@pytest.fixture
def sqlite():
    db = sqlite3.connect(":memory:")
    for table in migration.TABLES:
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, note TEXT)")
    editor = SimpleNamespace(
        connection=SimpleNamespace(vendor="sqlite"),
        execute=lambda statement, params=None: db.execute(statement),
    )
    migration.create_guards(None, editor)
    for table in migration.TABLES:
        db.execute(f"INSERT INTO {table} VALUES (1, '')")  # closing the day passes
    yield db
    db.close()


@pytest.mark.parametrize("table", migration.TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET note = 'x'", "DELETE FROM {table}"])
def test_it_refuses(sqlite, table, statement):
    with pytest.raises(sqlite3.IntegrityError, match="never changes"):
        sqlite.execute(statement.format(table=table))
