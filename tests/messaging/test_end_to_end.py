"""A patient who prefers texts, end to end through Twilio's client, the local stand-in
(bin/sms_standin.py) and the signed webhooks: the reminder arrives by text, "C" confirms
the appointment, STOP stops every later text, START lets them through again."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from booking.models import AppointmentSource
from booking.notify.tasks import send_reminder
from booking.services.changes import appointment_reschedule
from messaging.models import InboundText, ReplyAction, TextMessage, TextState
from messaging.selectors import opted_out
from patients.models import ContactMethod
from tests import factories
from tests.factories import at
from tests.sms_fixtures import wait_for_state

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = "+447400123999"


def sent_to(standin, number: str) -> list[str]:
    return [m["body"] for m in standin.messages() if m["to"] == number]


def test_a_reminder_by_text_confirmed_by_reply_then_stop_and_start(
    twilio_texts, live_server, clinic
):
    patient = factories.patient(first_name="Mo", phone=MOBILE)
    patient.preferred_contact = ContactMethod.SMS
    patient.save()
    appointment = factories.appointment(clinic, patient, at(9), status="confirmed")
    inbound_url = live_server.url + reverse("messaging:text_inbound")

    # The worker runs the reminder a day before: email and text; the text is delivered.
    with time_machine.travel(at(9) - dt.timedelta(hours=24), tick=False):
        assert send_reminder.call(appointment_id=appointment.pk, start=at(9).isoformat()) == "sent"
    reminder = wait_for_state(TextMessage.objects.get(kind="reminder"), TextState.DELIVERED)
    [body] = sent_to(twilio_texts, MOBILE)
    assert body == reminder.body
    assert body.endswith("Reply C to confirm, X to cancel.")

    # The patient replies "C" from their phone: Twilio posts it, signed, to the webhook.
    with time_machine.travel(at(9) - dt.timedelta(hours=23)):
        answer = twilio_texts.inbound(url=inbound_url, from_=MOBILE, body="c ")
    assert answer.status_code == 200
    assert "<Message>" in answer.text
    appointment.refresh_from_db()
    assert appointment.patient_confirmed_at is not None
    confirm = InboundText.objects.get()
    assert (confirm.action, confirm.patient, confirm.appointment) == (
        ReplyAction.CONFIRMED,
        patient,
        appointment,
    )

    # The same delivery replayed by Twilio acts once.
    again = twilio_texts.inbound(url=inbound_url, from_=MOBILE, body="c ", sid=confirm.provider_id)
    assert again.status_code == 200
    assert InboundText.objects.count() == 1

    # STOP: the move that follows is emailed, and its text is kept as not sent.
    twilio_texts.inbound(url=inbound_url, from_=MOBILE, body="STOP")
    assert opted_out(patient)
    with time_machine.travel(at(9) - dt.timedelta(hours=22)):
        appointment = appointment_reschedule(
            appointment=appointment,
            start=at(11),
            now=timezone.now(),
            source=AppointmentSource.FRONT_DESK,
        )
    moved = TextMessage.objects.get(kind="rescheduled")
    assert (moved.state, moved.reason) == (
        TextState.NOT_SENT,
        "the patient opted out of texts (STOP)",
    )
    assert len(sent_to(twilio_texts, MOBILE)) == 1

    # START: texts go again.
    twilio_texts.inbound(url=inbound_url, from_=MOBILE, body="Start")
    assert not opted_out(patient)
    with time_machine.travel(at(9) - dt.timedelta(hours=21)):
        appointment_reschedule(
            appointment=appointment,
            start=at(14),
            now=timezone.now(),
            source=AppointmentSource.FRONT_DESK,
        )
    latest = TextMessage.objects.filter(kind="rescheduled").order_by("-pk").first()
    wait_for_state(latest, TextState.DELIVERED)
    assert len(sent_to(twilio_texts, MOBILE)) == 2
