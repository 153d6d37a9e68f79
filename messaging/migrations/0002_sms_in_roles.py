from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """The front desk, practitioners and the manager read patients' texts and replies and
    record consent to texts (clinic.roles: "texts")."""

    dependencies = [
        ("messaging", "0001_texts"),
        ("billing", "0016_voucher_terms"),
        ("booking", "0021_appointment_patient_confirmed"),
        ("clinic", "0009_rate_limit_hit_age"),
        ("patients", "0010_break_glass"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
