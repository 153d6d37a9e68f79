from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0019_appointment_checked_in_by"),
    ]

    operations = [
        migrations.AddField(
            model_name="practitioner",
            name="registration_number",
            field=models.CharField(
                blank=True,
                help_text="For example: HCPC PH123456. Printed on invoices and receipts.",
                max_length=50,
                verbose_name="professional registration number",
            ),
        ),
    ]
