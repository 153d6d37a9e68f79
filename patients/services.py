"""Writes to patient records, intakes, screening results and consents."""

import datetime
import hashlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.db import connection, transaction
from django.db.models import Max

from clinic.headers import header_text, ip_or_none
from messaging.consent import preferred_contact_consent
from messaging.models import ConsentSource
from patients import tasks
from patients.models import (
    AccessVia,
    ConsentDocument,
    ConsentSignature,
    Episode,
    EpisodeStatus,
    Intake,
    IntakeReview,
    IntakeStatus,
    Patient,
    PatientAccessLog,
    ReviewOutcome,
    ScreeningResult,
)
from patients.screening import assess

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import _User as StaffUser


class IntakeSubmitted(Exception):
    """The intake has been signed and submitted; the patient can no longer change it."""


def patient_find_or_create(
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    date_of_birth: datetime.date,
) -> Patient:
    """Return the patient with this email and date of birth, or a new one.

    A public form must not let a visitor change a stranger's record, so a match keeps its
    stored contact details; staff update those. Callers never tell the visitor which path
    was taken.

    One person, one record: the find and the create run under a lock on the identity
    (normalised email and date of birth) held until the caller's transaction ends (so
    two bookings arriving together cannot both create a record), decision 0021.
    """
    with transaction.atomic():
        _lock_identity(email=email, date_of_birth=date_of_birth)
        existing = (
            Patient.objects.filter(
                email__iexact=email.strip(), date_of_birth=date_of_birth, is_archived=False
            )
            .order_by("id")
            .first()
        )
        if existing is not None:
            return existing
        return _patient_create(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            date_of_birth=date_of_birth,
        )


def _lock_identity(*, email: str, date_of_birth: datetime.date) -> None:
    """A transaction-scoped advisory lock on one identity. SQLite needs none: its
    IMMEDIATE transactions already let one writer in at a time."""
    if connection.vendor != "postgresql":
        return
    identity = f"patient:{email.strip().upper()}:{date_of_birth.isoformat()}"
    # pg_advisory_xact_lock takes a signed 64-bit key.
    lock_key = int.from_bytes(hashlib.sha256(identity.encode()).digest()[:8], signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key])


def _patient_create(
    *,
    first_name: str,
    last_name: str,
    email: str,
    phone: str,
    date_of_birth: datetime.date,
) -> Patient:
    patient = Patient(
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip(),
        phone=phone,
        date_of_birth=date_of_birth,
    )
    patient.full_clean()
    patient.save()
    return patient


def patient_from_details(details: dict[str, str]) -> Patient:
    """patient_find_or_create from a public form's details, as kept in the session."""
    return patient_find_or_create(
        first_name=details["first_name"],
        last_name=details["last_name"],
        email=details["email"],
        phone=details["phone"],
        date_of_birth=datetime.date.fromisoformat(details["date_of_birth"]),
    )


def intake_open(*, patient: Patient) -> Intake:
    """The patient's current intake: the open draft, else the latest submitted one, else a
    new draft. A returning patient whose last episode of care is discharged gets a new
    draft: a new problem, a new intake and screening. Locks the patient row so two tabs
    posting at once share one draft."""
    with transaction.atomic():
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        intake = patient.intakes.order_by("-created_at", "-pk").first()
        finished = Episode.objects.filter(intake=intake, status=EpisodeStatus.DISCHARGED)
        if intake is None or (intake.submitted_at is not None and finished.exists()):
            intake = Intake.objects.create(patient=patient)
        return intake


def _lock_draft(intake: Intake) -> Intake:
    locked = Intake.objects.select_for_update().get(pk=intake.pk)
    if locked.submitted_at is not None:
        raise IntakeSubmitted
    return locked


def intake_save_details(*, intake: Intake, fields: dict, now: datetime.datetime) -> Intake:
    """Contact details for the patient record (address, emergency contact, GP...).
    Choosing texts as the way to be contacted records consent to texts (decision 0109)."""
    with transaction.atomic():
        locked = _lock_draft(intake)
        patient = Patient.objects.select_for_update().get(pk=locked.patient_id)
        previous = patient.preferred_contact
        for name, value in fields.items():
            setattr(patient, name, value)
        patient.full_clean()
        patient.save()
        preferred_contact_consent(
            patient=patient, previous=previous, source=ConsentSource.INTAKE, now=now
        )
        locked.details_saved_at = now
        locked.save(update_fields=["details_saved_at", "updated_at"])
    return locked


def patient_contact_choose(*, patient: Patient, preferred: str, now: datetime.datetime) -> Patient:
    """The patient's own choice, from the portal, of how the clinic contacts them:
    choosing texts agrees to texts (again, after a STOP), moving away withdraws
    (decision 0109)."""
    with transaction.atomic():
        locked = Patient.objects.select_for_update().get(pk=patient.pk)
        previous = locked.preferred_contact
        locked.preferred_contact = preferred
        locked.full_clean()
        locked.save(update_fields=["preferred_contact", "updated_at"])
        preferred_contact_consent(
            patient=locked, previous=previous, source=ConsentSource.PORTAL, now=now
        )
    return locked


def intake_save_questionnaire(*, intake: Intake, fields: dict, now: datetime.datetime) -> Intake:
    """Save the questionnaire step; posting it again overwrites the same draft."""
    with transaction.atomic():
        locked = _lock_draft(intake)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.questionnaire_saved_at = now
        locked.full_clean()
        locked.save()
    return locked


