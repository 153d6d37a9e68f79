"""The cancellation terms are kept like the consent text: a version, once published, never
changes and is never deleted, whoever asks (a service, the admin, a shell, raw SQL). The
one change that passes is which version is current. The first version is written here, so
a card can be saved from the first day; the roles take the fees and the terms.

PostgreSQL: a row trigger raising restrict_violation (SQLSTATE 23001), reported by Django
as IntegrityError. SQLite (the demo): the same rule. Decision 0104.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

from clinic.roles import sync_roles
from clinic.triggers import guards

TABLE = "billing_cancellationterms"
POSTGRES = [
    """
    CREATE FUNCTION billing_cancellation_terms_guard() RETURNS trigger AS $$
    BEGIN
        IF TG_OP = 'DELETE'
            OR (to_jsonb(NEW) - 'is_current') IS DISTINCT FROM (to_jsonb(OLD) - 'is_current')
        THEN
            RAISE EXCEPTION 'Cancellation terms version % never changes: publish a new one.',
                OLD.version USING ERRCODE = 'restrict_violation';
        END IF;
        RETURN NEW;
    END
    $$ LANGUAGE plpgsql;
    """,
    f"""
    CREATE TRIGGER {TABLE}_guard
        BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION billing_cancellation_terms_guard();
    """,
]
POSTGRES_REVERSE = [
    f"DROP TRIGGER {TABLE}_guard ON {TABLE};",
    "DROP FUNCTION billing_cancellation_terms_guard();",
]
_COLUMNS = [
    "id",
    "version",
    "body",
    "window_hours",
    "late_cancellation_basis",
    "late_cancellation_value",
    "no_show_basis",
    "no_show_value",
    "created_at",
    "created_by_id",
]
_CHANGED = " OR ".join(f"NEW.{column} IS NOT OLD.{column}" for column in _COLUMNS)
_NEVER = "BEGIN SELECT RAISE(ABORT, 'cancellation terms versions never change'); END;"
SQLITE = {
    f"{TABLE}_update": f"BEFORE UPDATE ON {TABLE} WHEN {_CHANGED} " + _NEVER,
    f"{TABLE}_delete": f"BEFORE DELETE ON {TABLE} " + _NEVER,
}

BODY = """\
We keep your appointment time for you alone, and a missed appointment is one another \
patient could have had. If you need to cancel or move an appointment, please tell us as \
early as you can: online, or by phone.

By saving a card you allow the clinic to charge it for the fees below, and only for them. \
The front desk reviews every fee before it is charged and may waive it, for example for \
illness or a first occasion. You will get a receipt by email for any charge. You can \
remove your card at any time in your account; a removed card is never charged.
"""


def seed_terms(apps, schema_editor):
    CancellationTerms = apps.get_model("billing", "CancellationTerms")
    BookingPolicy = apps.get_model("booking", "BookingPolicy")
    if CancellationTerms.objects.exists():
        return
    policy = BookingPolicy.objects.first()
    CancellationTerms.objects.create(
        version=1,
        body=BODY,
        window_hours=policy.cancellation_window_hours if policy else 24,
        late_cancellation_basis="percent",
        late_cancellation_value=Decimal("50"),
        no_show_basis="percent",
        no_show_value=Decimal("100"),
        is_current=True,
        created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC),
    )


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_cards_on_file"),
    ]

    operations = [
        guards(postgres=POSTGRES, postgres_reverse=POSTGRES_REVERSE, sqlite=SQLITE),
        migrations.RunPython(seed_terms, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
