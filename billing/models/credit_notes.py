"""Credit notes: the only correction of an issued invoice. Issued when made (with their own
gap-free number), never changed or deleted (migration 0002)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from billing.arithmetic import Amounts
from billing.models.invoices import Invoice, InvoiceLine


class CreditNote(models.Model):
    number = models.CharField(max_length=30, unique=True, editable=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="credit_notes")
    reason = models.CharField(max_length=300)
    issued_at = models.DateTimeField(editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    net_total = models.DecimalField(max_digits=10, decimal_places=2, editable=False)
    tax_total = models.DecimalField(max_digits=10, decimal_places=2, editable=False)
    total = models.DecimalField(max_digits=10, decimal_places=2, editable=False)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="creditnote_total_positive"),
            models.CheckConstraint(
                condition=Q(total=F("net_total") + F("tax_total")),
                name="creditnote_total_adds_up",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def amounts(self) -> Amounts:
        return Amounts(self.net_total, self.tax_total, self.total)


class CreditNoteLine(models.Model):
    """What one credit note takes back: part or all of an invoice line, or (with no line)
    an amount of the whole invoice, its VAT in the invoice's proportion."""

    credit_note = models.ForeignKey(CreditNote, on_delete=models.PROTECT, related_name="lines")
    invoice_line = models.ForeignKey(
        InvoiceLine, on_delete=models.PROTECT, null=True, blank=True, related_name="credits"
    )
    description = models.CharField(max_length=200)
    net = models.DecimalField(max_digits=10, decimal_places=2)
    tax = models.DecimalField(max_digits=10, decimal_places=2)
    gross = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(gross__gt=0), name="creditnoteline_positive"),
            models.CheckConstraint(
                condition=Q(gross=F("net") + F("tax")), name="creditnoteline_gross_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return self.description
