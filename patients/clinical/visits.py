"""The per-visit safety re-check, and a practitioner's clearance of an absolute item."""

import datetime as dt
from typing import TYPE_CHECKING

from django.db import transaction

from patients import recheck
from patients.clinical.episodes import visit_open
from patients.clinical.errors import ClinicalError
from patients.models import IntakeStatus, ScreeningResult, TreatmentNote, Visit
from patients.screening import ITEMS

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

    from booking.models import Appointment


def visit_gate(visit: Visit) -> recheck.Gate:
    """May needling (and e-stim) be recorded for this visit? Reads the patient's latest
    submitted screening (one query: it knows most) and the visit's own re-check."""
    screening = (
        ScreeningResult.objects.filter(
            intake__patient__episodes__visits=visit, intake__submitted_at__isnull=False
        )
        .select_related("intake")
        .order_by("-intake__submitted_at", "-pk")
        .first()
    )
    return recheck.gate(
        answers=visit.recheck_answers if visit.recheck_at else None,
        cleared=visit.cleared_at is not None,
        intake_on_hold=screening is not None and screening.intake.status == IntakeStatus.HOLD,
        screening_estim_allowed=screening.estim_allowed if screening else True,
    )


def recheck_record(
    *,
    appointment: "Appointment",
    answers: dict[str, bool],
    by: "StaffUser | None",
    now: dt.datetime,
) -> Visit:
    """Store what has changed since the last visit. `by` is None when the patient
    answered through their pre-visit link. Once a practitioner has cleared the visit,
    the re-check is settled: later changes go in the note."""
    missing = [item.code for item in ITEMS if item.code not in answers]
    if missing:
        raise ClinicalError("Answer every question of the re-check.")
    with transaction.atomic():
        visit = visit_open(appointment=appointment, now=now)
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.cleared_at is not None:
            raise ClinicalError("This visit has been cleared; record any change in the note.")
        if TreatmentNote.objects.filter(visit=locked, signed_at__isnull=False).exists():
            raise ClinicalError("The note for this visit is signed.")
        locked.recheck_answers = {item.code: bool(answers[item.code]) for item in ITEMS}
        locked.recheck_at = now
        locked.recheck_by = by
        locked.full_clean(exclude=["appointment", "episode"])
        locked.save()
    return locked


def recheck_clear(*, visit: Visit, by: "StaffUser", reason: str, now: dt.datetime) -> Visit:
    """A practitioner clears an absolute item raised by the re-check, with a reason."""
    reason = reason.strip()
    if not reason:
        raise ClinicalError("Give the reason for clearing needling at this visit.")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().get(pk=visit.pk)
        if locked.recheck_at is None:
            raise ClinicalError("Record the re-check before clearing it.")
        if not visit_gate(locked).needs_clearance:
            raise ClinicalError("Nothing on this visit's re-check needs clearing.")
        locked.cleared_at = now
        locked.cleared_by = by
        locked.clearance_reason = reason
        locked.full_clean(exclude=["appointment", "episode"])
        locked.save()
    return locked
