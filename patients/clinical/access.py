"""Break-glass: a practitioner opens a record they have no care relationship with, on a
reason given. The reason is kept and logged, the manager is alerted, and the access lasts
CLINIC_BREAK_GLASS_HOURS (decision 0077)."""

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction

from patients import notify
from patients.clinical.errors import ClinicalError
from patients.models import BreakGlassAccess, Patient
from patients.models.access import REASON_MAX_LENGTH, REASON_MIN_LENGTH
from patients.services import access_log_record

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser


def break_glass_open(
    *, user: "StaffUser", patient: Patient, reason: str, now: dt.datetime
) -> BreakGlassAccess:
    """Open the patient's clinical records to the user for a few hours, or raise
    ClinicalError. The access, its access-log row and the manager's alert are one write."""
    if not user.has_perm("patients.view_clinical"):
        raise ClinicalError("Only practitioners can open a patient's clinical record.")
    reason = " ".join(reason.split())
    if not REASON_MIN_LENGTH <= len(reason) <= REASON_MAX_LENGTH:
        raise ClinicalError(
            f"Say why you need this record, in {REASON_MIN_LENGTH} to {REASON_MAX_LENGTH} "
            "characters."
        )
    access = BreakGlassAccess(
        user=user,
        patient=patient,
        reason=reason,
        opened_at=now,
        expires_at=now + dt.timedelta(hours=settings.CLINIC_BREAK_GLASS_HOURS),
    )
    access.full_clean()
    with transaction.atomic():
        access.save()
        access_log_record(
            user=user,
            patient=patient,
            intake=None,
            record="break-glass opened",
            detail=reason,
            break_glass=True,
        )
        notify.after_break_glass(access)
    return access
