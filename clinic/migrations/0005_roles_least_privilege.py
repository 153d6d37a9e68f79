from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """The roles from the capability table: practitioners read intake reviews; the manager
    resets colleagues' second factors; every patient's clinical records is the manager's."""

    dependencies = [
        ("clinic", "0004_rate_limit_hits"),
        ("booking", "0006_change_history"),
        ("patients", "0004_access_log_portal_sign_in_history"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
