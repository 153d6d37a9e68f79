from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """The clinic manager sets the payment policies of online booking (clinic.roles)."""

    dependencies = [
        ("billing", "0009_booking_payment"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
