"""Sending a queued text, by the task worker. The task takes the text's id only (the
number and the words stay in their table) and looks again when it runs: the patient may
have replied STOP, the appointment may have been cancelled, the worker may wake at night.

Running it twice sends once: the row is locked and only a queued text is sent. A network
failure is not retried: the provider may have taken the text, and a patient texted twice
is worse than one text the desk sees failed ("provider unreachable").
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from booking.models import AppointmentStatus
from messaging import quiet
from messaging.backends import get_backend
from messaging.backends.base import ProviderUnreachable, Text, TextRefused
from messaging.models import MessagingSettings, TextMessage, TextState
from messaging.selectors import opted_out, patient_zone

UPCOMING = (AppointmentStatus.REQUESTED, AppointmentStatus.CONFIRMED)
# Texts about an appointment still to come; a cancellation's text is about one that is not.
ABOUT_UPCOMING = ("booked", "requested", "rescheduled", "reminder")


def enqueue_delivery(message_id: int, *, send_after: dt.datetime, now: dt.datetime) -> None:
    if send_after <= now:
        deliver_text.enqueue(message_id=message_id)
    else:
        deliver_text.using(run_after=send_after, backend=settings.DEFERRED_TASK_BACKEND).enqueue(
            message_id=message_id
        )


def _not_sent(message: TextMessage, reason: str) -> str:
    message.state, message.reason = TextState.NOT_SENT, reason
    message.save(update_fields=["state", "reason", "updated_at"])
    return f"not sent: {reason}"


def _appointment_reason(message: TextMessage, now: dt.datetime) -> str:
    appointment = message.appointment
    if appointment is None:
        return ""
    if appointment.start <= now:
        return "the appointment has started or passed"
    if message.kind in ABOUT_UPCOMING and appointment.status not in UPCOMING:
        return f"the appointment is {appointment.get_status_display().lower()}"
    return ""


def text_deliver(*, message_id: int, now: dt.datetime) -> str:
    """Send one queued text now, or say why not; the outcome in a few words."""
    with transaction.atomic():
        message = (
            TextMessage.objects.select_for_update(of=("self",))
            .select_related("patient", "appointment__location")
            .filter(pk=message_id)
            .first()
        )
        if message is None:
            return "missing"
        if message.state != TextState.QUEUED:
            return f"skipped: {message.state}"
        if opted_out(message.patient):
            return _not_sent(message, "the patient opted out of texts (STOP)")
        if reason := _appointment_reason(message, now):
            return _not_sent(message, reason)
        backend = get_backend()
        if backend is None:
            return _not_sent(message, "texts are off")
        rules = MessagingSettings.load()
        zone = patient_zone(message.patient, message.appointment)
        morning = quiet.next_allowed(
            now, zone=zone, start=rules.quiet_hours_start, end=rules.quiet_hours_end
        )
        if morning > now:
            message.send_after = morning
            message.save(update_fields=["send_after", "updated_at"])
            pk = message.pk
            transaction.on_commit(lambda: enqueue_delivery(pk, send_after=morning, now=now))
            return f"quiet hours: again at {morning.isoformat()}"
        text = Text(
            to=message.to, body=message.body, segments=message.segments, reference=message.pk
        )
        try:
            message.provider_id = backend.send(text)
        except TextRefused as refusal:
            message.state, message.error_code = TextState.FAILED, refusal.code[:20]
            message.reason = f"refused by the provider: {refusal.reason}"[:200]
        except ProviderUnreachable:
            message.state, message.reason = TextState.FAILED, "provider unreachable"
        else:
            message.state, message.sent_at = TextState.SENT, now
        message.save()
        return str(message.state)


@task
def deliver_text(*, message_id: int) -> str:
    return text_deliver(message_id=message_id, now=timezone.now())
