from collections.abc import Iterable
from typing import override

from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Model


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists only on PostgreSQL.

    The development server runs on SQLite, which has no exclusion constraints; there the
    booking service's lock (SQLite's IMMEDIATE transactions serialise writers) is the only
    guard. On PostgreSQL the constraint is the database's last word against double-booking.
    """

    # The SQL methods return None to emit nothing, as Django's own constraints do on
    # databases that lack a feature; the stubs type them as always returning a string
    # (hence the ignores).

    @staticmethod
    def _on_postgres(connection: BaseDatabaseWrapper) -> bool:
        return connection.vendor == "postgresql"

    @override
    def constraint_sql(  # type: ignore[override]
        self, model: type[Model] | None, schema_editor: BaseDatabaseSchemaEditor
    ) -> str | None:
        if self._on_postgres(schema_editor.connection):
            return super().constraint_sql(model, schema_editor)
        return None

    @override
    def create_sql(  # type: ignore[override]
        self, model: type[Model] | None, schema_editor: BaseDatabaseSchemaEditor
    ) -> str | None:
        if self._on_postgres(schema_editor.connection):
            return super().create_sql(model, schema_editor)
        return None

    @override
    def remove_sql(  # type: ignore[override]
        self, model: type[Model] | None, schema_editor: BaseDatabaseSchemaEditor
    ) -> str | None:
        if self._on_postgres(schema_editor.connection):
            return super().remove_sql(model, schema_editor)
        return None

    @override
    def validate(
        self,
        model: type[Model],
        instance: Model,
        exclude: Iterable[str] | None = None,
        using: str = "default",
    ) -> None:
        if self._on_postgres(connections[using]):
            super().validate(model, instance, exclude=exclude, using=using)
