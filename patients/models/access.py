"""Break-glass access: a practitioner opening a record without a care relationship."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from patients.models.records import Patient

# A reason short enough to fit whole in the access log's detail, long enough to say why.
REASON_MIN_LENGTH = 20
REASON_MAX_LENGTH = 200


class BreakGlassAccess(models.Model):
    """A practitioner read a patient's clinical records without treating them, giving a
    reason: the manager is alerted and the access log marks every read it allowed, until
    ``expires_at``. Written by patients.clinical.access.break_glass_open only."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="break_glass")
    reason = models.CharField(max_length=REASON_MAX_LENGTH)
    opened_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-opened_at"]
        verbose_name = "break-glass access"
        verbose_name_plural = "break-glass accesses"
        indexes = [
            models.Index(fields=["patient", "user", "expires_at"], name="break_glass_patient_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("opened_at")), name="break_glass_expires_after_opened"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} opened the record of {self.patient} at {self.opened_at:%Y-%m-%d %H:%M}"
