from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """The front desk and the clinic manager sell gift vouchers, send their codes and
    spend them on invoices (clinic.roles "gift vouchers")."""

    dependencies = [
        ("billing", "0013_gift_vouchers"),
        ("clinic", "0009_rate_limit_hit_age"),
        ("booking", "0020_practitioner_registration"),
        ("patients", "0010_break_glass"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
