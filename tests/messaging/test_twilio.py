"""Texts through Twilio's own client, over HTTP, to the local stand-in
(bin/sms_standin.py), and its signed delivery receipts back to the running app."""

import datetime as dt
import socket

import pytest
import requests
import time_machine
from django.conf import settings
from django.urls import reverse

from booking.notify.tasks import send_reminder
from messaging.backends.base import ProviderUnreachable, Text, TextRefused
from messaging.backends.twilio import TextBackend
from messaging.models import TextMessage, TextState
from messaging.services.texts import queue_text
from messaging.tasks import text_deliver
from patients.models import ContactMethod
from tests import factories
from tests.factories import at
from tests.sms_fixtures import ACCOUNT_SID, AUTH_TOKEN, FROM, wait_for_state

pytestmark = pytest.mark.django_db(transaction=True)

MOBILE = "+447400123456"
UNREACHABLE_HANDSET = "+447400000003"  # the stand-in: undelivered, 30003
UNKNOWN_HANDSET = "+447400000005"  # the stand-in: failed, 30005


def test_a_text_reaches_the_provider_and_its_receipts_come_back(twilio_texts):
    patient = factories.patient(first_name="Mo", phone=MOBILE)
    message = queue_text(patient, kind="booked", body="Riverside: booked for Mon 11 Jan, 09:00.")
    message.refresh_from_db()
    assert message.state in {TextState.SENT, TextState.DELIVERED}
    assert message.provider_id.startswith("SM")
    assert len(message.provider_id) == 34
    taken = twilio_texts.message(message.provider_id)
    assert (taken["to"], taken["sender"], taken["body"]) == (MOBILE, FROM, message.body)
    assert taken["num_segments"] == 1
    assert taken["status_callback"] == (
        f"{settings.SITE_URL}{reverse('messaging:text_status')}?m={message.pk}"
    )
    callbacks = twilio_texts.wait_for_callbacks(message.provider_id, 2)
    assert [(c["status"], c["answer"]) for c in callbacks] == [
        ("sent", "200"),
        ("delivered", "200"),
    ]
    message = wait_for_state(message, TextState.DELIVERED)
    assert message.delivered_at is not None


@pytest.mark.parametrize(
    ("number", "code"), [(UNREACHABLE_HANDSET, "30003"), (UNKNOWN_HANDSET, "30005")]
)
def test_an_undelivered_text_fails_with_the_carriers_code(twilio_texts, number, code):
    patient = factories.patient(first_name="Mo", phone=number)
    message = queue_text(patient, kind="reminder", body="Riverside: reminder.")
    twilio_texts.wait_for_callbacks(TextMessage.objects.get(pk=message.pk).provider_id, 2)
    message = wait_for_state(message, TextState.FAILED)
    assert message.error_code == code
    assert message.reason == f"not delivered (provider error {code})"


def queued(to: str) -> TextMessage:
    patient = factories.patient(first_name="Mo", phone=MOBILE)
    return TextMessage.objects.create(
        patient=patient,
        kind="booked",
        to=to,
        body="Riverside: see you soon.",
        send_after=dt.datetime(2027, 1, 4, 10, 0, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    ("to", "code"),
    [
        ("+15005550001", "21211"),  # not a valid number
        ("+441134960000", "21614"),  # a landline
        ("+15005550004", "21610"),  # replied STOP to the provider
    ],
)
def test_a_refusal_is_failed_with_the_providers_code(twilio_texts, to, code):
    message = queued(to)
    now = dt.datetime.now(dt.UTC).replace(hour=12)
    assert text_deliver(message_id=message.pk, now=now) == "failed"
    message.refresh_from_db()
    assert (message.state, message.error_code) == (TextState.FAILED, code)
    assert message.reason.startswith("refused by the provider: ")
    assert message.provider_id is None


def test_the_backend_raises_the_providers_refusal(twilio_texts):
    with pytest.raises(TextRefused) as refused:
        TextBackend().send(Text(to="+441134960000", body="Hello"))
    assert refused.value.code == "21614"
    assert "not a valid mobile number" in refused.value.reason


def test_a_wrong_auth_token_is_refused_by_the_provider(twilio_texts, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    with pytest.raises(TextRefused) as refused:
        TextBackend().send(Text(to=MOBILE, body="Hello"))
    assert refused.value.code == "20003"


def test_a_provider_error_is_unreachable(twilio_texts):
    with pytest.raises(ProviderUnreachable):
        TextBackend().send(Text(to="+447400000500", body="Hello"))


def test_no_answer_at_all_fails_the_text_as_unreachable(twilio_texts, settings):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.TWILIO_API_BASE = f"http://127.0.0.1:{port}"
    message = queued(MOBILE)
    now = dt.datetime.now(dt.UTC).replace(hour=12)
    assert text_deliver(message_id=message.pk, now=now) == "failed"
    message.refresh_from_db()
    assert (message.state, message.reason) == (TextState.FAILED, "provider unreachable")


def test_a_messaging_service_sends_as_itself(twilio_texts, settings):
    settings.TWILIO_FROM = "MG" + "0" * 32
    sid = TextBackend().send(Text(to=MOBILE, body="Hello"))
    assert twilio_texts.message(sid)["sender"] == settings.TWILIO_FROM


def test_the_stand_in_checks_its_credentials(sms_standin):
    answer = requests.post(
        f"{sms_standin.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data={"To": MOBILE, "From": FROM, "Body": "Hello"},
        auth=(ACCOUNT_SID, "wrong"),
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["code"] == 20003
    answer = requests.post(
        f"{sms_standin.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json",
        data={"To": MOBILE, "From": FROM, "Body": "Hello"},
        auth=(ACCOUNT_SID, AUTH_TOKEN),
        timeout=10,
    )
    assert answer.status_code == 201
    assert answer.json()["status"] == "queued"


def test_the_stand_ins_inbound_posts_are_signed_as_twilios(twilio_texts, live_server):
    # The receipts endpoint verifies Twilio's signature: a signed inbound form passes it
    # (and is ignored, having no status); the same form unsigned does not.
    url = live_server.url + reverse("messaging:text_status")
    answer = twilio_texts.inbound(url=url, from_=MOBILE, body="C")
    assert (answer.status_code, answer.text) == (200, "ignored")
    unsigned = requests.post(url, data={"From": MOBILE, "Body": "C"}, timeout=10)
    assert unsigned.status_code == 403


def test_a_reminder_reaches_the_patient_who_prefers_texts(twilio_texts, clinic):
    patient = factories.patient(first_name="Mo", phone=MOBILE)
    patient.preferred_contact = ContactMethod.SMS
    patient.save()
    appointment = factories.appointment(clinic, patient, at(9), status="confirmed")
    reminder_time = at(9) - dt.timedelta(hours=24)
    with time_machine.travel(reminder_time, tick=False):
        assert send_reminder.call(appointment_id=appointment.pk, start=at(9).isoformat()) == "sent"
    message = TextMessage.objects.get(kind="reminder")
    taken = twilio_texts.message(message.provider_id)
    assert taken["to"] == MOBILE
    assert taken["body"].endswith("Reply C to confirm, X to cancel.")
    wait_for_state(message, TextState.DELIVERED)
