"""Queueing a text: one TextMessage recorded whatever happens, sent by the worker after the
surrounding transaction commits (messaging.tasks.deliver_text).

A text a rule blocks is still recorded, as not sent with the reason, so the desk sees
that the patient was not texted and why. The rules, in order: texts off; no number; the
patient's latest word is STOP; not a mobile number; a body longer than the provider
takes; the daily limit per patient. Night-time texts wait for the morning (quiet hours).
"""

import datetime as dt

import phonenumbers
from django.db import transaction
from django.utils import timezone

from booking.models import Appointment
from clinic import ratelimit
from messaging import quiet, segments
from messaging.backends import get_backend
from messaging.backends.base import BaseTextBackend
from messaging.models import MessagingSettings, TextMessage, TextState
from messaging.selectors import opted_out, patient_zone
from messaging.tasks import enqueue_delivery
from patients.models import Patient


def _number_problem(patient: Patient) -> str:
    phone = patient.phone
    if not phone:
        return "no phone number"
    if not phone.is_valid():
        return "not a valid phone number"
    kind = phonenumbers.number_type(phone)
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "landline: texts need a mobile number"
    return ""


def _blocked(patient: Patient, *, body: str, backend: BaseTextBackend | None) -> str:
    """Why this text cannot go, whatever the hour or the count; "" if it can."""
    if backend is None:
        return "texts are off"
    if opted_out(patient):
        return "the patient opted out of texts (STOP)"
    if problem := _number_problem(patient):
        return problem
    if len(body) > backend.max_length:
        return f"too long: {len(body)} characters, the most is {backend.max_length}"
    return ""


def _local_midnight(now: dt.datetime, zone: dt.tzinfo) -> dt.datetime:
    local = now.astimezone(zone)
    return dt.datetime.combine(local.date(), dt.time(0), tzinfo=zone)


def queue_text(
    patient: Patient,
    *,
    kind: str,
    body: str,
    appointment: Appointment | None = None,
    now: dt.datetime | None = None,
) -> TextMessage:
    """Record a text for ``patient`` and, unless a rule blocks it, have the worker send it
    once this transaction commits (at the end of quiet hours if it is night where the
    patient is)."""
    now = now or timezone.now()
    rules = MessagingSettings.load()
    zone = patient_zone(patient, appointment)
    backend = get_backend()
    counted = segments.count(body)
    message = TextMessage(
        patient=patient,
        appointment=appointment,
        kind=kind,
        to=patient.phone.as_e164 if patient.phone else "",
        body=body,
        segments=counted.parts,
        send_after=quiet.next_allowed(
            now, zone=zone, start=rules.quiet_hours_start, end=rules.quiet_hours_end
        ),
    )
    reason = _blocked(patient, body=body, backend=backend)
    with transaction.atomic():
        if not reason:
            # One patient's texts are counted one queue at a time: two tasks at once cannot
            # both take the last place of the day.
            ratelimit.lock([ratelimit.key("texts-per-day", str(patient.pk))])
            today = (
                TextMessage.objects.filter(
                    patient=patient, created_at__gte=_local_midnight(now, zone)
                )
                .exclude(state=TextState.NOT_SENT)
                .count()
            )
            if today >= rules.daily_limit:
                reason = f"daily limit reached ({rules.daily_limit} texts a day)"
        if reason:
            # Kept as it would have gone, cut to what the log holds: a text refused for
            # its length, or no number to send to, is still on record.
            message.state, message.reason = TextState.NOT_SENT, reason[:200]
            message.body, message.to = body[:1600], message.to[:16]
        message.full_clean(exclude=["to"] if reason else None)
        message.save()
        if not reason:
            pk, send_after = message.pk, message.send_after
            transaction.on_commit(lambda: enqueue_delivery(pk, send_after=send_after, now=now))
    return message
