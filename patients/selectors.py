"""Reads of intake data for pages, each in a fixed number of queries."""

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery

from patients.models import Intake, IntakeStatus, Patient


def _latest_submitted_status() -> Subquery:
    return Subquery(
        Intake.objects.filter(patient=OuterRef("pk"), submitted_at__isnull=False)
        .order_by("-submitted_at", "-pk")
        .values("status")[:1]
    )


def intake_statuses(patient_ids: Iterable[int]) -> dict[int, str]:
    """The intake status of each patient, in one query: "missing", "needs_review", "hold"
    or "cleared", from the patient's latest submitted intake (drafts count as missing)."""
    ids = list(patient_ids)
    if not ids:
        return {}
    rows = (
        Patient.objects.filter(pk__in=ids)
        .annotate(intake_status=_latest_submitted_status())
        .values_list("pk", "intake_status")
    )
    found = {pk: status or IntakeStatus.MISSING.value for pk, status in rows}
    return {pk: found.get(pk, IntakeStatus.MISSING.value) for pk in ids}


def needs_intake(patient: Patient) -> bool:
    """True when the patient has not yet submitted an intake (forms, screening, consent)."""
    return intake_statuses([patient.pk])[patient.pk] == IntakeStatus.MISSING


def intakes_awaiting_review() -> QuerySet[Intake]:
    """Submitted intakes a practitioner has still to look at, oldest first."""
    return (
        Intake.objects.filter(
            submitted_at__isnull=False,
            status__in=[IntakeStatus.NEEDS_REVIEW, IntakeStatus.HOLD],
            reviewed_at__isnull=True,
        )
        .select_related("patient", "screening")
        .order_by("submitted_at", "pk")
    )
