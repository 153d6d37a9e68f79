"""What was left of a gift voucher spent at online booking goes back on the voucher when
the appointment is cancelled in time: a refund of the new method "voucher", naming the
voucher payment it gives back (decision 0106). The database refuses a voucher refund that
names no payment, or a payment that did not spend a voucher.

SQLite (the demo) rebuilds the refunds' table to change its check constraints, which
drops the table's triggers (migration 0002): they are put back. PostgreSQL keeps its own."""

import importlib

from django.conf import settings
from django.db import migrations, models
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.migrations.state import StateApps

from clinic.triggers import guards

_records = importlib.import_module("billing.migrations.0002_issued_documents_guards")
REFUND_TRIGGERS = {
    name: body for name, body in _records.SQLITE.items() if name.startswith("billing_refund_")
}


def sqlite_refund_guards_again(_apps: StateApps, schema_editor: BaseDatabaseSchemaEditor) -> None:
    if schema_editor.connection.vendor != "sqlite":
        return
    for name, body in REFUND_TRIGGERS.items():
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}", params=None)
        schema_editor.execute(f"CREATE TRIGGER {name} {body}", params=None)


POSTGRES = [
    """
    CREATE FUNCTION billing_voucher_refund_guard() RETURNS trigger AS $$
    BEGIN
        IF NOT EXISTS (
            SELECT 1 FROM billing_payment WHERE id = NEW.payment_id AND method = 'voucher'
        ) THEN
            RAISE EXCEPTION 'A refund back on a gift voucher names the voucher payment.'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER billing_refund_voucher_guard
        BEFORE INSERT ON billing_refund
        FOR EACH ROW WHEN (NEW.method = 'voucher')
        EXECUTE FUNCTION billing_voucher_refund_guard();
    """,
]
POSTGRES_REVERSE = [
    "DROP TRIGGER billing_refund_voucher_guard ON billing_refund;",
    "DROP FUNCTION billing_voucher_refund_guard();",
]
SQLITE = {
    "billing_refund_voucher_payment": "BEFORE INSERT ON billing_refund "
    "WHEN NEW.method = 'voucher' AND NOT EXISTS (SELECT 1 FROM billing_payment "
    "WHERE id = NEW.payment_id AND method = 'voucher') "
    "BEGIN SELECT RAISE(ABORT, 'a voucher refund names the voucher payment'); END;",
}


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0014_gift_voucher_roles"),
        ("patients", "0010_break_glass"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="refund",
            name="refund_payment_online_only",
        ),
        migrations.AlterField(
            model_name="refund",
            name="method",
            field=models.CharField(
                choices=[
                    ("cash", "Cash"),
                    ("online", "Online"),
                    ("voucher", "Back on the gift voucher"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("payment__isnull", True), ("method__in", ["online", "voucher"]), _connector="OR"
                ),
                name="refund_payment_online_or_voucher_only",
            ),
        ),
        migrations.AddConstraint(
            model_name="refund",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("method", "voucher"), _negated=True),
                    models.Q(("credit_note__isnull", True), ("payment__isnull", False)),
                    _connector="OR",
                ),
                name="refund_voucher_names_its_payment",
            ),
        ),
        migrations.RunPython(sqlite_refund_guards_again, migrations.RunPython.noop),
        guards(postgres=POSTGRES, postgres_reverse=POSTGRES_REVERSE, sqlite=SQLITE),
    ]
