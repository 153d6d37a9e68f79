"""The desk's day-end cash-up (decision 0102): kept as closed, the database refuses any
change or deletion of a cash-up or its lines (PostgreSQL: billing_record_guard of
migration 0002; SQLite, the demo: the same rule as triggers). The roles take the takings
and the cash-up (clinic.roles)."""

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models

from clinic.roles import sync_roles


TABLES = ["billing_cashup", "billing_cashupline"]
_NEVER = "BEGIN SELECT RAISE(ABORT, 'a closed cash-up never changes'); END;"


def create_guards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(
                f"CREATE TRIGGER {table}_record_guard BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION billing_record_guard();",
                params=None,
            )
        elif vendor == "sqlite":
            for event in ("UPDATE", "DELETE"):
                schema_editor.execute(
                    f"CREATE TRIGGER {table}_{event.lower()} BEFORE {event} ON {table} {_NEVER}",
                    params=None,
                )


def drop_guards(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER {table}_record_guard ON {table};", params=None)
        elif vendor == "sqlite":
            for event in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER {table}_{event};", params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0004_online_payments"),
        ("clinic", "0009_rate_limit_hit_age"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="CashUp",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField()),
                ("closed_at", models.DateTimeField(editable=False)),
                ("note", models.TextField(blank=True, max_length=1000)),
                (
                    "closed_by",
                    models.ForeignKey(
                        editable=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "location",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="cash_ups",
                        to="clinic.location",
                    ),
                ),
            ],
            options={
                "ordering": ["-day", "location"],
                "permissions": [
                    ("view_takings", "See the clinic's takings and export them for the accountant"),
                    ("view_own_takings", "See their own takings"),
                ],
            },
        ),
        migrations.CreateModel(
            name="CashUpLine",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "method",
                    models.CharField(
                        choices=[
                            ("cash", "Cash"),
                            ("card", "Card (clinic terminal)"),
                            ("bank_transfer", "Bank transfer"),
                            ("insurer", "Insurer remittance"),
                            ("online", "Online"),
                        ],
                        max_length=20,
                    ),
                ),
                ("expected", models.DecimalField(decimal_places=2, max_digits=10)),
                ("counted", models.DecimalField(decimal_places=2, max_digits=10)),
                ("difference", models.DecimalField(decimal_places=2, max_digits=10)),
                (
                    "cash_up",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="lines",
                        to="billing.cashup",
                    ),
                ),
            ],
            options={
                "ordering": ["pk"],
            },
        ),
        migrations.AddConstraint(
            model_name="cashup",
            constraint=models.UniqueConstraint(
                fields=("location", "day"),
                name="cashup_one_per_location_and_day",
                violation_error_message="This day is already cashed up at this location.",
            ),
        ),
        migrations.AddConstraint(
            model_name="cashupline",
            constraint=models.UniqueConstraint(
                fields=("cash_up", "method"), name="cashupline_one_per_method"
            ),
        ),
        migrations.AddConstraint(
            model_name="cashupline",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "difference",
                        django.db.models.expressions.CombinedExpression(
                            models.F("counted"), "-", models.F("expected")
                        ),
                    )
                ),
                name="cashupline_difference_adds_up",
            ),
        ),
        migrations.AddConstraint(
            model_name="cashupline",
            constraint=models.CheckConstraint(
                condition=models.Q(("counted__gte", 0)), name="cashupline_counted"
            ),
        ),
        migrations.RunPython(create_guards, drop_guards),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
