"""Reads of texts, replies and consent for pages and for the reply service, each in a
fixed number of queries."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.db.models import F, QuerySet

from booking.models import Appointment, AppointmentStatus
from messaging.models import (
    EmailRecord,
    InboundText,
    MessagingSettings,
    ReplyAction,
    TextConsent,
    TextMessage,
    TextState,
)
from patients.models import ContactMethod, Patient

# What a reply may still confirm or cancel (booking.services.placement.UPCOMING).
UPCOMING = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)
# The replies the desk reads in its inbox: those no keyword settled.
FOR_DESK = (ReplyAction.FOR_DESK, ReplyAction.TOO_LATE)
# A number whose last texts all failed is flagged on the patient page.
FAILING_AFTER = 3
# The patient page shows the latest texts and replies; the rest are a click away.
PANEL_LIMIT = 20


def e164(raw: str) -> str | None:
    """A sender's number in E.164 as the patient records store it; None for anything that
    is not a valid phone number (a short code, a name, nothing)."""
    try:
        number = phonenumbers.parse(raw, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@dataclass(frozen=True)
class ConsentAnswer:
    """The patient's answer now (None: never asked) and every row behind it, newest first."""

    given: bool | None
    history: list[TextConsent]

    @property
    def latest(self) -> TextConsent | None:
        return self.history[0] if self.history else None


def text_consent(patient: Patient) -> ConsentAnswer:
    """One query."""
    history = list(TextConsent.objects.filter(patient=patient).select_related("recorded_by"))
    return ConsentAnswer(given=history[0].given if history else None, history=history)


def opted_out(patient: Patient) -> bool:
    """Whether the patient's latest word on texts is a withdrawal (STOP, the desk, the
    portal). Never asked is not opted out: service messages need no consent. One query."""
    latest = TextConsent.objects.filter(patient=patient).values_list("given", flat=True).first()
    return latest is False


def failing_number(patient: Patient) -> bool:
    """Whether the last FAILING_AFTER texts that left for the patient's current number all
    failed: the desk should check the number. Texts never sent (opted out, a limit) do not
    count either way. One query."""
    if not patient.phone:
        return False
    states = list(
        TextMessage.objects.filter(patient=patient, to=str(patient.phone))
        .exclude(state__in=[TextState.NOT_SENT, TextState.QUEUED])
        .order_by("-created_at", "-pk")
        .values_list("state", flat=True)[:FAILING_AFTER]
    )
    return len(states) == FAILING_AFTER and all(s == TextState.FAILED for s in states)


def wants_texts(patient: Patient, *, rules: MessagingSettings | None = None) -> bool:
    """Texts as well as emails: the patient chose texts, or the manager texts everyone as a
    second channel. Opt-outs, landlines and the other rules are queue_text's to apply, so
    a text blocked by one is still recorded (as not sent, with the reason)."""
    if not patient.phone:
        return False
    if patient.preferred_contact == ContactMethod.SMS:
        return True
    return (rules or MessagingSettings.load()).texts_to_everyone


def patient_zone(patient: Patient, appointment: Appointment | None = None) -> zoneinfo.ZoneInfo:
    """The time zone the patient's night is in: the appointment's location's, else that of
    the patient's most recent appointment, else the clinic's."""
    if appointment is not None:
        return appointment.location.zone
    latest = (
        Appointment.objects.filter(patient=patient)
        .select_related("location")
        .order_by("-start", "-pk")
        .first()
    )
    if latest is not None:
        return latest.location.zone
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def patient_for_number(number: str) -> Patient | None:
    """The patient a reply from this number is from: the only current patient with that
    number, or, when a family shares it, the one the clinic last texted there (None if it
    has texted none of them). Two queries at most."""
    patients = list(Patient.objects.filter(phone=number, is_archived=False).order_by("pk"))
    if len(patients) <= 1:
        return patients[0] if patients else None
    latest = (
        TextMessage.objects.filter(to=number, patient__in=patients)
        .values_list("patient_id", flat=True)
        .first()
    )
    return next((p for p in patients if p.pk == latest), None)


def patients_on_number(number: str) -> list[Patient]:
    """Every current patient with that number: STOP and START act on the number, as the
    provider does, so on all of them. One query."""
    return list(Patient.objects.filter(phone=number, is_archived=False).order_by("pk"))


def appointment_replied_to(
    *, patient: Patient, number: str, now: dt.datetime
) -> Appointment | None:
    """The upcoming appointment named by the latest text the patient received at this
    number (a reminder, a booking): what "C" confirms and "X" cancels. One query."""
    text = (
        TextMessage.objects.filter(
            patient=patient,
            to=number,
            appointment__status__in=UPCOMING,
            appointment__start__gt=now,
        )
        .exclude(state__in=[TextState.QUEUED, TextState.NOT_SENT])
        .select_related("appointment__location")
        .first()
    )
    return text.appointment if text else None


def replies_for_desk() -> QuerySet[InboundText]:
    """The desk's inbox: unhandled first, newest first within each."""
    return (
        InboundText.objects.filter(action__in=FOR_DESK)
        .select_related("patient", "handled_by")
        .order_by(F("handled_at").asc(nulls_first=True), "-received_at", "-pk")
    )


def unhandled_replies() -> int:
    """How many replies wait for the desk. One query."""
    return InboundText.objects.filter(action__in=FOR_DESK, handled_at__isnull=True).count()


@dataclass(frozen=True)
class TextsPanel:
    """What the patient page shows of messages: consent to texts, the latest texts,
    replies and emails, and whether there are more than shown."""

    consent: ConsentAnswer
    texts: list[TextMessage]
    more_texts: bool
    replies: list[InboundText]
    more_replies: bool
    emails: list[EmailRecord]
    more_emails: bool
    failing: bool

    @property
    def opted_out(self) -> bool:
        return self.consent.given is False


def texts_panel(patient: Patient, *, limit: int | None = PANEL_LIMIT) -> TextsPanel:
    """Five queries: consent history, texts, replies, emails, the failing-number check."""
    cut = limit + 1 if limit else None
    texts = list(TextMessage.objects.filter(patient=patient)[:cut])
    replies = list(InboundText.objects.filter(patient=patient).select_related("handled_by")[:cut])
    emails = list(EmailRecord.objects.filter(patient=patient)[:cut])
    return TextsPanel(
        consent=text_consent(patient),
        texts=texts[:limit],
        more_texts=len(texts) > len(texts[:limit]),
        replies=replies[:limit],
        more_replies=len(replies) > len(replies[:limit]),
        emails=emails[:limit],
        more_emails=len(emails) > len(emails[:limit]),
        failing=failing_number(patient),
    )
