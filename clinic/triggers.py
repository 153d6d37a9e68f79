"""Database triggers that refuse changes to records kept as they were made (signed notes,
issued invoices, payments): one migration operation for PostgreSQL and the demo's SQLite.
The trigger bodies stay in each migration, written once for each database."""

from collections.abc import Mapping, Sequence

from django.db import migrations
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps


def guards(
    *, postgres: Sequence[str], postgres_reverse: Sequence[str], sqlite: Mapping[str, str]
) -> migrations.RunPython:
    """Create the triggers (`sqlite`: name → body after CREATE TRIGGER <name>); drop them when
    the migration is reversed. Other databases are not supported (clinic/env.py)."""

    def run(
        schema_editor: BaseDatabaseSchemaEditor, *, pg: Sequence[str], lite: Sequence[str]
    ) -> None:
        vendor = schema_editor.connection.vendor
        statements = pg if vendor == "postgresql" else lite if vendor == "sqlite" else []
        for statement in statements:
            schema_editor.execute(statement, params=None)

    def create(_apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        creates = [f"CREATE TRIGGER {name} {body}" for name, body in sqlite.items()]
        run(schema_editor, pg=postgres, lite=creates)

    def drop(_apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        run(schema_editor, pg=postgres_reverse, lite=[f"DROP TRIGGER {name};" for name in sqlite])

    return migrations.RunPython(create, drop)
