"""The manager's gift voucher terms, one row in the admin, in place of the server's
settings (decision 0106); the clinic manager's role gets to edit them ("gift voucher
terms" in clinic.roles)."""

import django.core.validators
from decimal import Decimal
from django.db import migrations, models

from clinic.roles import sync_roles


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0015_voucher_returns"),
        ("clinic", "0009_rate_limit_hit_age"),
        ("booking", "0020_practitioner_registration"),
        ("patients", "0010_break_glass"),
    ]

    operations = [
        migrations.CreateModel(
            name="VoucherTerms",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "valid_months",
                    models.PositiveSmallIntegerField(
                        default=24,
                        help_text="From the day of sale, 1 to 120 months. UK clinics commonly give 12 to 24 months; consumer law where the clinic trades may set a minimum (check it before shortening this). Vouchers already sold keep the expiry date they were sold with.",
                        validators=[
                            django.core.validators.MinValueValidator(1),
                            django.core.validators.MaxValueValidator(120),
                        ],
                        verbose_name="valid for (months)",
                    ),
                ),
                (
                    "amounts",
                    models.CharField(
                        default="30, 50, 100",
                        help_text="The amounts the public gift voucher page offers, separated by commas (e.g. 30, 50, 100), each within the lowest and highest amount. Buyers may also choose another amount in that range.",
                        max_length=200,
                        verbose_name="amounts offered online",
                    ),
                ),
                (
                    "min_amount",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("10.00"),
                        help_text="The least a voucher can be sold for, online or at the desk.",
                        max_digits=10,
                        verbose_name="lowest amount",
                    ),
                ),
                (
                    "max_amount",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("500.00"),
                        help_text="The most a voucher can be sold for, online or at the desk.",
                        max_digits=10,
                        verbose_name="highest amount",
                    ),
                ),
            ],
            options={
                "verbose_name": "gift voucher terms",
                "verbose_name_plural": "gift voucher terms",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(("valid_months__gte", 1), ("valid_months__lte", 120)),
                        name="voucher_terms_valid_months_range",
                        violation_error_message="A voucher is valid for 1 to 120 months.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("min_amount__gt", 0)),
                        name="voucher_terms_min_positive",
                        violation_error_message="The lowest amount must be above zero.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("max_amount__gte", models.F("min_amount"))),
                        name="voucher_terms_max_not_below_min",
                        violation_error_message="The highest amount cannot be below the lowest.",
                    ),
                ],
            },
        ),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
