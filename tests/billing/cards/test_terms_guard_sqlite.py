"""The demo's SQLite trigger on the cancellation terms refuses what PostgreSQL's refuses (a
change to a version, a deletion) and lets the current version change: run on a scratch
SQLite table, without Django's database."""

import importlib
import sqlite3

import pytest

guards = importlib.import_module("billing.migrations.0008_cancellation_terms_guards")


@pytest.fixture
def sqlite():
    db = sqlite3.connect(":memory:")
    columns = ", ".join(f"{column} TEXT" for column in guards._COLUMNS[1:])
    db.execute(f"CREATE TABLE {guards.TABLE} (id INTEGER PRIMARY KEY, {columns}, is_current INT)")
    for name, body in guards.SQLITE.items():
        db.execute(f"CREATE TRIGGER {name} {body}")
    db.execute(
        f"INSERT INTO {guards.TABLE} (id, version, body, is_current) VALUES (1, '1', 'Text', 1)"
    )
    yield db
    db.close()


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {guards.TABLE} SET body = 'Changed'",
        f"UPDATE {guards.TABLE} SET no_show_value = '1'",
        f"DELETE FROM {guards.TABLE}",
    ],
)
def test_a_version_never_changes(sqlite, statement):
    with pytest.raises(sqlite3.IntegrityError, match="never change"):
        sqlite.execute(statement)


def test_which_version_is_current_may_change(sqlite):
    sqlite.execute(f"UPDATE {guards.TABLE} SET is_current = 0")
    assert sqlite.execute(f"SELECT is_current FROM {guards.TABLE}").fetchone() == (0,)
