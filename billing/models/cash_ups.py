"""The desk's day-end cash-up: what the records say was taken at a location that day, by
method, against what the desk counted. Made when the desk closes the day, then kept as it
was: the database refuses any change or deletion (migration 0004, decision 0102)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from billing.models.payments import PaymentMethod


class CashUp(models.Model):
    location = models.ForeignKey(
        "clinic.Location", on_delete=models.PROTECT, related_name="cash_ups"
    )
    day = models.DateField()
    closed_at = models.DateTimeField(editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, editable=False, related_name="+"
    )
    note = models.TextField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-day", "location"]
        permissions = [
            ("view_takings", "See the clinic's takings and export them for the accountant"),
            ("view_own_takings", "See their own takings"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["location", "day"],
                name="cashup_one_per_location_and_day",
                violation_error_message="This day is already cashed up at this location.",
            ),
        ]

    def __str__(self) -> str:
        return f"Cash-up {self.location} {self.day}"


class CashUpLine(models.Model):
    """One payment method of a cash-up: expected from the payments recorded, counted by
    the desk; the difference is counted less expected (negative: short)."""

    cash_up = models.ForeignKey(CashUp, on_delete=models.PROTECT, related_name="lines")
    method = models.CharField(max_length=20, choices=PaymentMethod.choices)
    expected = models.DecimalField(max_digits=10, decimal_places=2)
    counted = models.DecimalField(max_digits=10, decimal_places=2)
    difference = models.DecimalField(max_digits=10, decimal_places=2)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["cash_up", "method"], name="cashupline_one_per_method"),
            models.CheckConstraint(
                condition=Q(difference=F("counted") - F("expected")),
                name="cashupline_difference_adds_up",
            ),
            models.CheckConstraint(condition=Q(counted__gte=0), name="cashupline_counted"),
        ]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.counted}"