def intake_save_screening(*, intake: Intake, answers: dict[str, bool]) -> ScreeningResult:
    """Store the answers with the outcome computed from them (never typed in)."""
    result = assess(answers)
    with transaction.atomic():
        locked = _lock_draft(intake)
        screening, _ = ScreeningResult.objects.update_or_create(
            intake=locked,
            defaults={
                "answers": dict(answers),
                "outcome": result.outcome.value,
                "estim_allowed": result.estim_allowed,
            },
        )
    return screening


def intake_sign_consent(
    *,
    intake: Intake,
    document: ConsentDocument,
    typed_name: str,
    ip_address: str | None,
    user_agent: str,
    now: datetime.datetime,
) -> ConsentSignature:
    """Sign the consent text the patient was shown and submit the intake.

    Signing twice (a double click, a resubmitted form) returns the first signature.
    Only the clinic inbox hears about a screening that needs a practitioner, and the
    emails name no answers: the inbox gets a staff link, the patient a link to their copy.
    """
    with transaction.atomic():
        locked = Intake.objects.select_for_update().select_related("patient").get(pk=intake.pk)
        if locked.submitted_at is not None:
            return locked.consent
        screening = ScreeningResult.objects.get(intake=locked)
        signature = ConsentSignature(
            intake=locked,
            patient=locked.patient,
            document=document,
            typed_name=typed_name.strip(),
            signed_at=now,
            ip_address=ip_or_none(ip_address),
            user_agent=header_text(user_agent, max_length=500),
        )
        signature.full_clean()
        signature.save()
        locked.status = screening.outcome
        locked.submitted_at = now
        locked.save(update_fields=["status", "submitted_at", "updated_at"])
        # Ids only: the tasks build the links and read the address when they run.
        intake_id, signature_id = locked.pk, signature.pk
        if locked.status != IntakeStatus.CLEARED:
            transaction.on_commit(lambda: tasks.notify_clinic_review.enqueue(intake_id=intake_id))
        transaction.on_commit(lambda: tasks.send_consent_copy.enqueue(signature_id=signature_id))
    return signature


def intake_review(
    *, intake: Intake, reviewer: "StaffUser", outcome: str, note: str, now: datetime.datetime
) -> IntakeReview:
    """A practitioner clears the intake or keeps it on hold. Each decision is a new row;
    the intake's status follows the latest one."""
    with transaction.atomic():
        locked = Intake.objects.select_for_update().get(pk=intake.pk)
        if locked.submitted_at is None:
            raise ValueError("Only a submitted intake can be reviewed.")
        review = IntakeReview(intake=locked, reviewer=reviewer, outcome=outcome, note=note)
        review.full_clean()
        review.save()
        locked.status = (
            IntakeStatus.CLEARED if outcome == ReviewOutcome.CLEARED else IntakeStatus.HOLD
        )
        locked.reviewed_at = now
        locked.save(update_fields=["status", "reviewed_at", "updated_at"])
    return review


def consent_document_publish(*, document: ConsentDocument) -> ConsentDocument:
    """Insert `document` as the newest version and make it the only active one.

    `document` may be an edited copy of an existing version: it is saved as a new row, so
    the version it was loaded from, and every signature on it, stays exactly as it was.
    """
    with transaction.atomic():
        # Serialise publishers: the version number is max + 1.
        list(ConsentDocument.objects.select_for_update().only("pk"))
        latest = ConsentDocument.objects.aggregate(latest=Max("version"))["latest"] or 0
        ConsentDocument.objects.filter(is_active=True).update(is_active=False)
        document.pk = None
        document._state.adding = True
        document.version = latest + 1
        document.is_active = True
        # A copy's old created_at can stay: auto_now_add stamps the new row on insert.
        document.full_clean(exclude=["created_at"])
        document.save()
    return document


def access_log_record(
    *,
    user: "StaffUser | AnonymousUser | None",
    patient: Patient | None,
    intake: Intake | None,
    record: str,
    via: str = AccessVia.STAFF,
    detail: str = "",
    break_glass: bool = False,
) -> None:
    """Log one view of a patient's clinical or contact data (or a search, with its terms
    and no patient). `user` is None for the patient themselves in the portal;
    `break_glass` marks a read allowed by a break-glass access, not by care."""
    entry = PatientAccessLog(
        user=user if user is not None and user.is_authenticated else None,
        patient=patient,
        intake=intake,
        record=record[:50],
        via=via,
        detail=detail[:200],
        break_glass=break_glass,
    )
    # Lengths and choices; the keys come from the view, and checking them would cost a
    # query each on every logged page.
    entry.clean_fields(exclude=["user", "patient", "intake"])
    entry.save()


def access_log_record_listed(
    *,
    user: "StaffUser | AnonymousUser",
    patient_ids: Iterable[int | None],
    record: str,
    via: str = AccessVia.ADMIN,
) -> None:
    """Log a list page: one row per patient shown on it (each once), in one insert, so
    "who viewed this patient" finds the lists they were on as well as their pages."""
    shown = sorted({pk for pk in patient_ids if pk is not None})
    if not shown or not user.is_authenticated:
        return
    PatientAccessLog.objects.bulk_create(
        PatientAccessLog(user=user, patient_id=pk, record=record[:50], via=via) for pk in shown
    )


class SignInLinkUsed(Exception):
    """Someone entered the portal with this sign-in link (or a later one) already."""


def patient_portal_enter(*, patient: Patient, now: datetime.datetime) -> None:
    """Record the patient's entry into the portal, which spends their sign-in link. A
    compare-and-set on the time the link was made for: of two uses at once, one wins."""
    entered = Patient.objects.filter(
        pk=patient.pk, portal_sign_in_at=patient.portal_sign_in_at
    ).update(portal_sign_in_at=now)
    if not entered:
        raise SignInLinkUsed
    patient.portal_sign_in_at = now
