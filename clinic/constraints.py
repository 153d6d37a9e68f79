from django.contrib.postgres.constraints import ExclusionConstraint
from django.db import connections


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists only on PostgreSQL.

    The development server runs on SQLite, which has no exclusion constraints; there the
    booking service's lock (SQLite's IMMEDIATE transactions serialise writers) is the only
    guard. On PostgreSQL the constraint is the database's last word against double-booking.
    """

    @staticmethod
    def _on_postgres(connection) -> bool:
        return connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if self._on_postgres(schema_editor.connection):
            return super().constraint_sql(model, schema_editor)
        return None

    def create_sql(self, model, schema_editor):
        if self._on_postgres(schema_editor.connection):
            return super().create_sql(model, schema_editor)
        return None

    def remove_sql(self, model, schema_editor):
        if self._on_postgres(schema_editor.connection):
            return super().remove_sql(model, schema_editor)
        return None

    def validate(self, model, instance, exclude=None, using="default"):
        if self._on_postgres(connections[using]):
            super().validate(model, instance, exclude=exclude, using=using)
