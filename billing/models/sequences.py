"""The gap-free numbers of issued documents."""

from django.db import models


class DocumentKind(models.TextChoices):
    INVOICE = "invoice", "Invoice"
    CREDIT_NOTE = "credit_note", "Credit note"


class DocumentSequence(models.Model):
    """The last number given to a kind of document. Issuing locks this row, takes the next
    number and saves it in the issuing transaction: a rolled-back issue gives its number
    back, and two desks issuing at once queue on the lock (billing.services.numbers)."""

    kind = models.CharField(max_length=20, choices=DocumentKind.choices, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.last_number}"
