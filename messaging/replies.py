"""Acting on a text a patient sent the clinic: confirm, cancel, STOP, START, or keep it
for the desk (decision 0109).

Each reply is stored first, under the provider's unique message id, in the same
transaction as what it does: a delivery the provider repeats, even at the same instant,
meets the database's uniqueness and does nothing twice. The answer sent back never says
whether the number is a patient's: an unknown number, and a patient with nothing to
confirm or cancel, get the same words.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction

from booking.models import Appointment
from booking.services.changes import appointment_cancel
from booking.services.placement import BookingError
from clinic import ratelimit
from messaging.consent import text_consent_record
from messaging.keywords import Keyword, keyword
from messaging.models import ConsentSource, InboundText, ReplyAction
from messaging.selectors import appointment_replied_to, patient_for_number, patients_on_number

if TYPE_CHECKING:
    from django.contrib.auth.models import _User as StaffUser

logger = logging.getLogger(__name__)

BODY_LIMIT = 2000  # InboundText.body
# Replies from one number that may be acted on and answered in an hour; more (an
# auto-responder answering our answers) are kept for the desk, unanswered. STOP and START
# are always honoured.
REPLIES_PER_HOUR = 10


@dataclass(frozen=True)
class ReplyOutcome:
    inbound: InboundText | None  # None: a replay of a reply already stored
    answer: str  # the text sent back; empty for none

    @property
    def replay(self) -> bool:
        return self.inbound is None


def generic_answer() -> str:
    """For a reply the desk will read, and for any number the clinic does not know."""
    return (
        f"Thank you, {settings.CLINIC_NAME} has your message and will reply if needed. "
        f"For anything urgent, call {settings.CLINIC_PHONE}."
    )


def kept_body(body: str) -> str:
    """The whole reply as far as the field holds it; beyond that its start, and a note of
    how long it was (never its end alone). NUL characters cannot be stored and go."""
    body = body.replace("\x00", "")
    if len(body) <= BODY_LIMIT:
        return body
    note = f" [cut: {len(body):,} characters in all]"
    return body[: BODY_LIMIT - len(note)] + note


def _when(appointment: Appointment) -> str:
    local = appointment.start.astimezone(appointment.location.zone)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}"


def reply_receive(
    *, provider_id: str, number: str | None, raw_from: str, body: str, now: dt.datetime
) -> ReplyOutcome:
    """Store and act on one reply. ``number`` is the sender in E.164 (None when it is not
    a phone number), ``raw_from`` what the provider said it was."""
    patient = patient_for_number(number) if number else None
    word = keyword(body)
    with transaction.atomic():
        inbound = InboundText(
            provider_id=provider_id[:64],
            from_number=(number or raw_from)[:32],
            patient=patient,
            body=kept_body(body),
            received_at=now,
            action=ReplyAction.FOR_DESK,
        )
        try:
            with transaction.atomic():
                inbound.save(force_insert=True)
        except IntegrityError:
            return ReplyOutcome(None, "")
        answer = _act(inbound, word=word, number=number, now=now)
        inbound.save(update_fields=["action", "appointment"])
    logger.info("Text reply %s: %s", inbound.pk, inbound.action)
    return ReplyOutcome(inbound, answer)


def _act(inbound: InboundText, *, word: Keyword, number: str | None, now: dt.datetime) -> str:
    if word in (Keyword.STOP, Keyword.START):
        _consent_from_number(number, given=word is Keyword.START, now=now)
        inbound.action = ReplyAction.STOP if word is Keyword.STOP else ReplyAction.START
        # The provider answers these itself, and refuses any text to a number that stopped.
        return ""
    # Per sender, not per address on the internet: every reply comes from Twilio's.
    if not ratelimit.allow(
        {ratelimit.key("text-reply", inbound.from_number): REPLIES_PER_HOUR},
        now=now,
        window=ratelimit.PUBLIC_WINDOW,
    ):
        logger.warning("Text replies from one number over the hourly limit; kept for the desk")
        return ""
    patient = inbound.patient
    if word in (Keyword.CONFIRM, Keyword.CANCEL) and patient and number:
        appointment = appointment_replied_to(patient=patient, number=number, now=now)
        if appointment is not None:
            inbound.appointment = appointment
            if word is Keyword.CONFIRM:
                return _confirm(inbound, appointment, now=now)
            return _cancel(inbound, appointment, now=now)
    return generic_answer()


def _consent_from_number(number: str | None, *, given: bool, now: dt.datetime) -> None:
    for patient in patients_on_number(number) if number else []:
        text_consent_record(patient=patient, given=given, source=ConsentSource.REPLY, now=now)


def _confirm(inbound: InboundText, appointment: Appointment, *, now: dt.datetime) -> str:
    locked = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if locked.patient_confirmed_at is None:
        locked.patient_confirmed_at = now
        locked.save(update_fields=["patient_confirmed_at", "updated_at"])
    inbound.action = ReplyAction.CONFIRMED
    return f"Thank you for confirming. See you on {_when(appointment)}. {settings.CLINIC_NAME}"


def _cancel(inbound: InboundText, appointment: Appointment, *, now: dt.datetime) -> str:
    """Through the same service and window rule as the patient's manage link, so what
    follows a cancellation (emails, deposits, fees, waitlist offers, webhooks) follows."""
    try:
        appointment_cancel(appointment=appointment, now=now, by_patient=True)
    except BookingError as error:
        if error.code == "window":
            inbound.action = ReplyAction.TOO_LATE
            return (
                f"It is too late to cancel by text. Please call us on {settings.CLINIC_PHONE}. "
                f"{settings.CLINIC_NAME}"
            )
        inbound.appointment = None
        return generic_answer()
    inbound.action = ReplyAction.CANCELLED
    return f"Your appointment on {_when(appointment)} is cancelled. {settings.CLINIC_NAME}"


def reply_mark_handled(*, inbound: InboundText, by: "StaffUser", now: dt.datetime) -> bool:
    """The desk has dealt with a reply: who and when, once (False if someone already had)."""
    done = InboundText.objects.filter(pk=inbound.pk, handled_at__isnull=True).update(
        handled_at=now, handled_by=by
    )
    return bool(done)
