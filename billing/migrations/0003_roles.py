from django.db import migrations

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    """The roles take billing's capabilities: the front desk takes payments and issues
    invoices; the clinic manager also issues credit notes and refunds (clinic.roles)."""

    dependencies = [
        ("billing", "0002_issued_documents_guards"),
        ("clinic", "0007_location_directions"),
        ("booking", "0016_practitioner_photo"),
        ("patients", "0009_export_permission"),
    ]

    operations = [migrations.RunPython(sync_roles, migrations.RunPython.noop)]
