"""Who an invoice is addressed to, when it is not the patient: an insurer or a company."""

from django.db import models


class PayerKind(models.TextChoices):
    INSURER = "insurer", "Insurer"
    COMPANY = "company", "Company"


class Payer(models.Model):
    """An insurer (Bupa, AXA Health...) or a company that pays some patients' invoices.
    An invoice without a payer is addressed to the patient."""

    kind = models.CharField(max_length=10, choices=PayerKind.choices)
    name = models.CharField(max_length=200)
    address = models.TextField(max_length=500, blank=True)
    provider_number = models.CharField(
        max_length=50, blank=True, help_text="The clinic's provider number with this insurer."
    )
    email = models.EmailField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name"], name="payer_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name
